import type {Port} from '../hypervisor/ports.js'

/**
 * What the root's VMBus server needs of the child partition, and nothing more.
 * The worker supplies it through WinHv (HvPostMessage / HvSignalEvent into the
 * child's SynIC, the connection table the guest's own PostMessage and
 * SignalEvent hypercalls reach) and the VID (guest memory, which the root maps
 * to read and write ring buffers).
 */
export interface VmbusPartitionLink {
  /** Guest memory as the root sees it. */
  readonly memory: GuestMemoryWindow
  /**
   * Put a message in SINT `sint`'s slot of VP `vp`'s SynIC message page (or
   * queue it behind the occupant). Returns an HV_STATUS: SUCCESS,
   * INSUFFICIENT_BUFFERS when the queue is full, INVALID_SYNIC_STATE when the
   * SynIC or the message page is disabled.
   */
  postMessage(vp: number, sint: number, messageType: number, payload: Uint8Array): number
  /**
   * Set flag `flag` in SINT `sint`'s event-flags page of VP `vp`, raising the
   * SINT only on a 0 -> 1 change. Returns an HV_STATUS.
   */
  signalEvent(vp: number, sint: number, flag: number): number
  /** Bind a connection id the guest may post to (message port) or signal (event port). */
  connect(connectionId: number, port: Port): void
  disconnect(connectionId: number): void
}

/**
 * Guest-physical memory for host-side readers and writers (ring buffers,
 * GPADL pages). Every access names a GPA range; a range that is not all RAM
 * gives null / false, never an exception or an access outside the guest.
 */
export interface GuestMemoryWindow {
  /** A live view of `length` bytes at `gpa` (no copy), or null unless it is all RAM on one contiguous run. */
  view(gpa: number, length: number): Uint8Array | null
  /**
   * The host wrote `length` bytes at `gpa` through a view: mark the pages
   * dirty for saved state and drop any code the processors decoded there.
   */
  wrote(gpa: number, length: number): void
}

/**
 * The contract between the VMBus server and a VSP (a synthetic device in the
 * root). The server offers the device's channel to the guest, runs the
 * GPADL/open handshake, owns the ring buffers, and hands the device whole
 * packets; the device answers through its channel endpoint. Devices never
 * touch SynIC, and reach guest memory only through the buffers the guest
 * hands them in GPA-direct packets.
 */

/** What the guest sees in OFFERCHANNEL. GUIDs as text, "57164f39-9115-4e78-ab55-382f3bd5422d". */
export interface VmbusOffer {
  /** The cmdlet-style name: "Heartbeat", "Shutdown", "Time Synchronization", "Key-Value Pair Exchange". */
  readonly name: string
  /** if_type: the device class. */
  readonly classId: string
  /** if_instance: this device. */
  readonly instanceId: string
  /** Optional user_def bytes (up to 120); zeros when absent. */
  readonly userDefined?: Uint8Array
  readonly mmioMegabytes?: number
}

import type {GuestDataBuffer} from './gpa-direct.js'

/** One packet read from the guest-to-host ring. */
export interface IncomingPacket {
  /** VMBUS_PACKET type: 6 DATA_INBAND, 7 XFER_PAGES, 9 GPA_DIRECT, 11 COMP. */
  readonly type: number
  /** Bit 0: the guest asks for a completion. */
  readonly flags: number
  readonly transactionId: bigint
  /** The packet's data after its descriptor (a copy the device may keep). */
  readonly payload: Uint8Array
  /**
   * A GPA-direct packet's buffer (type 9): the guest pages it lists, which the
   * device reads or writes in place. Null for other packet types.
   */
  readonly buffer: GuestDataBuffer | null
}

/** The device's end of an open channel. */
export interface ChannelEndpoint {
  /** The channel's relid, for logs. */
  readonly relid: number
  /**
   * Write one packet (default DATA_INBAND) to the host-to-guest ring and
   * signal the guest if the rules say so. False when the ring has no room;
   * the device is told through `writable` when to try again.
   */
  send(payload: Uint8Array, options?: {type?: number; transactionId?: bigint; completionRequested?: boolean}): boolean
}

/** A VSP. */
export interface VmbusDevice {
  readonly offer: VmbusOffer
  /** The guest opened the channel: the device may start talking. */
  opened(endpoint: ChannelEndpoint): void
  /** The channel closed (guest close, rescind, unload, reset): forget the endpoint. */
  closed(): void
  /** A packet arrived from the guest. */
  receive(packet: IncomingPacket): void
  /** The host-to-guest ring has room again after a failed send. */
  writable?(): void
  /** Device state for saved state and checkpoints (JSON-compatible, with a version). */
  saveState(): {version: number; [field: string]: unknown}
  /** Called after the channel itself is restored (so `opened` is not called again for an open channel). */
  restoreState(state: {version: number; [field: string]: unknown}, endpoint: ChannelEndpoint | null): void
}

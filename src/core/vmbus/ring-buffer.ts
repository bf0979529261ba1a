/**
 * VMBus ring buffers, read and written in place in guest memory.
 *
 * A ring is a control page followed by a data area, both inside the channel's
 * ring GPADL. The GPADL's pages need not be contiguous in guest-physical
 * space, so every access maps a data offset to (page, offset in page) and
 * goes through GuestMemoryWindow.view one page piece at a time; a page that is
 * no longer RAM is a ring error, never an access outside the guest.
 *
 * Control page (hv_ring_buffer): u32 write_index @0, u32 read_index @4,
 * u32 interrupt_mask @8, u32 pending_send_sz @12, u32 feature_bits @64.
 * Indices are byte offsets into the data area, 8-byte aligned, wrapping; the
 * writer never fills the ring completely (free space must exceed what it
 * writes), so read == write always means empty.
 *
 * Packet: vmpacket_descriptor {u16 type, u16 offset8, u16 len8, u16 flags,
 * u64 trans_id}, data up to len8 * 8, then an 8-byte trailer holding the
 * writer's previous write_index in its high dword.
 *
 * Every index, length and offset the guest controls is checked; a violation
 * throws RingError, which the channel catches and turns into its Error state.
 */
import {VMBUS_PACKET} from './constants.js'
import {parseGpaDirectHeader} from './gpa-direct.js'
import type {GpaRange} from './messages.js'
import type {GuestMemoryWindow} from './partition-link.js'

export const RING_PAGE_SIZE = 4096
export const RING_CONTROL = {
  WRITE_INDEX: 0,
  READ_INDEX: 4,
  INTERRUPT_MASK: 8,
  PENDING_SEND_SZ: 12,
  FEATURE_BITS: 64,
} as const
/** feature_bits bit 0: the ring's user honours pending_send_sz. */
export const RING_FEATURE_PENDING_SEND_SZ = 1
export const PACKET_DESCRIPTOR_BYTES = 16
export const PACKET_TRAILER_BYTES = 8
/** A ring needs its control page and at least one data page. */
export const MIN_RING_PAGES = 2

/** A guest broke the ring protocol; the channel goes to Error with this message. */
export class RingError extends Error {}

/** The pages of one ring: pfns[0] is the control page, the rest the data area in order. */
export class RingPages {
  readonly dataSize: number

  constructor(
    private readonly memory: GuestMemoryWindow,
    private readonly pfns: readonly number[],
  ) {
    if (pfns.length < MIN_RING_PAGES) throw new RingError(`a ring needs ${MIN_RING_PAGES} pages, got ${pfns.length}`)
    this.dataSize = (pfns.length - 1) * RING_PAGE_SIZE
  }

  readControl(offset: number): number {
    const v = this.view(this.pfns[0], offset, 4)
    return (v[0] | (v[1] << 8) | (v[2] << 16) | (v[3] << 24)) >>> 0
  }

  writeControl(offset: number, value: number): void {
    const v = this.view(this.pfns[0], offset, 4)
    v[0] = value
    v[1] = value >>> 8
    v[2] = value >>> 16
    v[3] = value >>> 24
    this.memory.wrote(this.pfns[0] * RING_PAGE_SIZE + offset, 4)
  }

  /** Copy `length` bytes from data offset `start`, wrapping at the end of the data area. */
  copyOut(start: number, length: number): Uint8Array {
    const out = new Uint8Array(length)
    let done = 0
    let pos = start % this.dataSize
    while (done < length) {
      const page = Math.floor(pos / RING_PAGE_SIZE)
      const within = pos % RING_PAGE_SIZE
      const chunk = Math.min(length - done, RING_PAGE_SIZE - within)
      out.set(this.view(this.pfns[1 + page], within, chunk), done)
      done += chunk
      pos = (pos + chunk) % this.dataSize
    }
    return out
  }

  /** Copy `bytes` to data offset `start`, wrapping, and report each piece written. */
  copyIn(start: number, bytes: Uint8Array): void {
    let done = 0
    let pos = start % this.dataSize
    while (done < bytes.length) {
      const page = Math.floor(pos / RING_PAGE_SIZE)
      const within = pos % RING_PAGE_SIZE
      const chunk = Math.min(bytes.length - done, RING_PAGE_SIZE - within)
      this.view(this.pfns[1 + page], within, chunk).set(bytes.subarray(done, done + chunk))
      this.memory.wrote(this.pfns[1 + page] * RING_PAGE_SIZE + within, chunk)
      done += chunk
      pos = (pos + chunk) % this.dataSize
    }
  }

  private view(pfn: number, within: number, length: number): Uint8Array {
    const v = this.memory.view(pfn * RING_PAGE_SIZE + within, length)
    if (!v) throw new RingError(`ring page 0x${pfn.toString(16)} is no longer guest RAM`)
    return v
  }
}

/** Check an index the other side may have scribbled on. */
function checkIndex(name: string, value: number, dataSize: number): number {
  if (value >= dataSize) throw new RingError(`${name} ${value} is outside the data area of ${dataSize} bytes`)
  if (value % 8 !== 0) throw new RingError(`${name} ${value} is not 8-byte aligned`)
  return value
}

/** Bytes waiting to be read when write index is `w` and read index `r`. */
function used(w: number, r: number, size: number): number {
  return w >= r ? w - r : size - r + w
}

/** A packet as the ring holds it; the channel turns it into the device's IncomingPacket. */
export interface RingPacket {
  type: number
  flags: number
  transactionId: bigint
  payload: Uint8Array
  /** A GPA-direct packet's page ranges (type 9), checked for layout; null for other types. */
  ranges: GpaRange[] | null
}

export interface ReadPacket {
  packet: RingPacket
  /** Bytes the packet took in the ring, trailer included. */
  ringBytes: number
}

/** The guest-to-host ring: the host is the reader. */
export class InboundRing {
  constructor(readonly pages: RingPages) {}

  get dataSize(): number {
    return this.pages.dataSize
  }

  /** Bytes the guest (writer) could write now, as Linux's hv_get_bytes_to_write counts them. */
  writerSpace(): number {
    const size = this.pages.dataSize
    const w = checkIndex('write_index', this.pages.readControl(RING_CONTROL.WRITE_INDEX), size)
    const r = checkIndex('read_index', this.pages.readControl(RING_CONTROL.READ_INDEX), size)
    return size - used(w, r, size)
  }

  /** Read the next packet and advance read_index past it; null when the ring is empty. */
  readOne(): ReadPacket | null {
    const size = this.pages.dataSize
    const w = checkIndex('write_index', this.pages.readControl(RING_CONTROL.WRITE_INDEX), size)
    const r = checkIndex('read_index', this.pages.readControl(RING_CONTROL.READ_INDEX), size)
    const available = used(w, r, size)
    if (available === 0) return null
    if (available < PACKET_DESCRIPTOR_BYTES + PACKET_TRAILER_BYTES) {
      throw new RingError(`${available} bytes in the ring, less than a packet`)
    }
    const d = this.pages.copyOut(r, PACKET_DESCRIPTOR_BYTES)
    const dv = new DataView(d.buffer)
    const type = dv.getUint16(0, true)
    const offset = dv.getUint16(2, true) * 8
    const length = dv.getUint16(4, true) * 8
    const flags = dv.getUint16(6, true)
    const transactionId = dv.getBigUint64(8, true)
    if (offset < PACKET_DESCRIPTOR_BYTES) throw new RingError(`packet offset8 ${offset / 8} is inside the descriptor`)
    if (length < offset) throw new RingError(`packet len8 ${length / 8} is less than offset8 ${offset / 8}`)
    if (length + PACKET_TRAILER_BYTES > available) {
      throw new RingError(`packet of ${length} bytes (+8 trailer) is longer than the ${available} bytes in the ring`)
    }
    const payload = this.pages.copyOut((r + offset) % size, length - offset)
    const ringBytes = length + PACKET_TRAILER_BYTES
    // Consume the packet before judging its page list: a malformed one must not be read again.
    this.pages.writeControl(RING_CONTROL.READ_INDEX, (r + ringBytes) % size)
    let ranges: GpaRange[] | null = null
    if (type === VMBUS_PACKET.DATA_USING_GPA_DIRECT) {
      const parsed = parseGpaDirectHeader(this.pages.copyOut((r + PACKET_DESCRIPTOR_BYTES) % size, offset - PACKET_DESCRIPTOR_BYTES))
      if (typeof parsed === 'string') throw new RingError(`GPA-direct packet: ${parsed}`)
      ranges = parsed
    }
    return {packet: {type, flags, transactionId, payload, ranges}, ringBytes}
  }

  /**
   * After reading `bytesRead` bytes: should the writer be signalled? Yes when
   * it set pending_send_sz and its free space went from not enough to enough
   * (Linux hv_pkt_iter_close: space > pending now and was <= pending before).
   */
  writerWantsSignal(bytesRead: number): boolean {
    if (bytesRead === 0) return false
    const pending = this.pages.readControl(RING_CONTROL.PENDING_SEND_SZ)
    if (pending === 0) return false
    const space = this.writerSpace()
    return space > pending && space - bytesRead <= pending
  }
}

export type WriteResult = 'written-signal' | 'written' | 'full'

/** The host-to-guest ring: the host is the writer. */
export class OutboundRing {
  constructor(readonly pages: RingPages) {}

  get dataSize(): number {
    return this.pages.dataSize
  }

  /** Ring bytes a packet with `payloadLength` bytes of data takes. */
  static packetBytes(payloadLength: number): number {
    return PACKET_DESCRIPTOR_BYTES + Math.ceil(payloadLength / 8) * 8 + PACKET_TRAILER_BYTES
  }

  /** Could a packet of `ringBytes` ever fit (in an empty ring)? */
  couldEverFit(ringBytes: number): boolean {
    // The descriptor's len8 is a u16: packets stop at 512 KiB whatever the ring size.
    return ringBytes < this.pages.dataSize && ringBytes - PACKET_TRAILER_BYTES <= 0xffff * 8
  }

  /** Free bytes as the writer sees them (must exceed a packet's size to write it). */
  space(): number {
    const size = this.pages.dataSize
    const w = checkIndex('write_index', this.pages.readControl(RING_CONTROL.WRITE_INDEX), size)
    const r = checkIndex('read_index', this.pages.readControl(RING_CONTROL.READ_INDEX), size)
    return size - used(w, r, size)
  }

  write(type: number, flags: number, transactionId: bigint, payload: Uint8Array): WriteResult {
    const size = this.pages.dataSize
    const total = OutboundRing.packetBytes(payload.length)
    if (!this.couldEverFit(total)) return 'full'
    const w = checkIndex('write_index', this.pages.readControl(RING_CONTROL.WRITE_INDEX), size)
    const r = checkIndex('read_index', this.pages.readControl(RING_CONTROL.READ_INDEX), size)
    // Never fill completely: read == write must keep meaning empty.
    if (size - used(w, r, size) <= total) return 'full'
    const bytes = new Uint8Array(total)
    const view = new DataView(bytes.buffer)
    view.setUint16(0, type, true)
    view.setUint16(2, PACKET_DESCRIPTOR_BYTES / 8, true)
    view.setUint16(4, (total - PACKET_TRAILER_BYTES) / 8, true)
    view.setUint16(6, flags, true)
    view.setBigUint64(8, BigInt.asUintN(64, transactionId), true)
    bytes.set(payload, PACKET_DESCRIPTOR_BYTES)
    // Trailer: previous write_index << 32.
    view.setUint32(total - 4, w, true)
    this.pages.copyIn(w, bytes)
    this.pages.writeControl(RING_CONTROL.WRITE_INDEX, (w + total) % size)
    // Signal only on empty -> non-empty, and only if the reader has not masked interrupts.
    const mask = this.pages.readControl(RING_CONTROL.INTERRUPT_MASK)
    const readNow = this.pages.readControl(RING_CONTROL.READ_INDEX)
    return mask === 0 && readNow === w ? 'written-signal' : 'written'
  }

  /** Ask the reader (guest) to signal once more than `bytes` are free; 0 withdraws the request. */
  setPendingSend(bytes: number): void {
    this.pages.writeControl(RING_CONTROL.PENDING_SEND_SZ, bytes)
  }

  pendingSend(): number {
    return this.pages.readControl(RING_CONTROL.PENDING_SEND_SZ)
  }
}

/**
 * GPA-direct packets (VM_PKT_DATA_USING_GPA_DIRECT, type 9): a guest hands the
 * host a buffer by listing its pages inside the packet, between the packet's
 * descriptor and its data: u32 reserved, u32 rangecount, then each range as
 * {u32 byte_count, u32 byte_offset, u64 pfn[]} (Linux's vmbus_packet_mpb_array;
 * hv_storvsc sends one range per request, its scatterlist's pages).
 *
 * A GuestDataBuffer is that buffer as one run of bytes the device reads from
 * or writes into. Every access goes through the guest-memory window page by
 * page, so a page that is not RAM is a GuestBufferError (the device fails the
 * request), never an access outside the guest.
 */
import {parseGpaRanges, type GpaRange} from './messages.js'
import type {GuestMemoryWindow} from './partition-link.js'

const PAGE_SIZE = 4096
/** Pages one packet may describe: more than hv_storvsc's largest transfer and netvsc's page buffers. */
export const MAX_GPA_DIRECT_PAGES = 4096
/** reserved + rangecount, before the ranges. */
const GPA_DIRECT_HEADER_BYTES = 8

/** A guest buffer access the guest's page list does not allow. */
export class GuestBufferError extends Error {}

/**
 * Parse the bytes between a type-9 packet's 16-byte descriptor and its data.
 * Returns the ranges, or a string saying what is malformed.
 */
export function parseGpaDirectHeader(bytes: Uint8Array): GpaRange[] | string {
  if (bytes.length < GPA_DIRECT_HEADER_BYTES) return `GPA-direct header of ${bytes.length} bytes is shorter than its rangecount`
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const rangeCount = view.getUint32(4, true)
  if (rangeCount === 0) return 'GPA-direct packet with no ranges'
  return parseGpaRanges(bytes.subarray(GPA_DIRECT_HEADER_BYTES), rangeCount, MAX_GPA_DIRECT_PAGES)
}

export class GuestDataBuffer {
  /** Bytes in all ranges together. */
  readonly length: number

  constructor(
    private readonly memory: GuestMemoryWindow,
    readonly ranges: readonly GpaRange[],
  ) {
    this.length = ranges.reduce((n, r) => n + r.byteCount, 0)
  }

  /** Copy `into.length` bytes from buffer offset `offset`. */
  read(offset: number, into: Uint8Array): void {
    this.walk(offset, into.length, (gpa, done, chunk) => {
      into.set(this.page(gpa, chunk), done)
    })
  }

  /** Copy `data` to buffer offset `offset`, marking what was written (dirty pages, decoded code). */
  write(offset: number, data: Uint8Array): void {
    this.walk(offset, data.length, (gpa, done, chunk) => {
      this.page(gpa, chunk).set(data.subarray(done, done + chunk))
      this.memory.wrote(gpa, chunk)
    })
  }

  /** Visit the guest-physical pieces of [offset, offset + length), each inside one page. */
  private walk(offset: number, length: number, visit: (gpa: number, done: number, chunk: number) => void): void {
    if (offset < 0 || length < 0 || offset + length > this.length) {
      throw new GuestBufferError(`access of ${length} bytes at ${offset} is outside the guest's buffer of ${this.length} bytes`)
    }
    let done = 0
    let skip = offset
    for (const range of this.ranges) {
      if (done === length) return
      if (skip >= range.byteCount) {
        skip -= range.byteCount
        continue
      }
      // Position within the range's pages, which start byteOffset into the first page.
      let pos = range.byteOffset + skip
      let left = Math.min(range.byteCount - skip, length - done)
      skip = 0
      while (left > 0) {
        const pfn = range.pfns[Math.floor(pos / PAGE_SIZE)]
        const within = pos % PAGE_SIZE
        const chunk = Math.min(left, PAGE_SIZE - within)
        visit(pfn * PAGE_SIZE + within, done, chunk)
        done += chunk
        pos += chunk
        left -= chunk
      }
    }
  }

  private page(gpa: number, length: number): Uint8Array {
    const view = this.memory.view(gpa, length)
    if (!view) throw new GuestBufferError(`guest page 0x${Math.floor(gpa / PAGE_SIZE).toString(16)} of the buffer is not RAM`)
    return view
  }
}

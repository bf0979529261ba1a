/**
 * GPADLs (Guest Physical Address Descriptor Lists): the guest's way of
 * handing the host a list of its pages. A GPADL arrives as one GPADL_HEADER
 * and, when its page list does not fit in 240 bytes, GPADL_BODY messages
 * that continue the range data. The table assembles them, validates the
 * result (range layout, page counts, every PFN inside guest RAM) and keeps
 * the page lists that ring buffers are later built from.
 */
import {LIMITS} from './constants.js'
import {parseGpaRanges, type GpaRange} from './messages.js'
import type {GuestMemoryWindow} from './partition-link.js'

const PAGE_SIZE = 4096
/** A 32-bit guest without PAE addresses 2^20 pages. */
const MAX_PFN_EXCLUSIVE = 1 << 20

export interface Gpadl {
  readonly handle: number
  readonly childRelid: number
  readonly ranges: readonly GpaRange[]
  /** All PFNs of all ranges, in order. */
  readonly pfns: readonly number[]
  /** The guest asked to tear it down while a channel's rings still used it: torn down at close. */
  teardownPending: boolean
}

interface PendingGpadl {
  handle: number
  childRelid: number
  rangeCount: number
  expectedBytes: number
  received: Uint8Array[]
  receivedBytes: number
}

export type GpadlStep =
  | {kind: 'incomplete'}
  | {kind: 'created'; gpadl: Gpadl}
  | {kind: 'failed'; handle: number; childRelid: number; error: string}
  /** Not attributable to any GPADL (e.g. a body for an unknown handle): ignore and count. */
  | {kind: 'ignored'; error: string}

export interface GpadlSaved {
  handle: number
  childRelid: number
  ranges: GpaRange[]
  teardownPending: boolean
}
export interface PendingGpadlSaved {
  handle: number
  childRelid: number
  rangeCount: number
  expectedBytes: number
  /** Range data received so far, base64. */
  data: string
}

export class GpadlTable {
  private readonly complete = new Map<number, Gpadl>()
  private readonly pending = new Map<number, PendingGpadl>()

  constructor(private readonly memory: GuestMemoryWindow) {}

  get(handle: number): Gpadl | undefined {
    return this.complete.get(handle)
  }

  get size(): number {
    return this.complete.size
  }

  get pendingCount(): number {
    return this.pending.size
  }

  all(): Gpadl[] {
    return [...this.complete.values()]
  }

  /** GPADL_HEADER. `channelKnown` says whether child_relid names a live channel. */
  header(
    childRelid: number,
    handle: number,
    rangeBufLen: number,
    rangeCount: number,
    rangeData: Uint8Array,
    channelKnown: boolean,
  ): GpadlStep {
    const fail = (error: string): GpadlStep => ({kind: 'failed', handle, childRelid, error})
    if (this.complete.has(handle) || this.pending.has(handle)) {
      // Never disturb the GPADL already holding this handle.
      return fail(`GPADL handle 0x${handle.toString(16)} is already in use`)
    }
    if (handle === 0) return fail('GPADL handle 0 is reserved')
    if (!channelKnown) return fail(`GPADL for unknown channel relid ${childRelid}`)
    if (this.complete.size + this.pending.size >= LIMITS.MAX_GPADLS) return fail(`more than ${LIMITS.MAX_GPADLS} GPADLs`)
    if (rangeCount === 0) return fail('GPADL with no ranges')
    if (rangeBufLen % 8 !== 0) return fail(`range_buflen ${rangeBufLen} is not whole u64s`)
    // Each range needs its 8-byte header and at least one PFN.
    if (rangeBufLen < rangeCount * 16) return fail(`range_buflen ${rangeBufLen} too small for ${rangeCount} ranges`)
    if ((rangeBufLen - rangeCount * 8) / 8 > LIMITS.MAX_GPADL_PAGES) {
      return fail(`GPADL of ${(rangeBufLen - rangeCount * 8) / 8} pages exceeds the limit of ${LIMITS.MAX_GPADL_PAGES}`)
    }
    if (rangeData.length > rangeBufLen) return fail(`header carries ${rangeData.length} bytes, range_buflen is ${rangeBufLen}`)
    const entry: PendingGpadl = {
      handle,
      childRelid,
      rangeCount,
      expectedBytes: rangeBufLen,
      received: [rangeData.slice()],
      receivedBytes: rangeData.length,
    }
    if (entry.receivedBytes < entry.expectedBytes) {
      this.pending.set(handle, entry)
      return {kind: 'incomplete'}
    }
    return this.finish(entry)
  }

  /** GPADL_BODY: more range data for a GPADL being assembled. */
  body(handle: number, pfnData: Uint8Array): GpadlStep {
    const entry = this.pending.get(handle)
    if (!entry) return {kind: 'ignored', error: `GPADL_BODY for unknown GPADL 0x${handle.toString(16)}`}
    if (entry.receivedBytes + pfnData.length > entry.expectedBytes) {
      this.pending.delete(handle)
      return {
        kind: 'failed',
        handle,
        childRelid: entry.childRelid,
        error: `GPADL_BODY overruns range_buflen ${entry.expectedBytes}`,
      }
    }
    entry.received.push(pfnData.slice())
    entry.receivedBytes += pfnData.length
    if (entry.receivedBytes < entry.expectedBytes) return {kind: 'incomplete'}
    this.pending.delete(handle)
    return this.finish(entry)
  }

  /** GPADL_TEARDOWN: remove it. False when there is no such GPADL. */
  remove(handle: number): boolean {
    return this.complete.delete(handle) || this.pending.delete(handle)
  }

  /** Drop every GPADL of a channel (relid released, unload). Returns the removed handles. */
  removeForChannel(childRelid: number): number[] {
    const removed: number[] = []
    for (const map of [this.complete, this.pending] as Map<number, {childRelid: number}>[]) {
      for (const [handle, g] of map) {
        if (g.childRelid === childRelid) {
          map.delete(handle)
          removed.push(handle)
        }
      }
    }
    return removed
  }

  clear(): void {
    this.complete.clear()
    this.pending.clear()
  }

  save(): {complete: GpadlSaved[]; pending: PendingGpadlSaved[]} {
    return {
      complete: this.all().map((g) => ({
        handle: g.handle,
        childRelid: g.childRelid,
        ranges: g.ranges.map((r) => ({byteCount: r.byteCount, byteOffset: r.byteOffset, pfns: [...r.pfns]})),
        teardownPending: g.teardownPending,
      })),
      pending: [...this.pending.values()].map((p) => ({
        handle: p.handle,
        childRelid: p.childRelid,
        rangeCount: p.rangeCount,
        expectedBytes: p.expectedBytes,
        data: Buffer.from(concat(p.received, p.receivedBytes)).toString('base64'),
      })),
    }
  }

  /** Restore; throws on a malformed saved state (the caller rejects the whole restore). */
  restore(saved: {complete: GpadlSaved[]; pending: PendingGpadlSaved[]}): void {
    this.clear()
    for (const g of saved.complete) {
      const ranges = g.ranges.map((r) => ({byteCount: r.byteCount, byteOffset: r.byteOffset, pfns: [...r.pfns]}))
      const pfns = ranges.flatMap((r) => r.pfns)
      if (!pfns.every((pfn) => Number.isInteger(pfn) && pfn >= 0)) throw new Error(`saved GPADL ${g.handle} has bad PFNs`)
      this.complete.set(g.handle, {handle: g.handle, childRelid: g.childRelid, ranges, pfns, teardownPending: g.teardownPending})
    }
    for (const p of saved.pending) {
      const data = new Uint8Array(Buffer.from(p.data, 'base64'))
      this.pending.set(p.handle, {
        handle: p.handle,
        childRelid: p.childRelid,
        rangeCount: p.rangeCount,
        expectedBytes: p.expectedBytes,
        received: [data],
        receivedBytes: data.length,
      })
    }
  }

  private finish(entry: PendingGpadl): GpadlStep {
    const fail = (error: string): GpadlStep => ({kind: 'failed', handle: entry.handle, childRelid: entry.childRelid, error})
    const parsed = parseGpaRanges(concat(entry.received, entry.receivedBytes), entry.rangeCount, LIMITS.MAX_GPADL_PAGES)
    if (typeof parsed === 'string') return fail(parsed)
    const pfns = parsed.flatMap((r) => r.pfns)
    for (const pfn of pfns) {
      // Every page must be guest RAM now; ring access re-checks on each use
      // because the guest may change its memory map later.
      if (pfn >= MAX_PFN_EXCLUSIVE || !this.memory.view(pfn * PAGE_SIZE, PAGE_SIZE)) {
        return fail(`PFN 0x${pfn.toString(16)} is not guest RAM`)
      }
    }
    const gpadl: Gpadl = {handle: entry.handle, childRelid: entry.childRelid, ranges: parsed, pfns, teardownPending: false}
    this.complete.set(entry.handle, gpadl)
    return {kind: 'created', gpadl}
  }
}

function concat(parts: Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total)
  let o = 0
  for (const p of parts) {
    out.set(p, o)
    o += p.length
  }
  return out
}

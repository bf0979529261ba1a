/**
 * Key-Value Pair Exchange integration service (class a9a0f4e7-5a45-4d96-b827-8a841e8c03e6).
 *
 * Every KVP message body is hv_kvp_msg (Linux include/uapi/linux/hyperv.h,
 * hv_kvp.c; OpenVMM hyperv_ic_protocol kvp):
 *   hv_kvp_hdr: u8 operation (0 get, 1 set, 2 delete, 3 enumerate, ...), u8 pool, u16 pad
 * then, by operation:
 *   get / set   hv_kvp_exchg_msg_value                     (4 + 2572 = 2576 bytes)
 *   delete      u32 key_size, u8 key[512]                  (4 + 516  = 520 bytes)
 *   enumerate   u32 index, hv_kvp_exchg_msg_value          (4 + 2576 = 2580 bytes)
 * hv_kvp_exchg_msg_value: u32 value_type (1 REG_SZ, 4 REG_DWORD, 11 REG_QWORD),
 *   u32 key_size, u32 value_size, u8 key[512], u8 value[2048]. Keys and string
 *   values are UTF-16LE; sizes are in bytes and include the terminating NUL
 *   (Linux reports 2 * (characters + 1)), so a key holds at most 255 UTF-16
 *   code units and a value 1023.
 *
 * The guest answers in place; status S_OK, or for an enumeration past the last
 * item NO_MORE_ITEMS (0x80070103), or E_FAIL. The host keeps at most one
 * request in flight (Linux handles one transaction at a time).
 *
 * Pools: 0 External (host writes, guest reads), 1 Guest (guest writes, host
 * reads), 2 Auto (guest intrinsic items: FullyQualifiedDomainName, OSName,
 * OSVersion, OSMajorVersion...), 3 AutoExternal, 4 AutoInternal.
 */
import type {VirtualClock} from '../device.js'
import type {VmbusOffer} from '../../vmbus/vmbus-device.js'
import {IcMessageType, IcService, IcStatus, type IcPacket, type IcServiceStatus, hex32, v} from './ic-framework.js'

export const KVP_CLASS_ID = 'a9a0f4e7-5a45-4d96-b827-8a841e8c03e6'
export const KVP_VERSIONS = [v(3, 0), v(4, 0), v(5, 0)] as const

export const KvpOperation = {Get: 0, Set: 1, Delete: 2, Enumerate: 3, GetIpInfo: 4, SetIpInfo: 5} as const
export const KvpPool = {External: 0, Guest: 1, Auto: 2, AutoExternal: 3, AutoInternal: 4} as const
export type KvpPoolNumber = 0 | 1 | 2 | 3 | 4
export const KvpValueType = {String: 1, Dword: 4, Qword: 11} as const

export const KVP_MAX_KEY_SIZE = 512
export const KVP_MAX_VALUE_SIZE = 2048
export const KVP_HEADER_SIZE = 4
export const KVP_VALUE_STRUCT_SIZE = 12 + KVP_MAX_KEY_SIZE + KVP_MAX_VALUE_SIZE
export const KVP_SET_BODY_SIZE = KVP_HEADER_SIZE + KVP_VALUE_STRUCT_SIZE
export const KVP_DELETE_BODY_SIZE = KVP_HEADER_SIZE + 4 + KVP_MAX_KEY_SIZE
export const KVP_ENUMERATE_BODY_SIZE = KVP_HEADER_SIZE + 4 + KVP_VALUE_STRUCT_SIZE
/** Longest key / value in UTF-16 code units, leaving room for the NUL. */
export const KVP_MAX_KEY_CHARS = KVP_MAX_KEY_SIZE / 2 - 1
export const KVP_MAX_VALUE_CHARS = KVP_MAX_VALUE_SIZE / 2 - 1
/** A guest pool larger than this is not read further (guards against a guest that never says "no more"). */
export const KVP_MAX_ENUMERATE = 1024

export interface KvpOptions {
  readonly offer: VmbusOffer
  readonly clock: VirtualClock
  /** How long to wait for each answer, in ns (default 5 s, Linux's own daemon timeout). */
  readonly responseTimeoutNs?: number
}

export interface KvpResult {
  /** The guest acknowledged the operation. */
  readonly delivered: boolean
  readonly status: number
  readonly detail: string
}

export interface KvpPoolSnapshot {
  readonly values: Record<string, string>
  /** Clock time (ns) the read finished. */
  readonly readAtNs: number
  /** True when the read ended normally (NO_MORE_ITEMS), false when cut short by an error. */
  readonly complete: boolean
}

export interface KvpServiceStatus extends IcServiceStatus {
  readonly hostValues: number
  /** Host pool keys whose SET/DELETE the guest has not yet acknowledged. */
  readonly pendingPush: number
  readonly queuedRequests: number
  readonly cachedPools: number[]
}

export function validateKvpKey(key: string): void {
  if (typeof key !== 'string' || key.length === 0) throw new Error('A KVP key must be a non-empty string')
  if (key.length > KVP_MAX_KEY_CHARS) throw new Error(`KVP key is ${key.length} UTF-16 code units long; the limit is ${KVP_MAX_KEY_CHARS} (512 bytes with the terminating NUL)`)
  if (key.includes('\0')) throw new Error('A KVP key cannot contain NUL characters')
}

export function validateKvpValue(value: string): void {
  if (typeof value !== 'string') throw new Error('A KVP value must be a string')
  if (value.length > KVP_MAX_VALUE_CHARS) throw new Error(`KVP value is ${value.length} UTF-16 code units long; the limit is ${KVP_MAX_VALUE_CHARS} (2048 bytes with the terminating NUL)`)
  if (value.includes('\0')) throw new Error('A KVP value cannot contain NUL characters')
}

/** Writes `text` as UTF-16LE at `offset`; returns the size in bytes including the NUL. */
function writeUtf16(view: DataView, offset: number, text: string): number {
  for (let i = 0; i < text.length; i++) view.setUint16(offset + 2 * i, text.charCodeAt(i), true)
  return 2 * (text.length + 1)
}

/** Reads `size` bytes of UTF-16LE, stopping at the first NUL. */
function readUtf16(bytes: Uint8Array, offset: number, size: number): string {
  const units: number[] = []
  for (let i = 0; i + 1 < size; i += 2) {
    const unit = bytes[offset + i]! | (bytes[offset + i + 1]! << 8)
    if (unit === 0) break
    units.push(unit)
  }
  let out = ''
  for (let i = 0; i < units.length; i += 4096) out += String.fromCharCode(...units.slice(i, i + 4096))
  return out
}

function writeHeader(view: DataView, operation: number, pool: number): void {
  view.setUint8(0, operation)
  view.setUint8(1, pool)
}

/** Writes hv_kvp_exchg_msg_value at `offset` with a REG_SZ value. */
function writeValueStruct(view: DataView, offset: number, key: string, value: string): void {
  view.setUint32(offset, KvpValueType.String, true)
  view.setUint32(offset + 4, writeUtf16(view, offset + 12, key), true)
  view.setUint32(offset + 8, writeUtf16(view, offset + 12 + KVP_MAX_KEY_SIZE, value), true)
}

export function encodeKvpSet(pool: number, key: string, value: string): Uint8Array {
  const body = new Uint8Array(KVP_SET_BODY_SIZE)
  const view = new DataView(body.buffer)
  writeHeader(view, KvpOperation.Set, pool)
  writeValueStruct(view, KVP_HEADER_SIZE, key, value)
  return body
}

export function encodeKvpDelete(pool: number, key: string): Uint8Array {
  const body = new Uint8Array(KVP_DELETE_BODY_SIZE)
  const view = new DataView(body.buffer)
  writeHeader(view, KvpOperation.Delete, pool)
  view.setUint32(4, writeUtf16(view, 8, key), true)
  return body
}

export function encodeKvpEnumerate(pool: number, index: number): Uint8Array {
  const body = new Uint8Array(KVP_ENUMERATE_BODY_SIZE)
  const view = new DataView(body.buffer)
  writeHeader(view, KvpOperation.Enumerate, pool)
  view.setUint32(4, index, true)
  return body
}

/** Parses the value struct of an enumerate answer; a string explains what is malformed. */
export function decodeKvpEnumerateAnswer(body: Uint8Array): {key: string; value: string} | string {
  if (body.length < KVP_ENUMERATE_BODY_SIZE) return `KVP enumerate answer of ${body.length} bytes is shorter than ${KVP_ENUMERATE_BODY_SIZE}`
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength)
  const base = 8
  const valueType = view.getUint32(base, true)
  const keySize = view.getUint32(base + 4, true)
  const valueSize = view.getUint32(base + 8, true)
  if (keySize > KVP_MAX_KEY_SIZE) return `KVP key_size ${keySize} exceeds ${KVP_MAX_KEY_SIZE}`
  if (valueSize > KVP_MAX_VALUE_SIZE) return `KVP value_size ${valueSize} exceeds ${KVP_MAX_VALUE_SIZE}`
  const key = readUtf16(body, base + 12, keySize)
  if (!key) return 'KVP enumerate answer has an empty key'
  const valueOffset = base + 12 + KVP_MAX_KEY_SIZE
  let value: string
  switch (valueType) {
    case KvpValueType.String:
      value = readUtf16(body, valueOffset, valueSize)
      break
    case KvpValueType.Dword:
      if (valueSize < 4) return `KVP REG_DWORD value_size ${valueSize} is below 4`
      value = String(view.getUint32(valueOffset, true))
      break
    case KvpValueType.Qword:
      if (valueSize < 8) return `KVP REG_QWORD value_size ${valueSize} is below 8`
      value = view.getBigUint64(valueOffset, true).toString()
      break
    default:
      return `KVP value_type ${valueType} is not REG_SZ, REG_DWORD or REG_QWORD`
  }
  return {key, value}
}

type Job =
  | {kind: 'set'; key: string; value: string; done: (r: KvpResult) => void}
  | {kind: 'delete'; key: string; done: (r: KvpResult) => void}
  | {kind: 'enumerate'; pool: KvpPoolNumber; index: number; values: Record<string, string>; done: (snapshot: KvpPoolSnapshot | Error) => void}

export class KvpService extends IcService {
  private readonly hostPool = new Map<string, string>()
  /** Keys whose current host-pool state (set or deleted) the guest has not acknowledged. */
  private readonly dirty = new Set<string>()
  private readonly cache = new Map<KvpPoolNumber, KvpPoolSnapshot>()
  private readonly queue: Job[] = []
  private busy = false

  constructor(options: KvpOptions) {
    super({
      offer: options.offer,
      clock: options.clock,
      messageVersions: KVP_VERSIONS,
      messageType: IcMessageType.KvpExchange,
      responseTimeoutNs: options.responseTimeoutNs ?? 5_000_000_000,
    })
  }

  /** The host's pool-0 items (what the guest reads as External). */
  hostValues(): Record<string, string> {
    return Object.fromEntries(this.hostPool)
  }

  /**
   * Adds or changes a host item. Kept in the host pool either way; pushed to
   * the guest now when connected, otherwise on the next connection.
   * Throws for a key or value the protocol cannot carry.
   */
  setHostValue(key: string, value: string): Promise<KvpResult> {
    validateKvpKey(key)
    validateKvpValue(value)
    this.hostPool.set(key, value)
    this.dirty.add(key)
    return this.push(key)
  }

  /** Removes a host item; the guest is told now or on the next connection. */
  deleteHostValue(key: string): Promise<KvpResult> {
    validateKvpKey(key)
    this.hostPool.delete(key)
    this.dirty.add(key)
    return this.push(key)
  }

  /**
   * Reads a guest pool by ENUMERATE with index 0, 1, 2... until the guest
   * reports no more items (or fails). Rejects when the channel is not ready.
   */
  readGuestPool(pool: KvpPoolNumber): Promise<Record<string, string>> {
    if (![0, 1, 2, 3, 4].includes(pool)) return Promise.reject(new Error(`KVP pool must be 0-4, got ${String(pool)}`))
    if (!this.ready) return Promise.reject(new Error(this.notReadyDetail()))
    return new Promise((resolve, reject) => {
      this.enqueue({
        kind: 'enumerate',
        pool,
        index: 0,
        values: {},
        done: (result) => (result instanceof Error ? reject(result) : resolve({...result.values})),
      })
    })
  }

  /** What the last read of a pool returned, or undefined. */
  cachedGuestPool(pool: KvpPoolNumber): KvpPoolSnapshot | undefined {
    return this.cache.get(pool)
  }

  status(): KvpServiceStatus {
    return {
      ...this.baseStatus(),
      hostValues: this.hostPool.size,
      pendingPush: this.dirty.size,
      queuedRequests: this.queue.length + (this.busy ? 1 : 0),
      cachedPools: [...this.cache.keys()].sort(),
    }
  }

  protected onNegotiated(restored: boolean): void {
    if (!restored) {
      // A fresh connection: the guest's pool 0 is whatever it kept; push all of ours.
      for (const key of this.hostPool.keys()) this.dirty.add(key)
    }
    for (const key of [...this.dirty]) void this.push(key)
  }

  protected onChannelLost(): void {
    // Outstanding requests are abandoned by the base (their jobs finish through onAbandon).
    const jobs = this.queue.splice(0)
    this.busy = false
    for (const job of jobs) this.finishJob(job, {delivered: false, status: IcStatus.NOT_CONNECTED, detail: 'the KVP channel closed before the request was sent'})
  }

  private notReadyDetail(): string {
    if (this.endpoint === null) return 'The guest has not opened the Key-Value Pair Exchange channel'
    if (this.negotiation === 'Failed') return `The Key-Value Pair Exchange service could not agree on a protocol version with the guest (${this.lastError ?? 'no detail'})`
    return 'The Key-Value Pair Exchange service is still negotiating with the guest'
  }

  private push(key: string): Promise<KvpResult> {
    if (!this.ready) {
      return Promise.resolve({delivered: false, status: IcStatus.NOT_CONNECTED, detail: `${this.notReadyDetail()}; the change is kept and pushed when the guest connects`})
    }
    // Coalesce: a queued push for the same key is superseded by this one.
    for (let i = this.queue.length - 1; i >= 0; i--) {
      const job = this.queue[i]!
      if ((job.kind === 'set' || job.kind === 'delete') && job.key === key) {
        this.queue.splice(i, 1)
        job.done({delivered: false, status: IcStatus.S_OK, detail: 'superseded by a later change to the same key'})
      }
    }
    return new Promise((resolve) => {
      const value = this.hostPool.get(key)
      const done = (result: KvpResult) => {
        if (result.delivered && this.hostPool.get(key) === value) this.dirty.delete(key)
        resolve(result)
      }
      this.enqueue(value === undefined ? {kind: 'delete', key, done} : {kind: 'set', key, value, done})
    })
  }

  private enqueue(job: Job, front = false): void {
    if (front) this.queue.unshift(job)
    else this.queue.push(job)
    this.pump()
  }

  private pump(): void {
    while (!this.busy && this.queue.length) {
      const job = this.queue.shift()!
      if (!this.ready) {
        this.finishJob(job, {delivered: false, status: IcStatus.NOT_CONNECTED, detail: this.notReadyDetail()})
        continue
      }
      const body =
        job.kind === 'set'
          ? encodeKvpSet(KvpPool.External, job.key, job.value)
          : job.kind === 'delete'
            ? encodeKvpDelete(KvpPool.External, job.key)
            : encodeKvpEnumerate(job.pool, job.index)
      this.busy = true
      this.sendRequest(body, {
        onResponse: (packet) => {
          this.busy = false
          this.lastResponseNs = this.clock.nowNs()
          this.answered(job, packet)
          this.pump()
        },
        onAbandon: (reason, status) => {
          this.busy = false
          this.finishJob(job, {delivered: false, status, detail: reason})
          this.pump()
        },
      })
    }
  }

  private answered(job: Job, packet: IcPacket): void {
    const status = packet.header.status >>> 0
    if (job.kind !== 'enumerate') {
      const what = job.kind === 'set' ? `SET "${job.key}"` : `DELETE "${job.key}"`
      job.done(status === IcStatus.S_OK
        ? {delivered: true, status, detail: `the guest acknowledged ${what}`}
        : {delivered: false, status, detail: `the guest refused ${what} (status ${hex32(status)})`})
      return
    }
    if (status === IcStatus.NO_MORE_ITEMS) return this.finishEnumerate(job, true)
    if (status !== IcStatus.S_OK) {
      // Linux answers E_FAIL both for "past the end" and for failures; either ends the read.
      if (status !== IcStatus.E_FAIL) this.lastError = `the guest ended enumeration of pool ${job.pool} with status ${hex32(status)}`
      return this.finishEnumerate(job, status === IcStatus.E_FAIL)
    }
    const entry = decodeKvpEnumerateAnswer(packet.body)
    if (typeof entry === 'string') this.malformed(`pool ${job.pool} index ${job.index}: ${entry}`)
    else job.values[entry.key] = entry.value
    if (job.index + 1 >= KVP_MAX_ENUMERATE) {
      this.lastError = `pool ${job.pool} has more than ${KVP_MAX_ENUMERATE} items; the rest were not read`
      return this.finishEnumerate(job, false)
    }
    this.enqueue({...job, index: job.index + 1}, true)
  }

  private finishEnumerate(job: Extract<Job, {kind: 'enumerate'}>, complete: boolean): void {
    const snapshot: KvpPoolSnapshot = {values: {...job.values}, readAtNs: this.clock.nowNs(), complete}
    this.cache.set(job.pool, snapshot)
    job.done(snapshot)
  }

  private finishJob(job: Job, result: KvpResult): void {
    if (job.kind === 'enumerate') job.done(new Error(`Reading KVP pool ${job.pool} failed at index ${job.index}: ${result.detail}`))
    else job.done(result)
  }

  protected saveServiceState(): unknown {
    return {
      hostPool: [...this.hostPool],
      dirty: [...this.dirty],
      cache: [...this.cache].map(([pool, snapshot]) => ({pool, ...snapshot, values: {...snapshot.values}})),
    }
  }

  protected parseServiceState(state: unknown): () => void {
    if (!state || typeof state !== 'object') throw new Error('Key-Value Pair Exchange saved state lacks its service part')
    const s = state as Record<string, unknown>
    if (!Array.isArray(s.hostPool) || !s.hostPool.every((e) => Array.isArray(e) && e.length === 2 && typeof e[0] === 'string' && typeof e[1] === 'string')) {
      throw new Error('Key-Value Pair Exchange saved hostPool must be a list of [key, value] strings')
    }
    if (!Array.isArray(s.dirty) || !s.dirty.every((k) => typeof k === 'string')) throw new Error('Key-Value Pair Exchange saved dirty keys must be strings')
    if (!Array.isArray(s.cache)) throw new Error('Key-Value Pair Exchange saved cache must be a list')
    const cache: [KvpPoolNumber, KvpPoolSnapshot][] = []
    for (const entry of s.cache as unknown[]) {
      const e = entry as Record<string, unknown>
      if (!e || ![0, 1, 2, 3, 4].includes(e.pool as number) || typeof e.readAtNs !== 'number' || !e.values || typeof e.values !== 'object') {
        throw new Error('Key-Value Pair Exchange saved cache entry is malformed')
      }
      const values = e.values as Record<string, unknown>
      if (!Object.values(values).every((x) => typeof x === 'string')) throw new Error('Key-Value Pair Exchange saved cache values must be strings')
      cache.push([e.pool as KvpPoolNumber, {values: {...(values as Record<string, string>)}, readAtNs: e.readAtNs, complete: e.complete === true}])
    }
    const hostPool = s.hostPool as [string, string][]
    const dirty = s.dirty as string[]
    return () => {
      this.hostPool.clear()
      for (const [k, val] of hostPool) this.hostPool.set(k, val)
      this.dirty.clear()
      for (const k of dirty) this.dirty.add(k)
      this.cache.clear()
      for (const [pool, snapshot] of cache) this.cache.set(pool, snapshot)
    }
  }
}

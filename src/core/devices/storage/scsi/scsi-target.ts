/**
 * A SCSI logical unit as a storage transport sees it: a CDB goes in with the
 * data buffer the initiator supplied, a status (and sense data on CHECK
 * CONDITION) and the count of bytes moved come out. The StorVSP carries these
 * over VMBus; nothing here knows about the transport.
 */
import type {SenseData} from './sense.js'

/** Where a command's data comes from or goes to: a guest buffer, or plain memory in tests. */
export interface DataBuffer {
  readonly length: number
  read(offset: number, into: Uint8Array): void
  write(offset: number, data: Uint8Array): void
}

export const ScsiStatus = {Good: 0x00, CheckCondition: 0x02} as const

export interface ScsiCommandResult {
  status: number
  /** Fixed-format sense data, with CHECK CONDITION. */
  sense: SenseData | null
  /** Bytes transferred to or from the buffer. */
  transferred: number
}

export interface ScsiLogicalUnit {
  /** What the unit is, for listings: "Virtual Disk", "Virtual DVD-ROM". */
  readonly description: string
  execute(cdb: Uint8Array, buffer: DataBuffer | null): ScsiCommandResult
  /** Counters for get-vm-style reports. */
  statistics(): ScsiUnitStatistics
}

export interface ScsiUnitStatistics {
  commands: number
  readCommands: number
  writeCommands: number
  bytesRead: number
  bytesWritten: number
  errors: number
}

export function zeroStatistics(): ScsiUnitStatistics {
  return {commands: 0, readCommands: 0, writeCommands: 0, bytesRead: 0, bytesWritten: 0, errors: 0}
}

/**
 * What every unit shares: each command counted, and failed ones as errors.
 * A unit implements `dispatch` and adds its own transfer counts to `stats`.
 */
export abstract class CountingUnit implements ScsiLogicalUnit {
  abstract readonly description: string
  protected readonly stats = zeroStatistics()

  statistics(): ScsiUnitStatistics {
    return {...this.stats}
  }

  execute(cdb: Uint8Array, buffer: DataBuffer | null): ScsiCommandResult {
    this.stats.commands++
    const result = this.dispatch(cdb, buffer)
    if (result.status !== ScsiStatus.Good) this.stats.errors++
    return result
  }

  protected abstract dispatch(cdb: Uint8Array, buffer: DataBuffer | null): ScsiCommandResult
}

/** A plain in-memory DataBuffer. */
export class MemoryDataBuffer implements DataBuffer {
  constructor(readonly bytes: Uint8Array) {}

  get length(): number {
    return this.bytes.length
  }

  read(offset: number, into: Uint8Array): void {
    into.set(this.bytes.subarray(offset, offset + into.length))
  }

  write(offset: number, data: Uint8Array): void {
    this.bytes.set(data, offset)
  }
}

export function good(transferred = 0): ScsiCommandResult {
  return {status: ScsiStatus.Good, sense: null, transferred}
}

export function checkCondition(sense: SenseData): ScsiCommandResult {
  return {status: ScsiStatus.CheckCondition, sense, transferred: 0}
}

/** Copy a reply to a data-in buffer, cut to the allocation length and the buffer's size. */
export function replyData(reply: Uint8Array, allocationLength: number, buffer: DataBuffer | null): ScsiCommandResult {
  if (!buffer) return good(0)
  const n = Math.min(reply.length, allocationLength, buffer.length)
  buffer.write(0, reply.subarray(0, n))
  return good(n)
}

/** Big-endian fields of a CDB. */
export function be16(b: Uint8Array, o: number): number {
  return (b[o] << 8) | b[o + 1]
}
export function be32(b: Uint8Array, o: number): number {
  return ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0
}
export function be64(b: Uint8Array, o: number): number {
  return be32(b, o) * 2 ** 32 + be32(b, o + 4)
}
export function putBe16(b: Uint8Array, o: number, v: number): void {
  b[o] = v >>> 8
  b[o + 1] = v
}
export function putBe32(b: Uint8Array, o: number, v: number): void {
  b[o] = v >>> 24
  b[o + 1] = v >>> 16
  b[o + 2] = v >>> 8
  b[o + 3] = v
}
export function putBe64(b: Uint8Array, o: number, v: number): void {
  putBe32(b, o, Math.floor(v / 2 ** 32))
  putBe32(b, o + 4, v >>> 0)
}

/** An ASCII field padded with spaces, as INQUIRY's vendor/product/revision are. */
export function putAscii(b: Uint8Array, o: number, length: number, text: string): void {
  for (let i = 0; i < length; i++) b[o + i] = i < text.length ? text.charCodeAt(i) & 0x7f : 0x20
}

/**
 * One log entry: the unit in which metadata changes reach the file. An entry
 * is a run of 4 KiB sectors: descriptor sectors (a 64-byte header, then
 * 32-byte descriptors), then one data sector per data descriptor. A data
 * descriptor rewrites a 4 KiB sector of the file; a zero descriptor zeroes a
 * span. The sequence number is repeated in every descriptor and split around
 * every data sector, and a CRC-32C covers the whole entry, so a torn or stale
 * entry does not pass for a valid one.
 *
 * Header: "loge" 0, checksum 4, entry length 8, tail 12 (offset in the log of
 * the oldest entry still needed), sequence number 16 (u64), descriptor count
 * 24, reserved 28, log GUID 32, flushed file offset 48, last file offset 56.
 * Data descriptor: "desc" 0, the sector's last 4 bytes 4, its first 8 bytes 8,
 * file offset 16, sequence number 24. Zero descriptor: "zero" 0, reserved 4,
 * length 8, file offset 16, sequence number 24. Data sector: "data" 0,
 * sequence high 4, the sector's bytes 8-4091 at 8, sequence low 4092.
 */
import {structureChecksum} from './crc32c.js'
import {guidsEqual, readGuid, type Guid} from './guid.js'
import {LOG_SECTOR_SIZE} from './layout.js'

const ENTRY_SIGNATURE = 0x65676f6c // "loge"
const DATA_DESCRIPTOR_SIGNATURE = 0x63736564 // "desc"
const ZERO_DESCRIPTOR_SIGNATURE = 0x6f72657a // "zero"
const DATA_SECTOR_SIGNATURE = 0x61746164 // "data"
const CHECKSUM_OFFSET = 4
export const ENTRY_HEADER_SIZE = 64
const DESCRIPTOR_SIZE = 32

/** A 4 KiB sector of the file to rewrite, and its new bytes. */
export interface SectorWrite {
  fileOffset: number
  data: Uint8Array
}

/** A span of the file to zero. */
export interface ZeroWrite {
  fileOffset: number
  length: number
}

export type LogWrite = ({kind: 'data'} & SectorWrite) | ({kind: 'zero'} & ZeroWrite)

export interface LogEntryHeader {
  entryLength: number
  tail: number
  sequenceNumber: bigint
  descriptorCount: number
  logGuid: Guid
  flushedFileOffset: number
  lastFileOffset: number
}

export interface LogEntry extends LogEntryHeader {
  /** In descriptor order, the order replay applies them. */
  writes: LogWrite[]
}

/** Sectors taken by the header and `count` descriptors. */
function descriptorSectors(count: number): number {
  return Math.ceil((ENTRY_HEADER_SIZE + count * DESCRIPTOR_SIZE) / LOG_SECTOR_SIZE)
}

export function buildLogEntry(fields: Omit<LogEntryHeader, 'entryLength' | 'descriptorCount'> & {writes: LogWrite[]}): Uint8Array {
  const dataWrites = fields.writes.filter((write) => write.kind === 'data')
  const headerSectors = descriptorSectors(fields.writes.length)
  const entry = new Uint8Array((headerSectors + dataWrites.length) * LOG_SECTOR_SIZE)
  const view = new DataView(entry.buffer)
  view.setUint32(0, ENTRY_SIGNATURE, true)
  view.setUint32(8, entry.length, true)
  view.setUint32(12, fields.tail, true)
  view.setBigUint64(16, fields.sequenceNumber, true)
  view.setUint32(24, fields.writes.length, true)
  entry.set(fields.logGuid, 32)
  view.setBigUint64(48, BigInt(fields.flushedFileOffset), true)
  view.setBigUint64(56, BigInt(fields.lastFileOffset), true)

  let dataSector = headerSectors * LOG_SECTOR_SIZE
  fields.writes.forEach((write, i) => {
    const at = ENTRY_HEADER_SIZE + i * DESCRIPTOR_SIZE
    view.setBigUint64(at + 16, BigInt(write.fileOffset), true)
    view.setBigUint64(at + 24, fields.sequenceNumber, true)
    if (write.kind === 'zero') {
      view.setUint32(at, ZERO_DESCRIPTOR_SIGNATURE, true)
      view.setBigUint64(at + 8, BigInt(write.length), true)
      return
    }
    if (write.data.length !== LOG_SECTOR_SIZE) throw new Error(`a log data write must be ${LOG_SECTOR_SIZE} bytes, not ${write.data.length}`)
    view.setUint32(at, DATA_DESCRIPTOR_SIGNATURE, true)
    entry.set(write.data.subarray(LOG_SECTOR_SIZE - 4), at + 4)
    entry.set(write.data.subarray(0, 8), at + 8)
    view.setUint32(dataSector, DATA_SECTOR_SIGNATURE, true)
    view.setUint32(dataSector + 4, Number(fields.sequenceNumber >> 32n), true)
    entry.set(write.data.subarray(8, LOG_SECTOR_SIZE - 4), dataSector + 8)
    view.setUint32(dataSector + LOG_SECTOR_SIZE - 4, Number(fields.sequenceNumber & 0xffffffffn), true)
    dataSector += LOG_SECTOR_SIZE
  })
  view.setUint32(CHECKSUM_OFFSET, structureChecksum(entry, CHECKSUM_OFFSET), true)
  return entry
}

/**
 * The header of an entry that may start with `bytes` (at least 64 of them):
 * null unless its signature, length, sequence number, log GUID and
 * descriptor count are plausible for a log of `logLength` bytes whose current
 * GUID is `logGuid`. Only then is the whole entry worth reading.
 */
export function readEntryHeader(bytes: Uint8Array, logGuid: Guid, logLength: number): LogEntryHeader | null {
  const view = new DataView(bytes.buffer, bytes.byteOffset, ENTRY_HEADER_SIZE)
  if (view.getUint32(0, true) !== ENTRY_SIGNATURE) return null
  const header: LogEntryHeader = {
    entryLength: view.getUint32(8, true),
    tail: view.getUint32(12, true),
    sequenceNumber: view.getBigUint64(16, true),
    descriptorCount: view.getUint32(24, true),
    logGuid: readGuid(bytes, 32),
    flushedFileOffset: Number(view.getBigUint64(48, true)),
    lastFileOffset: Number(view.getBigUint64(56, true)),
  }
  if (header.entryLength === 0 || header.entryLength % LOG_SECTOR_SIZE !== 0 || header.entryLength > logLength) return null
  if (header.tail % LOG_SECTOR_SIZE !== 0 || header.tail >= logLength) return null
  if (header.sequenceNumber === 0n) return null
  if (!guidsEqual(header.logGuid, logGuid)) return null
  if (descriptorSectors(header.descriptorCount) * LOG_SECTOR_SIZE > header.entryLength) return null
  return header
}

/**
 * The entry in `bytes` (exactly its entry length), or null when any part of
 * it is not valid: header, checksum, descriptors, data sectors.
 */
export function parseLogEntry(bytes: Uint8Array, logGuid: Guid, logLength: number): LogEntry | null {
  const header = readEntryHeader(bytes, logGuid, logLength)
  if (!header || bytes.length !== header.entryLength) return null
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  if (view.getUint32(CHECKSUM_OFFSET, true) !== structureChecksum(bytes, CHECKSUM_OFFSET)) return null

  const writes: LogWrite[] = []
  let dataSector = descriptorSectors(header.descriptorCount) * LOG_SECTOR_SIZE
  for (let i = 0; i < header.descriptorCount; i++) {
    const at = ENTRY_HEADER_SIZE + i * DESCRIPTOR_SIZE
    const signature = view.getUint32(at, true)
    const fileOffset = Number(view.getBigUint64(at + 16, true))
    if (view.getBigUint64(at + 24, true) !== header.sequenceNumber) return null
    if (fileOffset % LOG_SECTOR_SIZE !== 0) return null
    if (signature === ZERO_DESCRIPTOR_SIGNATURE) {
      const length = Number(view.getBigUint64(at + 8, true))
      if (length % LOG_SECTOR_SIZE !== 0) return null
      writes.push({kind: 'zero', fileOffset, length})
    } else if (signature === DATA_DESCRIPTOR_SIGNATURE) {
      if (dataSector + LOG_SECTOR_SIZE > bytes.length) return null
      if (view.getUint32(dataSector, true) !== DATA_SECTOR_SIGNATURE) return null
      const sequence = (BigInt(view.getUint32(dataSector + 4, true)) << 32n) | BigInt(view.getUint32(dataSector + LOG_SECTOR_SIZE - 4, true))
      if (sequence !== header.sequenceNumber) return null
      const data = new Uint8Array(LOG_SECTOR_SIZE)
      data.set(bytes.subarray(at + 8, at + 16), 0)
      data.set(bytes.subarray(dataSector + 8, dataSector + LOG_SECTOR_SIZE - 4), 8)
      data.set(bytes.subarray(at + 4, at + 8), LOG_SECTOR_SIZE - 4)
      writes.push({kind: 'data', fileOffset, data})
      dataSector += LOG_SECTOR_SIZE
    } else {
      return null
    }
  }
  return {...header, writes}
}

/**
 * The region table, at 192 KiB with an identical copy at 256 KiB: where the
 * BAT and the metadata region are. 64 KiB, checksummed.
 *
 * Layout: signature "regi" 0, checksum 4 (over the 64 KiB), entry count 8,
 * reserved 12, then entries of 32 bytes from 16: GUID 0, file offset 16
 * (u64), length 24 (u32), flags 28 (bit 0: required).
 */
import {structureChecksum} from './crc32c.js'
import {formatGuid, guidsEqual, knownGuid, readGuid, type Guid} from './guid.js'
import {HEADER_SECTION_SIZE, MiB, REGION_TABLE_OFFSETS, REGION_TABLE_SIZE} from './layout.js'
import type {ImageFile} from './image-file.js'
import type {SectorWrite} from './log-entry.js'
import {changedSectors} from './log-writer.js'
import {DiskFormatError} from '../virtual-disk.js'

export const BAT_REGION_GUID = knownGuid('2DC27766-F623-4200-9D64-115E9BFD4A08')
export const METADATA_REGION_GUID = knownGuid('8B7CA206-4790-4B9A-B8FE-575F050F886E')

const SIGNATURE = 0x69676572 // "regi"
const CHECKSUM_OFFSET = 4
const TABLE_HEADER_SIZE = 16
const ENTRY_SIZE = 32
const MAX_ENTRIES = 2047
const REQUIRED = 1

/** A span of the file. */
export interface Extent {
  offset: number
  length: number
}

export interface RegionEntry extends Extent {
  guid: Guid
  required: boolean
}

/** A span of the file that no other structure or block may overlap. */
export interface NamedExtent extends Extent {
  name: string
}

export interface RegionTable {
  bat: Extent
  metadata: Extent
  /** The header section, the log and every region: what blocks must stay clear of. */
  structures: NamedExtent[]
}

export function serializeRegionTable(entries: RegionEntry[]): Uint8Array {
  const bytes = new Uint8Array(REGION_TABLE_SIZE)
  const view = new DataView(bytes.buffer)
  view.setUint32(0, SIGNATURE, true)
  view.setUint32(8, entries.length, true)
  entries.forEach((entry, i) => {
    const at = TABLE_HEADER_SIZE + i * ENTRY_SIZE
    bytes.set(entry.guid, at)
    view.setBigUint64(at + 16, BigInt(entry.offset), true)
    view.setUint32(at + 24, entry.length, true)
    view.setUint32(at + 28, entry.required ? REQUIRED : 0, true)
  })
  view.setUint32(CHECKSUM_OFFSET, structureChecksum(bytes, CHECKSUM_OFFSET), true)
  return bytes
}

/** The entries of the table in `bytes`, or why it is not a valid table. */
function parseRegionTable(bytes: Uint8Array): RegionEntry[] | string {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  if (view.getUint32(0, true) !== SIGNATURE) return 'signature is not "regi"'
  if (view.getUint32(CHECKSUM_OFFSET, true) !== structureChecksum(bytes, CHECKSUM_OFFSET)) return 'checksum does not match'
  const count = view.getUint32(8, true)
  if (count > MAX_ENTRIES) return `entry count ${count} is more than ${MAX_ENTRIES}`
  const entries: RegionEntry[] = []
  for (let i = 0; i < count; i++) {
    const at = TABLE_HEADER_SIZE + i * ENTRY_SIZE
    entries.push({
      guid: readGuid(bytes, at),
      offset: Number(view.getBigUint64(at + 16, true)),
      length: view.getUint32(at + 24, true),
      required: (view.getUint32(at + 28, true) & REQUIRED) !== 0,
    })
  }
  return entries
}

/** The two copies of the table as they are in the file, and the entries of the first valid one. */
function readBothCopies(file: ImageFile): {raw: Uint8Array[]; entries: RegionEntry[] | null; problems: string[]} {
  const raw: Uint8Array[] = []
  const problems: string[] = []
  let entries: RegionEntry[] | null = null
  for (const [i, offset] of REGION_TABLE_OFFSETS.entries()) {
    const bytes = new Uint8Array(REGION_TABLE_SIZE)
    file.read(offset, bytes)
    raw.push(bytes)
    const parsed = parseRegionTable(bytes)
    if (typeof parsed !== 'string') entries ??= parsed
    else problems.push(`region table ${i + 1}: ${parsed}`)
  }
  return {raw, entries, problems}
}

/**
 * The log writes that move the BAT region to `bat` in both copies of the
 * table (other regions as they are), for a BAT that outgrew its region.
 */
export function moveBatRegion(file: ImageFile, bat: Extent): SectorWrite[] {
  const {raw, entries, problems} = readBothCopies(file)
  if (entries === null) throw new DiskFormatError(file.path, problems.join('; '))
  const table = serializeRegionTable(entries.map((entry) => (guidsEqual(entry.guid, BAT_REGION_GUID) ? {...entry, ...bat} : entry)))
  return REGION_TABLE_OFFSETS.flatMap((offset, i) => changedSectors(raw[i]!, table, offset))
}

/**
 * Read the region table (the copy when the first is damaged) and check it:
 * every region 1 MiB aligned, inside the file, clear of the header section,
 * the log and each other; the BAT and the metadata region present once; no
 * region this library does not know marked required.
 */
export function readRegionTable(file: ImageFile, log: Extent): RegionTable {
  const {entries, problems} = readBothCopies(file)
  if (entries === null) throw new DiskFormatError(file.path, problems.join('; '))

  const fail = (problem: string) => new DiskFormatError(file.path, `region table: ${problem}`)
  let bat: Extent | null = null
  let metadata: Extent | null = null
  const occupied: NamedExtent[] = [{offset: 0, length: HEADER_SECTION_SIZE, name: 'the header section'}]
  if (log.length > 0) occupied.push({...log, name: 'the log'})
  for (const entry of entries) {
    const name = guidsEqual(entry.guid, BAT_REGION_GUID) ? 'the BAT region' : guidsEqual(entry.guid, METADATA_REGION_GUID) ? 'the metadata region' : `region {${formatGuid(entry.guid)}}`
    if (entry.offset % MiB !== 0) throw fail(`${name} offset ${entry.offset} is not a multiple of 1 MiB`)
    if (entry.length === 0 || entry.length % MiB !== 0) throw fail(`${name} length ${entry.length} is not a positive multiple of 1 MiB`)
    if (entry.offset + entry.length > file.size()) throw fail(`${name} (offset ${entry.offset}, length ${entry.length}) goes past the end of the file (${file.size()} bytes)`)
    const overlapped = occupied.find((other) => entry.offset < other.offset + other.length && other.offset < entry.offset + entry.length)
    if (overlapped) throw fail(`${name} overlaps ${overlapped.name}`)
    occupied.push({offset: entry.offset, length: entry.length, name})
    if (guidsEqual(entry.guid, BAT_REGION_GUID)) {
      if (bat) throw fail('the BAT region is listed twice')
      bat = {offset: entry.offset, length: entry.length}
    } else if (guidsEqual(entry.guid, METADATA_REGION_GUID)) {
      if (metadata) throw fail('the metadata region is listed twice')
      metadata = {offset: entry.offset, length: entry.length}
    } else if (entry.required) {
      throw fail(`${name} is required but unknown to hv`)
    }
  }
  if (!bat) throw fail('there is no BAT region')
  if (!metadata) throw fail('there is no metadata region')
  return {bat, metadata, structures: occupied}
}

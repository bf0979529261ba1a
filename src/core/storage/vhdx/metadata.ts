/**
 * The metadata region: a 64 KiB table of items, then the items. The system
 * items every image has describe the virtual disk; a differencing image adds
 * the parent locator.
 *
 * Table layout: signature "metadata" 0, reserved u16 8, entry count u16 10,
 * reserved to 32, then entries of 32 bytes: item GUID 0, offset u32 16 (from
 * the start of the region), length u32 20, flags u32 24 (bit 0 IsUser, bit 1
 * IsVirtualDisk, bit 2 IsRequired), reserved 28.
 */
import {formatGuid, guidsEqual, knownGuid, readGuid, type Guid} from './guid.js'
import {isPowerOfTwo, KiB, MAX_BLOCK_SIZE, MAX_VIRTUAL_SIZE, MiB, MIN_BLOCK_SIZE} from './layout.js'
import type {ImageFile} from './image-file.js'
import type {SectorWrite} from './log-entry.js'
import {changedSectors} from './log-writer.js'
import {parseParentLocator, serializeParentLocator} from './parent-locator.js'
import type {Extent} from './region-table.js'
import {DiskFormatError, type SectorSize} from '../virtual-disk.js'

const FILE_PARAMETERS = knownGuid('CAA16737-FA36-4D43-B3B6-33F0AA44E76B')
const VIRTUAL_DISK_SIZE = knownGuid('2FA54224-CD1B-4876-B211-5DBED83BF4B8')
const VIRTUAL_DISK_ID = knownGuid('BECA12AB-B2E6-4523-93EF-C309E000C746')
const LOGICAL_SECTOR_SIZE = knownGuid('8141BF1D-A96F-4709-BA47-F233A8FAAB5F')
const PHYSICAL_SECTOR_SIZE = knownGuid('CDA348C7-445D-4471-9CC9-E9885251C556')
const PARENT_LOCATOR = knownGuid('A8D35F2D-B30B-454D-ABF7-D3D84834AB0C')

const SIGNATURE = 'metadata'
const TABLE_SIZE = 64 * KiB
const TABLE_HEADER_SIZE = 32
const ENTRY_SIZE = 32
const MAX_ENTRIES = 2047
const MAX_USER_ENTRIES = 1024
const MAX_ITEM_LENGTH = MiB

const IS_USER = 1
const IS_VIRTUAL_DISK = 2
const IS_REQUIRED = 4

/** File parameters flags. */
const LEAVE_BLOCKS_ALLOCATED = 1
const HAS_PARENT = 2

export interface DiskMetadata {
  blockSize: number
  /** Set on fixed images: their blocks stay allocated. */
  leaveBlocksAllocated: boolean
  hasParent: boolean
  virtualSize: number
  virtualDiskId: Guid
  logicalSectorSize: SectorSize
  physicalSectorSize: SectorSize
  /** The parent locator's key/value pairs, for a differencing image. */
  parentLocator: Map<string, string> | null
}

interface Item {
  guid: Guid
  flags: number
  data: Uint8Array
}

/** The metadata region of a new image: table and items, `regionLength` bytes. */
export function buildMetadataRegion(metadata: DiskMetadata, regionLength: number): Uint8Array {
  const u32 = (value: number) => {
    const bytes = new Uint8Array(4)
    new DataView(bytes.buffer).setUint32(0, value, true)
    return bytes
  }
  const u64 = (value: number) => {
    const bytes = new Uint8Array(8)
    new DataView(bytes.buffer).setBigUint64(0, BigInt(value), true)
    return bytes
  }
  const parameters = new Uint8Array(8)
  const view = new DataView(parameters.buffer)
  view.setUint32(0, metadata.blockSize, true)
  view.setUint32(4, (metadata.leaveBlocksAllocated ? LEAVE_BLOCKS_ALLOCATED : 0) | (metadata.hasParent ? HAS_PARENT : 0), true)
  const items: Item[] = [
    {guid: FILE_PARAMETERS, flags: IS_REQUIRED, data: parameters},
    {guid: VIRTUAL_DISK_SIZE, flags: IS_VIRTUAL_DISK | IS_REQUIRED, data: u64(metadata.virtualSize)},
    {guid: VIRTUAL_DISK_ID, flags: IS_VIRTUAL_DISK | IS_REQUIRED, data: metadata.virtualDiskId},
    {guid: LOGICAL_SECTOR_SIZE, flags: IS_VIRTUAL_DISK | IS_REQUIRED, data: u32(metadata.logicalSectorSize)},
    {guid: PHYSICAL_SECTOR_SIZE, flags: IS_VIRTUAL_DISK | IS_REQUIRED, data: u32(metadata.physicalSectorSize)},
  ]
  if (metadata.parentLocator) items.push({guid: PARENT_LOCATOR, flags: IS_REQUIRED, data: serializeParentLocator([...metadata.parentLocator])})

  const region = new Uint8Array(regionLength)
  const table = new DataView(region.buffer)
  region.set(Buffer.from(SIGNATURE, 'latin1'), 0)
  table.setUint16(10, items.length, true)
  let next = TABLE_SIZE
  items.forEach((item, i) => {
    if (next + item.data.length > regionLength) throw new Error(`the metadata items do not fit in ${regionLength} bytes`)
    const at = TABLE_HEADER_SIZE + i * ENTRY_SIZE
    region.set(item.guid, at)
    table.setUint32(at + 16, next, true)
    table.setUint32(at + 20, item.data.length, true)
    table.setUint32(at + 24, item.flags, true)
    region.set(item.data, next)
    // Keep every item 8-byte aligned, as Hyper-V does.
    next += Math.ceil(item.data.length / 8) * 8
  })
  return region
}

/** What Resize-VHD and Set-VHD change in the metadata of an existing image. */
export interface MetadataChanges {
  virtualSize?: number
  virtualDiskId?: Guid
  physicalSectorSize?: SectorSize
  parentLocator?: Map<string, string>
}

/**
 * The log writes that make `changes` in the metadata region: the changed
 * items' data, and where an item's length changes, the table entries and the
 * items laid out again one after another from 64 KiB in table order (every
 * other item, user items too, keeps its bytes). The region was checked when
 * the image was opened.
 */
export function rewriteMetadata(file: ImageFile, region: Extent, changes: MetadataChanges): SectorWrite[] {
  const old = new Uint8Array(region.length)
  file.read(region.offset, old)
  const next = old.slice()
  const view = new DataView(next.buffer)
  const entries = Array.from({length: view.getUint16(10, true)}, (_, i) => {
    const at = TABLE_HEADER_SIZE + i * ENTRY_SIZE
    const offset = view.getUint32(at + 16, true)
    const length = view.getUint32(at + 20, true)
    const data: Uint8Array = next.slice(offset, offset + length)
    return {at, guid: readGuid(next, at), isUser: (view.getUint32(at + 24, true) & IS_USER) !== 0, data}
  })
  const replace = (guid: Guid, data: Uint8Array) => {
    const entry = entries.find((candidate) => !candidate.isUser && guidsEqual(candidate.guid, guid))
    if (!entry) throw new DiskFormatError(file.path, `metadata: the item {${formatGuid(guid)}} is missing`)
    entry.data = data
  }
  const u32 = (value: number) => {
    const bytes = new Uint8Array(4)
    new DataView(bytes.buffer).setUint32(0, value, true)
    return bytes
  }
  if (changes.virtualSize !== undefined) {
    const bytes = new Uint8Array(8)
    new DataView(bytes.buffer).setBigUint64(0, BigInt(changes.virtualSize), true)
    replace(VIRTUAL_DISK_SIZE, bytes)
  }
  if (changes.virtualDiskId !== undefined) replace(VIRTUAL_DISK_ID, changes.virtualDiskId)
  if (changes.physicalSectorSize !== undefined) replace(PHYSICAL_SECTOR_SIZE, u32(changes.physicalSectorSize))
  if (changes.parentLocator !== undefined) replace(PARENT_LOCATOR, serializeParentLocator([...changes.parentLocator]))

  next.fill(0, TABLE_SIZE)
  let free = TABLE_SIZE
  for (const entry of entries) {
    const offset = entry.data.length === 0 ? 0 : free
    if (offset + entry.data.length > region.length) throw new DiskFormatError(file.path, `metadata: the items no longer fit in the ${region.length}-byte region`)
    next.set(entry.data, offset)
    view.setUint32(entry.at + 16, offset, true)
    view.setUint32(entry.at + 20, entry.data.length, true)
    if (entry.data.length > 0) free = offset + Math.ceil(entry.data.length / 8) * 8
  }
  return changedSectors(old, next, region.offset)
}

/** Read and check the metadata table and the items hv needs. */
export function readMetadata(file: ImageFile, region: Extent): DiskMetadata {
  const fail = (problem: string) => new DiskFormatError(file.path, `metadata: ${problem}`)
  const table = new Uint8Array(TABLE_SIZE)
  file.read(region.offset, table)
  const view = new DataView(table.buffer)
  if (Buffer.from(table.subarray(0, 8)).toString('latin1') !== SIGNATURE) throw fail('table signature is not "metadata"')
  const count = view.getUint16(10, true)
  if (count > MAX_ENTRIES) throw fail(`entry count ${count} is more than ${MAX_ENTRIES}`)

  const known = [FILE_PARAMETERS, VIRTUAL_DISK_SIZE, VIRTUAL_DISK_ID, LOGICAL_SECTOR_SIZE, PHYSICAL_SECTOR_SIZE, PARENT_LOCATOR]
  const found = new Map<Guid, {offset: number; length: number}>()
  const seen = new Set<string>()
  const placed: Array<{offset: number; length: number; name: string}> = []
  let userItems = 0
  for (let i = 0; i < count; i++) {
    const at = TABLE_HEADER_SIZE + i * ENTRY_SIZE
    const guid = readGuid(table, at)
    const offset = view.getUint32(at + 16, true)
    const length = view.getUint32(at + 20, true)
    const flags = view.getUint32(at + 24, true)
    const isUser = (flags & IS_USER) !== 0
    const name = `item {${formatGuid(guid)}}${isUser ? ' (user)' : ''}`
    const identity = `${formatGuid(guid)}/${isUser}`
    if (seen.has(identity)) throw fail(`${name} appears twice`)
    seen.add(identity)
    if (isUser && ++userItems > MAX_USER_ENTRIES) throw fail(`more than ${MAX_USER_ENTRIES} user items`)
    if (length > MAX_ITEM_LENGTH) throw fail(`${name} length ${length} is more than 1 MiB`)
    if (length === 0 && offset !== 0) throw fail(`${name} has no length but offset ${offset}`)
    if (length > 0 && (offset < TABLE_SIZE || offset + length > region.length)) throw fail(`${name} (offset ${offset}, length ${length}) is outside the item area of the region (64 KiB to ${region.length} bytes)`)
    if (length > 0) placed.push({offset, length, name})
    const system = isUser ? undefined : known.find((k) => guidsEqual(k, guid))
    if (system) found.set(system, {offset, length})
    else if (flags & IS_REQUIRED) throw fail(`${name} is required but unknown to hv`)
  }
  placed.sort((a, b) => a.offset - b.offset)
  for (let i = 1; i < placed.length; i++) {
    if (placed[i]!.offset < placed[i - 1]!.offset + placed[i - 1]!.length) throw fail(`${placed[i]!.name} overlaps ${placed[i - 1]!.name}`)
  }

  const item = (guid: Guid, what: string, minimum: number): Uint8Array => {
    const place = found.get(guid)
    if (!place) throw fail(`the ${what} item is missing`)
    if (place.length < minimum) throw fail(`the ${what} item is ${place.length} bytes, less than ${minimum}`)
    const bytes = new Uint8Array(place.length)
    file.read(region.offset + place.offset, bytes)
    return bytes
  }
  const dataView = (bytes: Uint8Array) => new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)

  const parameters = dataView(item(FILE_PARAMETERS, 'file parameters', 8))
  const blockSize = parameters.getUint32(0, true)
  const parameterFlags = parameters.getUint32(4, true)
  if (!isPowerOfTwo(blockSize) || blockSize < MIN_BLOCK_SIZE || blockSize > MAX_BLOCK_SIZE) throw fail(`block size ${blockSize} is not a power of two from 1 MiB to 256 MiB`)

  const logicalSectorSize = dataView(item(LOGICAL_SECTOR_SIZE, 'logical sector size', 4)).getUint32(0, true)
  if (logicalSectorSize !== 512 && logicalSectorSize !== 4096) throw fail(`logical sector size ${logicalSectorSize} is neither 512 nor 4096`)
  const physicalSectorSize = dataView(item(PHYSICAL_SECTOR_SIZE, 'physical sector size', 4)).getUint32(0, true)
  if (physicalSectorSize !== 512 && physicalSectorSize !== 4096) throw fail(`physical sector size ${physicalSectorSize} is neither 512 nor 4096`)

  const size = dataView(item(VIRTUAL_DISK_SIZE, 'virtual disk size', 8)).getBigUint64(0, true)
  if (size === 0n || size > BigInt(MAX_VIRTUAL_SIZE)) throw fail(`virtual disk size ${size} is not between 1 byte and 64 TiB`)
  const virtualSize = Number(size)
  if (virtualSize % logicalSectorSize !== 0) throw fail(`virtual disk size ${virtualSize} is not a multiple of the logical sector size ${logicalSectorSize}`)

  const virtualDiskId = item(VIRTUAL_DISK_ID, 'virtual disk ID', 16).slice(0, 16)

  const hasParent = (parameterFlags & HAS_PARENT) !== 0
  const parentLocator = hasParent ? parseParentLocator(file.path, item(PARENT_LOCATOR, 'parent locator', 0)) : null
  return {
    blockSize,
    leaveBlocksAllocated: (parameterFlags & LEAVE_BLOCKS_ALLOCATED) !== 0,
    hasParent,
    virtualSize,
    virtualDiskId,
    logicalSectorSize,
    physicalSectorSize,
    parentLocator,
  }
}

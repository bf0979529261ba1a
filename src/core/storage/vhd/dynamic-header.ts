/**
 * The dynamic disk header: 1024 bytes, at the footer's data offset, of every
 * dynamic and differencing image. It places the block allocation table and
 * sizes the blocks, and for a differencing image it names the parent: its
 * unique ID, time stamp, file name and up to eight parent locators.
 *
 * Decoding checks what the header says about itself (cookie, checksum,
 * version, block size); whether its offsets fit the file is for the opener,
 * which knows the file.
 */
import {DiskFormatError} from '../virtual-disk.js'
import {vhdChecksum} from './checksum.js'
import {DYNAMIC_HEADER_SIZE, MAX_BLOCK_SIZE, MIN_BLOCK_SIZE} from './constants.js'
import {decodeUtf16, encodeUtf16, hex32, readAscii, writeAscii} from './fields.js'
import {bytesToGuid, guidToBytes} from './guid.js'

export const HEADER_COOKIE = 'cxsparse'

/** Major version 1, minor 0. */
export const HEADER_VERSION = 0x00010000

/** The header's own data offset is unused; the specification asks for all ones. */
const UNUSED_DATA_OFFSET = 0xffffffffffffffffn

export const LOCATOR_COUNT = 8
const LOCATOR_ENTRY_SIZE = 24
/** The parent's file name: 256 UTF-16 big-endian code units. */
const PARENT_NAME_SIZE = 512

/** The platform code of an empty locator entry. */
export const NO_PLATFORM = '\0\0\0\0'

const FIELD = {
  cookie: 0,
  dataOffset: 8,
  tableOffset: 16,
  headerVersion: 24,
  maxTableEntries: 28,
  blockSize: 32,
  checksum: 36,
  parentUniqueId: 40,
  parentTimestamp: 56,
  parentName: 64,
  locators: 576,
} as const

/** Offsets inside one 24-byte locator entry. */
const LOCATOR_FIELD = {platformCode: 0, dataSpace: 4, dataLength: 8, dataOffset: 16} as const

/** One parent locator entry: where a platform-specific path to the parent is stored. */
export interface ParentLocatorEntry {
  /** Four characters ("W2ku", "W2ru", ...); NO_PLATFORM for an unused entry. */
  platformCode: string
  /** The room reserved for the data. In bytes as Hyper-V and VirtualBox write it (the specification says sectors). */
  dataSpace: number
  /** The bytes of locator data. */
  dataLength: number
  /** Where the data is in the file. */
  dataOffset: bigint
}

export interface DynamicHeader {
  /** Where the block allocation table is. May point anywhere in a damaged file. */
  tableOffset: bigint
  headerVersion: number
  maxTableEntries: number
  /** Bytes of data per block (not counting its sector bitmap); a power of two of at least one sector. */
  blockSize: number
  /** Differencing: the parent's footer unique ID. */
  parentUniqueId: string
  /** Differencing: the parent's modification time, in seconds since 2000-01-01 UTC. */
  parentTimestamp: number
  /** Differencing: the parent's file name. */
  parentName: string
  /** Always LOCATOR_COUNT entries, unused ones with NO_PLATFORM. */
  locators: ParentLocatorEntry[]
}

export function emptyLocator(): ParentLocatorEntry {
  return {platformCode: NO_PLATFORM, dataSpace: 0, dataLength: 0, dataOffset: 0n}
}

export function encodeDynamicHeader(header: DynamicHeader): Uint8Array {
  const bytes = new Uint8Array(DYNAMIC_HEADER_SIZE)
  const view = new DataView(bytes.buffer)
  writeAscii(bytes, FIELD.cookie, HEADER_COOKIE)
  view.setBigUint64(FIELD.dataOffset, UNUSED_DATA_OFFSET)
  view.setBigUint64(FIELD.tableOffset, header.tableOffset)
  view.setUint32(FIELD.headerVersion, header.headerVersion)
  view.setUint32(FIELD.maxTableEntries, header.maxTableEntries)
  view.setUint32(FIELD.blockSize, header.blockSize)
  bytes.set(guidToBytes(header.parentUniqueId), FIELD.parentUniqueId)
  view.setUint32(FIELD.parentTimestamp, header.parentTimestamp)
  // A name longer than the field is cut; the locators carry the full path.
  bytes.set(encodeUtf16(header.parentName, false).subarray(0, PARENT_NAME_SIZE), FIELD.parentName)
  header.locators.slice(0, LOCATOR_COUNT).forEach((locator, index) => {
    const at = FIELD.locators + index * LOCATOR_ENTRY_SIZE
    writeAscii(bytes, at + LOCATOR_FIELD.platformCode, locator.platformCode)
    view.setUint32(at + LOCATOR_FIELD.dataSpace, locator.dataSpace)
    view.setUint32(at + LOCATOR_FIELD.dataLength, locator.dataLength)
    view.setBigUint64(at + LOCATOR_FIELD.dataOffset, locator.dataOffset)
  })
  view.setUint32(FIELD.checksum, vhdChecksum(bytes, FIELD.checksum))
  return bytes
}

/** Decode and check the 1024 bytes of a dynamic disk header; DiskFormatError names `path` and the field. */
export function decodeDynamicHeader(bytes: Uint8Array, path: string): DynamicHeader {
  const view = new DataView(bytes.buffer, bytes.byteOffset, DYNAMIC_HEADER_SIZE)
  if (readAscii(bytes, FIELD.cookie, HEADER_COOKIE.length) !== HEADER_COOKIE) {
    throw new DiskFormatError(path, `dynamic disk header cookie is not "${HEADER_COOKIE}"`)
  }
  const storedChecksum = view.getUint32(FIELD.checksum)
  const computedChecksum = vhdChecksum(bytes.subarray(0, DYNAMIC_HEADER_SIZE), FIELD.checksum)
  if (storedChecksum !== computedChecksum) {
    throw new DiskFormatError(path, `dynamic disk header checksum does not match (stored ${hex32(storedChecksum)}, computed ${hex32(computedChecksum)})`)
  }
  const headerVersion = view.getUint32(FIELD.headerVersion)
  if (headerVersion >>> 16 !== HEADER_VERSION >>> 16) {
    throw new DiskFormatError(path, `dynamic disk header version ${headerVersion >>> 16}.${headerVersion & 0xffff} is not supported (only 1.x is)`)
  }
  const blockSize = view.getUint32(FIELD.blockSize)
  if (blockSize < MIN_BLOCK_SIZE || blockSize > MAX_BLOCK_SIZE || (blockSize & (blockSize - 1)) !== 0) {
    throw new DiskFormatError(path, `dynamic disk header block size ${blockSize} is not a power of two of at least ${MIN_BLOCK_SIZE} bytes`)
  }
  const locators: ParentLocatorEntry[] = []
  for (let index = 0; index < LOCATOR_COUNT; index++) {
    const at = FIELD.locators + index * LOCATOR_ENTRY_SIZE
    locators.push({
      platformCode: readAscii(bytes, at + LOCATOR_FIELD.platformCode, 4),
      dataSpace: view.getUint32(at + LOCATOR_FIELD.dataSpace),
      dataLength: view.getUint32(at + LOCATOR_FIELD.dataLength),
      dataOffset: view.getBigUint64(at + LOCATOR_FIELD.dataOffset),
    })
  }
  return {
    tableOffset: view.getBigUint64(FIELD.tableOffset),
    headerVersion,
    maxTableEntries: view.getUint32(FIELD.maxTableEntries),
    blockSize,
    parentUniqueId: bytesToGuid(bytes, FIELD.parentUniqueId),
    parentTimestamp: view.getUint32(FIELD.parentTimestamp),
    parentName: decodeUtf16(bytes.subarray(FIELD.parentName, FIELD.parentName + PARENT_NAME_SIZE), false),
    locators,
  }
}

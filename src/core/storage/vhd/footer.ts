/**
 * The hard disk footer: the 512 bytes at the end of every VHD (and, for
 * dynamic and differencing images, copied at offset 0) that say what kind of
 * disk the file holds and how big it is.
 */
import {DiskFormatError, type VhdType} from '../virtual-disk.js'
import {vhdChecksum} from './checksum.js'
import {FOOTER_SIZE, MAX_DISK_SIZE, SECTOR_SIZE} from './constants.js'
import type {DiskGeometry} from './geometry.js'
import {hex32, readAscii, writeAscii} from './fields.js'
import {bytesToGuid, guidToBytes} from './guid.js'

export const FOOTER_COOKIE = 'conectix'

/** The features field: bit 1 is reserved and always set; bit 0 marks a temporary disk. */
export const FEATURES_RESERVED = 0x00000002

/** Major version 1, minor 0: the only version of the format. */
export const FORMAT_VERSION = 0x00010000

/** The data offset of a fixed disk, which has no further structure. */
export const NO_DATA_OFFSET = 0xffffffffffffffffn

/**
 * hv writes "win " as the creator application, as Hyper-V does: readers such
 * as qemu then take the disk's size from the current size field rather than
 * from the (rounded-down) geometry, which is how Hyper-V reads it.
 */
export const CREATOR_APPLICATION = 'win '
/** Version 10.0 of the creator. */
export const CREATOR_VERSION = 0x000a0000
export const CREATOR_HOST_OS = 'Wi2k'

const DISK_TYPE_CODE: Record<VhdType, number> = {Fixed: 2, Dynamic: 3, Differencing: 4}
const DISK_TYPE_BY_CODE = new Map<number, VhdType>(Object.entries(DISK_TYPE_CODE).map(([type, code]) => [code, type as VhdType]))

/** Byte offsets of the footer's fields. */
const FIELD = {
  cookie: 0,
  features: 8,
  formatVersion: 12,
  dataOffset: 16,
  timestamp: 24,
  creatorApplication: 28,
  creatorVersion: 32,
  creatorHostOs: 36,
  originalSize: 40,
  currentSize: 48,
  cylinders: 56,
  heads: 58,
  sectorsPerTrack: 59,
  diskType: 60,
  checksum: 64,
  uniqueId: 68,
  savedState: 84,
} as const

export interface VhdFooter {
  features: number
  formatVersion: number
  /** Where the dynamic disk header is; NO_DATA_OFFSET for a fixed disk. May point anywhere in a damaged file. */
  dataOffset: bigint
  /** Creation time, in seconds since 2000-01-01 UTC. */
  timestamp: number
  creatorApplication: string
  creatorVersion: number
  creatorHostOs: string
  /** The size at creation; informational, and not checked. */
  originalSize: bigint
  /** The virtual size in bytes. */
  currentSize: number
  geometry: DiskGeometry
  diskType: VhdType
  uniqueId: string
  savedState: number
}

export function encodeFooter(footer: VhdFooter): Uint8Array {
  const bytes = new Uint8Array(FOOTER_SIZE)
  const view = new DataView(bytes.buffer)
  writeAscii(bytes, FIELD.cookie, FOOTER_COOKIE)
  view.setUint32(FIELD.features, footer.features)
  view.setUint32(FIELD.formatVersion, footer.formatVersion)
  view.setBigUint64(FIELD.dataOffset, footer.dataOffset)
  view.setUint32(FIELD.timestamp, footer.timestamp)
  writeAscii(bytes, FIELD.creatorApplication, footer.creatorApplication)
  view.setUint32(FIELD.creatorVersion, footer.creatorVersion)
  writeAscii(bytes, FIELD.creatorHostOs, footer.creatorHostOs)
  view.setBigUint64(FIELD.originalSize, footer.originalSize)
  view.setBigUint64(FIELD.currentSize, BigInt(footer.currentSize))
  view.setUint16(FIELD.cylinders, footer.geometry.cylinders)
  view.setUint8(FIELD.heads, footer.geometry.heads)
  view.setUint8(FIELD.sectorsPerTrack, footer.geometry.sectorsPerTrack)
  view.setUint32(FIELD.diskType, DISK_TYPE_CODE[footer.diskType])
  bytes.set(guidToBytes(footer.uniqueId), FIELD.uniqueId)
  view.setUint8(FIELD.savedState, footer.savedState)
  view.setUint32(FIELD.checksum, vhdChecksum(bytes, FIELD.checksum))
  return bytes
}

/** The footer fields hv changes in an existing image. */
export type FooterChanges = Partial<Pick<VhdFooter, 'dataOffset' | 'currentSize' | 'geometry' | 'uniqueId' | 'creatorApplication'>>

/**
 * A copy of the footer `bytes` (512, as read) with `changes` made and the
 * checksum recomputed. Every other byte stays as it was, so a footer another
 * tool wrote keeps whatever it holds besides these fields.
 */
export function patchFooter(bytes: Uint8Array, changes: FooterChanges): Uint8Array {
  const patched = bytes.slice(0, FOOTER_SIZE)
  const view = new DataView(patched.buffer)
  if (changes.dataOffset !== undefined) view.setBigUint64(FIELD.dataOffset, changes.dataOffset)
  if (changes.currentSize !== undefined) view.setBigUint64(FIELD.currentSize, BigInt(changes.currentSize))
  if (changes.geometry !== undefined) {
    view.setUint16(FIELD.cylinders, changes.geometry.cylinders)
    view.setUint8(FIELD.heads, changes.geometry.heads)
    view.setUint8(FIELD.sectorsPerTrack, changes.geometry.sectorsPerTrack)
  }
  if (changes.uniqueId !== undefined) patched.set(guidToBytes(changes.uniqueId), FIELD.uniqueId)
  if (changes.creatorApplication !== undefined) writeAscii(patched, FIELD.creatorApplication, changes.creatorApplication)
  view.setUint32(FIELD.checksum, vhdChecksum(patched, FIELD.checksum))
  return patched
}

/** Whether `bytes` (512 of them, or 511 from an old image) begin with the footer's cookie. */
export function hasFooterCookie(bytes: Uint8Array): boolean {
  return readAscii(bytes, FIELD.cookie, FOOTER_COOKIE.length) === FOOTER_COOKIE
}

/**
 * Decode and check a footer: `bytes` are the 512 bytes read from the file
 * (an old 511-byte footer padded with a zero, which leaves its checksum
 * unchanged). Raises DiskFormatError naming `path` and the bad field.
 */
export function decodeFooter(bytes: Uint8Array, path: string): VhdFooter {
  const view = new DataView(bytes.buffer, bytes.byteOffset, FOOTER_SIZE)
  if (!hasFooterCookie(bytes)) {
    throw new DiskFormatError(path, `footer cookie is not "${FOOTER_COOKIE}"`)
  }
  const storedChecksum = view.getUint32(FIELD.checksum)
  const computedChecksum = vhdChecksum(bytes.subarray(0, FOOTER_SIZE), FIELD.checksum)
  if (storedChecksum !== computedChecksum) {
    throw new DiskFormatError(path, `footer checksum does not match (stored ${hex32(storedChecksum)}, computed ${hex32(computedChecksum)})`)
  }
  const formatVersion = view.getUint32(FIELD.formatVersion)
  if (formatVersion >>> 16 !== FORMAT_VERSION >>> 16) {
    throw new DiskFormatError(path, `footer file format version ${formatVersion >>> 16}.${formatVersion & 0xffff} is not supported (only 1.x is)`)
  }
  const diskTypeCode = view.getUint32(FIELD.diskType)
  const diskType = DISK_TYPE_BY_CODE.get(diskTypeCode)
  if (diskType === undefined) {
    throw new DiskFormatError(path, `footer disk type ${diskTypeCode} is not supported (2 fixed, 3 dynamic and 4 differencing are)`)
  }
  const currentSize = view.getBigUint64(FIELD.currentSize)
  if (currentSize > BigInt(MAX_DISK_SIZE)) {
    throw new DiskFormatError(path, `footer current size ${currentSize} is more than the 2040 GiB a VHD can hold`)
  }
  if (currentSize % BigInt(SECTOR_SIZE) !== 0n) {
    throw new DiskFormatError(path, `footer current size ${currentSize} is not a multiple of ${SECTOR_SIZE}`)
  }
  return {
    features: view.getUint32(FIELD.features),
    formatVersion,
    dataOffset: view.getBigUint64(FIELD.dataOffset),
    timestamp: view.getUint32(FIELD.timestamp),
    creatorApplication: readAscii(bytes, FIELD.creatorApplication, 4),
    creatorVersion: view.getUint32(FIELD.creatorVersion),
    creatorHostOs: readAscii(bytes, FIELD.creatorHostOs, 4),
    originalSize: view.getBigUint64(FIELD.originalSize),
    currentSize: Number(currentSize),
    geometry: {
      cylinders: view.getUint16(FIELD.cylinders),
      heads: view.getUint8(FIELD.heads),
      sectorsPerTrack: view.getUint8(FIELD.sectorsPerTrack),
    },
    diskType,
    uniqueId: bytesToGuid(bytes, FIELD.uniqueId),
    savedState: view.getUint8(FIELD.savedState),
  }
}

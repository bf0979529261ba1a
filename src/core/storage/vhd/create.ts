/**
 * Creating VHD files, laid out as
 *
 *   fixed:        [disk data][footer]
 *   dynamic:      [footer copy][dynamic header][BAT][footer]
 *   differencing: [footer copy][dynamic header][BAT][W2ku path][W2ru path][footer]
 *
 * A fixed image's data is left as a hole in the host file (it reads as
 * zeros), so creating a large fixed disk is instant and takes no space until
 * written. The footers are written last, the one at the end first: a
 * creation cut short leaves either a file with no "conectix" anywhere, which
 * no reader takes for a disk, or a complete image perhaps missing only the
 * footer copy, which is a fallback. A creation that fails removes its file.
 */
import {statSync, unlinkSync} from 'node:fs'
import {resolve} from 'node:path'

import {InvalidArgumentError, NotFoundError} from '../../errors.js'
import type {CreateDiskOptions, VhdType} from '../virtual-disk.js'
import {
  DEFAULT_BLOCK_SIZE, DYNAMIC_HEADER_SIZE, FOOTER_SIZE, MAX_CREATE_BLOCK_SIZE, MAX_DISK_SIZE, MIN_CREATE_BLOCK_SIZE, roundUp, SECTOR_SIZE,
} from './constants.js'
import {isVhd} from './detect.js'
import {emptyLocator, encodeDynamicHeader, HEADER_VERSION, LOCATOR_COUNT, type ParentLocatorEntry} from './dynamic-header.js'
import {
  CREATOR_APPLICATION, CREATOR_HOST_OS, CREATOR_VERSION, encodeFooter, FEATURES_RESERVED, FORMAT_VERSION, NO_DATA_OFFSET, type VhdFooter,
} from './footer.js'
import {geometryForSize} from './geometry.js'
import {newGuid, normaliseGuid} from './guid.js'
import {createHostFile} from './image-file.js'
import {openVhdImage} from './open.js'
import {layOutParentLocators, parentFileName} from './parent-locators.js'
import {toVhdTimestamp} from './timestamp.js'
import type {VhdImage} from './vhd-image.js'

/** The dynamic header follows the footer copy; the BAT follows the header. */
const HEADER_OFFSET = FOOTER_SIZE
const TABLE_OFFSET = HEADER_OFFSET + DYNAMIC_HEADER_SIZE

const NULL_GUID = '00000000-0000-0000-0000-000000000000'

/** One write of the new file's contents. */
interface Piece {
  offset: number
  bytes: Uint8Array
}

/** What a new differencing image takes from its parent. */
interface ParentFacts {
  path: string
  footer: VhdFooter
  /** The parent file's modification time, as the dynamic header records it. */
  modified: Date
}

/** Create the image `options` describe, refusing an existing file, and return it open read-write. */
export function createVhdImage(options: CreateDiskOptions): VhdImage {
  const type = checkType(options.type)
  checkSectorSizes(options)
  const uniqueId = checkDiskIdentifier(options.diskIdentifier)
  const parent = type === 'Differencing' ? readParent(options) : null
  const size = parent ? parent.footer.currentSize : checkSize(options.size)
  const blockSize = type === 'Fixed' ? 0 : checkBlockSize(options.blockSize)

  const footer: VhdFooter = {
    features: FEATURES_RESERVED,
    formatVersion: FORMAT_VERSION,
    dataOffset: type === 'Fixed' ? NO_DATA_OFFSET : BigInt(HEADER_OFFSET),
    timestamp: toVhdTimestamp(new Date()),
    creatorApplication: CREATOR_APPLICATION,
    creatorVersion: CREATOR_VERSION,
    creatorHostOs: CREATOR_HOST_OS,
    originalSize: BigInt(size),
    currentSize: size,
    geometry: parent ? parent.footer.geometry : geometryForSize(size),
    diskType: type,
    uniqueId,
    savedState: 0,
  }
  const pieces = type === 'Fixed' ? layOutFixed(footer) : layOutSparse(options.path, footer, blockSize, parent)
  writeNewFile(options.path, pieces)
  return openVhdImage(options.path, {readOnly: false})
}

function layOutFixed(footer: VhdFooter): Piece[] {
  return [{offset: footer.currentSize, bytes: encodeFooter(footer)}]
}

function layOutSparse(path: string, footer: VhdFooter, blockSize: number, parent: ParentFacts | null): Piece[] {
  const entryCount = Math.ceil(footer.currentSize / blockSize)
  // Every entry unallocated, the padding to the sector boundary too.
  const table = new Uint8Array(roundUp(entryCount * 4, SECTOR_SIZE)).fill(0xff)
  let end = TABLE_OFFSET + table.length

  let locators: ParentLocatorEntry[] = Array.from({length: LOCATOR_COUNT}, emptyLocator)
  const locatorData: Piece[] = []
  if (parent) {
    const layout = layOutParentLocators(path, parent.path, end)
    locators = layout.entries
    locatorData.push(...layout.data)
    end = layout.end
  }

  const footerBytes = encodeFooter(footer)
  const header = encodeDynamicHeader({
    tableOffset: BigInt(TABLE_OFFSET),
    headerVersion: HEADER_VERSION,
    maxTableEntries: entryCount,
    blockSize,
    parentUniqueId: parent ? parent.footer.uniqueId : NULL_GUID,
    parentTimestamp: parent ? toVhdTimestamp(parent.modified) : 0,
    parentName: parent ? parentFileName(parent.path) : '',
    locators,
  })
  return [
    {offset: HEADER_OFFSET, bytes: header},
    {offset: TABLE_OFFSET, bytes: table},
    ...locatorData,
    {offset: end, bytes: footerBytes},
    {offset: 0, bytes: footerBytes},
  ]
}

/** Write `pieces` in order to a new file at `path`, durably; on failure the file is removed. */
function writeNewFile(path: string, pieces: Piece[]): void {
  const file = createHostFile(path)
  try {
    for (const piece of pieces) file.write(piece.offset, piece.bytes)
    file.sync()
    file.close()
  } catch (error) {
    file.close()
    try {
      unlinkSync(path)
    } catch {
      // Nothing more can be done; the first error is the one to report.
    }
    throw error
  }
}

/** The parent of a new differencing image: a VHD, opened read-only just long enough to read its footer. */
function readParent(options: CreateDiskOptions): ParentFacts {
  if (options.parentPath === undefined || options.parentPath === '') {
    throw new InvalidArgumentError(`Cannot create the differencing disk '${options.path}': a parent path is required.`)
  }
  const path = resolve(options.parentPath)
  const stat = statSync(path, {throwIfNoEntry: false})
  if (stat === undefined) throw new NotFoundError(`Cannot create the differencing disk '${options.path}': the parent '${path}' does not exist.`)
  if (!isVhd(path)) {
    throw new InvalidArgumentError(`Cannot create the differencing disk '${options.path}': the parent '${path}' is not a VHD (a VHD's parent must be a VHD).`)
  }
  const image = openVhdImage(path, {readOnly: true})
  try {
    return {path, footer: image.footer, modified: stat.mtime}
  } finally {
    image.close()
  }
}

function checkType(type: VhdType): VhdType {
  if (type !== 'Fixed' && type !== 'Dynamic' && type !== 'Differencing') {
    throw new InvalidArgumentError(`A virtual hard disk's type must be Fixed, Dynamic or Differencing, not '${String(type)}'.`)
  }
  return type
}

function checkSize(size: number | undefined): number {
  if (size === undefined) throw new InvalidArgumentError('A fixed or dynamic virtual hard disk needs a size.')
  if (!Number.isSafeInteger(size) || size <= 0 || size % SECTOR_SIZE !== 0) {
    throw new InvalidArgumentError(`The size of a VHD must be a positive multiple of ${SECTOR_SIZE} bytes, not ${size}.`)
  }
  if (size > MAX_DISK_SIZE) {
    throw new InvalidArgumentError(`The size of a VHD can be at most 2040 GB (${MAX_DISK_SIZE} bytes), not ${size}: use VHDX for larger disks.`)
  }
  return size
}

function checkBlockSize(blockSize: number | undefined): number {
  if (blockSize === undefined || blockSize === 0) return DEFAULT_BLOCK_SIZE
  if (!Number.isSafeInteger(blockSize) || blockSize < MIN_CREATE_BLOCK_SIZE || blockSize > MAX_CREATE_BLOCK_SIZE || (blockSize & (blockSize - 1)) !== 0) {
    throw new InvalidArgumentError(
      `The block size of a VHD must be a power of two from ${MIN_CREATE_BLOCK_SIZE} to ${MAX_CREATE_BLOCK_SIZE} bytes, not ${blockSize}.`,
    )
  }
  return blockSize
}

/** VHD has only 512-byte sectors, logical and physical. */
function checkSectorSizes(options: CreateDiskOptions): void {
  for (const [name, value] of [['logical', options.logicalSectorSize], ['physical', options.physicalSectorSize]] as const) {
    if (value !== undefined && value !== SECTOR_SIZE) {
      throw new InvalidArgumentError(`A VHD's ${name} sector size is always ${SECTOR_SIZE} bytes, not ${value}: use VHDX for ${value}-byte sectors.`)
    }
  }
}

function checkDiskIdentifier(identifier: string | undefined): string {
  if (identifier === undefined) return newGuid()
  const normal = normaliseGuid(identifier)
  if (normal === null) throw new InvalidArgumentError(`The disk identifier '${identifier}' is not a GUID.`)
  return normal
}

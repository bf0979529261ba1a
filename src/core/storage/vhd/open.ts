/**
 * Opening a VHD: find and check the footer, then (dynamic and differencing)
 * the dynamic header, the block allocation table and, for a differencing
 * image, the parent chain. Everything the image's reads and writes will rely
 * on is checked here against the file, so that a damaged image fails to open
 * with a DiskFormatError naming the field rather than misbehaving later.
 */
import {statSync} from 'node:fs'

import {InvalidArgumentError} from '../../errors.js'
import {DiskFormatError, type OpenDiskOptions} from '../virtual-disk.js'
import {BlockAllocationTable, type FileRegion} from './block-allocation-table.js'
import {DYNAMIC_HEADER_SIZE, FOOTER_SIZE, LEGACY_FOOTER_SIZE, MAX_BAT_ENTRIES, MAX_PARENT_CHAIN_DEPTH, roundUp, SECTOR_SIZE} from './constants.js'
import {decodeDynamicHeader, type DynamicHeader} from './dynamic-header.js'
import {FixedVhdImage} from './fixed-image.js'
import {decodeFooter, hasFooterCookie, type VhdFooter} from './footer.js'
import {type ImageFile, type ImageFileOpener, openHostFile} from './image-file.js'
import {type ParentCandidate, parentCandidates, readParentLocators} from './parent-locators.js'
import {bitmapSize} from './sector-bitmap.js'
import {SparseVhdImage} from './sparse-image.js'
import type {VhdImage} from './vhd-image.js'
import {realPath} from '../real-path.js'

export interface OpenVhdImageOptions extends OpenDiskOptions {
  /** How to open the image and its parents' files; tests substitute one that records or checks every access. */
  openFile?: ImageFileOpener
}

/** Open the VHD at `path` (and, for a differencing image, its parents, read-only). */
export function openVhdImage(path: string, options: OpenVhdImageOptions = {}): VhdImage {
  return openInChain(path, options.readOnly ?? false, options.openFile ?? openHostFile, [], options.skipParent ?? false)
}

/** `descendants` are the real paths of the differencing images that led here, to catch a chain that loops. */
function openInChain(path: string, readOnly: boolean, openFile: ImageFileOpener, descendants: string[], skipParent = false): VhdImage {
  const file = openFile(path, readOnly)
  try {
    const found = findFooter(file)
    if (found.footer.diskType === 'Fixed') return openFixed(file, found)
    return openSparse(file, found, openFile, descendants, skipParent)
  } catch (error) {
    file.close()
    throw error
  }
}

interface FoundFooter {
  footer: VhdFooter
  /** The footer's 512 bytes (an old 511-byte footer with its missing reserved byte as zero). */
  bytes: Uint8Array
  /** Where the file's data ends: the footer's position, or the end of the file when the footer came from the copy at offset 0. */
  dataEnd: number
}

/**
 * The footer is the last 512 bytes of the file, or the last 511 in images
 * older than Virtual PC 2004. If it is damaged, the specification says to
 * use the copy at offset 0, which dynamic and differencing images keep (at
 * offset 0 of a fixed image is the guest's first sector instead).
 */
function findFooter(file: ImageFile): FoundFooter {
  const fileSize = file.size()
  if (fileSize < FOOTER_SIZE) {
    throw new DiskFormatError(file.path, `the file is ${fileSize} bytes, too small to hold a VHD footer`)
  }
  const atEnd = readFooterBytes(file, fileSize - FOOTER_SIZE, FOOTER_SIZE)
  const legacy = readFooterBytes(file, fileSize - LEGACY_FOOTER_SIZE, LEGACY_FOOTER_SIZE)
  const endCandidate = !hasFooterCookie(atEnd) && hasFooterCookie(legacy) ? {bytes: legacy, size: LEGACY_FOOTER_SIZE} : {bytes: atEnd, size: FOOTER_SIZE}
  let endProblem: unknown
  try {
    return {footer: decodeFooter(endCandidate.bytes, file.path), bytes: endCandidate.bytes, dataEnd: fileSize - endCandidate.size}
  } catch (error) {
    if (!(error instanceof DiskFormatError)) throw error
    endProblem = error
  }
  const copy = readFooterBytes(file, 0, FOOTER_SIZE)
  try {
    const footer = decodeFooter(copy, file.path)
    if (footer.diskType !== 'Fixed') return {footer, bytes: copy, dataEnd: fileSize}
  } catch (error) {
    if (!(error instanceof DiskFormatError)) throw error
  }
  // Report what is wrong with the footer proper; the copy was only a fallback.
  throw endProblem
}

/** `length` bytes at `position` in a 512-byte buffer (the rest zero). */
function readFooterBytes(file: ImageFile, position: number, length: number): Uint8Array {
  const bytes = new Uint8Array(FOOTER_SIZE)
  file.read(position, bytes.subarray(0, length))
  return bytes
}

function openFixed(file: ImageFile, found: FoundFooter): VhdImage {
  const {footer, dataEnd} = found
  if (footer.currentSize > dataEnd) {
    throw new DiskFormatError(file.path, `the file holds ${dataEnd} bytes before its footer, fewer than the disk's size of ${footer.currentSize}`)
  }
  return new FixedVhdImage(file.path, file, footer, found.bytes, dataEnd)
}

function openSparse(file: ImageFile, found: FoundFooter, openFile: ImageFileOpener, descendants: string[], skipParent: boolean): VhdImage {
  const {footer, dataEnd} = found
  const path = file.path

  const headerOffset = footer.dataOffset
  if (headerOffset + BigInt(DYNAMIC_HEADER_SIZE) > BigInt(dataEnd)) {
    throw new DiskFormatError(path, `footer data offset ${headerOffset} leaves no room for the dynamic disk header before the footer`)
  }
  const headerBytes = new Uint8Array(DYNAMIC_HEADER_SIZE)
  file.read(Number(headerOffset), headerBytes)
  const header = decodeDynamicHeader(headerBytes, path)

  const bat = readBlockAllocationTable(file, footer, header, Number(headerOffset), dataEnd)

  // Last, so that no parent is left open when this image turns out to be damaged.
  const {parent, parentPath} =
    footer.diskType !== 'Differencing'
      ? {parent: null, parentPath: null}
      : skipParent
        ? {parent: null, parentPath: recordedParentPath(file, header, dataEnd)}
        : openParent(file, footer, header, dataEnd, openFile, descendants)
  return new SparseVhdImage({
    path,
    file,
    footer,
    footerBytes: found.bytes,
    header,
    openParent: (newParent) => openNewParent(path, newParent, openFile, descendants),
    blockSize: header.blockSize,
    bat,
    nextBlockOffset: roundUp(dataEnd, SECTOR_SIZE),
    parent,
    parentPath,
  })
}

function readBlockAllocationTable(file: ImageFile, footer: VhdFooter, header: DynamicHeader, headerOffset: number, dataEnd: number): BlockAllocationTable {
  const path = file.path
  const {blockSize, maxTableEntries} = header
  const entryCount = Math.ceil(footer.currentSize / blockSize)
  if (maxTableEntries < entryCount) {
    throw new DiskFormatError(path, `dynamic disk header max table entries ${maxTableEntries} is too few for a ${footer.currentSize}-byte disk in ${blockSize}-byte blocks (${entryCount} needed)`)
  }
  if (entryCount > MAX_BAT_ENTRIES) {
    throw new DiskFormatError(path, `the disk needs ${entryCount} BAT entries (${blockSize}-byte blocks), more than the ${MAX_BAT_ENTRIES} hv supports`)
  }
  // Only the entries the disk's size needs are read or written; any beyond are ignored.
  const tableLength = entryCount * 4
  if (header.tableOffset + BigInt(tableLength) > BigInt(dataEnd)) {
    throw new DiskFormatError(path, `dynamic disk header table offset ${header.tableOffset} puts the BAT past the end of the file's data`)
  }
  const tableOffset = Number(header.tableOffset)
  const headerRegion: FileRegion = {name: 'dynamic disk header', start: headerOffset, end: headerOffset + DYNAMIC_HEADER_SIZE}
  const tableRegion: FileRegion = {name: 'BAT', start: tableOffset, end: tableOffset + tableLength}
  if (tableRegion.start < headerRegion.end && headerRegion.start < tableRegion.end) {
    throw new DiskFormatError(path, `dynamic disk header table offset ${tableOffset} puts the BAT over the dynamic disk header`)
  }
  return BlockAllocationTable.read(file, {
    tableOffset,
    entryCount,
    blockSpan: bitmapSize(blockSize) + blockSize,
    dataEnd,
    reserved: [{name: 'footer copy', start: 0, end: FOOTER_SIZE}, headerRegion, tableRegion],
  })
}

/**
 * Find the parent through the locators (relative first), open it read-only,
 * and check it is the image this one was made from: the same size and the
 * unique ID the header records. The parent's time stamp is not compared:
 * copying a chain (or touching the parent) changes its modification time,
 * and refusing then would strand every copied chain.
 */
function openParent(
  file: ImageFile,
  footer: VhdFooter,
  header: DynamicHeader,
  dataEnd: number,
  openFile: ImageFileOpener,
  descendants: string[],
): {parent: VhdImage; parentPath: string} {
  const path = file.path
  const recorded = readParentLocators(file, header.locators, dataEnd)
  const candidates = parentCandidates(path, recorded)
  if (candidates.length === 0) {
    throw new DiskFormatError(path, 'the differencing image has no W2ru or W2ku parent locator')
  }
  const found = candidates.find((candidate) => candidate.path !== null && isFile(candidate.path))
  if (found === undefined || found.path === null) {
    throw new DiskFormatError(path, `the parent image was not found: looked for ${candidates.map(describeCandidate).join(' and ')}`)
  }

  const parentFile = found.path
  const chain = [...descendants, realPath(path)]
  const parentRealPath = realPath(parentFile)
  if (chain.includes(parentRealPath)) {
    throw new DiskFormatError(path, `the parent ${parentFile} is already in this chain of differencing images: the chain loops`)
  }
  if (chain.length >= MAX_PARENT_CHAIN_DEPTH) {
    throw new DiskFormatError(path, `the chain of differencing images is more than ${MAX_PARENT_CHAIN_DEPTH} deep`)
  }

  const parent = openInChain(parentFile, true, openFile, chain)
  try {
    if (parent.size !== footer.currentSize) {
      throw new DiskFormatError(path, `the parent ${parentFile} is ${parent.size} bytes but this differencing image is ${footer.currentSize}`)
    }
    if (parent.diskIdentifier !== header.parentUniqueId) {
      throw new DiskFormatError(path, `the parent ${parentFile} has unique ID ${parent.diskIdentifier}, not the ${header.parentUniqueId} this image was made from`)
    }
  } catch (error) {
    parent.close()
    throw error
  }
  // The parent's path is where the locators led on this host: the recorded absolute path unless the chain
  // was moved (or made on Windows), when that one would be stale and this one is what a new child needs.
  return {parent, parentPath: parentFile}
}

/** Where a differencing image says its parent is, without opening it: the first place that exists, else the first it names. */
function recordedParentPath(file: ImageFile, header: DynamicHeader, dataEnd: number): string | null {
  const candidates = parentCandidates(file.path, readParentLocators(file, header.locators, dataEnd))
  const found = candidates.find((candidate) => candidate.path !== null && isFile(candidate.path)) ?? candidates.find((candidate) => candidate.path !== null)
  return found?.path ?? null
}

/** Open `parentPath` read-only, with its chain, as the new parent of `childPath`; a chain through the child itself is refused. */
function openNewParent(childPath: string, parentPath: string, openFile: ImageFileOpener, descendants: string[]): VhdImage {
  const chain = [...descendants, realPath(childPath)]
  if (chain.includes(realPath(parentPath))) {
    throw new InvalidArgumentError(`'${parentPath}' cannot be the parent of '${childPath}': it is that disk or one of its differencing children.`)
  }
  return openInChain(parentPath, true, openFile, chain)
}

function describeCandidate(candidate: ParentCandidate): string {
  if (candidate.path === null) return `"${candidate.recorded}" (${candidate.locator} locator; not a path on this host)`
  return `${candidate.path} (${candidate.locator} locator "${candidate.recorded}")`
}

function isFile(path: string): boolean {
  try {
    return statSync(path, {throwIfNoEntry: false})?.isFile() ?? false
  } catch {
    return false
  }
}

/**
 * Parent locators: where a differencing image says its parent is. hv writes
 * two, as Hyper-V does: "W2ku", the parent's absolute path, and "W2ru", its
 * path relative to the child's directory ("./parent.vhd" on this host where
 * Windows writes ".\parent.vhd"). Both are UTF-16 little-endian, unlike the
 * rest of the format. When opening, the relative locator is tried first (it
 * survives moving the chain to another folder), then the absolute one.
 *
 * The specification gives each locator's reserved room ("platform data
 * space") in sectors, but Hyper-V and VirtualBox write bytes. hv writes bytes
 * too, always a whole number of sectors, and reads neither: only the data's
 * offset and length matter, and those are checked against the file.
 */
import {basename, dirname, isAbsolute, relative, resolve, sep} from 'node:path'

import {DiskFormatError} from '../virtual-disk.js'
import {roundUp, SECTOR_SIZE} from './constants.js'
import {emptyLocator, LOCATOR_COUNT, type ParentLocatorEntry} from './dynamic-header.js'
import {decodeUtf16, encodeUtf16} from './fields.js'
import type {ImageFile} from './image-file.js'

export const ABSOLUTE_LOCATOR = 'W2ku'
export const RELATIVE_LOCATOR = 'W2ru'

/** Room hv reserves for each locator's path, so that a later re-pointing of the parent can usually rewrite it in place. */
const MIN_LOCATOR_SPACE = 4096

/** A Windows path is at most 32767 UTF-16 units; longer locator data is damage, not a path. */
const MAX_LOCATOR_DATA = 65536

export interface LocatorLayout {
  /** The LOCATOR_COUNT header entries: W2ku, W2ru, then empty ones. */
  entries: ParentLocatorEntry[]
  /** The path data to write, each at its entry's offset. */
  data: Array<{offset: number; bytes: Uint8Array}>
  /** The first byte after the locators' reserved room. */
  end: number
}

/** Lay out the locators of a new child at `childPath` of `parentPath`, their data from `firstOffset` (a sector boundary). */
export function layOutParentLocators(childPath: string, parentPath: string, firstOffset: number): LocatorLayout {
  const absoluteParent = resolve(parentPath)
  const paths: Array<[string, string]> = [
    [ABSOLUTE_LOCATOR, absoluteParent],
    [RELATIVE_LOCATOR, relativeParentPath(resolve(childPath), absoluteParent)],
  ]
  const entries: ParentLocatorEntry[] = []
  const data: Array<{offset: number; bytes: Uint8Array}> = []
  let offset = firstOffset
  for (const [platformCode, path] of paths) {
    const bytes = encodeUtf16(path, true)
    const space = Math.max(MIN_LOCATOR_SPACE, roundUp(bytes.length, SECTOR_SIZE))
    entries.push({platformCode, dataSpace: space, dataLength: bytes.length, dataOffset: BigInt(offset)})
    data.push({offset, bytes})
    offset += space
  }
  while (entries.length < LOCATOR_COUNT) entries.push(emptyLocator())
  return {entries, data, end: offset}
}

/** The parent's file name for the dynamic header's 256-character field (the locators carry the whole path). */
export function parentFileName(path: string): string {
  return basename(path).slice(0, 256)
}

/** The parent's path relative to the child's folder, starting "./" (or "../") the way Hyper-V's start ".\". */
function relativeParentPath(absoluteChild: string, absoluteParent: string): string {
  const path = relative(dirname(absoluteChild), absoluteParent)
  return path.startsWith(`..${sep}`) ? path : `.${sep}${path}`
}

/** The paths a differencing image records for its parent, as written (null where there is no such locator). */
export interface RecordedParentPaths {
  relative: string | null
  absolute: string | null
}

/**
 * Read the first W2ru and W2ku locators' paths. Their data must lie inside
 * the file's data (before `dataEnd`) and be of a plausible length; other
 * platforms' locators (Mac aliases, the deprecated ASCII ones) are ignored.
 */
export function readParentLocators(file: ImageFile, entries: ParentLocatorEntry[], dataEnd: number): RecordedParentPaths {
  const recorded: RecordedParentPaths = {relative: null, absolute: null}
  entries.forEach((entry, index) => {
    const kind = entry.platformCode === RELATIVE_LOCATOR ? 'relative' : entry.platformCode === ABSOLUTE_LOCATOR ? 'absolute' : null
    if (kind === null || recorded[kind] !== null) return
    if (entry.dataLength > MAX_LOCATOR_DATA) {
      throw new DiskFormatError(file.path, `parent locator ${index} (${entry.platformCode}) data length ${entry.dataLength} is more than a path can take`)
    }
    if (entry.dataOffset + BigInt(entry.dataLength) > BigInt(dataEnd)) {
      throw new DiskFormatError(file.path, `parent locator ${index} (${entry.platformCode}) data at offset ${entry.dataOffset} runs past the end of the file's data`)
    }
    const bytes = new Uint8Array(entry.dataLength)
    file.read(Number(entry.dataOffset), bytes)
    const path = decodeUtf16(bytes, true)
    if (path !== '') recorded[kind] = path
  })
  return recorded
}

/** A place to look for the parent: the locator it came from, and the host path it names (null if it names none here). */
export interface ParentCandidate {
  locator: 'relative' | 'absolute'
  recorded: string
  path: string | null
}

/** Where to look for the parent of the image at `childPath`, in order: relative locator first, then absolute. */
export function parentCandidates(childPath: string, recorded: RecordedParentPaths): ParentCandidate[] {
  const candidates: ParentCandidate[] = []
  if (recorded.relative !== null) {
    const path = toHostPath(recorded.relative)
    candidates.push({locator: 'relative', recorded: recorded.relative, path: resolve(dirname(resolve(childPath)), path)})
  }
  if (recorded.absolute !== null) {
    // A Windows drive path ("C:\VMs\parent.vhd") names nothing on a POSIX host.
    const path = toHostPath(recorded.absolute)
    candidates.push({locator: 'absolute', recorded: recorded.absolute, path: isAbsolute(path) ? path : null})
  }
  return candidates
}

/** Either separator in a recorded path becomes this host's; Windows' long-path prefix "\\?\" is dropped. */
function toHostPath(recorded: string): string {
  const withoutPrefix = recorded.startsWith('\\\\?\\') ? recorded.slice(4) : recorded
  return withoutPrefix.replace(/[\\/]/g, sep)
}

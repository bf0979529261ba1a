/**
 * Opening a VHDX image, in the order the format requires: the signature, the
 * current header, the log (replayed before anything else is read), the
 * region table, the metadata, the BAT, and for a differencing image its
 * parent, opened read-only. Every field used is checked on the way; a
 * malformed image is a DiskFormatError naming the file and the field.
 */
import {existsSync} from 'node:fs'

import {NotFoundError} from '../../errors.js'
import {DiskFormatError} from '../virtual-disk.js'
import {BatGeometry, readBat} from './bat.js'
import {hasFileSignature} from './file-identifier.js'
import {ZERO_GUID, isZeroGuid, randomGuid} from './guid.js'
import {HeaderState, readCurrentHeader} from './headers.js'
import {ImageFile, type FileHooks} from './image-file.js'
import {HEADER_SECTION_SIZE, MiB} from './layout.js'
import {replayLog} from './log-replay.js'
import {LogWriter} from './log-writer.js'
import {readMetadata} from './metadata.js'
import {openParent, parentCandidates} from './parent.js'
import {readRegionTable} from './region-table.js'
import {VhdxImage} from './vhdx-image.js'

/** Differencing chains deeper than this are taken for loops. */
export const MAX_CHAIN_DEPTH = 64

export interface OpenImageOptions {
  readOnly: boolean
  /** Test instrumentation of the file's I/O (see image-file.ts). */
  hooks?: FileHooks
  /** How many children down the chain this image is opened from. */
  depth?: number
  /** Open a differencing image without its parent, to repair the chain (OpenDiskOptions.skipParent). */
  skipParent?: boolean
}

export function openImage(path: string, options: OpenImageOptions): VhdxImage {
  const depth = options.depth ?? 0
  if (depth > MAX_CHAIN_DEPTH) throw new DiskFormatError(path, `the differencing chain is more than ${MAX_CHAIN_DEPTH} disks deep; do the parents loop?`)
  const file = ImageFile.open(path, options.readOnly, options.hooks)
  try {
    return readImage(file, options, depth)
  } catch (error) {
    file.close()
    throw error
  }
}

function readImage(file: ImageFile, options: OpenImageOptions, depth: number): VhdxImage {
  const fail = (problem: string) => new DiskFormatError(file.path, problem)
  if (file.size() < HEADER_SECTION_SIZE) throw fail(`the file is ${file.size()} bytes, smaller than the 1 MiB header section of a VHDX file`)
  const signature = new Uint8Array(8)
  file.read(0, signature)
  if (!hasFileSignature(signature)) throw fail('the file does not start with the "vhdxfile" signature')

  const current = readCurrentHeader(file, !options.readOnly)
  const headers = new HeaderState(file, current.header, current.slot)
  let fileWriteGuidChanged = false
  if (!isZeroGuid(headers.current.logGuid)) {
    if (options.readOnly) {
      replayLog(file, headers.current, 'memory')
    } else {
      // The file is about to change: a new FileWriteGuid first, then the replay, then an empty log.
      headers.update({fileWriteGuid: randomGuid()})
      fileWriteGuidChanged = true
      replayLog(file, headers.current, 'file')
      headers.update({logGuid: ZERO_GUID})
    }
  }

  const log = {offset: headers.current.logOffset, length: headers.current.logLength}
  const regions = readRegionTable(file, log)
  const metadata = readMetadata(file, regions.metadata)
  const geometry = new BatGeometry(metadata.virtualSize, metadata.blockSize, metadata.logicalSectorSize, metadata.hasParent)
  const bat = readBat(file, regions.bat, geometry, regions.structures)
  if (!options.readOnly && log.length < MiB) throw fail(`the log is ${log.length} bytes; hv needs at least 1 MiB to write to the image`)

  let parent: VhdxImage | null = null
  let parentPath: string | null = null
  if (metadata.hasParent && options.skipParent) {
    const {candidates} = parentCandidates(file.path, metadata.parentLocator!)
    parentPath = candidates.find((path) => existsSync(path)) ?? candidates[0] ?? null
  } else if (metadata.hasParent) {
    const opened = openParent(file.path, metadata.parentLocator!, metadata.logicalSectorSize, (path) => openParentImage(file.path, path, options, depth))
    parent = opened.parent
    parentPath = opened.path
  }
  return new VhdxImage({
    file,
    headers,
    log: options.readOnly ? null : new LogWriter(file, headers, log),
    metadata,
    bat,
    batOffset: regions.bat.offset,
    batRegion: regions.bat,
    metadataRegion: regions.metadata,
    structures: regions.structures,
    openParent: (path) => openImage(path, {readOnly: true, hooks: options.hooks, depth: depth + 1}),
    parent,
    parentPath,
    fileWriteGuidChanged,
  })
}

/** Parents open read-only: a child's writes never reach them. */
function openParentImage(childPath: string, path: string, options: OpenImageOptions, depth: number): VhdxImage {
  try {
    return openImage(path, {readOnly: true, hooks: options.hooks, depth: depth + 1})
  } catch (error) {
    if (error instanceof NotFoundError) throw new DiskFormatError(childPath, `parent disk not found: ${path}`)
    throw error
  }
}

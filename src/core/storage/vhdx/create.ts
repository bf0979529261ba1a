/**
 * Creating a VHDX image, laid out as Hyper-V lays out its own:
 *
 *   0        header section (identifier, two headers, two region tables)
 *   1 MiB    log, 1 MiB
 *   2 MiB    metadata region, 1 MiB
 *   3 MiB    BAT, rounded up to 1 MiB
 *   then     payload blocks: all of them, in order, for a fixed image; none
 *            yet for a dynamic or differencing one
 *
 * Defaults are New-VHD's: 32 MiB blocks, 512-byte logical and 4096-byte
 * physical sectors. A fixed image keeps a block size too (the format has no
 * block-less layout); 0 means the default for every type. A differencing
 * image takes its parent's size and sector sizes and records the parent's
 * DataWriteGuid as its parent_linkage.
 *
 * The new file is written whole and flushed before it is opened; if creating
 * fails, the partial file is removed.
 */
import {existsSync, rmSync} from 'node:fs'
import {resolve} from 'node:path'

import {ConflictError, InvalidArgumentError} from '../../errors.js'
import type {CreateDiskOptions, SectorSize} from '../virtual-disk.js'
import {BAT_ENTRY_SIZE, BatGeometry, PayloadState, writeBatEntry} from './bat.js'
import {buildFileIdentifier} from './file-identifier.js'
import {formatGuid, parseGuid, randomGuid, ZERO_GUID, type Guid} from './guid.js'
import {newHeader, serializeHeader} from './headers.js'
import {ImageFile, type FileHooks} from './image-file.js'
import {alignUp, HEADER_OFFSETS, HEADER_SECTION_SIZE, isPowerOfTwo, MAX_BLOCK_SIZE, MAX_VIRTUAL_SIZE, MiB, MIN_BLOCK_SIZE, REGION_TABLE_OFFSETS} from './layout.js'
import {buildMetadataRegion, type DiskMetadata} from './metadata.js'
import {openImage} from './open.js'
import {ABSOLUTE_WIN32_PATH, PARENT_LINKAGE, RELATIVE_PATH} from './parent-locator.js'
import {relativeLocatorPath} from './parent.js'
import {BAT_REGION_GUID, METADATA_REGION_GUID, serializeRegionTable} from './region-table.js'
import type {VhdxImage} from './vhdx-image.js'

export const DEFAULT_BLOCK_SIZE = 32 * MiB
export const DEFAULT_LOGICAL_SECTOR_SIZE: SectorSize = 512
export const DEFAULT_PHYSICAL_SECTOR_SIZE: SectorSize = 4096

const CREATOR = 'hv'
const LOG_OFFSET = HEADER_SECTION_SIZE
const LOG_LENGTH = MiB
const METADATA_OFFSET = LOG_OFFSET + LOG_LENGTH
const METADATA_LENGTH = MiB
const BAT_OFFSET = METADATA_OFFSET + METADATA_LENGTH

export function createImage(options: CreateDiskOptions, hooks?: FileHooks): VhdxImage {
  const path = options.path
  if (!path) throw new InvalidArgumentError('a path for the new virtual disk is required')
  if (existsSync(path)) throw new ConflictError(`${path} already exists`)
  const metadata = plan(options)
  const file = ImageFile.create(path, hooks)
  try {
    writeImage(file, metadata, options.type === 'Fixed')
    file.flush()
  } catch (error) {
    file.close()
    rmSync(path, {force: true})
    throw error
  }
  file.close()
  return openImage(path, {readOnly: false, hooks})
}

/** The new image's metadata, from the options (and the parent's, for a differencing image). */
function plan(options: CreateDiskOptions): DiskMetadata {
  const invalid = (problem: string) => new InvalidArgumentError(`${options.path}: ${problem}`)
  if (options.type !== 'Fixed' && options.type !== 'Dynamic' && options.type !== 'Differencing') throw invalid(`unknown disk type ${String(options.type)}`)
  const blockSize = options.blockSize || DEFAULT_BLOCK_SIZE
  if (!isPowerOfTwo(blockSize) || blockSize < MIN_BLOCK_SIZE || blockSize > MAX_BLOCK_SIZE) throw invalid(`block size ${blockSize} is not a power of two from 1 MiB to 256 MiB`)
  for (const [name, value] of [['logical', options.logicalSectorSize], ['physical', options.physicalSectorSize]] as const) {
    if (value !== undefined && value !== 512 && value !== 4096) throw invalid(`${name} sector size ${String(value)} is neither 512 nor 4096`)
  }
  let virtualDiskId: Guid = randomGuid()
  if (options.diskIdentifier !== undefined) {
    const parsed = parseGuid(options.diskIdentifier)
    if (!parsed) throw invalid(`disk identifier "${options.diskIdentifier}" is not a GUID`)
    virtualDiskId = parsed
  }

  let virtualSize: number
  let logicalSectorSize = options.logicalSectorSize ?? DEFAULT_LOGICAL_SECTOR_SIZE
  let physicalSectorSize = options.physicalSectorSize ?? DEFAULT_PHYSICAL_SECTOR_SIZE
  let parentLocator: Map<string, string> | null = null
  if (options.type === 'Differencing') {
    if (!options.parentPath) throw invalid('a differencing disk needs a parent path')
    const parentPath = resolve(options.parentPath)
    const parent = openImage(parentPath, {readOnly: true})
    try {
      if (options.logicalSectorSize !== undefined && options.logicalSectorSize !== parent.logicalSectorSize) throw invalid(`the parent has ${parent.logicalSectorSize}-byte logical sectors; a child must have the same`)
      virtualSize = parent.size
      logicalSectorSize = parent.logicalSectorSize
      physicalSectorSize = options.physicalSectorSize ?? parent.physicalSectorSize
      parentLocator = new Map([
        [PARENT_LINKAGE, `{${formatGuid(parent.dataWriteGuid)}}`],
        [RELATIVE_PATH, relativeLocatorPath(options.path, parentPath)],
        // Not the "\\?\d:\..." form Windows writes: this host's absolute path, which hv follows.
        [ABSOLUTE_WIN32_PATH, parentPath],
      ])
    } finally {
      parent.close()
    }
  } else {
    if (options.size === undefined || !Number.isSafeInteger(options.size) || options.size <= 0 || options.size > MAX_VIRTUAL_SIZE) throw invalid(`size ${String(options.size)} is not a whole number of bytes from 1 to 64 TiB`)
    if (options.size % logicalSectorSize !== 0) throw invalid(`size ${options.size} is not a multiple of the ${logicalSectorSize}-byte logical sector`)
    virtualSize = options.size
  }
  if (physicalSectorSize < logicalSectorSize) throw invalid(`the physical sector (${physicalSectorSize} bytes) cannot be smaller than the logical sector (${logicalSectorSize} bytes)`)
  return {
    blockSize,
    leaveBlocksAllocated: options.type === 'Fixed',
    hasParent: options.type === 'Differencing',
    virtualSize,
    virtualDiskId,
    logicalSectorSize,
    physicalSectorSize,
    parentLocator,
  }
}

function writeImage(file: ImageFile, metadata: DiskMetadata, fixed: boolean): void {
  const geometry = new BatGeometry(metadata.virtualSize, metadata.blockSize, metadata.logicalSectorSize, metadata.hasParent)
  const batLength = alignUp(geometry.totalEntries * BAT_ENTRY_SIZE, MiB)
  if (batLength > 0xffffffff) throw new InvalidArgumentError(`${file.path}: the BAT of this disk would be larger than a region can be; use a larger block size`)
  const payloadOffset = BAT_OFFSET + batLength
  file.resize(payloadOffset + (fixed ? geometry.dataBlocks * metadata.blockSize : 0))

  file.write(0, buildFileIdentifier(CREATOR), 'create')
  const fileWriteGuid = randomGuid()
  const dataWriteGuid = randomGuid()
  HEADER_OFFSETS.forEach((offset, i) => {
    const header = newHeader({sequenceNumber: BigInt(i + 1), fileWriteGuid, dataWriteGuid, logGuid: ZERO_GUID, logOffset: LOG_OFFSET, logLength: LOG_LENGTH})
    file.write(offset, serializeHeader(header), 'create')
  })
  const regionTable = serializeRegionTable([
    {guid: BAT_REGION_GUID, offset: BAT_OFFSET, length: batLength, required: true},
    {guid: METADATA_REGION_GUID, offset: METADATA_OFFSET, length: METADATA_LENGTH, required: true},
  ])
  for (const offset of REGION_TABLE_OFFSETS) file.write(offset, regionTable, 'create')
  file.write(METADATA_OFFSET, buildMetadataRegion(metadata, METADATA_LENGTH), 'create')
  // The log and a dynamic image's BAT are zeros already: an empty log, no block present.
  if (fixed) writeFixedBat(file, geometry, payloadOffset)
}

/** Every payload block present, in order after the BAT; written 1 MiB of BAT at a time. */
function writeFixedBat(file: ImageFile, geometry: BatGeometry, payloadOffset: number): void {
  const entriesPerPiece = MiB / BAT_ENTRY_SIZE
  for (let first = 0; first < geometry.totalEntries; first += entriesPerPiece) {
    const count = Math.min(entriesPerPiece, geometry.totalEntries - first)
    const piece = new Uint8Array(count * BAT_ENTRY_SIZE)
    const view = new DataView(piece.buffer)
    for (let index = first; index < first + count; index++) {
      // Sector bitmap entries (every chunk ratio + 1th) stay not present.
      if ((index + 1) % (geometry.chunkRatio + 1) === 0) continue
      const block = index - Math.floor(index / (geometry.chunkRatio + 1))
      writeBatEntry(view, index - first, PayloadState.FullyPresent, payloadOffset + block * geometry.blockSize)
    }
    file.write(BAT_OFFSET + first * BAT_ENTRY_SIZE, piece, 'create')
  }
}

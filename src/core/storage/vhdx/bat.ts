/**
 * The block allocation table: one 64-bit entry per payload block, and in
 * every chunk, after the entries of its chunk-ratio payload blocks, one entry
 * for the chunk's sector bitmap block.
 *
 * An entry holds a state in bits 0-2 and the block's file offset in MiB in
 * bits 20-63. The chunk ratio is the number of payload blocks whose logical
 * sectors one 1 MiB sector bitmap covers: 2^23 * logical sector size / block
 * size. Sector bitmaps mean something only in differencing images: bit n of
 * a chunk's bitmap says that sector n of the chunk is in this image, not in
 * the parent.
 */
import {alignUp, HEADER_SECTION_SIZE, LOG_SECTOR_SIZE, MiB, SECTOR_BITMAP_BLOCK_SIZE, SECTORS_PER_BITMAP_BLOCK} from './layout.js'
import type {ImageFile} from './image-file.js'
import type {Extent, NamedExtent} from './region-table.js'
import {DiskFormatError} from '../virtual-disk.js'

export const PayloadState = {
  NotPresent: 0,
  Undefined: 1,
  Zero: 2,
  Unmapped: 3,
  FullyPresent: 6,
  PartiallyPresent: 7,
} as const

export const BitmapState = {
  NotPresent: 0,
  Present: 6,
} as const

export const BAT_ENTRY_SIZE = 8
const ENTRY_SIZE = BAT_ENTRY_SIZE
const STATE_MASK = 7
/** The offset field counts MiB from bit 20, so the low word's top 12 bits are its lowest. */
const OFFSET_SHIFT = 20

/** Store entry `index` of the BAT held in `view`: `state`, and `fileOffset` (a multiple of 1 MiB). */
export function writeBatEntry(view: DataView, index: number, state: number, fileOffset: number): void {
  const megabytes = fileOffset / MiB
  const low = ((megabytes % 2 ** (32 - OFFSET_SHIFT)) << OFFSET_SHIFT) | state
  view.setUint32(index * ENTRY_SIZE, low >>> 0, true)
  view.setUint32(index * ENTRY_SIZE + 4, Math.floor(megabytes / 2 ** (32 - OFFSET_SHIFT)), true)
}

/** The shape of a BAT, from the virtual disk's parameters. */
export class BatGeometry {
  readonly chunkRatio: number
  readonly sectorsPerBlock: number
  /** Payload blocks that hold the virtual disk. */
  readonly dataBlocks: number
  /** Chunks, each with a sector bitmap entry in a differencing image. */
  readonly chunks: number
  readonly totalEntries: number

  constructor(
    readonly virtualSize: number,
    readonly blockSize: number,
    readonly logicalSectorSize: number,
    readonly hasParent: boolean,
  ) {
    this.chunkRatio = (SECTORS_PER_BITMAP_BLOCK * logicalSectorSize) / blockSize
    this.sectorsPerBlock = blockSize / logicalSectorSize
    this.dataBlocks = Math.ceil(virtualSize / blockSize)
    this.chunks = Math.ceil(this.dataBlocks / this.chunkRatio)
    // An image without a parent may stop after its last payload entry; a
    // differencing image has every chunk's bitmap entry.
    this.totalEntries = hasParent ? this.chunks * (this.chunkRatio + 1) : this.dataBlocks + Math.floor((this.dataBlocks - 1) / this.chunkRatio)
  }

  payloadEntry(block: number): number {
    return block + Math.floor(block / this.chunkRatio)
  }

  bitmapEntry(chunk: number): number {
    return chunk * (this.chunkRatio + 1) + this.chunkRatio
  }

  /** Bytes of the BAT held in memory and logged: whole 4 KiB sectors. */
  get byteLength(): number {
    return alignUp(this.totalEntries * ENTRY_SIZE, LOG_SECTOR_SIZE)
  }
}

/** The BAT in memory, as the bytes it has in the file. */
export class Bat {
  private readonly view: DataView

  constructor(
    readonly bytes: Uint8Array,
    readonly geometry: BatGeometry,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  }

  state(index: number): number {
    return this.view.getUint32(index * ENTRY_SIZE, true) & STATE_MASK
  }

  /** The file offset in bytes (exact below 2^53; larger ones never pass the checks). */
  fileOffset(index: number): number {
    const low = this.view.getUint32(index * ENTRY_SIZE, true)
    const high = this.view.getUint32(index * ENTRY_SIZE + 4, true)
    return ((low >>> OFFSET_SHIFT) + high * 2 ** (32 - OFFSET_SHIFT)) * MiB
  }

  /** Change an entry; returns the index of the 4 KiB BAT sector that holds it. */
  set(index: number, state: number, fileOffset: number): number {
    writeBatEntry(this.view, index, state, fileOffset)
    return Math.floor((index * ENTRY_SIZE) / LOG_SECTOR_SIZE)
  }

  /** A copy of 4 KiB BAT sector `sector`. */
  sector(sector: number): Uint8Array {
    return this.bytes.slice(sector * LOG_SECTOR_SIZE, (sector + 1) * LOG_SECTOR_SIZE)
  }
}

/**
 * Read the BAT and check every entry it uses: states the format defines,
 * blocks inside the file and clear of the header section, the log, the
 * regions and each other, and partially present blocks only in differencing
 * images, in chunks that have a sector bitmap.
 */
export function readBat(file: ImageFile, region: Extent, geometry: BatGeometry, structures: NamedExtent[]): Bat {
  const fail = (problem: string) => new DiskFormatError(file.path, problem)
  if (geometry.totalEntries * ENTRY_SIZE > region.length) throw fail(`the BAT region (${region.length} bytes) is too small for ${geometry.totalEntries} entries`)
  const bytes = new Uint8Array(geometry.byteLength)
  file.read(region.offset, bytes)
  const bat = new Bat(bytes, geometry)

  const taken: NamedExtent[] = [...structures]
  const checkBlock = (index: number, length: number, what: string) => {
    const offset = bat.fileOffset(index)
    if (offset < HEADER_SECTION_SIZE) throw fail(`BAT entry ${index} (${what}) points into the header section`)
    if (offset + length > file.size()) throw fail(`BAT entry ${index} (${what}) points past the end of the file`)
    taken.push({offset, length, name: `BAT entry ${index}`})
  }

  // Some writers left the last block short when the disk ends inside it: only what the disk uses must be in the file.
  const payloadLength = (block: number) => Math.min(geometry.blockSize, geometry.virtualSize - block * geometry.blockSize)

  if (geometry.hasParent) {
    for (let chunk = 0; chunk < geometry.chunks; chunk++) {
      const index = geometry.bitmapEntry(chunk)
      const state = bat.state(index)
      if (state === BitmapState.Present) checkBlock(index, SECTOR_BITMAP_BLOCK_SIZE, 'sector bitmap')
      else if (state !== BitmapState.NotPresent) throw fail(`BAT entry ${index} (sector bitmap) has unknown state ${state}`)
    }
  }
  // Sector bitmap entries of an image without a parent must be not present, mean nothing, and are
  // not read: some writers have left stray values in them.

  for (let block = 0; block < geometry.dataBlocks; block++) {
    const index = geometry.payloadEntry(block)
    const state = bat.state(index)
    switch (state) {
      case PayloadState.NotPresent:
      case PayloadState.Undefined:
      case PayloadState.Zero:
      case PayloadState.Unmapped:
        break
      case PayloadState.PartiallyPresent:
        if (!geometry.hasParent) throw fail(`BAT entry ${index} is partially present in an image without a parent`)
        if (bat.state(geometry.bitmapEntry(Math.floor(block / geometry.chunkRatio))) !== BitmapState.Present) throw fail(`BAT entry ${index} is partially present but its chunk has no sector bitmap`)
        checkBlock(index, payloadLength(block), 'payload')
        break
      case PayloadState.FullyPresent:
        checkBlock(index, payloadLength(block), 'payload')
        break
      default:
        throw fail(`BAT entry ${index} has unknown state ${state}`)
    }
  }

  taken.sort((a, b) => a.offset - b.offset)
  for (let i = 1; i < taken.length; i++) {
    const previous = taken[i - 1]!
    const current = taken[i]!
    if (current.offset < previous.offset + previous.length) throw fail(`${current.name} overlaps ${previous.name}`)
  }
  return bat
}

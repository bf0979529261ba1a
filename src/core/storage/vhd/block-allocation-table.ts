/**
 * The block allocation table (BAT): one big-endian u32 per block of the
 * virtual disk, the sector in the file where that block (its sector bitmap,
 * then its data) starts, or 0xFFFFFFFF when the block has no space yet.
 *
 * hv keeps the entries it uses in memory, read and checked once at open:
 * every allocated block must lie wholly inside the file's data (before the
 * footer) and clear of the structures in front of it, so that no later read
 * or write through the table can leave the file or overwrite a header.
 */
import {DiskFormatError} from '../virtual-disk.js'
import {roundUp, SECTOR_SIZE, UNALLOCATED_BLOCK} from './constants.js'
import type {ImageFile} from './image-file.js'

/** A byte range of the file that blocks must not overlap. */
export interface FileRegion {
  name: string
  start: number
  end: number
}

export interface BatPlacement {
  /** Where the table is in the file. */
  tableOffset: number
  /** How many entries the virtual disk uses (its size over the block size, rounded up). */
  entryCount: number
  /** Bytes of bitmap plus data per block. */
  blockSpan: number
  /** Where the file's data ends (the footer's position): no block may run past it. */
  dataEnd: number
  /** The headers and the table itself, which no block may overlap. */
  reserved: FileRegion[]
}

export class BlockAllocationTable {
  private constructor(
    private readonly file: ImageFile,
    readonly tableOffset: number,
    private readonly entries: Uint32Array,
  ) {}

  /** Read the table and check every allocated entry; DiskFormatError names the first bad one. */
  static read(file: ImageFile, placement: BatPlacement): BlockAllocationTable {
    const raw = new Uint8Array(placement.entryCount * 4)
    file.read(placement.tableOffset, raw)
    const view = new DataView(raw.buffer)
    const entries = new Uint32Array(placement.entryCount)
    for (let index = 0; index < placement.entryCount; index++) {
      const sector = view.getUint32(index * 4)
      entries[index] = sector
      if (sector !== UNALLOCATED_BLOCK) checkBlockPlacement(file.path, index, sector, placement)
    }
    return new BlockAllocationTable(file, placement.tableOffset, entries)
  }

  get entryCount(): number {
    return this.entries.length
  }

  /** The file offset where block `index` starts (its bitmap), or null when it is not allocated. */
  blockOffset(index: number): number | null {
    const sector = this.entries[index]
    return sector === UNALLOCATED_BLOCK ? null : sector * SECTOR_SIZE
  }

  /** The allocated blocks, in virtual order. */
  allocated(): Array<{index: number; offset: number}> {
    const blocks: Array<{index: number; offset: number}> = []
    this.entries.forEach((sector, index) => {
      if (sector !== UNALLOCATED_BLOCK) blocks.push({index, offset: sector * SECTOR_SIZE})
    })
    return blocks
  }

  /**
   * The same entries for a disk of `entryCount` blocks (more than now: the
   * new ones unallocated), kept at `tableOffset`. Nothing is written: the
   * caller puts the table there (encode()) before anything points at it.
   */
  resized(tableOffset: number, entryCount: number): BlockAllocationTable {
    const entries = new Uint32Array(entryCount).fill(UNALLOCATED_BLOCK)
    entries.set(this.entries.subarray(0, Math.min(entryCount, this.entries.length)))
    return new BlockAllocationTable(this.file, tableOffset, entries)
  }

  /** The table as the file holds it, padded to a whole sector with unallocated entries. */
  encode(): Uint8Array {
    const bytes = new Uint8Array(roundUp(this.entries.length * 4, SECTOR_SIZE)).fill(0xff)
    const view = new DataView(bytes.buffer)
    this.entries.forEach((sector, index) => view.setUint32(index * 4, sector))
    return bytes
  }

  /**
   * Point entry `index` at the block starting at file offset `offset`. One
   * 4-byte write, inside one sector: the entry changes from unallocated to
   * the new block at once, never to something in between.
   */
  record(index: number, offset: number): void {
    const sector = offset / SECTOR_SIZE
    const bytes = new Uint8Array(4)
    new DataView(bytes.buffer).setUint32(0, sector)
    this.file.write(this.tableOffset + index * 4, bytes)
    this.entries[index] = sector
  }
}

function checkBlockPlacement(path: string, index: number, sector: number, placement: BatPlacement): void {
  const start = sector * SECTOR_SIZE
  const end = start + placement.blockSpan
  if (end > placement.dataEnd) {
    throw new DiskFormatError(path, `BAT entry ${index} points past the end of the file (its block would end at offset ${end}, the data ends at ${placement.dataEnd})`)
  }
  for (const region of placement.reserved) {
    if (start < region.end && region.start < end) {
      throw new DiskFormatError(path, `BAT entry ${index} points into the ${region.name} (its block starts at offset ${start})`)
    }
  }
}

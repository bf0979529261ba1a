/**
 * Dynamic and differencing VHDs: the virtual disk is cut into blocks, and the
 * block allocation table says where in the file each block that has been
 * written is. A block is a sector bitmap followed by the block's data; a
 * clear bit means the sector was never written here, so it reads as zeros
 * (dynamic) or from the parent image (differencing). New blocks are appended
 * where the footer was, and the footer moves to the new end of the file.
 *
 * Crash safety. A writer may be killed after any write to the file; the
 * image must still open and every sector must read either its old or its new
 * contents. Appending a block therefore goes in this order:
 *
 *   1. Write the footer (unchanged) after the space the new block will take.
 *      The file now ends with a valid footer. The old footer, where the block
 *      will start, is still intact but no longer at the end: it is ignored.
 *      Stopping here leaves an unused gap in front of the footer; the next
 *      block is placed after the gap, so nothing ever reads it.
 *   2. Write the block's bitmap (over the old footer) and the new data. No
 *      BAT entry points here yet, so stopping leaves the disk's contents as
 *      they were. The rest of the block is past the old end of the file and
 *      reads as zeros, as the format requires of sectors whose bit is clear.
 *   3. fsync. The first two steps are on the disk before the next one, so
 *      not even a power failure can leave the BAT pointing at unwritten data.
 *   4. Write the BAT entry: a 4-byte write inside one sector, which switches
 *      the block from absent (old contents) to present (new contents).
 *
 * Writing into a block that already has space writes the data first and then
 * sets the sectors' bitmap bits: until the bits are set the sectors read as
 * before (zeros or the parent's data), afterwards they read the new data. An
 * overwrite of sectors already present is a plain write in place.
 *
 * After a power failure (not a killed process) the file may have grown
 * without the new footer reaching the disk; the opener then uses the footer
 * copy at offset 0, as the specification intends, and the next new block
 * writes a footer at the end again.
 */
import {DiskFormatError, type VhdType, type VirtualDisk} from '../virtual-disk.js'
import type {BlockAllocationTable} from './block-allocation-table.js'
import {MAX_BLOCK_SECTOR, SECTOR_SIZE} from './constants.js'
import type {VhdFooter} from './footer.js'
import type {ImageFile} from './image-file.js'
import {type BitmapSlice, bitmapBytesFor, bitmapSize, markSectorsPresent, sectorRuns} from './sector-bitmap.js'
import {VhdImage} from './vhd-image.js'

export interface SparseImageParts {
  path: string
  file: ImageFile
  footer: VhdFooter
  /** The footer's 512 bytes as found, written again at the end of the file each time it grows. */
  footerBytes: Uint8Array
  blockSize: number
  bat: BlockAllocationTable
  /** Where the next new block goes: the footer's place, on a sector boundary. */
  nextBlockOffset: number
  /** The opened parent of a differencing image, and its absolute path as the locators found it. */
  parent: VirtualDisk | null
  parentPath: string | null
}

export class SparseVhdImage extends VhdImage {
  readonly type: VhdType
  readonly blockSize: number
  readonly parentPath: string | null
  readonly parent: VirtualDisk | null
  private readonly bat: BlockAllocationTable
  private readonly bitmapBytes: number
  private readonly footerBytes: Uint8Array
  private nextBlockOffset: number

  constructor(parts: SparseImageParts) {
    super(parts.path, parts.file, parts.footer)
    this.type = parts.footer.diskType
    this.blockSize = parts.blockSize
    this.parentPath = parts.parentPath
    this.parent = parts.parent
    this.bat = parts.bat
    this.bitmapBytes = bitmapSize(parts.blockSize)
    this.footerBytes = parts.footerBytes
    this.nextBlockOffset = parts.nextBlockOffset
  }

  /** Each allocated block's virtual offset and the file offset of its data (past its bitmap). */
  allocatedBlocks(): Array<{virtualOffset: number; fileOffset: number}> {
    return this.bat.allocated().map(({index, offset}) => ({virtualOffset: index * this.blockSize, fileOffset: offset + this.bitmapBytes}))
  }

  protected readSectors(offset: number, into: Uint8Array): void {
    this.forEachBlock(offset, into.length, (index, offsetInBlock, from, to) => {
      this.readInBlock(index, offsetInBlock, into.subarray(from, to), offset + from)
    })
  }

  protected writeSectors(offset: number, data: Uint8Array): void {
    this.forEachBlock(offset, data.length, (index, offsetInBlock, from, to) => {
      this.writeInBlock(index, offsetInBlock, data.subarray(from, to))
    })
  }

  /** Split `length` bytes at virtual `offset` into the pieces that fall in each block. */
  private forEachBlock(offset: number, length: number, visit: (index: number, offsetInBlock: number, from: number, to: number) => void): void {
    let from = 0
    while (from < length) {
      const index = Math.floor((offset + from) / this.blockSize)
      const offsetInBlock = offset + from - index * this.blockSize
      const to = Math.min(length, from + this.blockSize - offsetInBlock)
      visit(index, offsetInBlock, from, to)
      from = to
    }
  }

  private readInBlock(index: number, offsetInBlock: number, into: Uint8Array, virtualOffset: number): void {
    const blockStart = this.bat.blockOffset(index)
    if (blockStart === null) {
      this.readAbsent(virtualOffset, into)
      return
    }
    const firstSector = offsetInBlock / SECTOR_SIZE
    const bitmap = this.readBitmap(blockStart, firstSector, into.length / SECTOR_SIZE)
    for (const run of sectorRuns(bitmap, firstSector, into.length / SECTOR_SIZE)) {
      const from = (run.firstSector - firstSector) * SECTOR_SIZE
      const part = into.subarray(from, from + run.count * SECTOR_SIZE)
      if (run.present) this.file.read(this.dataOffset(blockStart, run.firstSector * SECTOR_SIZE), part)
      else this.readAbsent(virtualOffset + from, part)
    }
  }

  /** Sectors this image does not hold: the parent's, or zeros. */
  private readAbsent(virtualOffset: number, into: Uint8Array): void {
    if (this.parent) this.parent.read(virtualOffset, into)
    else into.fill(0)
  }

  private writeInBlock(index: number, offsetInBlock: number, data: Uint8Array): void {
    const blockStart = this.bat.blockOffset(index)
    if (blockStart === null) {
      this.appendBlock(index, offsetInBlock, data)
      return
    }
    const firstSector = offsetInBlock / SECTOR_SIZE
    const count = data.length / SECTOR_SIZE
    // Data first, bits second (see the top of this file).
    this.file.write(this.dataOffset(blockStart, offsetInBlock), data)
    const bitmap = this.readBitmap(blockStart, firstSector, count)
    if (markSectorsPresent(bitmap, firstSector, count)) this.file.write(blockStart + bitmap.firstByte, bitmap.bytes)
  }

  /** Give block `index` space at the end of the file, holding `data` at `offsetInBlock`; the order is explained at the top of this file. */
  private appendBlock(index: number, offsetInBlock: number, data: Uint8Array): void {
    const blockStart = this.nextBlockOffset
    if (blockStart / SECTOR_SIZE > MAX_BLOCK_SECTOR) {
      throw new DiskFormatError(this.path, 'the file has reached the 2 TiB a VHD block allocation table can address')
    }
    const blockEnd = blockStart + this.bitmapBytes + this.blockSize

    this.file.write(blockEnd, this.footerBytes)
    this.nextBlockOffset = blockEnd

    const bitmap: BitmapSlice = {bytes: new Uint8Array(this.bitmapBytes), firstByte: 0}
    markSectorsPresent(bitmap, offsetInBlock / SECTOR_SIZE, data.length / SECTOR_SIZE)
    this.file.write(blockStart, bitmap.bytes)
    this.file.write(this.dataOffset(blockStart, offsetInBlock), data)

    this.file.sync()

    this.bat.record(index, blockStart)
  }

  /** The bytes of block bitmap that cover `count` sectors from `firstSector`. */
  private readBitmap(blockStart: number, firstSector: number, count: number): BitmapSlice {
    const {firstByte, length} = bitmapBytesFor(firstSector, count)
    const bytes = new Uint8Array(length)
    this.file.read(blockStart + firstByte, bytes)
    return {bytes, firstByte}
  }

  private dataOffset(blockStart: number, offsetInBlock: number): number {
    return blockStart + this.bitmapBytes + offsetInBlock
  }
}

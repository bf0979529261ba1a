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
 *
 * Resizing and re-pointing the parent. Growing within the room the BAT has
 * (its max table entries, clear of every other structure) marks the new
 * entries unallocated and then writes the footer with the new size. Anything
 * else (a BAT too small, new parent locators) writes the changed structures
 * anew at the end of the file, in the order parent locator data, dynamic
 * header, BAT, so that the table stays the last structure (qemu places new
 * blocks after the table or the last block, whichever ends later), and then
 * switches to them with the footer's data offset:
 *
 *   1. the unchanged footer after the space the structures take (as for a
 *      new block: stopping here leaves an unused gap);
 *   2. the structures, in the gap; sync;
 *   3. the new footer at the end: one sector, the switch; sync;
 *   4. the footer copy at offset 0; sync.
 *
 * The old header, table and locators stay where they were, unused.
 */
import {statSync} from 'node:fs'
import {resolve} from 'node:path'

import {InvalidArgumentError, NotFoundError} from '../../errors.js'
import {DiskFormatError, type SetParentPathOptions, type VhdType, type VirtualDisk} from '../virtual-disk.js'
import type {BlockAllocationTable} from './block-allocation-table.js'
import {DYNAMIC_HEADER_SIZE, FOOTER_SIZE, MAX_BAT_ENTRIES, MAX_BLOCK_SECTOR, SECTOR_SIZE} from './constants.js'
import {isVhd} from './detect.js'
import {type DynamicHeader, encodeDynamicHeader, NO_PLATFORM} from './dynamic-header.js'
import type {FooterChanges, VhdFooter} from './footer.js'
import type {ImageFile} from './image-file.js'
import {layOutParentLocators, parentFileName} from './parent-locators.js'
import {type BitmapSlice, bitmapBytesFor, bitmapSize, markSectorsAbsent, markSectorsPresent, sectorRuns} from './sector-bitmap.js'
import {toVhdTimestamp} from './timestamp.js'
import {VhdImage} from './vhd-image.js'

export interface SparseImageParts {
  path: string
  file: ImageFile
  footer: VhdFooter
  /** The footer's 512 bytes as found, written again at the end of the file each time it grows. */
  footerBytes: Uint8Array
  header: DynamicHeader
  blockSize: number
  bat: BlockAllocationTable
  /** Where the next new block goes: the footer's place, on a sector boundary. */
  nextBlockOffset: number
  /** The opened parent of a differencing image, and its absolute path as the locators found it. */
  parent: VirtualDisk | null
  parentPath: string | null
  /** Opens the image at an absolute path as this image's parent (read-only, with its chain), refusing a chain that would loop. */
  openParent: (path: string) => VhdImage
}

export class SparseVhdImage extends VhdImage {
  readonly type: VhdType
  readonly blockSize: number
  private bat: BlockAllocationTable
  private header: DynamicHeader
  private readonly bitmapBytes: number
  private nextBlockOffset: number
  private currentParent: VirtualDisk | null
  private currentParentPath: string | null
  private readonly openParent: (path: string) => VhdImage

  constructor(parts: SparseImageParts) {
    super(parts.path, parts.file, parts.footer, parts.footerBytes)
    this.type = parts.footer.diskType
    this.blockSize = parts.blockSize
    this.currentParentPath = parts.parentPath
    this.currentParent = parts.parent
    this.bat = parts.bat
    this.header = parts.header
    this.bitmapBytes = bitmapSize(parts.blockSize)
    this.nextBlockOffset = parts.nextBlockOffset
    this.openParent = parts.openParent
  }

  get parent(): VirtualDisk | null {
    return this.currentParent
  }

  get parentPath(): string | null {
    return this.currentParentPath
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
    if (this.currentParent) this.currentParent.read(virtualOffset, into)
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

  /** Resize-VHD: see the top of this file. */
  protected grow(newSize: number): void {
    const oldCount = this.bat.entryCount
    const newCount = Math.ceil(newSize / this.blockSize)
    if (newCount > MAX_BAT_ENTRIES) {
      throw new InvalidArgumentError(`${this.path}: ${newSize} bytes in ${this.blockSize}-byte blocks need ${newCount} BAT entries, more than the ${MAX_BAT_ENTRIES} hv supports.`)
    }
    this.forgetSectorsPastEnd()
    if (newCount > oldCount && !this.tableHasRoomFor(newCount)) {
      this.relocate(this.header, newCount, null, this.resizedFooter(newSize))
      return
    }
    if (newCount > oldCount) {
      this.file.write(this.bat.tableOffset + oldCount * 4, new Uint8Array((newCount - oldCount) * 4).fill(0xff))
      this.bat = this.bat.resized(this.bat.tableOffset, newCount)
    }
    this.file.sync()
    this.commitFooter(this.resizedFooter(newSize))
  }

  /**
   * Set-VHD -ParentPath: new locators for `parentPath`, and its unique ID and
   * time stamp in a new dynamic header. The parent must be a VHD of the same
   * size whose unique ID the header records, unless told to ignore that.
   */
  setParentPath(parentPath: string, options: SetParentPathOptions = {}): void {
    if (this.type !== 'Differencing') {
      super.setParentPath(parentPath, options)
      return
    }
    this.checkWritable()
    const absolute = resolve(parentPath)
    const stat = statSync(absolute, {throwIfNoEntry: false})
    if (stat === undefined || !stat.isFile()) throw new NotFoundError(`The parent virtual hard disk '${absolute}' does not exist.`)
    if (!isVhd(absolute)) throw new InvalidArgumentError(`'${absolute}' is not a VHD: the parent of a VHD must be a VHD.`)
    const parent = this.openParent(absolute)
    try {
      if (parent.size !== this.size) {
        throw new InvalidArgumentError(`The parent '${absolute}' is ${parent.size} bytes but the differencing disk '${this.path}' is ${this.size}: they must be the same size.`)
      }
      if (parent.diskIdentifier !== this.header.parentUniqueId && !options.ignoreIdMismatch) {
        throw new InvalidArgumentError(
          `The disk identifier of '${absolute}' (${parent.diskIdentifier}) is not that of the parent '${this.path}' was made from (${this.header.parentUniqueId}); use -IgnoreIdMismatch to link them anyway.`,
        )
      }
      const header: DynamicHeader = {
        ...this.header,
        parentUniqueId: parent.diskIdentifier,
        parentTimestamp: toVhdTimestamp(stat.mtime),
        parentName: parentFileName(absolute),
      }
      this.relocate(header, this.bat.entryCount, absolute, {})
    } catch (error) {
      parent.close()
      throw error
    }
    const previous = this.currentParent
    this.currentParent = parent
    this.currentParentPath = absolute
    previous?.close()
  }

  protected writeFooters(footerBytes: Uint8Array): void {
    this.file.write(this.nextBlockOffset, footerBytes)
    this.file.sync()
    this.file.write(0, footerBytes)
    this.file.sync()
  }

  /**
   * Write `header` (with new locators for `parentPath` when given) and a
   * table of `entryCount` entries at the end of the file, and switch to them
   * with a footer that also has `footerChanges`: the steps at the top of this file.
   */
  private relocate(header: DynamicHeader, entryCount: number, parentPath: string | null, footerChanges: FooterChanges): void {
    const pieces: Array<{offset: number; bytes: Uint8Array}> = []
    let at = this.nextBlockOffset
    let locators = header.locators
    if (parentPath !== null) {
      const layout = layOutParentLocators(this.path, parentPath, at)
      locators = layout.entries
      pieces.push(...layout.data)
      at = layout.end
    }
    const headerOffset = at
    const bat = this.bat.resized(headerOffset + DYNAMIC_HEADER_SIZE, entryCount)
    const table = bat.encode()
    const end = bat.tableOffset + table.length
    if (end / SECTOR_SIZE > MAX_BLOCK_SECTOR) throw new DiskFormatError(this.path, 'the file has reached the 2 TiB a VHD block allocation table can address')
    const newHeader: DynamicHeader = {...header, locators, tableOffset: BigInt(bat.tableOffset), maxTableEntries: entryCount}
    pieces.push({offset: headerOffset, bytes: encodeDynamicHeader(newHeader)}, {offset: bat.tableOffset, bytes: table})

    this.file.write(end, this.footerBytes)
    this.nextBlockOffset = end
    for (const piece of pieces) this.file.write(piece.offset, piece.bytes)
    this.file.sync()
    this.commitFooter({...footerChanges, dataOffset: BigInt(headerOffset)})
    this.bat = bat
    this.header = newHeader
  }

  /**
   * Whether the table can take `entryCount` entries where it is: the header
   * reserves room for them, and nothing else (header, locator data, a block,
   * the footer) lies where they would go.
   */
  private tableHasRoomFor(entryCount: number): boolean {
    if (entryCount > this.header.maxTableEntries) return false
    const start = this.bat.tableOffset + this.bat.entryCount * 4
    const end = this.bat.tableOffset + entryCount * 4
    if (end > this.nextBlockOffset) return false
    const taken: Array<{start: number; end: number}> = [
      {start: 0, end: FOOTER_SIZE},
      {start: Number(this.footer.dataOffset), end: Number(this.footer.dataOffset) + DYNAMIC_HEADER_SIZE},
      ...this.header.locators
        .filter((locator) => locator.platformCode !== NO_PLATFORM && locator.dataLength > 0)
        .map((locator) => ({start: Number(locator.dataOffset), end: Number(locator.dataOffset) + Math.max(locator.dataLength, locator.dataSpace)})),
      ...this.bat.allocated().map(({offset}) => ({start: offset, end: offset + this.bitmapBytes + this.blockSize})),
    ]
    return taken.every((region) => region.end <= start || region.start >= end)
  }

  /**
   * Clear the bitmap bits of the last block's sectors past the end of the
   * disk, if any are set, before those sectors become part of it: they must
   * read as zeros. Bits past the end are never read, so this changes nothing
   * visible.
   */
  private forgetSectorsPastEnd(): void {
    const last = this.bat.entryCount - 1
    const inLastBlock = this.size - last * this.blockSize
    const blockStart = this.bat.blockOffset(last)
    if (inLastBlock === this.blockSize || blockStart === null) return
    const firstSector = inLastBlock / SECTOR_SIZE
    const count = this.blockSize / SECTOR_SIZE - firstSector
    const bitmap = this.readBitmap(blockStart, firstSector, count)
    if (markSectorsAbsent(bitmap, firstSector, count)) this.file.write(blockStart + bitmap.firstByte, bitmap.bytes)
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

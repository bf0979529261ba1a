/**
 * An open VHDX image: block I/O on the virtual disk, through the BAT, the
 * sector bitmaps of a differencing image and its parent.
 *
 * Writes keep the file consistent at every step (see log-writer.ts): data
 * goes to its block first, and only then does metadata that makes it visible
 * (a BAT entry, sector bitmap bits) go through the log. A new block is
 * allocated at the end of the file, 1 MiB aligned; the file grows by the
 * block (and by a sector bitmap block when its chunk has none yet), and the
 * new space reads as zeros until written. An overwrite of data already
 * visible goes straight to its place.
 *
 * After a write fails part way (the disk is full, the process is being torn
 * down), the object stops: reads and writes throw, and close() releases the
 * file without touching it, so the log keeps what a later open must replay.
 */
import {InvalidStateError} from '../../errors.js'
import type {SectorSize, VhdFormat, VhdType, VirtualDisk} from '../virtual-disk.js'
import {BitmapState, PayloadState, type Bat, type BatGeometry} from './bat.js'
import {formatGuid, randomGuid, type Guid} from './guid.js'
import type {HeaderState} from './headers.js'
import type {ImageFile} from './image-file.js'
import {alignDown, alignUp, LOG_SECTOR_SIZE, MiB, SECTOR_BITMAP_BLOCK_SIZE} from './layout.js'
import type {SectorWrite} from './log-entry.js'
import type {LogWriter} from './log-writer.js'
import type {DiskMetadata} from './metadata.js'
import {SectorBitmap} from './sector-bitmap.js'

export interface VhdxImageParts {
  file: ImageFile
  headers: HeaderState
  /** Null for a read-only open. */
  log: LogWriter | null
  metadata: DiskMetadata
  bat: Bat
  batOffset: number
  parent: VhdxImage | null
  parentPath: string | null
  /** Whether this session already gave the header a new FileWriteGuid (a replay on open does). */
  fileWriteGuidChanged: boolean
}

/** The smallest unit the contract lets callers address. */
const IO_UNIT = 512

export class VhdxImage implements VirtualDisk {
  readonly format: VhdFormat = 'VHDX'
  readonly type: VhdType
  readonly path: string
  readonly size: number
  readonly logicalSectorSize: SectorSize
  readonly physicalSectorSize: SectorSize
  readonly blockSize: number
  readonly parentPath: string | null
  readonly parent: VhdxImage | null
  readonly diskIdentifier: string
  readonly readOnly: boolean

  private readonly file: ImageFile
  private readonly headers: HeaderState
  private readonly log: LogWriter | null
  private readonly bat: Bat
  private readonly geometry: BatGeometry
  private readonly batOffset: number
  /** Sector bitmaps read so far, by chunk. */
  private readonly bitmaps = new Map<number, SectorBitmap>()
  private fileWriteGuidChanged: boolean
  private dataWriteGuidChanged = false
  private failure: unknown = null
  private closed = false

  constructor(parts: VhdxImageParts) {
    const {file, metadata} = parts
    this.file = file
    this.headers = parts.headers
    this.log = parts.log
    this.bat = parts.bat
    this.geometry = parts.bat.geometry
    this.batOffset = parts.batOffset
    this.parent = parts.parent
    this.parentPath = parts.parentPath
    this.fileWriteGuidChanged = parts.fileWriteGuidChanged
    this.path = file.path
    this.readOnly = file.readOnly
    this.type = metadata.hasParent ? 'Differencing' : metadata.leaveBlocksAllocated ? 'Fixed' : 'Dynamic'
    this.size = metadata.virtualSize
    this.logicalSectorSize = metadata.logicalSectorSize
    this.physicalSectorSize = metadata.physicalSectorSize
    this.blockSize = metadata.blockSize
    this.diskIdentifier = formatGuid(metadata.virtualDiskId)
  }

  /** What a differencing child records as parent_linkage: changes whenever the disk's contents do. */
  get dataWriteGuid(): Guid {
    return this.headers.current.dataWriteGuid
  }

  read(offset: number, into: Uint8Array): void {
    this.checkUsable()
    this.checkRange(offset, into.length)
    this.forEachBlock(offset, into.length, (block, inBlock, at, length) => this.readBlock(block, inBlock, offset + at, into.subarray(at, at + length)))
  }

  write(offset: number, data: Uint8Array): void {
    this.checkUsable()
    if (this.readOnly || !this.log) throw new InvalidStateError(`${this.path}: the virtual disk is open read-only`)
    this.checkRange(offset, data.length)
    if (data.length === 0) return
    try {
      const sector = this.logicalSectorSize
      if (offset % sector !== 0 || data.length % sector !== 0) {
        // The sector bitmap and the guest see whole logical sectors: fill in the rest of them.
        const start = alignDown(offset, sector)
        const whole = new Uint8Array(alignUp(offset + data.length, sector) - start)
        this.read(start, whole)
        whole.set(data, offset - start)
        offset = start
        data = whole
      }
      this.beginDataChange()
      this.forEachBlock(offset, data.length, (block, inBlock, at, length) => this.writeBlock(block, inBlock, data.subarray(at, at + length)))
    } catch (error) {
      this.failure = error
      throw error
    }
  }

  flush(): void {
    this.checkUsable()
    if (this.readOnly || !this.log) return
    try {
      this.file.flush()
      this.log.markClean()
    } catch (error) {
      this.failure = error
      throw error
    }
  }

  close(): void {
    if (this.closed) return
    this.closed = true
    try {
      if (!this.readOnly && this.log && this.failure === null) {
        this.file.flush()
        this.log.markClean()
      }
    } finally {
      this.file.close()
      this.parent?.close()
    }
  }

  fileSize(): number {
    this.checkUsable()
    return this.file.size()
  }

  allocatedBlocks(): Array<{virtualOffset: number; fileOffset: number}> {
    this.checkUsable()
    if (this.type === 'Fixed') return []
    const blocks: Array<{virtualOffset: number; fileOffset: number}> = []
    for (let block = 0; block < this.geometry.dataBlocks; block++) {
      const index = this.geometry.payloadEntry(block)
      const state = this.bat.state(index)
      if (state === PayloadState.FullyPresent || state === PayloadState.PartiallyPresent) blocks.push({virtualOffset: block * this.blockSize, fileOffset: this.bat.fileOffset(index)})
    }
    return blocks
  }

  private checkUsable(): void {
    if (this.closed) throw new InvalidStateError(`${this.path}: the virtual disk is closed`)
    if (this.failure !== null) throw new InvalidStateError(`${this.path}: an earlier write failed (${String(this.failure)}); close and reopen the disk`)
  }

  private checkRange(offset: number, length: number): void {
    if (!Number.isSafeInteger(offset) || offset < 0 || offset % IO_UNIT !== 0 || length % IO_UNIT !== 0 || offset + length > this.size) {
      throw new RangeError(`${this.path}: ${length} bytes at offset ${offset} is not a 512-byte aligned range inside the ${this.size}-byte disk`)
    }
  }

  /** Split [offset, offset + length) of the virtual disk at block boundaries. */
  private forEachBlock(offset: number, length: number, visit: (block: number, inBlock: number, at: number, length: number) => void): void {
    for (let at = 0; at < length; ) {
      const block = Math.floor((offset + at) / this.blockSize)
      const inBlock = offset + at - block * this.blockSize
      const piece = Math.min(this.blockSize - inBlock, length - at)
      visit(block, inBlock, at, piece)
      at += piece
    }
  }

  private readBlock(block: number, inBlock: number, virtualOffset: number, into: Uint8Array): void {
    const index = this.geometry.payloadEntry(block)
    switch (this.bat.state(index)) {
      case PayloadState.FullyPresent:
        this.file.read(this.bat.fileOffset(index) + inBlock, into)
        return
      case PayloadState.PartiallyPresent:
        this.readPartialBlock(block, inBlock, virtualOffset, into)
        return
      case PayloadState.NotPresent:
      case PayloadState.Undefined:
        // Not in this file: a differencing image's parent has it; otherwise it reads as zeros.
        if (this.parent) this.readParent(virtualOffset, into)
        else into.fill(0)
        return
      default:
        // Zero, and unmapped (trimmed): zeros, which the format allows for both.
        into.fill(0)
    }
  }

  /** Sector by sector, from this file where the sector bitmap says so, else from the parent. */
  private readPartialBlock(block: number, inBlock: number, virtualOffset: number, into: Uint8Array): void {
    const sector = this.logicalSectorSize
    const bitmap = this.bitmap(this.chunkOf(block))
    const blockOffset = this.bat.fileOffset(this.geometry.payloadEntry(block))
    const firstBit = this.firstBitOf(block)
    const endSector = Math.ceil((inBlock + into.length) / sector)
    for (let at = 0; at < into.length; ) {
      const sectorInBlock = Math.floor((inBlock + at) / sector)
      const run = bitmap.run(firstBit + sectorInBlock, endSector - sectorInBlock)
      const length = Math.min(into.length - at, (sectorInBlock + run) * sector - (inBlock + at))
      const piece = into.subarray(at, at + length)
      if (bitmap.has(firstBit + sectorInBlock)) this.file.read(blockOffset + inBlock + at, piece)
      else this.readParent(virtualOffset + at, piece)
      at += length
    }
  }

  /** The parent's bytes; past the end of a smaller parent, zeros. */
  private readParent(offset: number, into: Uint8Array): void {
    const parent = this.parent!
    const inside = Math.max(0, Math.min(into.length, parent.size - offset))
    if (inside > 0) parent.read(offset, into.subarray(0, inside))
    into.fill(0, inside)
  }

  private writeBlock(block: number, inBlock: number, data: Uint8Array): void {
    const log = this.log!
    const index = this.geometry.payloadEntry(block)
    const state = this.bat.state(index)
    if (state === PayloadState.FullyPresent) {
      this.file.write(this.bat.fileOffset(index) + inBlock, data, 'payload')
      return
    }
    if (state === PayloadState.PartiallyPresent) {
      // Sectors not yet marked are invisible, so writing them in place is safe; marking them goes through the log.
      this.file.write(this.bat.fileOffset(index) + inBlock, data, 'payload')
      log.commit(this.markSectors(block, inBlock, data.length))
      return
    }

    // No block in the file yet. In a differencing image, the sectors of a
    // not-present block not written now still come from the parent, so the
    // block is partially present; a zero or unmapped block reads as zeros,
    // which the new block's untouched space already does.
    const inheritsFromParent = this.parent !== null && (state === PayloadState.NotPresent || state === PayloadState.Undefined)
    const partial = inheritsFromParent && !(inBlock === 0 && data.length === this.blockSize)
    const chunk = this.chunkOf(block)
    const bitmapIndex = this.geometry.bitmapEntry(chunk)
    const newBitmap = partial && this.bat.state(bitmapIndex) !== BitmapState.Present

    const blockOffset = alignUp(this.file.size(), MiB)
    this.file.resize(blockOffset + this.blockSize + (newBitmap ? SECTOR_BITMAP_BLOCK_SIZE : 0))
    this.file.write(blockOffset + inBlock, data, 'payload')

    const batSectors = new Set<number>()
    const bitmapWrites: SectorWrite[] = []
    if (newBitmap) {
      batSectors.add(this.bat.set(bitmapIndex, BitmapState.Present, blockOffset + this.blockSize))
      this.bitmaps.set(chunk, new SectorBitmap(new Uint8Array(SECTOR_BITMAP_BLOCK_SIZE)))
    }
    if (partial) bitmapWrites.push(...this.markSectors(block, inBlock, data.length))
    batSectors.add(this.bat.set(index, partial ? PayloadState.PartiallyPresent : PayloadState.FullyPresent, blockOffset))
    const batWrites = [...batSectors].sort((a, b) => a - b).map((sector) => ({fileOffset: this.batOffset + sector * LOG_SECTOR_SIZE, data: this.bat.sector(sector)}))
    log.commit([...batWrites, ...bitmapWrites])
  }

  /** Set the bitmap bits of [inBlock, inBlock + length) of `block`; the changed bitmap sectors, to log. */
  private markSectors(block: number, inBlock: number, length: number): SectorWrite[] {
    const chunk = this.chunkOf(block)
    const bitmap = this.bitmap(chunk)
    const bitmapOffset = this.bat.fileOffset(this.geometry.bitmapEntry(chunk))
    const first = this.firstBitOf(block) + inBlock / this.logicalSectorSize
    const changed = bitmap.set(first, length / this.logicalSectorSize)
    return changed.map((piece) => ({fileOffset: bitmapOffset + piece * LOG_SECTOR_SIZE, data: bitmap.piece(piece)}))
  }

  private bitmap(chunk: number): SectorBitmap {
    let bitmap = this.bitmaps.get(chunk)
    if (!bitmap) {
      const bytes = new Uint8Array(SECTOR_BITMAP_BLOCK_SIZE)
      this.file.read(this.bat.fileOffset(this.geometry.bitmapEntry(chunk)), bytes)
      bitmap = new SectorBitmap(bytes)
      this.bitmaps.set(chunk, bitmap)
    }
    return bitmap
  }

  private chunkOf(block: number): number {
    return Math.floor(block / this.geometry.chunkRatio)
  }

  /** The bit of the block's first sector in its chunk's bitmap. */
  private firstBitOf(block: number): number {
    return (block % this.geometry.chunkRatio) * this.geometry.sectorsPerBlock
  }

  /** The format asks for new write GUIDs before the first change of a session. */
  private beginDataChange(): void {
    if (this.dataWriteGuidChanged) return
    this.headers.update(this.fileWriteGuidChanged ? {dataWriteGuid: randomGuid()} : {fileWriteGuid: randomGuid(), dataWriteGuid: randomGuid()})
    this.fileWriteGuidChanged = true
    this.dataWriteGuidChanged = true
  }
}

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
 *
 * Resize-VHD and Set-VHD change metadata the same way: whatever new space
 * the change needs (payload blocks of a grown fixed disk, a BAT that outgrew
 * its region, written whole at the end of the file) is written first, then
 * every changed 4 KiB of BAT, region tables and metadata goes through the log
 * in one entry, so a writer stopped anywhere leaves the old disk or the new.
 */
import {existsSync, statSync} from 'node:fs'
import {resolve} from 'node:path'

import {InvalidArgumentError, InvalidStateError, NotFoundError} from '../../errors.js'
import {DiskFormatError, type DiskMetadataChanges, type SectorSize, type SetParentPathOptions, type VhdFormat, type VhdType, type VirtualDisk} from '../virtual-disk.js'
import {Bat, BatGeometry, BAT_ENTRY_SIZE, BitmapState, PayloadState} from './bat.js'
import {formatGuid, guidsEqual, parseGuid, randomGuid, type Guid} from './guid.js'
import type {HeaderState} from './headers.js'
import type {ImageFile} from './image-file.js'
import {alignDown, alignUp, HEADER_SECTION_SIZE, LOG_SECTOR_SIZE, MAX_VIRTUAL_SIZE, MiB, SECTOR_BITMAP_BLOCK_SIZE} from './layout.js'
import type {SectorWrite} from './log-entry.js'
import {changedSectors, type LogWriter} from './log-writer.js'
import {rewriteMetadata, type DiskMetadata, type MetadataChanges} from './metadata.js'
import {ABSOLUTE_WIN32_PATH, PARENT_LINKAGE, PARENT_LINKAGE2, RELATIVE_PATH, VOLUME_PATH} from './parent-locator.js'
import {relativeLocatorPath} from './parent.js'
import {moveBatRegion, type Extent, type NamedExtent} from './region-table.js'
import {SectorBitmap} from './sector-bitmap.js'
import {realPath} from '../real-path.js'

export interface VhdxImageParts {
  file: ImageFile
  headers: HeaderState
  /** Null for a read-only open. */
  log: LogWriter | null
  metadata: DiskMetadata
  bat: Bat
  batOffset: number
  /** The regions and the log as the region table and header place them: the BAT's and the metadata's, and all of them. */
  batRegion: Extent
  metadataRegion: Extent
  structures: NamedExtent[]
  parent: VhdxImage | null
  parentPath: string | null
  /** Opens the image at an absolute path, read-only with its chain, as a parent of this one would be opened. */
  openParent: (path: string) => VhdxImage
  /** Whether this session already gave the header a new FileWriteGuid (a replay on open does). */
  fileWriteGuidChanged: boolean
}

/** BAT sectors one change logs at most; a change of more writes the table anew (see resize()). */
const MAX_LOGGED_BAT_SECTORS = 96
/** Shrinking reads what it would cut off in pieces of this size, to check it is all zeros. */
const CHECK_CHUNK = 8 * MiB

/** The smallest unit the contract lets callers address. */
const IO_UNIT = 512

export class VhdxImage implements VirtualDisk {
  readonly format: VhdFormat = 'VHDX'
  readonly type: VhdType
  readonly path: string
  size: number
  readonly logicalSectorSize: SectorSize
  physicalSectorSize: SectorSize
  readonly blockSize: number
  parentPath: string | null
  parent: VhdxImage | null
  diskIdentifier: string
  readonly readOnly: boolean

  private readonly file: ImageFile
  private readonly headers: HeaderState
  private readonly log: LogWriter | null
  private bat: Bat
  private geometry: BatGeometry
  private batOffset: number
  private batRegion: Extent
  private readonly metadataRegion: Extent
  private readonly structures: NamedExtent[]
  private parentLocator: Map<string, string> | null
  private readonly openParent: (path: string) => VhdxImage
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
    this.batRegion = parts.batRegion
    this.metadataRegion = parts.metadataRegion
    this.structures = parts.structures
    this.parentLocator = metadata.parentLocator
    this.openParent = parts.openParent
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
    this.checkParent()
    this.checkRange(offset, into.length)
    this.forEachBlock(offset, into.length, (block, inBlock, at, length) => this.readBlock(block, inBlock, offset + at, into.subarray(at, at + length)))
  }

  write(offset: number, data: Uint8Array): void {
    this.checkUsable()
    if (this.readOnly || !this.log) throw new InvalidStateError(`${this.path}: the virtual disk is open read-only`)
    this.checkParent()
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

  /**
   * Resize-VHD. Growing: a fixed disk gets payload blocks for the new space
   * (zeros, as the file's new space reads); a dynamic one gets not-present
   * entries. Shrinking: refused if anything past the new end is not zeros;
   * afterwards the file gives back the space at its end nothing uses.
   * BAT entries past the disk's end are cleared, so that the next growth
   * finds them not present.
   */
  resize(newSize: number): void {
    const log = this.requireWritable()
    if (this.type === 'Differencing') throw new InvalidArgumentError(`${this.path}: a differencing disk has the size of its parent and cannot be resized on its own.`)
    if (!Number.isSafeInteger(newSize) || newSize <= 0 || newSize > MAX_VIRTUAL_SIZE || newSize % this.logicalSectorSize !== 0) {
      throw new InvalidArgumentError(`${this.path}: the new size ${newSize} is not a multiple of the ${this.logicalSectorSize}-byte logical sector from ${this.logicalSectorSize} bytes to 64 TB.`)
    }
    if (newSize === this.size) return
    const shrinking = newSize < this.size
    if (shrinking) this.checkNothingPast(newSize)
    const geometry = new BatGeometry(newSize, this.blockSize, this.logicalSectorSize, false)
    if (geometry.totalEntries * BAT_ENTRY_SIZE > 0xffffffff - MiB) throw new InvalidArgumentError(`${this.path}: a BAT for ${newSize} bytes in ${this.blockSize}-byte blocks would be larger than a region can be.`)
    this.guard(() => {
      this.beginDataChange()
      if (!shrinking) this.prepareLastBlock()
      const bytes = new Uint8Array(geometry.byteLength)
      bytes.set(this.bat.bytes.subarray(0, Math.min(this.geometry.totalEntries, geometry.totalEntries) * BAT_ENTRY_SIZE))
      const bat = new Bat(bytes, geometry)
      if (this.type === 'Fixed') this.allocateFixedBlocks(bat)

      const writes: SectorWrite[] = []
      let batRegion = this.batRegion
      const old = this.bat.bytes
      const batWrites = changedSectors(padded(old, bytes.length), bytes, batRegion.offset)
      // Sectors past those the old disk used were never read: they get the new bytes whatever the file holds there.
      for (let at = old.length; at < bytes.length; at += LOG_SECTOR_SIZE) {
        if (!batWrites.some((write) => write.fileOffset === batRegion.offset + at)) batWrites.push({fileOffset: batRegion.offset + at, data: bytes.slice(at, at + LOG_SECTOR_SIZE)})
      }
      if (bytes.length <= batRegion.length && batWrites.length <= MAX_LOGGED_BAT_SECTORS) {
        writes.push(...batWrites)
      } else {
        batRegion = this.writeNewBatRegion(bytes)
        writes.push(...moveBatRegion(this.file, batRegion))
      }
      writes.push(...rewriteMetadata(this.file, this.metadataRegion, {virtualSize: newSize}))
      log.commit(writes)
      this.bat = bat
      this.geometry = geometry
      this.batRegion = batRegion
      this.batOffset = batRegion.offset
      this.size = newSize
      if (shrinking) this.releaseUnusedEnd(log)
    })
  }

  /**
   * Set-VHD -ParentPath: a new parent locator (paths to `parentPath`), as
   * one logged metadata change. The parent must be the disk this one was
   * made from (its DataWriteGuid is this one's parent_linkage) unless told to
   * ignore that; then the linkage becomes the new parent's.
   */
  setParentPath(parentPath: string, options: SetParentPathOptions = {}): void {
    const log = this.requireWritable()
    if (this.type !== 'Differencing' || this.parentLocator === null) throw new InvalidArgumentError(`${this.path}: only a differencing disk has a parent; this one is ${this.type}.`)
    const absolute = resolve(parentPath)
    if (!existsSync(absolute) || !statSync(absolute).isFile()) throw new NotFoundError(`The parent virtual hard disk '${absolute}' does not exist.`)
    let parent: VhdxImage
    try {
      parent = this.openParent(absolute)
    } catch (error) {
      if (error instanceof DiskFormatError && error.path === absolute) throw new InvalidArgumentError(`'${absolute}' cannot be the parent of '${this.path}': ${error.message}`)
      throw error
    }
    try {
      const self = realPath(this.path)
      for (let level: VhdxImage | null = parent; level !== null; level = level.parent) {
        if (realPath(level.path) === self) throw new InvalidArgumentError(`'${absolute}' cannot be the parent of '${this.path}': it is that disk or one of its differencing children.`)
      }
      if (parent.logicalSectorSize !== this.logicalSectorSize) throw new InvalidArgumentError(`The parent '${absolute}' has ${parent.logicalSectorSize}-byte logical sectors and '${this.path}' ${this.logicalSectorSize}-byte ones: they must be the same.`)
      if (parent.size !== this.size) throw new InvalidArgumentError(`The parent '${absolute}' is ${parent.size} bytes but the differencing disk '${this.path}' is ${this.size}: they must be the same size.`)
      const locator = new Map(this.parentLocator)
      const linkages = [locator.get(PARENT_LINKAGE), locator.get(PARENT_LINKAGE2)].map((text) => (text === undefined ? null : parseGuid(text)))
      if (!linkages.some((linkage) => linkage !== null && guidsEqual(linkage, parent.dataWriteGuid))) {
        if (!options.ignoreIdMismatch) {
          throw new InvalidArgumentError(`'${absolute}' is not the disk '${this.path}' was made from, or it has changed since (its DataWriteGuid is {${formatGuid(parent.dataWriteGuid)}}, the child's parent_linkage ${locator.get(PARENT_LINKAGE) ?? 'none'}); use -IgnoreIdMismatch to link them anyway.`)
        }
        locator.set(PARENT_LINKAGE, `{${formatGuid(parent.dataWriteGuid)}}`)
        locator.delete(PARENT_LINKAGE2)
      }
      locator.set(RELATIVE_PATH, relativeLocatorPath(this.path, absolute))
      locator.set(ABSOLUTE_WIN32_PATH, absolute)
      // A volume path names where the old parent was; nothing here follows it.
      locator.delete(VOLUME_PATH)
      this.changeMetadata(log, {parentLocator: locator})
      this.parentLocator = locator
    } catch (error) {
      parent.close()
      throw error
    }
    const previous = this.parent
    this.parent = parent
    this.parentPath = absolute
    previous?.close()
  }

  setMetadata(changes: DiskMetadataChanges): void {
    const log = this.requireWritable()
    const metadata: MetadataChanges = {}
    if (changes.diskIdentifier !== undefined) {
      const id = parseGuid(changes.diskIdentifier)
      if (!id) throw new InvalidArgumentError(`The disk identifier '${changes.diskIdentifier}' is not a GUID.`)
      metadata.virtualDiskId = id
    }
    if (changes.physicalSectorSize !== undefined) {
      if (changes.physicalSectorSize !== 512 && changes.physicalSectorSize !== 4096) throw new InvalidArgumentError(`The physical sector size must be 512 or 4096 bytes, not ${String(changes.physicalSectorSize)}.`)
      if (changes.physicalSectorSize < this.logicalSectorSize) throw new InvalidArgumentError(`${this.path}: the physical sector (${changes.physicalSectorSize} bytes) cannot be smaller than the logical sector (${this.logicalSectorSize} bytes).`)
      metadata.physicalSectorSize = changes.physicalSectorSize
    }
    if (Object.keys(metadata).length === 0) return
    this.changeMetadata(log, metadata)
    if (metadata.virtualDiskId) this.diskIdentifier = formatGuid(metadata.virtualDiskId)
    if (metadata.physicalSectorSize) this.physicalSectorSize = metadata.physicalSectorSize
  }

  private changeMetadata(log: LogWriter, changes: MetadataChanges): void {
    this.guard(() => {
      this.beginFileChange()
      log.commit(rewriteMetadata(this.file, this.metadataRegion, changes))
    })
  }

  /** Run a change of the file; a failure part way stops the object (see the top of this file). */
  private guard(change: () => void): void {
    try {
      change()
    } catch (error) {
      this.failure = error
      throw error
    }
  }

  private requireWritable(): LogWriter {
    this.checkUsable()
    if (this.readOnly || !this.log) throw new InvalidStateError(`${this.path}: the virtual disk is open read-only`)
    return this.log
  }

  /** Shrinking never cuts off data: everything from `newSize` to the end must read as zeros (and a dynamic disk hold no block there). */
  private checkNothingPast(newSize: number): void {
    const refuse = (offset: number) => new InvalidArgumentError(`${this.path}: cannot shrink to ${newSize} bytes: the disk holds data at offset ${offset}, past the new size.`)
    if (this.type === 'Dynamic') {
      for (const block of this.allocatedBlocks()) if (block.virtualOffset >= newSize) throw refuse(block.virtualOffset)
    }
    const piece = new Uint8Array(CHECK_CHUNK)
    for (let offset = newSize; offset < this.size; offset += CHECK_CHUNK) {
      const part = piece.subarray(0, Math.min(CHECK_CHUNK, this.size - offset))
      this.read(offset, part)
      const nonZero = part.findIndex((byte) => byte !== 0)
      if (nonZero >= 0) throw refuse(offset + nonZero)
    }
  }

  /**
   * Before growing: the block the old end falls inside becomes whole. Its
   * bytes past the old end are made zeros (they are about to be the disk's),
   * and a block another writer left short in the file gets its full length,
   * moved to the end of the file when something follows it. Nothing here is
   * visible before the resize commits.
   */
  private prepareLastBlock(): void {
    const block = this.geometry.dataBlocks - 1
    const index = this.geometry.payloadEntry(block)
    const state = this.bat.state(index)
    if (state !== PayloadState.FullyPresent && state !== PayloadState.PartiallyPresent) return
    const inBlock = this.size - block * this.blockSize
    if (inBlock === this.blockSize) return
    let offset = this.bat.fileOffset(index)
    const end = offset + this.blockSize
    if (end > this.file.size()) {
      const followed = this.usedExtents().some((extent) => extent.offset >= offset + inBlock && extent.offset < end && extent.offset !== offset)
      if (followed) {
        const data = new Uint8Array(inBlock)
        this.file.read(offset, data)
        offset = alignUp(this.file.size(), MiB)
        this.file.resize(offset + this.blockSize)
        this.file.write(offset, data, 'payload')
        this.bat.set(index, state, offset)
      } else {
        this.file.resize(end)
      }
    }
    const tail = new Uint8Array(Math.min(CHECK_CHUNK, this.blockSize - inBlock))
    for (let at = inBlock; at < this.blockSize; at += tail.length) {
      const part = tail.subarray(0, Math.min(tail.length, this.blockSize - at))
      this.file.read(offset + at, part)
      if (part.some((byte) => byte !== 0)) this.file.write(offset + at, new Uint8Array(part.length), 'payload')
    }
  }

  /** A grown fixed disk's new blocks: space at the end of the file, in order, and fully present entries for them. */
  private allocateFixedBlocks(bat: Bat): void {
    const geometry = bat.geometry
    const missing: number[] = []
    for (let block = 0; block < geometry.dataBlocks; block++) {
      if (bat.state(geometry.payloadEntry(block)) !== PayloadState.FullyPresent) missing.push(block)
    }
    if (missing.length === 0) return
    const start = alignUp(this.file.size(), MiB)
    this.file.resize(start + missing.length * this.blockSize)
    missing.forEach((block, i) => bat.set(geometry.payloadEntry(block), PayloadState.FullyPresent, start + i * this.blockSize))
  }

  /** A BAT too large for its region (or for one log entry): written whole in a new region at the end of the file. */
  private writeNewBatRegion(bytes: Uint8Array): Extent {
    const region = {offset: alignUp(this.file.size(), MiB), length: alignUp(bytes.length, MiB)}
    this.file.resize(region.offset + region.length)
    this.file.write(region.offset, bytes, 'relocate')
    return region
  }

  /** After a shrink has committed and the log is clean: cut off the end of the file that nothing uses any more. */
  private releaseUnusedEnd(log: LogWriter): void {
    this.file.flush()
    log.markClean()
    const end = alignUp(Math.max(...this.usedExtents().map((extent) => extent.offset + extent.length)), MiB)
    if (end < this.file.size()) this.file.truncate(end)
  }

  /** The header section, the log, the regions and every block the BAT points at. */
  private usedExtents(): Extent[] {
    const extents: Extent[] = [{offset: 0, length: HEADER_SECTION_SIZE}, ...this.structures.filter((extent) => extent.name !== 'the BAT region'), this.batRegion]
    for (let block = 0; block < this.geometry.dataBlocks; block++) {
      const index = this.geometry.payloadEntry(block)
      const state = this.bat.state(index)
      if (state === PayloadState.FullyPresent || state === PayloadState.PartiallyPresent) extents.push({offset: this.bat.fileOffset(index), length: this.blockSize})
    }
    if (this.geometry.hasParent) {
      for (let chunk = 0; chunk < this.geometry.chunks; chunk++) {
        const index = this.geometry.bitmapEntry(chunk)
        if (this.bat.state(index) === BitmapState.Present) extents.push({offset: this.bat.fileOffset(index), length: SECTOR_BITMAP_BLOCK_SIZE})
      }
    }
    return extents
  }

  /** A differencing image opened without its parent (to repair the chain) has no contents to read or write. */
  private checkParent(): void {
    if (this.type === 'Differencing' && this.parent === null) throw new InvalidStateError(`${this.path}: the differencing disk was opened without its parent; set its parent first.`)
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

  /** The format asks for a new FileWriteGuid before the first change of the file in a session. */
  private beginFileChange(): void {
    if (this.fileWriteGuidChanged) return
    this.headers.update({fileWriteGuid: randomGuid()})
    this.fileWriteGuidChanged = true
  }

  /** The format asks for new write GUIDs before the first change of a session. */
  private beginDataChange(): void {
    if (this.dataWriteGuidChanged) return
    this.headers.update(this.fileWriteGuidChanged ? {dataWriteGuid: randomGuid()} : {fileWriteGuid: randomGuid(), dataWriteGuid: randomGuid()})
    this.fileWriteGuidChanged = true
    this.dataWriteGuidChanged = true
  }
}

/** `bytes` followed by zeros, `length` in all. */
function padded(bytes: Uint8Array, length: number): Uint8Array {
  const result = new Uint8Array(length)
  result.set(bytes.subarray(0, length))
  return result
}

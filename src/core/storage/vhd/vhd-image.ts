/**
 * What every opened VHD shares, whatever its type: the VirtualDisk facts,
 * the checks on each request (sector-aligned, inside the disk, writable,
 * still open), flushing and closing, and the checks of Resize-VHD and
 * Set-VHD requests. The subclasses (fixed-image.ts, sparse-image.ts) say
 * where the sectors are and how their structures change.
 *
 * Every change of an existing image's structures ends in one footer write:
 * a single sector at the end of the file, which the opener reads first.
 * Whatever the change needs besides (new space, a moved table, new parent
 * locators) is written and synced before it, where nothing points yet.
 */
import {InvalidArgumentError, InvalidStateError} from '../../errors.js'
import type {DiskMetadataChanges, SectorSize, SetParentPathOptions, VhdFormat, VhdType, VirtualDisk} from '../virtual-disk.js'
import {MAX_DISK_SIZE, SECTOR_SIZE} from './constants.js'
import {CREATOR_APPLICATION, decodeFooter, type FooterChanges, patchFooter, type VhdFooter} from './footer.js'
import {geometryForSize} from './geometry.js'
import {normaliseGuid} from './guid.js'
import type {ImageFile} from './image-file.js'

export abstract class VhdImage implements VirtualDisk {
  readonly format: VhdFormat = 'VHD'
  readonly logicalSectorSize: SectorSize = SECTOR_SIZE
  readonly physicalSectorSize: SectorSize = SECTOR_SIZE
  abstract readonly type: VhdType
  abstract readonly blockSize: number
  abstract get parentPath(): string | null
  abstract get parent(): VirtualDisk | null

  readonly readOnly: boolean
  private closed = false
  private currentFooter: VhdFooter
  /** The footer's 512 bytes as they are in the file: changes patch them, keeping what other tools put in fields hv ignores. */
  private currentFooterBytes: Uint8Array

  constructor(
    readonly path: string,
    protected readonly file: ImageFile,
    footer: VhdFooter,
    footerBytes: Uint8Array,
  ) {
    this.currentFooter = footer
    this.currentFooterBytes = footerBytes
    this.readOnly = file.readOnly
  }

  /** The footer as it is now; creating a differencing child copies its geometry and unique ID. */
  get footer(): VhdFooter {
    return this.currentFooter
  }

  get size(): number {
    return this.currentFooter.currentSize
  }

  get diskIdentifier(): string {
    return this.currentFooter.uniqueId
  }

  protected get footerBytes(): Uint8Array {
    return this.currentFooterBytes
  }

  read(offset: number, into: Uint8Array): void {
    this.checkOpen()
    this.checkParent()
    this.checkRange(offset, into.length)
    if (into.length > 0) this.readSectors(offset, into)
  }

  write(offset: number, data: Uint8Array): void {
    this.checkWritable()
    this.checkParent()
    this.checkRange(offset, data.length)
    if (data.length > 0) this.writeSectors(offset, data)
  }

  flush(): void {
    this.checkOpen()
    if (!this.readOnly) this.file.sync()
  }

  /** Flush and close; closing again does nothing. The parent of a differencing image is closed with it. */
  close(): void {
    if (this.closed) return
    this.closed = true
    try {
      if (!this.readOnly) this.file.sync()
    } finally {
      try {
        this.file.close()
      } finally {
        this.parent?.close()
      }
    }
  }

  fileSize(): number {
    this.checkOpen()
    return this.file.size()
  }

  abstract allocatedBlocks(): Array<{virtualOffset: number; fileOffset: number}>

  /** Resize-VHD: VHD only grows (Hyper-V shrinks VHDX only), and a differencing image keeps its parent's size. */
  resize(newSize: number): void {
    this.checkWritable()
    if (this.type === 'Differencing') {
      throw new InvalidArgumentError(`${this.path}: a differencing disk has the size of its parent and cannot be resized on its own.`)
    }
    if (!Number.isSafeInteger(newSize) || newSize <= 0 || newSize % SECTOR_SIZE !== 0) {
      throw new InvalidArgumentError(`${this.path}: the new size ${newSize} is not a positive multiple of ${SECTOR_SIZE} bytes.`)
    }
    if (newSize > MAX_DISK_SIZE) {
      throw new InvalidArgumentError(`${this.path}: the new size ${newSize} is more than the 2040 GB (${MAX_DISK_SIZE} bytes) a VHD can hold: convert it to VHDX first.`)
    }
    if (newSize < this.size) {
      throw new InvalidArgumentError(`${this.path}: a VHD cannot shrink (from ${this.size} to ${newSize} bytes); only VHDX can: convert it to VHDX first.`)
    }
    if (newSize === this.size) return
    this.grow(newSize)
  }

  /** Only differencing images have a parent to change (sparse-image.ts). */
  setParentPath(_parentPath: string, _options?: SetParentPathOptions): void {
    this.checkWritable()
    throw new InvalidArgumentError(`${this.path}: only a differencing disk has a parent; this one is ${this.type}.`)
  }

  setMetadata(changes: DiskMetadataChanges): void {
    this.checkWritable()
    if (changes.physicalSectorSize !== undefined && changes.physicalSectorSize !== SECTOR_SIZE) {
      throw new InvalidArgumentError(`${this.path}: a VHD's physical sector size is always ${SECTOR_SIZE} bytes; use VHDX for ${changes.physicalSectorSize}-byte sectors.`)
    }
    if (changes.diskIdentifier === undefined) return
    const uniqueId = normaliseGuid(changes.diskIdentifier)
    if (uniqueId === null) throw new InvalidArgumentError(`The disk identifier '${changes.diskIdentifier}' is not a GUID.`)
    this.commitFooter({uniqueId})
  }

  /** Make the image `newSize` bytes (larger than now); ends with commitFooter(resizedFooter(newSize)). */
  protected abstract grow(newSize: number): void

  /** Write `footerBytes` wherever the image keeps its footers, synced: the step that makes a change visible. */
  protected abstract writeFooters(footerBytes: Uint8Array): void

  protected commitFooter(changes: FooterChanges): void {
    const bytes = patchFooter(this.currentFooterBytes, changes)
    this.writeFooters(bytes)
    this.currentFooterBytes = bytes
    this.currentFooter = decodeFooter(bytes, this.path)
  }

  /**
   * The footer fields of a resized disk: the size, the geometry for it, and
   * Hyper-V's creator: readers that take the size of a "vpc " or "qemu" image
   * from its geometry (which rounds down) would otherwise see less than the
   * new size.
   */
  protected resizedFooter(newSize: number): FooterChanges {
    return {currentSize: newSize, geometry: geometryForSize(newSize), creatorApplication: CREATOR_APPLICATION}
  }

  /** Read `into.length` bytes at `offset`: checked to be whole sectors inside the disk, at least one. */
  protected abstract readSectors(offset: number, into: Uint8Array): void
  /** Write `data` at `offset`: checked like readSectors, and the image is writable. */
  protected abstract writeSectors(offset: number, data: Uint8Array): void

  protected checkWritable(): void {
    this.checkOpen()
    if (this.readOnly) throw new InvalidStateError(`${this.path}: the virtual disk is open read-only`)
  }

  private checkOpen(): void {
    if (this.closed) throw new InvalidStateError(`${this.path}: the virtual disk is closed`)
  }

  /** A differencing image opened without its parent (to repair the chain) has no contents to read or write. */
  private checkParent(): void {
    if (this.type === 'Differencing' && this.parent === null) {
      throw new InvalidStateError(`${this.path}: the differencing disk was opened without its parent; set its parent first.`)
    }
  }

  private checkRange(offset: number, length: number): void {
    if (!Number.isSafeInteger(offset) || offset < 0 || offset % SECTOR_SIZE !== 0 || length % SECTOR_SIZE !== 0) {
      throw new RangeError(`${this.path}: ${length} bytes at offset ${offset} is not a whole number of ${SECTOR_SIZE}-byte sectors`)
    }
    if (offset + length > this.size) {
      throw new RangeError(`${this.path}: ${length} bytes at offset ${offset} runs past the end of the ${this.size}-byte disk`)
    }
  }
}

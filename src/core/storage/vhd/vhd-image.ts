/**
 * What every opened VHD shares, whatever its type: the VirtualDisk facts,
 * the checks on each request (sector-aligned, inside the disk, writable,
 * still open), flushing and closing. The subclasses (fixed-image.ts,
 * sparse-image.ts) say where the sectors are.
 */
import {InvalidStateError} from '../../errors.js'
import type {SectorSize, VhdFormat, VhdType, VirtualDisk} from '../virtual-disk.js'
import {SECTOR_SIZE} from './constants.js'
import type {VhdFooter} from './footer.js'
import type {ImageFile} from './image-file.js'

export abstract class VhdImage implements VirtualDisk {
  readonly format: VhdFormat = 'VHD'
  readonly logicalSectorSize: SectorSize = SECTOR_SIZE
  readonly physicalSectorSize: SectorSize = SECTOR_SIZE
  abstract readonly type: VhdType
  abstract readonly blockSize: number
  abstract readonly parentPath: string | null
  abstract readonly parent: VirtualDisk | null

  readonly size: number
  readonly diskIdentifier: string
  readonly readOnly: boolean
  private closed = false

  constructor(
    readonly path: string,
    protected readonly file: ImageFile,
    /** The footer as read; creating a differencing child copies its geometry and unique ID. */
    readonly footer: VhdFooter,
  ) {
    this.size = footer.currentSize
    this.diskIdentifier = footer.uniqueId
    this.readOnly = file.readOnly
  }

  read(offset: number, into: Uint8Array): void {
    this.checkOpen()
    this.checkRange(offset, into.length)
    if (into.length > 0) this.readSectors(offset, into)
  }

  write(offset: number, data: Uint8Array): void {
    this.checkOpen()
    if (this.readOnly) throw new InvalidStateError(`${this.path}: the virtual disk is open read-only`)
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

  /** Read `into.length` bytes at `offset`: checked to be whole sectors inside the disk, at least one. */
  protected abstract readSectors(offset: number, into: Uint8Array): void
  /** Write `data` at `offset`: checked like readSectors, and the image is writable. */
  protected abstract writeSectors(offset: number, data: Uint8Array): void

  private checkOpen(): void {
    if (this.closed) throw new InvalidStateError(`${this.path}: the virtual disk is closed`)
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

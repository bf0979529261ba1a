/**
 * What every virtual disk image format gives the rest of hv: block I/O on an
 * image file, and the facts Get-VHD reports. The formats (vhd/, vhdx/) only
 * read and write their files; no device code lives here. I/O is synchronous:
 * the emulated controllers complete a guest's request inside its exit.
 */
import {InvalidArgumentError} from '../errors.js'

export type VhdFormat = 'VHD' | 'VHDX'
export type VhdType = 'Fixed' | 'Dynamic' | 'Differencing'
export type SectorSize = 512 | 4096

export interface VirtualDisk {
  readonly path: string
  readonly format: VhdFormat
  readonly type: VhdType
  /** The virtual size in bytes (what the guest sees). */
  readonly size: number
  readonly logicalSectorSize: SectorSize
  readonly physicalSectorSize: SectorSize
  /** Bytes per block of a dynamic or differencing image; 0 for a fixed VHD (a fixed VHDX keeps its block size). */
  readonly blockSize: number
  /** The parent's path as the image records it (absolute), for a differencing image; null otherwise. */
  readonly parentPath: string | null
  /** The opened parent of a differencing image, null otherwise. */
  readonly parent: VirtualDisk | null
  /** VHD: the footer's unique ID; VHDX: the metadata's virtual disk ID. A GUID, lower case, no braces. */
  readonly diskIdentifier: string
  readonly readOnly: boolean
  /**
   * Read `into.length` bytes of the virtual disk at byte `offset`. Both are
   * multiples of 512 and inside the disk (else a RangeError). Unallocated
   * blocks read as zeros, or from the parent of a differencing image.
   */
  read(offset: number, into: Uint8Array): void
  /** Write `data` at byte `offset` (multiples of 512, inside the disk), allocating blocks as needed. */
  write(offset: number, data: Uint8Array): void
  /** Everything written so far is on the file (and, for VHDX, the log is clean). */
  flush(): void
  /** Flush and close the file (and the parent's). The object is unusable afterwards. */
  close(): void
  /** The image file's size in bytes, as it is now. */
  fileSize(): number
  /**
   * Blocks of a dynamic or differencing image that hold data, in virtual
   * order, and where each is in the file: for Get-VHD's fragmentation and for
   * merging and compacting. A fixed image reports nothing.
   */
  allocatedBlocks(): Array<{virtualOffset: number; fileOffset: number}>
  /**
   * Change the virtual size to `newSize` bytes (a multiple of the logical
   * sector size), as Resize-VHD does; the image must be open read-write.
   * Growing adds space that reads as zeros. Only VHDX shrinks, and never over
   * data: a dynamic image's allocated blocks past the new end, or any byte of
   * a fixed one's that is not zero, make it refuse (InvalidArgumentError
   * naming the size). A differencing image keeps its parent's size and is
   * refused. Crash-safe: a writer stopped at any point leaves the old size or
   * the new one, and the data below both as it was.
   */
  resize(newSize: number): void
  /**
   * Point a differencing image at `parentPath` (a moved or copied parent), as
   * Set-VHD -ParentPath does: the new parent must be the image this one was
   * made from (VHD: its unique ID; VHDX: its DataWriteGuid, the child's
   * parent_linkage) unless `ignoreIdMismatch`, when the child is linked to it
   * as it is. Afterwards `parent` and `parentPath` are the new parent's.
   * Crash-safe: a stop at any point leaves the old locators or the new ones.
   */
  setParentPath(parentPath: string, options?: SetParentPathOptions): void
  /** Change what Set-VHD changes besides the parent: the disk identifier, the physical sector size. Crash-safe as resize. */
  setMetadata(changes: DiskMetadataChanges): void
}

export interface SetParentPathOptions {
  /** Link to the new parent even when it is not the image the child was made from (Set-VHD -IgnoreIdMismatch). */
  ignoreIdMismatch?: boolean
}

export interface DiskMetadataChanges {
  /** A new disk identifier (a GUID): Set-VHD -ResetDiskIdentifier. */
  diskIdentifier?: string
  /** 512 or 4096 (VHDX only; a VHD's is always 512): Set-VHD -PhysicalSectorSizeBytes. */
  physicalSectorSize?: SectorSize
}

export interface CreateDiskOptions {
  path: string
  type: VhdType
  /** The virtual size in bytes; a differencing image takes its parent's and ignores this. */
  size?: number
  /** The parent image's path, for a differencing image. */
  parentPath?: string
  /** Block size in bytes (VHD default 2 MiB; VHDX default 32 MiB for dynamic and differencing, 0 for fixed). */
  blockSize?: number
  logicalSectorSize?: SectorSize
  physicalSectorSize?: SectorSize
  /** The disk identifier to record (a GUID); a new random one when absent. */
  diskIdentifier?: string
}

export interface OpenDiskOptions {
  readOnly?: boolean
  /**
   * Open a differencing image without looking for its parent, to repair a
   * broken chain with setParentPath(): `parent` is null and `parentPath` is
   * where the image says the parent is, and the virtual disk cannot be read
   * or written (InvalidStateError) until setParentPath() gives it a parent.
   */
  skipParent?: boolean
}

/**
 * A malformed or unsupported image: the message names the file and the field
 * that is wrong ("disk.vhdx: region table checksum does not match"). Opening a
 * damaged image raises this and nothing else; it never reads outside the file.
 */
export class DiskFormatError extends InvalidArgumentError {
  constructor(
    readonly path: string,
    problem: string,
  ) {
    super(`${path}: ${problem}`)
    this.name = 'DiskFormatError'
  }
}

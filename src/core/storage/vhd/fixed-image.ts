/**
 * A fixed VHD: the virtual disk's bytes from offset 0 of the file, as they
 * are, then the footer. Sector n is at byte n * 512; nothing is ever
 * allocated, so a write is a single write in place.
 *
 * Growing moves the footer to the new end. The opener accepts a footer that
 * lies past the disk's size (the bytes between are not the disk's), which
 * makes the move safe at every step:
 *
 *   1. the unchanged footer at the new end: the file still holds the old
 *      disk, with unused bytes after it;
 *   2. zeros over the old footer's place (and any such unused bytes), which
 *      is about to become disk space;
 *   3. sync;
 *   4. the footer with the new size over the one written in step 1: one
 *      sector, the switch from old to new; sync.
 *
 * The space in between is a hole in the host file: it reads as zeros and
 * takes no room until written.
 */
import type {VhdType, VirtualDisk} from '../virtual-disk.js'
import {SECTOR_SIZE} from './constants.js'
import type {VhdFooter} from './footer.js'
import type {ImageFile} from './image-file.js'
import {VhdImage} from './vhd-image.js'

/** Zeros are written at most this much at a time. */
const ZERO_CHUNK = 1024 * 1024

export class FixedVhdImage extends VhdImage {
  readonly type: VhdType = 'Fixed'
  readonly blockSize = 0
  readonly parentPath = null
  readonly parent: VirtualDisk | null = null

  constructor(
    path: string,
    file: ImageFile,
    footer: VhdFooter,
    footerBytes: Uint8Array,
    /** Where the footer is: at the disk's size, or later when the file holds unused bytes before it. */
    private footerOffset: number,
  ) {
    super(path, file, footer, footerBytes)
  }

  allocatedBlocks(): Array<{virtualOffset: number; fileOffset: number}> {
    return []
  }

  protected readSectors(offset: number, into: Uint8Array): void {
    this.file.read(offset, into)
  }

  protected writeSectors(offset: number, data: Uint8Array): void {
    this.file.write(offset, data)
  }

  /** The steps at the top of this file. */
  protected grow(newSize: number): void {
    const oldFooterOffset = this.footerOffset
    if (newSize > oldFooterOffset) {
      this.file.write(newSize, this.footerBytes)
      this.footerOffset = newSize
    }
    // What lay between the old end of the disk and the new one: the old footer, and any unused bytes.
    this.writeZeros(this.size, Math.min(newSize, oldFooterOffset + SECTOR_SIZE))
    this.file.sync()
    this.commitFooter(this.resizedFooter(newSize))
  }

  protected writeFooters(footerBytes: Uint8Array): void {
    this.file.write(this.footerOffset, footerBytes)
    this.file.sync()
  }

  private writeZeros(from: number, to: number): void {
    const zeros = new Uint8Array(Math.min(ZERO_CHUNK, Math.max(0, to - from)))
    for (let at = from; at < to; at += zeros.length) this.file.write(at, zeros.subarray(0, Math.min(zeros.length, to - at)))
  }
}

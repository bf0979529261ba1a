/**
 * A fixed VHD: the virtual disk's bytes from offset 0 of the file, as they
 * are, then the footer. Sector n is at byte n * 512; nothing is ever
 * allocated, so a write is a single write in place.
 */
import type {VhdType, VirtualDisk} from '../virtual-disk.js'
import {VhdImage} from './vhd-image.js'

export class FixedVhdImage extends VhdImage {
  readonly type: VhdType = 'Fixed'
  readonly blockSize = 0
  readonly parentPath = null
  readonly parent: VirtualDisk | null = null

  allocatedBlocks(): Array<{virtualOffset: number; fileOffset: number}> {
    return []
  }

  protected readSectors(offset: number, into: Uint8Array): void {
    this.file.read(offset, into)
  }

  protected writeSectors(offset: number, data: Uint8Array): void {
    this.file.write(offset, data)
  }
}

/**
 * A sector bitmap block of a differencing image: 1 MiB, one bit per logical
 * sector of a chunk, bit 0 of byte 0 first. A set bit means the sector's data
 * is in this image; a clear one, that it comes from the parent.
 */
import {LOG_SECTOR_SIZE} from './layout.js'

export class SectorBitmap {
  constructor(readonly bytes: Uint8Array) {}

  has(sector: number): boolean {
    return ((this.bytes[sector >>> 3]! >>> (sector & 7)) & 1) === 1
  }

  /**
   * Set the bits of sectors [first, first + count). Returns the indexes of the
   * 4 KiB pieces of the bitmap that changed: those go through the log.
   */
  set(first: number, count: number): number[] {
    const changed = new Set<number>()
    for (let sector = first; sector < first + count; sector++) {
      const byte = sector >>> 3
      const mask = 1 << (sector & 7)
      if ((this.bytes[byte]! & mask) === 0) {
        this.bytes[byte]! |= mask
        changed.add(Math.floor(byte / LOG_SECTOR_SIZE))
      }
    }
    return [...changed].sort((a, b) => a - b)
  }

  /** How many sectors from `first` on (at most `limit`) share the bit of `first`. */
  run(first: number, limit: number): number {
    const bit = this.has(first)
    let length = 1
    while (length < limit && this.has(first + length) === bit) length++
    return length
  }

  /** A copy of 4 KiB piece `piece` of the bitmap. */
  piece(piece: number): Uint8Array {
    return this.bytes.slice(piece * LOG_SECTOR_SIZE, (piece + 1) * LOG_SECTOR_SIZE)
  }
}

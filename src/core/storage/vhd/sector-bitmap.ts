/**
 * The sector bitmap in front of each block's data: one bit per sector of the
 * block, the most significant bit of byte 0 for sector 0. A set bit means the
 * sector's data is in this image; a clear one that it reads as zeros
 * (dynamic) or from the parent (differencing). The bitmap is padded to a
 * whole sector, so a 2 MiB block's bitmap (4096 bits) takes one sector.
 *
 * The code reads and writes only the bytes of the bitmap a request touches:
 * a `BitmapSlice` is those bytes and the sector its first bit stands for.
 */
import {roundUp, SECTOR_SIZE} from './constants.js'

/** Bytes of bitmap in front of each block of `blockSize` bytes. */
export function bitmapSize(blockSize: number): number {
  return roundUp(Math.ceil(blockSize / SECTOR_SIZE / 8), SECTOR_SIZE)
}

export interface BitmapSlice {
  /** Bitmap bytes `firstByte` onwards. */
  bytes: Uint8Array
  /** Where those bytes are in the block's bitmap. */
  firstByte: number
}

/** Which bytes of the bitmap cover `count` sectors from `firstSector` (both in the block). */
export function bitmapBytesFor(firstSector: number, count: number): {firstByte: number; length: number} {
  const firstByte = Math.floor(firstSector / 8)
  const lastByte = Math.floor((firstSector + count - 1) / 8)
  return {firstByte, length: lastByte - firstByte + 1}
}

export function isSectorPresent(slice: BitmapSlice, sector: number): boolean {
  const byte = slice.bytes[Math.floor(sector / 8) - slice.firstByte]
  return (byte & (0x80 >> sector % 8)) !== 0
}

/** Set the bits of `count` sectors from `firstSector`; whether any bit changed. */
export function markSectorsPresent(slice: BitmapSlice, firstSector: number, count: number): boolean {
  let changed = false
  for (let sector = firstSector; sector < firstSector + count; sector++) {
    const index = Math.floor(sector / 8) - slice.firstByte
    const bit = 0x80 >> sector % 8
    if ((slice.bytes[index] & bit) === 0) {
      slice.bytes[index] |= bit
      changed = true
    }
  }
  return changed
}

/** Clear the bits of `count` sectors from `firstSector`; whether any bit changed. */
export function markSectorsAbsent(slice: BitmapSlice, firstSector: number, count: number): boolean {
  let changed = false
  for (let sector = firstSector; sector < firstSector + count; sector++) {
    const index = Math.floor(sector / 8) - slice.firstByte
    const bit = 0x80 >> sector % 8
    if ((slice.bytes[index] & bit) !== 0) {
      slice.bytes[index] &= ~bit
      changed = true
    }
  }
  return changed
}

export interface SectorRun {
  firstSector: number
  count: number
  present: boolean
}

/** Split `count` sectors from `firstSector` into the longest runs that are all present or all absent. */
export function sectorRuns(slice: BitmapSlice, firstSector: number, count: number): SectorRun[] {
  const runs: SectorRun[] = []
  let runStart = firstSector
  let runPresent = isSectorPresent(slice, firstSector)
  for (let sector = firstSector + 1; sector < firstSector + count; sector++) {
    const present = isSectorPresent(slice, sector)
    if (present !== runPresent) {
      runs.push({firstSector: runStart, count: sector - runStart, present: runPresent})
      runStart = sector
      runPresent = present
    }
  }
  runs.push({firstSector: runStart, count: firstSector + count - runStart, present: runPresent})
  return runs
}

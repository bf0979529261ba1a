/**
 * The cylinders/heads/sectors-per-track geometry the footer records, computed
 * from the virtual size by the algorithm in the specification's appendix
 * (the same one Virtual PC, Hyper-V and qemu use). The geometry rounds the
 * size down; ATA guests that size a disk by CHS see the smaller figure, which
 * is why hv (like Hyper-V) keeps the exact size in the footer's current size.
 */
import {SECTOR_SIZE} from './constants.js'

export interface DiskGeometry {
  cylinders: number
  heads: number
  sectorsPerTrack: number
}

/** The largest geometry the footer can hold: 65535 x 16 x 255 (127 GiB), for every size at or above it. */
const MAX_GEOMETRY_SECTORS = 65535 * 16 * 255

/** From this many sectors the algorithm switches to 255 sectors per track. */
const LARGE_DISK_SECTORS = 65535 * 16 * 63

export function geometryForSize(sizeBytes: number): DiskGeometry {
  const totalSectors = Math.min(Math.floor(sizeBytes / SECTOR_SIZE), MAX_GEOMETRY_SECTORS)

  if (totalSectors >= LARGE_DISK_SECTORS) {
    const cylinderTimesHeads = Math.floor(totalSectors / 255)
    return {cylinders: Math.floor(cylinderTimesHeads / 16), heads: 16, sectorsPerTrack: 255}
  }

  // Try 17, then 31, then 63 sectors per track, with the fewest heads (at
  // least 4) that keep the cylinder count under 1024, as the appendix does.
  let sectorsPerTrack = 17
  let cylinderTimesHeads = Math.floor(totalSectors / sectorsPerTrack)
  let heads = Math.max(Math.floor((cylinderTimesHeads + 1023) / 1024), 4)
  if (cylinderTimesHeads >= heads * 1024 || heads > 16) {
    sectorsPerTrack = 31
    heads = 16
    cylinderTimesHeads = Math.floor(totalSectors / sectorsPerTrack)
  }
  if (cylinderTimesHeads >= heads * 1024) {
    sectorsPerTrack = 63
    heads = 16
    cylinderTimesHeads = Math.floor(totalSectors / sectorsPerTrack)
  }
  return {cylinders: Math.floor(cylinderTimesHeads / heads), heads, sectorsPerTrack}
}

/** The bytes a geometry addresses. */
export function geometrySize(geometry: DiskGeometry): number {
  return geometry.cylinders * geometry.heads * geometry.sectorsPerTrack * SECTOR_SIZE
}

/**
 * Where the fixed parts of a VHDX file are, and the units the format counts
 * in. Everything else (log, metadata, BAT, blocks) is found through the
 * headers and the region table.
 *
 *   0 KiB    file type identifier ("vhdxfile", creator)
 *   64 KiB   header 1            128 KiB  header 2
 *   192 KiB  region table 1      256 KiB  region table 2
 *   1 MiB    end of the header section; objects after it are 1 MiB aligned
 */

export const KiB = 1024
export const MiB = 1024 * KiB

export const FILE_IDENTIFIER_OFFSET = 0
export const FILE_IDENTIFIER_SIZE = 64 * KiB

export const HEADER_OFFSETS = [64 * KiB, 128 * KiB] as const
export const HEADER_SIZE = 4 * KiB

export const REGION_TABLE_OFFSETS = [192 * KiB, 256 * KiB] as const
export const REGION_TABLE_SIZE = 64 * KiB

/** Nothing but the structures above lives below this offset. */
export const HEADER_SECTION_SIZE = MiB

/** Log entries, and the file sectors the log rewrites, are counted in 4 KiB units. */
export const LOG_SECTOR_SIZE = 4 * KiB

/** The unit of region offsets and lengths, BAT offsets and file growth. */
export const ALIGNMENT = MiB

export const MIN_BLOCK_SIZE = MiB
export const MAX_BLOCK_SIZE = 256 * MiB

/** The largest virtual disk the format allows: 64 TiB. */
export const MAX_VIRTUAL_SIZE = 64 * 1024 * 1024 * MiB

/** A sector bitmap block is 1 MiB, one bit per logical sector: this many sectors. */
export const SECTORS_PER_BITMAP_BLOCK = 8 * MiB
export const SECTOR_BITMAP_BLOCK_SIZE = MiB

export function alignUp(value: number, unit: number): number {
  return Math.ceil(value / unit) * unit
}

export function alignDown(value: number, unit: number): number {
  return Math.floor(value / unit) * unit
}

export function isPowerOfTwo(value: number): boolean {
  return Number.isInteger(value) && value > 0 && 2 ** Math.round(Math.log2(value)) === value
}

/**
 * Sizes and limits of the VHD format (Microsoft's "Virtual Hard Disk Image
 * Format Specification", version 1.0) that more than one part of this
 * library needs. Everything in a VHD file is big-endian.
 */

/** The format's only sector size: the unit of the BAT, the bitmaps and every read and write. */
export const SECTOR_SIZE = 512

/** The footer at the end of every image (and its copy at offset 0 of a dynamic or differencing one). */
export const FOOTER_SIZE = 512

/** Images made before Virtual PC 2004 end with a footer one byte shorter (its last reserved byte missing). */
export const LEGACY_FOOTER_SIZE = 511

/** The dynamic disk header of a dynamic or differencing image. */
export const DYNAMIC_HEADER_SIZE = 1024

/** The largest virtual size the specification allows (2040 GiB); hv refuses larger images. */
export const MAX_DISK_SIZE = 2040 * 1024 * 1024 * 1024

/** The block size Hyper-V gives dynamic and differencing VHDs. */
export const DEFAULT_BLOCK_SIZE = 2 * 1024 * 1024

/**
 * The block sizes hv creates: powers of two from 512 KiB (the smaller of the
 * two the specification says Virtual PC and Virtual Server were tested with)
 * to 256 MiB (VHDX's largest).
 * Images from other tools may use any power of two from one sector up.
 */
export const MIN_CREATE_BLOCK_SIZE = 512 * 1024
export const MAX_CREATE_BLOCK_SIZE = 256 * 1024 * 1024

/** Blocks of any size qemu and the specification allow: a power of two, at least one sector, and a u32. */
export const MIN_BLOCK_SIZE = SECTOR_SIZE
export const MAX_BLOCK_SIZE = 2 ** 31

/**
 * The most BAT entries hv reads into memory (64 MiB of table). With 512 KiB
 * blocks a 2040 GiB disk needs about four million, so only absurd block
 * sizes come near it; the cap keeps a damaged field from costing gigabytes.
 */
export const MAX_BAT_ENTRIES = 2 ** 24

/** A BAT entry for a block that has no space in the file. */
export const UNALLOCATED_BLOCK = 0xffffffff

/** The largest sector number a BAT entry can hold: a block must start below 2 TiB into the file. */
export const MAX_BLOCK_SECTOR = 0xfffffffe

/** How deep a chain of differencing images hv follows before calling it damaged. */
export const MAX_PARENT_CHAIN_DEPTH = 256

/** Round `value` up to a multiple of `unit` (a power of two or any positive integer). */
export function roundUp(value: number, unit: number): number {
  return Math.ceil(value / unit) * unit
}

/**
 * The checksum of the footer and of the dynamic disk header: the one's
 * complement of the sum of all the structure's bytes, its own four checksum
 * bytes counted as zero. A u32, stored big-endian in the structure.
 */
export function vhdChecksum(structure: Uint8Array, checksumOffset: number): number {
  let sum = 0
  for (let i = 0; i < structure.length; i++) {
    if (i >= checksumOffset && i < checksumOffset + 4) continue
    sum += structure[i]
  }
  // A 1024-byte structure sums to at most 261,120: no overflow before the complement.
  return ~sum >>> 0
}

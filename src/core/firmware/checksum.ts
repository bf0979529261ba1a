/**
 * The 8-bit checksum ACPI and SMBIOS share: the byte that makes all bytes of
 * a range sum to zero modulo 256. Firmware consumers (Linux's RSDP scan, its
 * table verifier, dmidecode) reject a table whose bytes do not sum to zero.
 */
export function byteSum(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let sum = 0
  for (let i = start; i < end; i++) sum = (sum + bytes[i]) & 0xff
  return sum
}

/** Store the checksum byte at `at` so that bytes[start, end) sums to zero. */
export function fillChecksum(bytes: Uint8Array, at: number, start = 0, end = bytes.length): void {
  bytes[at] = 0
  bytes[at] = (0x100 - byteSum(bytes, start, end)) & 0xff
}

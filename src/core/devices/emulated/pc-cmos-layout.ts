/**
 * Where a PC BIOS keeps its configuration in CMOS RAM (the IBM AT layout),
 * which the host fills in at power-on and guests read to size memory.
 */
export const CmosIndex = {
  ShutdownStatus: 0x0f,
  FloppyTypes: 0x10,
  HardDiskTypes: 0x12,
  Equipment: 0x14,
  BaseMemoryLow: 0x15,
  BaseMemoryHigh: 0x16,
  ExtendedMemoryLow: 0x17,
  ExtendedMemoryHigh: 0x18,
  ChecksumHigh: 0x2e,
  ChecksumLow: 0x2f,
  PostExtendedMemoryLow: 0x30,
  PostExtendedMemoryHigh: 0x31,
  Century: 0x32,
  /** Memory above 16 MiB in 64 KiB units (the convention BIOSes and QEMU share). */
  HighMemoryLow: 0x34,
  HighMemoryHigh: 0x35,
  /** Memory above 4 GiB in 64 KiB units, three bytes (the convention SeaBIOS and QEMU share). */
  MemoryAbove4GiBLow: 0x5b,
  MemoryAbove4GiBMid: 0x5c,
  MemoryAbove4GiBHigh: 0x5d,
} as const

/** The checksum at 0x2E-0x2F (big-endian) covers bytes 0x10-0x2D. */
export const CHECKSUM_FIRST = 0x10
export const CHECKSUM_LAST = 0x2d

/** Equipment byte bits. */
export const Equipment = {
  FloppyPresent: 0x01,
  MathCoprocessor: 0x02,
  /** Bits 4-5 = 00: a display adapter with its own BIOS (EGA/VGA). */
  DisplayEgaVga: 0x00,
} as const

export interface StandardCmosOptions {
  /** RAM from address 0 up, below the 32-bit MMIO gap (at most 0xF8000000). */
  memoryBytes: number
  mathCoprocessor?: boolean
}

const KIB = 1024
const MIB = 1024 * KIB

/** The bytes the host writes before the guest starts: memory sizes and equipment. */
export function standardCmosContents(options: StandardCmosOptions): Map<number, number> {
  const contents = new Map<number, number>()
  const put16 = (low: number, value: number) => {
    contents.set(low, value & 0xff)
    contents.set(low + 1, (value >> 8) & 0xff)
  }
  const baseKib = Math.min(640, Math.floor(options.memoryBytes / KIB))
  const extendedKib = Math.min(0xffff, Math.max(0, Math.floor((options.memoryBytes - MIB) / KIB)))
  const above16MibUnits = Math.min(0xffff, Math.max(0, Math.floor((options.memoryBytes - 16 * MIB) / (64 * KIB))))
  put16(CmosIndex.BaseMemoryLow, baseKib)
  put16(CmosIndex.ExtendedMemoryLow, extendedKib)
  put16(CmosIndex.PostExtendedMemoryLow, extendedKib)
  put16(CmosIndex.HighMemoryLow, above16MibUnits)
  // Nothing above 4 GiB: the processor's physical addresses are 32 bits wide, so a
  // BIOS reading these must not add RAM there (what a VM has beyond the gap is unbacked).
  contents.set(CmosIndex.MemoryAbove4GiBLow, 0)
  contents.set(CmosIndex.MemoryAbove4GiBMid, 0)
  contents.set(CmosIndex.MemoryAbove4GiBHigh, 0)
  contents.set(CmosIndex.FloppyTypes, 0)
  contents.set(CmosIndex.HardDiskTypes, 0)
  contents.set(CmosIndex.Equipment, Equipment.DisplayEgaVga | (options.mathCoprocessor ? Equipment.MathCoprocessor : 0))
  return contents
}

/** The 16-bit sum of bytes 0x10-0x2D of `ram`. */
export function cmosChecksum(ram: Uint8Array): number {
  let sum = 0
  for (let index = CHECKSUM_FIRST; index <= CHECKSUM_LAST; index++) sum += ram[index]!
  return sum & 0xffff
}

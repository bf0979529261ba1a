/**
 * The guest-physical memory map of a PC-compatible virtual machine.
 *
 *   0x00000000 - 0x0009FFFF  conventional memory (640 KiB), RAM
 *   0x000A0000 - 0x000BFFFF  legacy VGA frame buffer: a hole (MMIO), never RAM
 *   0x000C0000 - 0x000FFFFF  option-ROM and system BIOS area: RAM the OS must
 *                            leave alone; a firmware image replaces its top
 *   0x00100000 - RAM size    extended memory, RAM
 *   0xF8000000 - 0xFFFFFFFF  the 32-bit MMIO gap: I/O APIC (0xFEC00000), local
 *                            APIC (0xFEE00000), firmware ROM at the very top
 *
 * RAM is mapped 1:1: guest-physical address X below the gap is byte X of the
 * partition's RAM (so the 128 KiB behind the VGA hole are simply unused).
 *
 * The gap is Hyper-V's low memory-mapped I/O space (Set-VM -LowMemoryMappedIoSpace,
 * 128 MiB by default): the top of the space below 4 GiB, which holds every fixed PC
 * device address above and room for VMBus MMIO. A larger one moves its start down
 * and leaves the guest less RAM below it, as on Hyper-V.
 * A VM configured with more memory than fits below the gap would have the rest
 * above 4 GiB on Hyper-V; a 32-bit guest without PAE cannot address it (hv's
 * processor has 32-bit physical addresses), so that part is never backed: the
 * VM's memory is still its configured size, and the guest sees up to 3968 MiB.
 */
import type {GuestPhysicalAddressSpace} from '../../hypervisor/guest-memory.js'

export const KIB = 1024
export const MIB = 1024 * KIB
export const GIB = 1024 * MIB

const PAGE = 4096

/** End of conventional memory (640 KiB). */
export const CONVENTIONAL_END = 0xa0000
/** The legacy VGA window, left unmapped so that accesses become MMIO intercepts. */
export const VGA_HOLE_BASE = 0xa0000
export const VGA_HOLE_END = 0xc0000
/** Option ROMs and the system BIOS. */
export const BIOS_AREA_BASE = 0xc0000
export const BIOS_AREA_END = 0x100000
/** Where extended memory starts. */
export const EXTENDED_BASE = 0x100000
export const ADDRESS_SPACE_END = 0x1_0000_0000
/** Hyper-V's default low MMIO space, and so the default start of the 32-bit MMIO gap (0xF8000000). */
export const DEFAULT_LOW_MMIO_BYTES = 128 * MIB
/** The 32-bit MMIO gap of the default low MMIO space: from here to 4 GiB there is never RAM. */
export const MMIO_GAP_BASE = ADDRESS_SPACE_END - DEFAULT_LOW_MMIO_BYTES
/** The most RAM a guest can address with the default gap: everything below it (3968 MiB). */
export const MAX_RAM_BYTES = MMIO_GAP_BASE

/** Where the 32-bit MMIO gap starts for a low MMIO space of `lowMmioBytes`. */
export function mmioGapBase(lowMmioBytes: number = DEFAULT_LOW_MMIO_BYTES): number {
  return ADDRESS_SPACE_END - lowMmioBytes
}

/**
 * The RAM the partition backs for a VM configured with `configuredBytes`:
 * all of it, up to the MMIO gap. What lies beyond cannot be addressed.
 */
export function addressableRamBytes(configuredBytes: number, lowMmioBytes: number = DEFAULT_LOW_MMIO_BYTES): number {
  return Math.min(configuredBytes, mmioGapBase(lowMmioBytes))
}
/** The least: conventional memory and the BIOS area, all of the first MiB. */
export const MIN_RAM_BYTES = EXTENDED_BASE

export type MemoryRangeType = 'ram' | 'reserved' | 'mmio'

export interface MemoryRange {
  /** First guest-physical address. */
  base: number
  length: number
  /**
   * `ram`: usable RAM. `reserved`: backed (RAM or ROM) but not for the OS
   * (BIOS area, firmware image). `mmio`: nothing there; accesses are intercepts.
   */
  type: MemoryRangeType
  /** What the range is, for diagnostics and `get-` output. */
  name: string
}

export interface MemoryLayout {
  ramBytes: number
  /** Every described range, sorted by base, not overlapping. */
  ranges: MemoryRange[]
  /** KiB of memory from 0 (the multiboot mem_lower, the CMOS base memory). */
  lowerKiB: number
  /** KiB of contiguous RAM from 1 MiB (the multiboot mem_upper). */
  upperKiB: number
}

export interface LayoutOptions {
  /** Size of a firmware ROM image that will be mapped at the top of the first MiB and of 4 GiB. */
  firmwareBytes?: number
  /** The VM's low MMIO space (LowMemoryMappedIoSpace); the default is Hyper-V's 128 MiB. */
  lowMmioBytes?: number
}

/** Bytes of a firmware image that also appear just below 1 MiB (its last 128 KiB, or all of it). */
export const FIRMWARE_LOW_ALIAS_MAX = 128 * KIB

/** The memory map of a VM with `ramBytes` of RAM. Throws when the size cannot be laid out. */
export function describeMemoryLayout(ramBytes: number, options: LayoutOptions = {}): MemoryLayout {
  const gapBase = mmioGapBase(options.lowMmioBytes)
  checkRamSize(ramBytes, gapBase)
  const ranges: MemoryRange[] = [
    {base: 0, length: CONVENTIONAL_END, type: 'ram', name: 'conventional memory'},
    {base: VGA_HOLE_BASE, length: VGA_HOLE_END - VGA_HOLE_BASE, type: 'mmio', name: 'legacy VGA window'},
  ]
  const firmwareBytes = options.firmwareBytes ?? 0
  const lowAlias = Math.min(firmwareBytes, FIRMWARE_LOW_ALIAS_MAX)
  const romLow = BIOS_AREA_END - lowAlias
  if (romLow > BIOS_AREA_BASE) {
    ranges.push({base: BIOS_AREA_BASE, length: romLow - BIOS_AREA_BASE, type: 'reserved', name: 'option ROM and BIOS area'})
  }
  if (lowAlias > 0) ranges.push({base: romLow, length: lowAlias, type: 'reserved', name: 'firmware ROM (low alias)'})
  if (ramBytes > EXTENDED_BASE) {
    ranges.push({base: EXTENDED_BASE, length: ramBytes - EXTENDED_BASE, type: 'ram', name: 'extended memory'})
  }
  const romHigh = ADDRESS_SPACE_END - firmwareBytes
  ranges.push({base: gapBase, length: romHigh - gapBase, type: 'mmio', name: '32-bit MMIO gap'})
  if (firmwareBytes > 0) ranges.push({base: romHigh, length: firmwareBytes, type: 'reserved', name: 'firmware ROM'})
  return {
    ramBytes,
    ranges,
    lowerKiB: CONVENTIONAL_END / KIB,
    upperKiB: (ramBytes - EXTENDED_BASE) / KIB,
  }
}

function checkRamSize(ramBytes: number, gapBase: number): void {
  if (!Number.isSafeInteger(ramBytes) || ramBytes <= 0 || ramBytes % PAGE !== 0) {
    throw new Error(`VM memory size ${ramBytes} is not a positive whole number of 4 KiB pages`)
  }
  if (ramBytes < MIN_RAM_BYTES) {
    throw new Error(`VM memory size ${formatBytes(ramBytes)} is too small: a PC-compatible VM needs at least 1 MiB`)
  }
  if (ramBytes > gapBase) {
    throw new Error(
      `VM memory size ${formatBytes(ramBytes)} is too large: a 32-bit guest can use at most ${formatBytes(gapBase)} of RAM ` +
        `(everything above 0x${gapBase.toString(16).toUpperCase()} is the MMIO gap, and RAM above 4 GiB would need PAE)`,
    )
  }
}

/**
 * What the layout needs of an address space (the real one, or a recording stand-in
 * in tests where allocating gigabytes would be wasteful).
 */
export type LayoutTarget = Pick<GuestPhysicalAddressSpace, 'ramBytes' | 'mapRam' | 'unmap'>

/**
 * Lay out the partition's guest-physical space: map its RAM 1:1 below the gap and
 * leave the holes unmapped. The firmware mapping itself is the firmware loader's.
 */
export function applyMemoryLayout(memory: LayoutTarget, options: LayoutOptions = {}): MemoryLayout {
  const layout = describeMemoryLayout(memory.ramBytes, options)
  memory.mapRam(0, CONVENTIONAL_END)
  memory.unmap(VGA_HOLE_BASE, VGA_HOLE_END - VGA_HOLE_BASE)
  memory.mapRam(BIOS_AREA_BASE, BIOS_AREA_END - BIOS_AREA_BASE)
  if (layout.ramBytes > EXTENDED_BASE) memory.mapRam(EXTENDED_BASE, layout.ramBytes - EXTENDED_BASE)
  // Nothing above the RAM: a re-applied layout leaves no stale mapping behind.
  memory.unmap(layout.ramBytes, ADDRESS_SPACE_END - layout.ramBytes)
  return layout
}

/** The range containing `gpa`, if any. */
export function rangeAt(layout: MemoryLayout, gpa: number): MemoryRange | undefined {
  return layout.ranges.find((r) => gpa >= r.base && gpa < r.base + r.length)
}

/** True when [base, base+length) lies entirely inside one usable RAM range. */
export function isUsableRam(layout: MemoryLayout, base: number, length: number): boolean {
  return layout.ranges.some((r) => r.type === 'ram' && base >= r.base && base + length <= r.base + r.length)
}

/** The memory sizes a PC's CMOS reports (registers 0x15-0x18, 0x30-0x31, 0x34-0x35). */
export interface CmosMemorySizes {
  /** 0x15/0x16: base memory in KiB (640). */
  baseKiB: number
  /** 0x17/0x18 and 0x30/0x31: extended memory above 1 MiB in KiB, at most 0xFFFF. */
  extendedKiB: number
  /** 0x34/0x35: memory above 16 MiB in 64 KiB blocks, at most 0xFFFF. */
  above16MiB64KiBBlocks: number
}

export function cmosMemorySizes(layout: MemoryLayout): CmosMemorySizes {
  const above16 = Math.max(0, layout.ramBytes - 16 * MIB)
  return {
    baseKiB: layout.lowerKiB,
    extendedKiB: Math.min(layout.upperKiB, 0xffff),
    above16MiB64KiBBlocks: Math.min(Math.floor(above16 / (64 * KIB)), 0xffff),
  }
}

function formatBytes(bytes: number): string {
  if (bytes >= GIB && bytes % (GIB / 4) === 0) return `${bytes / GIB} GiB`
  if (bytes >= MIB && bytes % MIB === 0) return `${bytes / MIB} MiB`
  return `${bytes} bytes`
}

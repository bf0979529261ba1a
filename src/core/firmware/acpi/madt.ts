/**
 * The Multiple APIC Description Table, signature "APIC" (ACPI 6.x section
 * 5.2.12): where the local APICs and the I/O APIC are. Linux needs it on
 * 32-bit to enable the local APIC on a processor it would not otherwise trust
 * to have one, and Hyper-V enlightenments start only in APIC mode.
 */
import {ByteWriter} from '../byte-writer.js'
import {acpiTable} from './table-header.js'

export const MADT_REVISION = 3
export const LOCAL_APIC_ADDRESS = 0xfee00000
export const IO_APIC_ADDRESS = 0xfec00000

/** MADT flag: the machine also has dual 8259 PICs (which the OS must mask in APIC mode). */
export const MADT_FLAG_PCAT_COMPAT = 1 << 0

const ENTRY_LOCAL_APIC = 0
const ENTRY_IO_APIC = 1
const ENTRY_INTERRUPT_SOURCE_OVERRIDE = 2
const ENTRY_LOCAL_APIC_NMI = 4
const LOCAL_APIC_ENABLED = 1 << 0

/** MPS INTI flags: polarity in bits 1-0, trigger mode in bits 3-2; 0 means "as the bus does". */
export const INTI_CONFORMS = 0
export const INTI_ACTIVE_HIGH = 1 << 0
export const INTI_ACTIVE_LOW = 3 << 0
export const INTI_EDGE = 1 << 2
export const INTI_LEVEL = 3 << 2

/** The ACPI processor UID that means "every processor" in a local APIC NMI entry. */
const ALL_PROCESSORS = 0xff
const LINT1 = 1

export interface InterruptOverride {
  isaIrq: number
  gsi: number
  flags: number
}

export interface MadtConfig {
  generation: 1 | 2
  processorCount: number
  ioApicId: number
  overrides: readonly InterruptOverride[]
}

export function buildMadt(config: MadtConfig): Uint8Array {
  if (config.processorCount < 1 || config.processorCount > 255) {
    throw new RangeError(`processor count ${config.processorCount} is outside 1-255`)
  }
  const body = new ByteWriter()
    .u32(LOCAL_APIC_ADDRESS)
    .u32(config.generation === 1 ? MADT_FLAG_PCAT_COMPAT : 0)
  // Processor n has ACPI processor UID n and APIC ID n, the numbering the
  // hypervisor gives its virtual processors.
  for (let vp = 0; vp < config.processorCount; vp++) {
    body.u8(ENTRY_LOCAL_APIC).u8(8).u8(vp).u8(vp).u32(LOCAL_APIC_ENABLED)
  }
  // Both generations have an I/O APIC, as Hyper-V's do (Generation 1 beside its 8259 pair).
  // Linux leaves the 8259's LINT0 path masked once the MADT lists local APICs,
  // so without an I/O APIC no ISA interrupt (the COM ports') would reach it.
  body.u8(ENTRY_IO_APIC).u8(12).u8(config.ioApicId).u8(0).u32(IO_APIC_ADDRESS).u32(0)
  for (const override of config.overrides) {
    body.u8(ENTRY_INTERRUPT_SOURCE_OVERRIDE).u8(10).u8(0).u8(override.isaIrq).u32(override.gsi).u16(override.flags)
  }
  // LINT1 carries NMI on every processor, as on PCs.
  body.u8(ENTRY_LOCAL_APIC_NMI).u8(6).u8(ALL_PROCESSORS).u16(INTI_CONFORMS).u8(LINT1)
  return acpiTable('APIC', MADT_REVISION, body.toBytes())
}

/**
 * Lays out a VM's whole ACPI table set as one contiguous block for a known
 * guest-physical address: RSDP first (so a block placed in the BIOS area at a
 * 16-byte boundary is found by the legacy scan), then FACS, DSDT, FADT, MADT,
 * RSDT and XSDT. Pointers between tables are absolute guest-physical
 * addresses, so the block is only valid at the address it was built for.
 */
import {buildDsdt} from './dsdt.js'
import {buildFacs, FACS_ALIGNMENT} from './facs.js'
import {buildFadt, FADT_LENGTH, SCI_IRQ} from './fadt.js'
import {buildMadt, INTI_ACTIVE_HIGH, INTI_EDGE, INTI_LEVEL, type InterruptOverride} from './madt.js'
import {buildRsdp, RSDP_ALIGNMENT, RSDP_LENGTH} from './rsdp.js'
import {buildRsdt, buildXsdt} from './rsdt.js'

/** The block goes into one 64 KiB BIOS-area segment. */
export const ACPI_TABLES_MAX_BYTES = 0x10000
const TABLE_ALIGNMENT = 16

/**
 * The VMBus MMIO window when nothing else claims the top of the 32-bit space:
 * 0xF8000000 up to the I/O APIC page at 0xFEC00000.
 */
export const DEFAULT_VMBUS_MMIO = {base: 0xf8000000, length: 0xfec00000 - 0xf8000000} as const
/** The ISA IRQ Hyper-V gives the VMBus device. */
export const DEFAULT_VMBUS_IRQ = 5

export interface AcpiTablesConfig {
  generation: 1 | 2
  processorCount: number
  vmbusMmio: {base: number; length: number}
  vmbusIrq: number
  /**
   * The I/O APIC input the PIT's IRQ0 arrives on. PCs (hv's Generation 1)
   * wire it to pin 2 and say so with an override; pass 0 for a board that maps
   * IRQ0 to pin 0 (no override is written then). Defaults to 0, Generation 2's
   * one-to-one wiring.
   */
  timerGsi?: number
}

export interface AcpiTables {
  bytes: Uint8Array
  rsdpAddress: number
}

/** Where each table lands, as offsets into the block. */
class BlockLayout {
  private readonly parts: {offset: number; bytes: Uint8Array}[] = []
  private end = 0

  constructor(private readonly base: number) {}

  /** Reserve room at the next address aligned to `alignment` (in guest-physical terms); returns the address. */
  reserve(length: number, alignment: number): number {
    const address = alignUp(this.base + this.end, alignment)
    this.end = address - this.base + length
    return address
  }

  place(bytes: Uint8Array, alignment: number): number {
    const address = this.reserve(bytes.length, alignment)
    this.fill(address, bytes)
    return address
  }

  fill(address: number, bytes: Uint8Array): void {
    this.parts.push({offset: address - this.base, bytes})
  }

  toBytes(): Uint8Array {
    const out = new Uint8Array(alignUp(this.end, TABLE_ALIGNMENT))
    for (const part of this.parts) out.set(part.bytes, part.offset)
    return out
  }
}

function alignUp(value: number, alignment: number): number {
  return Math.ceil(value / alignment) * alignment
}

export function buildAcpiTables(config: AcpiTablesConfig, at: number): AcpiTables {
  if (!Number.isInteger(at) || at % RSDP_ALIGNMENT !== 0 || at < 0 || at > 0xffffffff) {
    throw new RangeError(`ACPI tables must start on a 16-byte boundary below 4 GiB (got ${at})`)
  }
  const timerGsi = config.timerGsi ?? 0
  const overrides: InterruptOverride[] = []
  if (timerGsi !== 0) overrides.push({isaIrq: 0, gsi: timerGsi, flags: INTI_ACTIVE_HIGH | INTI_EDGE})
  overrides.push({isaIrq: SCI_IRQ, gsi: SCI_IRQ, flags: INTI_ACTIVE_HIGH | INTI_LEVEL})

  const layout = new BlockLayout(at)
  const rsdpAddress = layout.reserve(RSDP_LENGTH, RSDP_ALIGNMENT)
  const facsAddress = layout.place(buildFacs(), FACS_ALIGNMENT)
  const dsdtAddress = layout.place(
    buildDsdt({vmbusMmio: config.vmbusMmio, vmbusIrq: config.vmbusIrq, generation: config.generation}),
    TABLE_ALIGNMENT,
  )
  const fadt = buildFadt({generation: config.generation, facsAddress, dsdtAddress})
  if (fadt.length !== FADT_LENGTH) throw new Error(`FADT is ${fadt.length} bytes, expected ${FADT_LENGTH}`)
  const fadtAddress = layout.place(fadt, TABLE_ALIGNMENT)
  // The I/O APIC takes the first ID after the processors' local APIC IDs.
  const madt = buildMadt({
    generation: config.generation,
    processorCount: config.processorCount,
    ioApicId: config.processorCount,
    overrides,
  })
  const madtAddress = layout.place(madt, TABLE_ALIGNMENT)
  const rootEntries = [fadtAddress, madtAddress]
  const rsdtAddress = layout.place(buildRsdt(rootEntries), TABLE_ALIGNMENT)
  const xsdtAddress = layout.place(buildXsdt(rootEntries), TABLE_ALIGNMENT)
  layout.fill(rsdpAddress, buildRsdp(rsdtAddress, xsdtAddress))

  const bytes = layout.toBytes()
  if (bytes.length > ACPI_TABLES_MAX_BYTES) {
    throw new RangeError(`ACPI tables take ${bytes.length} bytes, more than the ${ACPI_TABLES_MAX_BYTES} available`)
  }
  return {bytes, rsdpAddress}
}

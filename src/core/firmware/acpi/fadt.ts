/**
 * The Fixed ACPI Description Table, signature "FACP" (ACPI 6.x section 5.2.9),
 * in the revision 3 layout (244 bytes, ACPI 2.0/3.0): the 32-bit block
 * addresses every kernel reads plus the X_ Generic Address fields that
 * ACPICA prefers when they are present. Both forms name the same registers.
 *
 * The register blocks are the ones power-management.ts decodes, and on
 * Generation 1 the ones the PIIX4 power-management function's PMBA reports
 * (its 64-byte block at 0x600): PM1a event at 0x600 (status + enable, 2
 * bytes each), PM1a control at 0x604 and the 24-bit PM timer at 0x608. There is no SMI command port: SMI_CMD is zero,
 * which tells the OS the machine is already in ACPI mode (SCI_EN reads set),
 * so it never tries to switch modes.
 */
import {ByteWriter} from '../byte-writer.js'
import {AccessSize, ioRegister, writeGenericAddress} from './generic-address.js'
import {acpiTable} from './table-header.js'

export const FADT_REVISION = 3
export const FADT_LENGTH = 244

export const PM1A_EVENT_BLOCK = 0x600
export const PM1_EVENT_LENGTH = 4
export const PM1A_CONTROL_BLOCK = 0x604
export const PM1_CONTROL_LENGTH = 2
export const PM_TIMER_BLOCK = 0x608
export const PM_TIMER_LENGTH = 4
export const SCI_IRQ = 9
/** CMOS index of the century byte (pc-cmos-layout.ts keeps it at 0x32, as PCs do). */
export const RTC_CENTURY_INDEX = 0x32

/** FADT feature flags. */
export const FADT_FLAG_WBINVD = 1 << 0
export const FADT_FLAG_PROC_C1 = 1 << 2
/** Set when there is no fixed power button; left clear, the PM1 power-button bits are the button. */
export const FADT_FLAG_PWR_BUTTON = 1 << 4
/** Set when there is no fixed sleep button: there is none. */
export const FADT_FLAG_SLP_BUTTON = 1 << 5

/** IA-PC boot architecture flags. */
export const BOOT_ARCH_LEGACY_DEVICES = 1 << 0
export const BOOT_ARCH_8042 = 1 << 1
export const BOOT_ARCH_NO_VGA = 1 << 2

/** Latencies above these limits mean "C2/C3 not supported". */
const C2_UNSUPPORTED_LATENCY = 101
const C3_UNSUPPORTED_LATENCY = 1001

export interface FadtConfig {
  generation: 1 | 2
  facsAddress: number
  dsdtAddress: number
}

export function buildFadt(config: FadtConfig): Uint8Array {
  const pm1Event = ioRegister(PM1A_EVENT_BLOCK, PM1_EVENT_LENGTH, AccessSize.Word)
  const pm1Control = ioRegister(PM1A_CONTROL_BLOCK, PM1_CONTROL_LENGTH, AccessSize.Word)
  const pmTimer = ioRegister(PM_TIMER_BLOCK, PM_TIMER_LENGTH, AccessSize.DWord)
  // Generation 1 is a PC with ISA devices and an 8042; Generation 2 claims neither.
  const bootArch = config.generation === 1 ? BOOT_ARCH_LEGACY_DEVICES | BOOT_ARCH_8042 : 0
  const body = new ByteWriter()
    .u32(config.facsAddress)
    .u32(config.dsdtAddress)
    .u8(0) // reserved (ACPI 1.0 INT_MODEL)
    .u8(0) // preferred PM profile: unspecified
    .u16(SCI_IRQ)
    .u32(0) // SMI_CMD: none, always in ACPI mode
    .u8(0) // ACPI_ENABLE
    .u8(0) // ACPI_DISABLE
    .u8(0) // S4BIOS_REQ
    .u8(0) // PSTATE_CNT
    .u32(PM1A_EVENT_BLOCK)
    .u32(0) // PM1b event
    .u32(PM1A_CONTROL_BLOCK)
    .u32(0) // PM1b control
    .u32(0) // PM2 control
    .u32(PM_TIMER_BLOCK)
    .u32(0) // GPE0: no general-purpose events
    .u32(0) // GPE1
    .u8(PM1_EVENT_LENGTH)
    .u8(PM1_CONTROL_LENGTH)
    .u8(0) // PM2 control length
    .u8(PM_TIMER_LENGTH)
    .u8(0) // GPE0 length
    .u8(0) // GPE1 length
    .u8(0) // GPE1 base
    .u8(0) // CST_CNT: no _CST support
    .u16(C2_UNSUPPORTED_LATENCY)
    .u16(C3_UNSUPPORTED_LATENCY)
    .u16(0) // flush size (only for caches that WBINVD does not flush)
    .u16(0) // flush stride
    .u8(0) // duty offset: no throttling
    .u8(0) // duty width
    .u8(0) // RTC day alarm: none
    .u8(0) // RTC month alarm: none
    .u8(RTC_CENTURY_INDEX)
    .u16(bootArch)
    .u8(0) // reserved
    .u32(FADT_FLAG_WBINVD | FADT_FLAG_PROC_C1 | FADT_FLAG_SLP_BUTTON)
  writeGenericAddress(body, null) // RESET_REG: not offered (flag RESET_REG_SUP clear)
  body
    .u8(0) // reset value
    .zeros(3) // reserved
    .u64(config.facsAddress) // X_FIRMWARE_CTRL: same table, so ACPICA sees no conflict
    .u64(config.dsdtAddress) // X_DSDT
  writeGenericAddress(body, pm1Event)
  writeGenericAddress(body, null) // X_PM1b event
  writeGenericAddress(body, pm1Control)
  writeGenericAddress(body, null) // X_PM1b control
  writeGenericAddress(body, null) // X_PM2 control
  writeGenericAddress(body, pmTimer)
  writeGenericAddress(body, null) // X_GPE0
  writeGenericAddress(body, null) // X_GPE1
  return acpiTable('FACP', FADT_REVISION, body.toBytes())
}

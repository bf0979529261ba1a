/**
 * The structures that name the machine (SMBIOS 2.8 types 0-3): BIOS, system,
 * baseboard and chassis, with the strings Hyper-V reports, so that software
 * detecting "Microsoft Corporation" / "Virtual Machine" treats the guest as a
 * Hyper-V VM.
 */
import {smbiosUuidBytes} from './uuid.js'
import {StructureWriter} from './structure-writer.js'

export const MANUFACTURER = 'Microsoft Corporation'
export const PRODUCT = 'Virtual Machine'
export const BIOS_RELEASE_DATE = '12/07/2018'

export const TYPE_BIOS = 0
export const TYPE_SYSTEM = 1
export const TYPE_BASEBOARD = 2
export const TYPE_CHASSIS = 3

/** BIOS characteristics (qword at 0x0A). */
const BIOS_ISA = 1n << 4n
const BIOS_PCI = 1n << 7n
const BIOS_BOOT_FROM_CD = 1n << 15n
const BIOS_SELECTABLE_BOOT = 1n << 16n
/** Extension byte 1 / 2. */
const BIOS_EXT1_ACPI = 1 << 0
const BIOS_EXT2_BOOT_SPEC = 1 << 0
const BIOS_EXT2_UEFI = 1 << 3
const BIOS_EXT2_VIRTUAL_MACHINE = 1 << 4

const WAKE_UP_POWER_SWITCH = 6
const BOARD_HOSTING = 1 << 0
const BOARD_TYPE_MOTHERBOARD = 0x0a
const CHASSIS_DESKTOP = 3
const STATE_SAFE = 3
const SECURITY_NONE = 3

export interface PlatformIdentity {
  generation: 1 | 2
  biosGuid: string
  serialNumber: string
}

/** The firmware version string: Hyper-V's UEFI release for Generation 2, its BIOS build for Generation 1. */
export function biosVersion(generation: 1 | 2): string {
  return generation === 2 ? 'Hyper-V UEFI Release v4.1' : '090008'
}

/** The system, board and chassis version: the UEFI release string, or the VM configuration version on Generation 1. */
export function systemVersion(generation: 1 | 2): string {
  return generation === 2 ? 'Hyper-V UEFI Release v4.1' : '7.0'
}

export function biosInformation(handle: number, generation: 1 | 2): Uint8Array {
  const legacy = generation === 1
  const characteristics = (legacy ? BIOS_ISA : 0n) | BIOS_PCI | BIOS_BOOT_FROM_CD | BIOS_SELECTABLE_BOOT
  const extension2 = BIOS_EXT2_VIRTUAL_MACHINE | (legacy ? BIOS_EXT2_BOOT_SPEC : BIOS_EXT2_UEFI)
  const s = new StructureWriter(TYPE_BIOS, handle)
  s.string(MANUFACTURER).string(biosVersion(generation))
  // A legacy BIOS occupies the top 64 KiB below 1 MiB; UEFI has no real-mode segment (0).
  s.formatted.u16(legacy ? 0xf000 : 0)
  s.string(BIOS_RELEASE_DATE)
  s.formatted
    .u8(legacy ? 0 : 15) // ROM size in 64 KiB units minus one: 64 KiB, or 1 MiB of UEFI flash
    .u64(characteristics)
    .u8(BIOS_EXT1_ACPI)
    .u8(extension2)
    .u8(legacy ? 0xff : 4) // system BIOS major release (0xFF: not given)
    .u8(legacy ? 0xff : 1) // minor release
    .u8(0xff) // embedded controller firmware: none
    .u8(0xff)
  return s.toBytes()
}

export function systemInformation(handle: number, identity: PlatformIdentity): Uint8Array {
  const s = new StructureWriter(TYPE_SYSTEM, handle)
  s.string(MANUFACTURER).string(PRODUCT).string(systemVersion(identity.generation)).string(identity.serialNumber)
  s.formatted.bytes(smbiosUuidBytes(identity.biosGuid)).u8(WAKE_UP_POWER_SWITCH)
  s.string('') // SKU number
  s.string(PRODUCT) // family
  return s.toBytes()
}

export function baseboardInformation(handle: number, chassisHandle: number, identity: PlatformIdentity): Uint8Array {
  const s = new StructureWriter(TYPE_BASEBOARD, handle)
  s.string(MANUFACTURER).string(PRODUCT).string(systemVersion(identity.generation)).string(identity.serialNumber)
  s.string('') // asset tag
  s.formatted.u8(BOARD_HOSTING)
  s.string('') // location in chassis
  s.formatted.u16(chassisHandle).u8(BOARD_TYPE_MOTHERBOARD).u8(0) // no contained object handles
  return s.toBytes()
}

export function chassisInformation(handle: number, identity: PlatformIdentity): Uint8Array {
  const s = new StructureWriter(TYPE_CHASSIS, handle)
  s.string(MANUFACTURER)
  s.formatted.u8(CHASSIS_DESKTOP)
  s.string(systemVersion(identity.generation)).string(identity.serialNumber)
  s.string('') // asset tag
  s.formatted
    .u8(STATE_SAFE) // boot-up state
    .u8(STATE_SAFE) // power supply state
    .u8(STATE_SAFE) // thermal state
    .u8(SECURITY_NONE)
    .u32(0) // OEM-defined
    .u8(0) // height: unspecified
    .u8(0) // power cords: unspecified
    .u8(0) // contained element count
    .u8(0) // contained element record length
  s.string('') // SKU number
  return s.toBytes()
}

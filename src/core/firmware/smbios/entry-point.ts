/**
 * The SMBIOS 2.x entry point (SMBIOS 3.x section 5.2.1): 31 bytes with the
 * "_SM_" anchor, its checksum over the whole structure, and the legacy
 * "_DMI_" intermediate part with its own checksum over bytes 0x10-0x1E. An OS
 * finds it by scanning 0xF0000-0xFFFFF on 16-byte boundaries.
 */
import {ByteWriter} from '../byte-writer.js'
import {fillChecksum} from '../checksum.js'

export const ENTRY_POINT_LENGTH = 0x1f
export const ENTRY_POINT_ALIGNMENT = 16
export const SMBIOS_MAJOR = 2
export const SMBIOS_MINOR = 8
const CHECKSUM_OFFSET = 0x04
const INTERMEDIATE_OFFSET = 0x10
const INTERMEDIATE_CHECKSUM_OFFSET = 0x15

export interface EntryPointFields {
  maxStructureSize: number
  tableLength: number
  tableAddress: number
  structureCount: number
}

export function buildEntryPoint(fields: EntryPointFields): Uint8Array {
  const bytes = new ByteWriter()
    .fixedAscii('_SM_', 4)
    .u8(0) // checksum
    .u8(ENTRY_POINT_LENGTH)
    .u8(SMBIOS_MAJOR)
    .u8(SMBIOS_MINOR)
    .u16(fields.maxStructureSize)
    .u8(0) // entry point revision 0: the formatted area is reserved
    .zeros(5)
    .fixedAscii('_DMI_', 5)
    .u8(0) // intermediate checksum
    .u16(fields.tableLength)
    .u32(fields.tableAddress)
    .u16(fields.structureCount)
    .u8((SMBIOS_MAJOR << 4) | SMBIOS_MINOR) // BCD revision
    .toBytes()
  fillChecksum(bytes, INTERMEDIATE_CHECKSUM_OFFSET, INTERMEDIATE_OFFSET, ENTRY_POINT_LENGTH)
  fillChecksum(bytes, CHECKSUM_OFFSET, 0, ENTRY_POINT_LENGTH)
  return bytes
}

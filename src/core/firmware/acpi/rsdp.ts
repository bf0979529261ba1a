/**
 * The Root System Description Pointer (ACPI 6.x section 5.2.5), revision 2:
 * the 20-byte ACPI 1.0 part (signature, checksum, OEM ID, RSDT address) and
 * the extension with length, XSDT address and an extended checksum over all
 * 36 bytes. Legacy-BIOS kernels find it by scanning 0xE0000-0xFFFFF on
 * 16-byte boundaries for "RSD PTR ".
 */
import {ByteWriter} from '../byte-writer.js'
import {fillChecksum} from '../checksum.js'
import {OEM_ID} from './table-header.js'

export const RSDP_SIGNATURE = 'RSD PTR '
export const RSDP_V1_LENGTH = 20
export const RSDP_LENGTH = 36
export const RSDP_ALIGNMENT = 16
const RSDP_REVISION = 2
const CHECKSUM_OFFSET = 8
const EXTENDED_CHECKSUM_OFFSET = 32

export function buildRsdp(rsdtAddress: number, xsdtAddress: number): Uint8Array {
  const rsdp = new ByteWriter()
    .fixedAscii(RSDP_SIGNATURE, 8)
    .u8(0) // checksum of the first 20 bytes
    .fixedAscii(OEM_ID, 6)
    .u8(RSDP_REVISION)
    .u32(rsdtAddress)
    .u32(RSDP_LENGTH)
    .u64(xsdtAddress)
    .u8(0) // extended checksum
    .zeros(3)
    .toBytes()
  fillChecksum(rsdp, CHECKSUM_OFFSET, 0, RSDP_V1_LENGTH)
  fillChecksum(rsdp, EXTENDED_CHECKSUM_OFFSET, 0, RSDP_LENGTH)
  return rsdp
}

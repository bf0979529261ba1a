/**
 * The 36-byte header every ACPI system description table except the FACS
 * starts with (ACPI 6.x section 5.2.6). The OEM fields say what Hyper-V's own
 * tables say, so a guest that looks for Hyper-V there finds it.
 */
import {ByteWriter} from '../byte-writer.js'
import {fillChecksum} from '../checksum.js'

export const TABLE_HEADER_LENGTH = 36
export const OEM_ID = 'VRTUAL'
export const OEM_TABLE_ID = 'MICROSFT'
export const OEM_REVISION = 1
export const CREATOR_ID = 'MSFT'
export const CREATOR_REVISION = 0x01000013

const LENGTH_OFFSET = 4
const CHECKSUM_OFFSET = 9

/**
 * A whole table: the header followed by `body` (already encoded), with the
 * length and checksum filled in over the result.
 */
export function acpiTable(signature: string, revision: number, body: Uint8Array): Uint8Array {
  const writer = new ByteWriter()
    .fixedAscii(signature, 4)
    .u32(0) // length, patched below
    .u8(revision)
    .u8(0) // checksum, filled below
    .fixedAscii(OEM_ID, 6)
    .fixedAscii(OEM_TABLE_ID, 8)
    .u32(OEM_REVISION)
    .fixedAscii(CREATOR_ID, 4)
    .u32(CREATOR_REVISION)
    .bytes(body)
  writer.patchU32(LENGTH_OFFSET, writer.length)
  const table = writer.toBytes()
  fillChecksum(table, CHECKSUM_OFFSET)
  return table
}

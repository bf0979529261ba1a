/**
 * System boot information (type 32) and the end-of-table marker (type 127).
 */
import {StructureWriter} from './structure-writer.js'

export const TYPE_BOOT_INFORMATION = 32
export const TYPE_END_OF_TABLE = 127
const BOOT_STATUS_NO_ERRORS = 0

export function bootInformation(handle: number): Uint8Array {
  const s = new StructureWriter(TYPE_BOOT_INFORMATION, handle)
  s.formatted.zeros(6).u8(BOOT_STATUS_NO_ERRORS)
  return s.toBytes()
}

export function endOfTable(handle: number): Uint8Array {
  return new StructureWriter(TYPE_END_OF_TABLE, handle).toBytes()
}

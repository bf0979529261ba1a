/**
 * The Generic Address Structure (ACPI 6.x section 5.2.3.2): 12 bytes naming a
 * register by address space, width and address. The FADT's X_ fields use it.
 */
import type {ByteWriter} from '../byte-writer.js'

export const GAS_LENGTH = 12
export const ADDRESS_SPACE_SYSTEM_IO = 1

/** How the register is accessed (ACPI 3.0 and later; 0 means "as wide as the register"). */
export const AccessSize = {Undefined: 0, Byte: 1, Word: 2, DWord: 3} as const
export type AccessSize = (typeof AccessSize)[keyof typeof AccessSize]

export interface GenericAddress {
  spaceId: number
  bitWidth: number
  bitOffset?: number
  accessSize: AccessSize
  address: number | bigint
}

/** A register block in I/O space, or the all-zero "not present" address when `port` is 0. */
export function ioRegister(port: number, byteLength: number, accessSize: AccessSize): GenericAddress | null {
  if (port === 0 || byteLength === 0) return null
  return {spaceId: ADDRESS_SPACE_SYSTEM_IO, bitWidth: byteLength * 8, accessSize, address: port}
}

export function writeGenericAddress(writer: ByteWriter, address: GenericAddress | null): void {
  if (address === null) {
    writer.zeros(GAS_LENGTH)
    return
  }
  writer.u8(address.spaceId).u8(address.bitWidth).u8(address.bitOffset ?? 0).u8(address.accessSize).u64(address.address)
}

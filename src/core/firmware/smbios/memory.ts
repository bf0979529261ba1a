/**
 * The VM's RAM as SMBIOS 2.8 describes memory: one physical memory array
 * (type 16) holding one memory device (type 17) of the configured size.
 */
import {StructureWriter} from './structure-writer.js'
import {MANUFACTURER} from './platform.js'

export const TYPE_MEMORY_ARRAY = 16
export const TYPE_MEMORY_DEVICE = 17

const LOCATION_SYSTEM_BOARD = 3
const USE_SYSTEM_MEMORY = 3
const ERROR_CORRECTION_NONE = 3
const NO_ERROR_INFORMATION = 0xfffe
const USE_EXTENDED_CAPACITY = 0x80000000
const USE_EXTENDED_SIZE = 0x7fff
const SIZE_IN_KIB = 0x8000
const WIDTH_UNKNOWN = 0xffff
const FORM_FACTOR_UNKNOWN = 0x02
const MEMORY_TYPE_OTHER = 0x01
const TYPE_DETAIL_UNKNOWN = 1 << 2

const KIB = 1024
const MIB = 1024 * KIB

export function memoryArray(handle: number, memoryBytes: number): Uint8Array {
  const kib = Math.ceil(memoryBytes / KIB)
  const extended = kib >= USE_EXTENDED_CAPACITY
  const s = new StructureWriter(TYPE_MEMORY_ARRAY, handle)
  s.formatted
    .u8(LOCATION_SYSTEM_BOARD)
    .u8(USE_SYSTEM_MEMORY)
    .u8(ERROR_CORRECTION_NONE)
    .u32(extended ? USE_EXTENDED_CAPACITY : kib) // maximum capacity in KiB
    .u16(NO_ERROR_INFORMATION)
    .u16(1) // number of memory devices
    .u64(extended ? memoryBytes : 0) // extended maximum capacity in bytes
  return s.toBytes()
}

/**
 * The size field counts MiB (bit 15 clear) or KiB (bit 15 set, for sizes
 * below 32 MiB that are not whole MiB); 0x7FFF defers to the extended size.
 */
function sizeFields(memoryBytes: number): {size: number; extendedMib: number} {
  if (memoryBytes % MIB !== 0 && memoryBytes < 0x7fff * KIB) return {size: SIZE_IN_KIB | Math.ceil(memoryBytes / KIB), extendedMib: 0}
  const mib = Math.ceil(memoryBytes / MIB)
  return mib < USE_EXTENDED_SIZE ? {size: mib, extendedMib: 0} : {size: USE_EXTENDED_SIZE, extendedMib: mib}
}

export function memoryDevice(handle: number, arrayHandle: number, memoryBytes: number): Uint8Array {
  const {size, extendedMib} = sizeFields(memoryBytes)
  const s = new StructureWriter(TYPE_MEMORY_DEVICE, handle)
  s.formatted
    .u16(arrayHandle)
    .u16(NO_ERROR_INFORMATION)
    .u16(WIDTH_UNKNOWN) // total width
    .u16(WIDTH_UNKNOWN) // data width
    .u16(size)
    .u8(FORM_FACTOR_UNKNOWN)
    .u8(0) // not part of a device set
  s.string('M0001') // device locator
  s.string('BANK 0') // bank locator
  s.formatted.u8(MEMORY_TYPE_OTHER).u16(TYPE_DETAIL_UNKNOWN).u16(0) // speed: unknown
  s.string(MANUFACTURER)
  s.string('') // serial number
  s.string('') // asset tag
  s.string('') // part number
  s.formatted
    .u8(0) // attributes: rank unknown
    .u32(extendedMib)
    .u16(0) // configured speed: unknown
    .u16(0) // minimum voltage
    .u16(0) // maximum voltage
    .u16(0) // configured voltage
  return s.toBytes()
}

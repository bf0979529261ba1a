/**
 * Processor information (SMBIOS 2.8 type 4), one per virtual processor: each
 * VP is a single-core, single-thread socket, as Hyper-V presents them.
 */
import {StructureWriter} from './structure-writer.js'

export const TYPE_PROCESSOR = 4
const PROCESSOR_TYPE_CENTRAL = 3
const FAMILY_UNKNOWN = 0x02
const STATUS_POPULATED_ENABLED = 0x41
const UPGRADE_OTHER = 0x01
const NO_CACHE_INFORMATION = 0xffff
const CHARACTERISTIC_UNKNOWN = 1 << 1

/** What CPUID leaf 1 reports, copied into the Processor ID field (EAX then EDX). */
export interface ProcessorId {
  signature: number
  features: number
}

export function processorInformation(handle: number, index: number, id: ProcessorId, manufacturer: string): Uint8Array {
  const s = new StructureWriter(TYPE_PROCESSOR, handle)
  s.string(`CPU ${index}`)
  s.formatted.u8(PROCESSOR_TYPE_CENTRAL).u8(FAMILY_UNKNOWN)
  s.string(manufacturer)
  s.formatted.u32(id.signature).u32(id.features)
  s.string('') // version
  s.formatted
    .u8(0) // voltage: unknown
    .u16(0) // external clock: unknown
    .u16(0) // max speed: unknown
    .u16(0) // current speed: unknown
    .u8(STATUS_POPULATED_ENABLED)
    .u8(UPGRADE_OTHER)
    .u16(NO_CACHE_INFORMATION) // L1
    .u16(NO_CACHE_INFORMATION) // L2
    .u16(NO_CACHE_INFORMATION) // L3
  s.string('') // serial number
  s.string('') // asset tag
  s.string('') // part number
  s.formatted
    .u8(1) // core count
    .u8(1) // cores enabled
    .u8(1) // thread count
    .u16(CHARACTERISTIC_UNKNOWN)
    .u16(FAMILY_UNKNOWN) // processor family 2
  return s.toBytes()
}

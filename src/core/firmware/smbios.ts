/**
 * A VM's SMBIOS tables: the 2.x entry point followed, 32 bytes later, by the
 * structure table, as one block for a known guest-physical address (the
 * entry point holds the table's absolute address). Handles are numbered in
 * table order from 0.
 */
import {bootInformation, endOfTable} from './smbios/boot.js'
import {buildEntryPoint, ENTRY_POINT_ALIGNMENT} from './smbios/entry-point.js'
import {memoryArray, memoryDevice} from './smbios/memory.js'
import {baseboardInformation, biosInformation, chassisInformation, systemInformation} from './smbios/platform.js'
import {type ProcessorId, processorInformation} from './smbios/processor.js'

/** The entry point is padded to this size so the table that follows stays aligned. */
const TABLE_OFFSET = 0x20
/** The processor vendor CPUID reports on hv (src/core/cpu/cpuid.ts). */
const DEFAULT_PROCESSOR_MANUFACTURER = 'GenuineIntel'

export interface SmbiosConfig {
  generation: 1 | 2
  processorCount: number
  memoryBytes: number
  /** The VM's BIOS GUID, e.g. "5e0cbd3b-7a59-4f2b-8b1b-3a1d0e6c2f10" (braces allowed). */
  biosGuid: string
  serialNumber: string
  /** CPUID leaf 1 EAX/EDX for the Processor ID field; zeros when not given. */
  processorId?: ProcessorId
}

export interface SmbiosTables {
  bytes: Uint8Array
  entryPointAddress: number
}

export function buildSmbiosTables(config: SmbiosConfig, at: number): SmbiosTables {
  if (!Number.isInteger(at) || at % ENTRY_POINT_ALIGNMENT !== 0 || at < 0 || at + TABLE_OFFSET > 0xffffffff) {
    throw new RangeError(`the SMBIOS entry point must sit on a 16-byte boundary below 4 GiB (got ${at})`)
  }
  if (!Number.isInteger(config.processorCount) || config.processorCount < 1) {
    throw new RangeError(`processor count must be at least 1 (got ${config.processorCount})`)
  }
  const identity = {generation: config.generation, biosGuid: config.biosGuid, serialNumber: config.serialNumber}
  const processorId = config.processorId ?? {signature: 0, features: 0}
  const structures: Uint8Array[] = []
  const next = () => structures.length

  structures.push(biosInformation(next(), config.generation))
  structures.push(systemInformation(next(), identity))
  const chassisHandle = next() + 1
  structures.push(baseboardInformation(next(), chassisHandle, identity))
  structures.push(chassisInformation(next(), identity))
  for (let vp = 0; vp < config.processorCount; vp++) {
    structures.push(processorInformation(next(), vp, processorId, DEFAULT_PROCESSOR_MANUFACTURER))
  }
  const arrayHandle = next()
  structures.push(memoryArray(arrayHandle, config.memoryBytes))
  structures.push(memoryDevice(next(), arrayHandle, config.memoryBytes))
  structures.push(bootInformation(next()))
  structures.push(endOfTable(next()))

  let tableLength = 0
  let maxStructureSize = 0
  for (const structure of structures) {
    tableLength += structure.length
    maxStructureSize = Math.max(maxStructureSize, structure.length)
  }
  if (tableLength > 0xffff) throw new RangeError(`SMBIOS structure table of ${tableLength} bytes exceeds 64 KiB`)

  const entryPoint = buildEntryPoint({
    maxStructureSize,
    tableLength,
    tableAddress: at + TABLE_OFFSET,
    structureCount: structures.length,
  })
  const bytes = new Uint8Array(TABLE_OFFSET + tableLength)
  bytes.set(entryPoint, 0)
  let offset = TABLE_OFFSET
  for (const structure of structures) {
    bytes.set(structure, offset)
    offset += structure.length
  }
  return {bytes, entryPointAddress: at}
}

/**
 * Booting from a raw BIOS ROM image, as QEMU's `-bios` does (`--firmware`).
 *
 * The image is mapped read-only so that it ends at the top of the 4 GiB space
 * (0xFFFFFFFF), where the processor's reset vector (CS base 0xFFFF0000, EIP
 * 0xFFF0, so linear 0xFFFFFFF0) lands in its last 16 bytes. Its last 128 KiB (all
 * of it when smaller) also appear just below 1 MiB (ending at 0xFFFFF), where
 * real-mode code reaches it after the first far jump (F000:xxxx). The image
 * lives in the partition's ROM area, so the partition must be created with
 * `romBytes >= firmwareRomBytes(image)`.
 */
import {InvalidArgumentError} from '../../errors.js'
import {PAGE_SIZE, type GuestPhysicalAddressSpace} from '../../hypervisor/guest-memory.js'
import {ADDRESS_SPACE_END, BIOS_AREA_END, FIRMWARE_LOW_ALIAS_MAX} from './memory-layout.js'

/** Firmware images are whole 4 KiB pages, at most 16 MiB (the top of 4 GiB down to 0xFF000000). */
export const FIRMWARE_GRANULE = 4096
export const FIRMWARE_MAX_BYTES = 16 * 1024 * 1024

/** Where each address space holds the firmware loaded into it, so that a reset can load it again. */
const loadedImages = new WeakMap<GuestPhysicalAddressSpace, {offset: number; size: number}>()

/** What the firmware loader needs of a processor. */
export interface FirmwareProcessor {
  reset(): void
}

export interface FirmwareLoadResult {
  /** Where the whole image is mapped (it ends at 0xFFFFFFFF). */
  highBase: number
  /** Where its tail is mapped below 1 MiB (it ends at 0xFFFFF). */
  lowBase: number
  lowLength: number
  size: number
  /** Offset of the image in the partition's backing buffer. */
  bufferOffset: number
}

/** Throws an error naming the problem when `size` is not a usable firmware image size. */
export function checkFirmwareSize(size: number, fileName?: string): void {
  const who = fileName ? `${fileName}: ` : ''
  if (size === 0) throw new InvalidArgumentError(`${who}firmware image is empty`)
  if (size % FIRMWARE_GRANULE !== 0) {
    throw new InvalidArgumentError(`${who}firmware image is ${size} bytes; a ROM image must be a multiple of 4 KiB`)
  }
  if (size > FIRMWARE_MAX_BYTES) {
    throw new InvalidArgumentError(`${who}firmware image is ${size} bytes; at most 16 MiB is supported`)
  }
}

/** ROM bytes a partition needs to hold this firmware image (create it with at least this `romBytes`). */
export function firmwareRomBytes(image: Uint8Array | number): number {
  const size = typeof image === 'number' ? image : image.length
  checkFirmwareSize(size)
  return Math.ceil(size / PAGE_SIZE) * PAGE_SIZE
}

/**
 * Map `image` at the top of 4 GiB and its tail at the top of the first MiB, then
 * reset the processor so it starts at the reset vector inside the image.
 * Apply the memory layout first: the low alias replaces RAM of the BIOS area.
 * Loading again into the same address space (after a reset) reuses its ROM space.
 */
export function loadFirmware(
  memory: GuestPhysicalAddressSpace,
  cpu: FirmwareProcessor,
  image: Uint8Array,
  fileName?: string,
): FirmwareLoadResult {
  checkFirmwareSize(image.length, fileName)
  const size = image.length
  const highBase = ADDRESS_SPACE_END - size
  let bufferOffset: number
  const previous = loadedImages.get(memory)
  try {
    if (previous && previous.size === size) {
      // Booting again (a reset): reuse the ROM space this partition already gave the firmware.
      bufferOffset = previous.offset
      memory.ram.set(image, bufferOffset)
      memory.aliasRom(highBase, size, bufferOffset)
    } else {
      bufferOffset = memory.mapRom(highBase, image)
      loadedImages.set(memory, {offset: bufferOffset, size})
    }
  } catch (error) {
    if (error instanceof Error && /no room/.test(error.message)) {
      throw new Error(
        `the partition's ROM area has no room for a ${size}-byte firmware image: create it with romBytes >= ${firmwareRomBytes(size)}`,
      )
    }
    throw error
  }
  const lowLength = Math.min(size, FIRMWARE_LOW_ALIAS_MAX)
  const lowBase = BIOS_AREA_END - lowLength
  memory.aliasRom(lowBase, lowLength, bufferOffset + size - lowLength)
  cpu.reset()
  return {highBase, lowBase, lowLength, size, bufferOffset}
}

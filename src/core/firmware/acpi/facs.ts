/**
 * The Firmware ACPI Control Structure (ACPI 6.x section 5.2.10): the global
 * lock and waking vectors. It has no standard header and no checksum, and
 * must sit on a 64-byte boundary.
 */
import {ByteWriter} from '../byte-writer.js'

export const FACS_LENGTH = 64
export const FACS_ALIGNMENT = 64
/** Version 2: the layout with the OSPM flags field (ACPI 4.0 and later). */
const FACS_VERSION = 2

export function buildFacs(): Uint8Array {
  return new ByteWriter()
    .fixedAscii('FACS', 4)
    .u32(FACS_LENGTH)
    .u32(0) // hardware signature: fixed, so a resume would see the same hardware
    .u32(0) // firmware waking vector: no sleep state with memory kept is offered
    .u32(0) // global lock: free
    .u32(0) // flags: no S4BIOS, no 64-bit wake
    .u64(0) // X firmware waking vector
    .u8(FACS_VERSION)
    .zeros(3)
    .u32(0) // OSPM flags
    .zeros(24)
    .toBytes()
}

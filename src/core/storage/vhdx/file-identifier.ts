/**
 * The file type identifier, the first 64 KiB of every VHDX file: the 8-byte
 * signature "vhdxfile", then the name of the program that created the file in
 * up to 256 UTF-16 characters (diagnostic only; nothing reads it back).
 */
import {FILE_IDENTIFIER_SIZE} from './layout.js'

export const FILE_SIGNATURE = 'vhdxfile'
const CREATOR_OFFSET = 8
const CREATOR_BYTES = 512

export function buildFileIdentifier(creator: string): Uint8Array {
  const bytes = new Uint8Array(FILE_IDENTIFIER_SIZE)
  bytes.set(Buffer.from(FILE_SIGNATURE, 'latin1'), 0)
  const name = Buffer.from(creator, 'utf16le').subarray(0, CREATOR_BYTES - 2)
  bytes.set(name, CREATOR_OFFSET)
  return bytes
}

/** Whether `bytes` (at least the file's first 8) start with the VHDX signature. */
export function hasFileSignature(bytes: Uint8Array): boolean {
  return bytes.length >= FILE_SIGNATURE.length && Buffer.from(bytes.subarray(0, FILE_SIGNATURE.length)).toString('latin1') === FILE_SIGNATURE
}

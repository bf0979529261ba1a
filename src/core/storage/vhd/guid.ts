/**
 * The footer's unique ID and the dynamic header's parent unique ID are
 * 16-byte GUIDs. The specification gives no byte order; Windows tools (and
 * VirtualBox) store a GUID as it lies in memory, Data1, Data2 and Data3
 * little-endian and Data4 as written, so hv reads and writes that order too
 * and a disk identifier reads the same here as in Get-VHD. Text is lower-case
 * 8-4-4-4-12 without braces.
 */
import {randomUUID} from 'node:crypto'

export const GUID_SIZE = 16

const GUID_TEXT = /^\{?([0-9a-f]{8})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{12})\}?$/i

/** Where each byte of the 32 hex digits (in text order) goes in the 16 stored bytes. */
const STORED_ORDER = [3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15]

/** `text` normalised (lower case, no braces), or null when it is not a GUID. */
export function normaliseGuid(text: string): string | null {
  const match = GUID_TEXT.exec(text)
  if (!match || text.startsWith('{') !== text.endsWith('}')) return null
  return match.slice(1).join('-').toLowerCase()
}

export function newGuid(): string {
  return randomUUID()
}

/** The 16 stored bytes of a GUID; `text` must be one (see normaliseGuid). */
export function guidToBytes(text: string): Uint8Array {
  const normal = normaliseGuid(text)
  if (normal === null) throw new Error(`not a GUID: ${text}`)
  const hex = normal.replace(/-/g, '')
  const bytes = new Uint8Array(GUID_SIZE)
  for (let i = 0; i < GUID_SIZE; i++) bytes[STORED_ORDER[i]] = parseInt(hex.slice(i * 2, i * 2 + 2), 16)
  return bytes
}

/** The text of the 16 stored bytes at `offset` of `bytes`. */
export function bytesToGuid(bytes: Uint8Array, offset = 0): string {
  let hex = ''
  for (let i = 0; i < GUID_SIZE; i++) hex += bytes[offset + STORED_ORDER[i]].toString(16).padStart(2, '0')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
}

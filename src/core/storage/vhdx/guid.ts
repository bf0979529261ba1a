/**
 * GUIDs as VHDX stores them: 16 bytes in Microsoft's mixed-endian layout. The
 * first three groups of the text form (8, 4 and 4 hex digits) are stored as
 * little-endian integers, the last two groups byte by byte, so
 * 2DC27766-F623-4200-9D64-115E9BFD4A08 is stored as
 * 66 77 C2 2D 23 F6 00 42 9D 64 11 5E 9B FD 4A 08.
 */

export const GUID_LENGTH = 16

export type Guid = Uint8Array

const TEXT_FORM = /^\{?([0-9a-f]{8})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{12})\}?$/i

/** The stored bytes of a GUID written as text, with or without braces; null when `text` is not a GUID. */
export function parseGuid(text: string): Guid | null {
  const match = TEXT_FORM.exec(text.trim())
  if (!match) return null
  const hasOpening = text.trim().startsWith('{')
  const hasClosing = text.trim().endsWith('}')
  if (hasOpening !== hasClosing) return null
  const [, first, second, third, fourth, fifth] = match as unknown as [string, string, string, string, string, string]
  const bytes = new Uint8Array(GUID_LENGTH)
  const view = new DataView(bytes.buffer)
  view.setUint32(0, Number.parseInt(first, 16), true)
  view.setUint16(4, Number.parseInt(second, 16), true)
  view.setUint16(6, Number.parseInt(third, 16), true)
  const tail = fourth + fifth
  for (let i = 0; i < 8; i++) bytes[8 + i] = Number.parseInt(tail.slice(i * 2, i * 2 + 2), 16)
  return bytes
}

/** A GUID constant of the format; throws (a programming error) if `text` is not a GUID. */
export function knownGuid(text: string): Guid {
  const bytes = parseGuid(text)
  if (!bytes) throw new Error(`not a GUID: ${text}`)
  return bytes
}

/** The text form of stored GUID bytes: lower case, no braces. */
export function formatGuid(bytes: Uint8Array): string {
  const view = new DataView(bytes.buffer, bytes.byteOffset, GUID_LENGTH)
  const hex = (value: number, digits: number) => value.toString(16).padStart(digits, '0')
  const tail = Array.from(bytes.subarray(8, 16), (b) => hex(b, 2)).join('')
  return `${hex(view.getUint32(0, true), 8)}-${hex(view.getUint16(4, true), 4)}-${hex(view.getUint16(6, true), 4)}-${tail.slice(0, 4)}-${tail.slice(4)}`
}

/** A new random (version 4) GUID. */
export function randomGuid(): Guid {
  const text = process.getBuiltinModule('node:crypto').randomUUID()
  return knownGuid(text)
}

export const ZERO_GUID: Guid = new Uint8Array(GUID_LENGTH)

export function guidsEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== GUID_LENGTH || b.length !== GUID_LENGTH) return false
  for (let i = 0; i < GUID_LENGTH; i++) if (a[i] !== b[i]) return false
  return true
}

export function isZeroGuid(guid: Uint8Array): boolean {
  return guidsEqual(guid, ZERO_GUID)
}

/** A copy of the 16 GUID bytes at `offset` of `bytes`. */
export function readGuid(bytes: Uint8Array, offset: number): Guid {
  return bytes.slice(offset, offset + GUID_LENGTH)
}

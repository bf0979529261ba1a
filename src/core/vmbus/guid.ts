/**
 * GUIDs on the VMBus wire are in Windows' mixed-endian order: Data1 (u32),
 * Data2 (u16) and Data3 (u16) little-endian, then Data4's eight bytes as
 * written. Text form is the usual lower-case 8-4-4-4-12.
 */

const GUID_TEXT = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

export function isGuid(text: string): boolean {
  return GUID_TEXT.test(text)
}

/** Write `text` as 16 wire bytes at `offset` of `out`. Throws on malformed text (a host bug, not guest input). */
export function writeGuid(out: Uint8Array, offset: number, text: string): void {
  if (!isGuid(text)) throw new Error(`not a GUID: ${text}`)
  const hex = text.replace(/-/g, '')
  const bytes = new Uint8Array(16)
  for (let i = 0; i < 16; i++) bytes[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16)
  // Data1, Data2, Data3 reversed into little-endian; Data4 unchanged.
  const order = [3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15]
  for (let i = 0; i < 16; i++) out[offset + i] = bytes[order[i]]
}

export function guidToBytes(text: string): Uint8Array {
  const out = new Uint8Array(16)
  writeGuid(out, 0, text)
  return out
}

/** Read 16 wire bytes at `offset` as text. The caller has checked the bounds. */
export function readGuid(bytes: Uint8Array, offset: number): string {
  const order = [3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15]
  let hex = ''
  for (let i = 0; i < 16; i++) hex += bytes[offset + order[i]].toString(16).padStart(2, '0')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
}

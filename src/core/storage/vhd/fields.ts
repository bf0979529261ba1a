/**
 * Helpers for the fields of VHD structures that are not plain big-endian
 * integers (DataView reads those): single-byte text such as cookies and
 * platform codes, UTF-16 strings, and hex for messages.
 */

/** Single-byte text (cookies, creator fields, platform codes) as Latin-1, so any byte decodes. */
export function readAscii(bytes: Uint8Array, offset: number, length: number): string {
  return String.fromCharCode(...bytes.subarray(offset, offset + length))
}

export function writeAscii(bytes: Uint8Array, offset: number, text: string): void {
  for (let i = 0; i < text.length; i++) bytes[offset + i] = text.charCodeAt(i) & 0xff
}

/**
 * UTF-16 text of `bytes`, up to the first NUL unit. Unpaired surrogates are
 * kept as they are: a damaged name decodes to something, never to an error.
 */
export function decodeUtf16(bytes: Uint8Array, littleEndian: boolean): string {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const units: number[] = []
  for (let i = 0; i + 1 < bytes.length; i += 2) {
    const unit = view.getUint16(i, littleEndian)
    if (unit === 0) break
    units.push(unit)
  }
  // fromCharCode takes its arguments on the stack: decode in slices.
  let text = ''
  for (let i = 0; i < units.length; i += 4096) text += String.fromCharCode(...units.slice(i, i + 4096))
  return text
}

/** `text` as UTF-16 code units, without a terminating NUL. */
export function encodeUtf16(text: string, littleEndian: boolean): Uint8Array {
  const bytes = new Uint8Array(text.length * 2)
  const view = new DataView(bytes.buffer)
  for (let i = 0; i < text.length; i++) view.setUint16(i * 2, text.charCodeAt(i), littleEndian)
  return bytes
}

/** A u32 as 0x-prefixed hex, eight digits, for messages. */
export function hex32(value: number): string {
  return `0x${value.toString(16).padStart(8, '0')}`
}

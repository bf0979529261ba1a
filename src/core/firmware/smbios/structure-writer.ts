/**
 * One SMBIOS structure: the formatted area (type, length, handle, then the
 * type's fields) followed by its string set. Fields that name a string hold
 * a 1-based index into that set; 0 means "no string". The set ends with an
 * extra NUL, and a structure without strings ends with two.
 */
import {asciiBytes, ByteWriter} from '../byte-writer.js'

export class StructureWriter {
  readonly formatted = new ByteWriter()
  private readonly strings: string[] = []

  constructor(type: number, handle: number) {
    this.formatted.u8(type).u8(0).u16(handle) // length patched in toBytes
  }

  /** Add a string and write its index as a byte field; empty text writes 0. */
  string(text: string): this {
    if (text === '') {
      this.formatted.u8(0)
      return this
    }
    let index = this.strings.indexOf(text)
    if (index < 0) {
      this.strings.push(text)
      index = this.strings.length - 1
    }
    if (index >= 255) throw new RangeError('an SMBIOS structure holds at most 255 strings')
    this.formatted.u8(index + 1)
    return this
  }

  toBytes(): Uint8Array {
    this.formatted.patchU8(1, this.formatted.length)
    const out = new ByteWriter().bytes(this.formatted.toBytes())
    if (this.strings.length === 0) return out.u16(0).toBytes()
    for (const text of this.strings) out.bytes(asciiBytes(text)).u8(0)
    return out.u8(0).toBytes()
  }
}

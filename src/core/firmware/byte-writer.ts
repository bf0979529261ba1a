/**
 * Little-endian byte assembly for firmware tables. ACPI and SMBIOS are both
 * defined as packed little-endian records, so every table is written through
 * this one growable buffer instead of hand-computed DataView offsets.
 */
export class ByteWriter {
  private buffer = new Uint8Array(256)
  private used = 0

  get length(): number {
    return this.used
  }

  u8(value: number): this {
    this.reserve(1)
    this.buffer[this.used++] = value & 0xff
    return this
  }

  u16(value: number): this {
    return this.u8(value).u8(value >>> 8)
  }

  u32(value: number): this {
    return this.u16(value & 0xffff).u16(Math.floor(value / 0x10000) & 0xffff)
  }

  /** 64-bit values arrive as number (exact up to 2^53) or bigint. */
  u64(value: number | bigint): this {
    const big = BigInt.asUintN(64, BigInt(value))
    return this.u32(Number(big & 0xffffffffn)).u32(Number(big >> 32n))
  }

  bytes(data: ArrayLike<number>): this {
    this.reserve(data.length)
    for (let i = 0; i < data.length; i++) this.buffer[this.used++] = data[i] & 0xff
    return this
  }

  /** Exactly `width` bytes of ASCII, space-padded: the fixed-size ID fields of ACPI headers. */
  fixedAscii(text: string, width: number, pad = ' '): this {
    if (text.length > width) throw new RangeError(`"${text}" does not fit in ${width} bytes`)
    return this.bytes(asciiBytes(text.padEnd(width, pad)))
  }

  zeros(count: number): this {
    this.reserve(count)
    this.used += count
    return this
  }

  /** Zero-fill up to the next multiple of `alignment` (relative to the start of this writer). */
  alignTo(alignment: number): this {
    const rest = this.used % alignment
    return rest ? this.zeros(alignment - rest) : this
  }

  /** Overwrite already-written bytes, e.g. a length or checksum known only at the end. */
  patchU8(offset: number, value: number): void {
    this.buffer[offset] = value & 0xff
  }

  patchU16(offset: number, value: number): void {
    this.patchU8(offset, value)
    this.patchU8(offset + 1, value >>> 8)
  }

  patchU32(offset: number, value: number): void {
    this.patchU16(offset, value & 0xffff)
    this.patchU16(offset + 2, Math.floor(value / 0x10000) & 0xffff)
  }

  toBytes(): Uint8Array {
    return this.buffer.slice(0, this.used)
  }

  private reserve(count: number): void {
    if (this.used + count <= this.buffer.length) return
    let size = this.buffer.length * 2
    while (size < this.used + count) size *= 2
    const grown = new Uint8Array(size)
    grown.set(this.buffer.subarray(0, this.used))
    this.buffer = grown
  }
}

export function asciiBytes(text: string): Uint8Array {
  const bytes = new Uint8Array(text.length)
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i)
    if (code > 0x7e || code < 0x20) throw new RangeError(`firmware strings are printable ASCII: ${JSON.stringify(text)}`)
    bytes[i] = code
  }
  return bytes
}

/**
 * A small encoder for ACPI Machine Language (ACPI 6.x, chapter 20), enough to
 * write a DSDT by hand: names, scopes, devices, data objects and methods that
 * return a constant. Each helper returns the encoded bytes of one term, so a
 * namespace reads like the ASL it stands for:
 *
 *   scope('\\_SB', [device('VMOD', [name('_HID', string('ACPI0004'))])])
 */

export type Aml = Uint8Array

const ZERO_OP = 0x00
const ONE_OP = 0x01
const ONES_OP = 0xff
const NAME_OP = 0x08
const BYTE_PREFIX = 0x0a
const WORD_PREFIX = 0x0b
const DWORD_PREFIX = 0x0c
const STRING_PREFIX = 0x0d
const QWORD_PREFIX = 0x0e
const SCOPE_OP = 0x10
const BUFFER_OP = 0x11
const PACKAGE_OP = 0x12
const METHOD_OP = 0x14
const RETURN_OP = 0xa4
const EXT_OP_PREFIX = 0x5b
const DEVICE_OP = 0x82 // after EXT_OP_PREFIX
const ROOT_CHAR = 0x5c // '\'
const PARENT_PREFIX_CHAR = 0x5e // '^'
const DUAL_NAME_PREFIX = 0x2e
const MULTI_NAME_PREFIX = 0x2f
const NULL_NAME = 0x00

/** PkgLength may span at most four bytes: 28 bits of length. */
const MAX_PKG_LENGTH = 0x0fffffff

export function concat(parts: readonly Aml[]): Aml {
  let total = 0
  for (const part of parts) total += part.length
  const out = new Uint8Array(total)
  let at = 0
  for (const part of parts) {
    out.set(part, at)
    at += part.length
  }
  return out
}

/**
 * The PkgLength that precedes a body of `bodyLength` bytes. The encoded length
 * counts its own bytes, so the width is chosen first: one byte holds lengths
 * below 64; wider forms put the count of extra bytes in bits 7-6, the low
 * nibble of the length in bits 3-0, and the rest in the following bytes.
 */
export function pkgLength(bodyLength: number): Aml {
  if (bodyLength + 1 < 0x40) return Uint8Array.of(bodyLength + 1)
  for (let extra = 1; extra <= 3; extra++) {
    const total = bodyLength + 1 + extra
    if (total >= 1 << (4 + 8 * extra)) continue
    const out = new Uint8Array(1 + extra)
    out[0] = (extra << 6) | (total & 0x0f)
    for (let i = 1; i <= extra; i++) out[i] = (total >>> (4 + 8 * (i - 1))) & 0xff
    return out
  }
  throw new RangeError(`AML package of ${bodyLength} bytes exceeds ${MAX_PKG_LENGTH}`)
}

/** Wrap a body in its PkgLength, as every variable-length term does. */
function withPkgLength(body: Aml): Aml {
  return concat([pkgLength(body.length), body])
}

/**
 * One 4-character name segment. ASL lets names be shorter ("PWRB" but also
 * "_S5"); AML pads them with underscores to four characters.
 */
export function nameSeg(segment: string): Aml {
  if (!/^[A-Z_][A-Z0-9_]{0,3}$/.test(segment)) throw new RangeError(`invalid ACPI name segment "${segment}"`)
  const padded = segment.padEnd(4, '_')
  return Uint8Array.from(padded, (ch) => ch.charCodeAt(0))
}

/**
 * A NameString: an optional root ('\') or parent ('^') prefix followed by
 * dot-separated segments, e.g. "\\_SB.VMOD.VMBS". Two segments use the
 * DualNamePrefix, more use the MultiNamePrefix with a count.
 */
export function nameString(path: string): Aml {
  const prefix: number[] = []
  let rest = path
  if (rest.startsWith('\\')) {
    prefix.push(ROOT_CHAR)
    rest = rest.slice(1)
  } else {
    while (rest.startsWith('^')) {
      prefix.push(PARENT_PREFIX_CHAR)
      rest = rest.slice(1)
    }
  }
  const segments = rest === '' ? [] : rest.split('.').map(nameSeg)
  let body: Aml[]
  if (segments.length === 0) body = [Uint8Array.of(NULL_NAME)]
  else if (segments.length === 1) body = segments
  else if (segments.length === 2) body = [Uint8Array.of(DUAL_NAME_PREFIX), ...segments]
  else if (segments.length <= 255) body = [Uint8Array.of(MULTI_NAME_PREFIX, segments.length), ...segments]
  else throw new RangeError(`ACPI path "${path}" has too many segments`)
  return concat([Uint8Array.from(prefix), ...body])
}

/**
 * An integer constant in its shortest encoding: the one-byte Zero and One
 * opcodes, then Byte/Word/DWord/QWord prefixes. Values above 2^53 need a bigint.
 */
export function integer(value: number | bigint): Aml {
  const big = BigInt(value)
  if (big < 0n || big > 0xffffffffffffffffn) throw new RangeError(`AML integer out of range: ${value}`)
  if (big === 0n) return Uint8Array.of(ZERO_OP)
  if (big === 1n) return Uint8Array.of(ONE_OP)
  if (big <= 0xffn) return Uint8Array.of(BYTE_PREFIX, Number(big))
  if (big <= 0xffffn) return prefixedLittleEndian(WORD_PREFIX, big, 2)
  if (big <= 0xffffffffn) return prefixedLittleEndian(DWORD_PREFIX, big, 4)
  return prefixedLittleEndian(QWORD_PREFIX, big, 8)
}

/** The all-ones constant (Ones): 0xFFFFFFFF or 0xFFFFFFFFFFFFFFFF depending on the DSDT revision. */
export function ones(): Aml {
  return Uint8Array.of(ONES_OP)
}

function prefixedLittleEndian(prefix: number, value: bigint, width: number): Aml {
  const out = new Uint8Array(1 + width)
  out[0] = prefix
  for (let i = 0; i < width; i++) out[1 + i] = Number((value >> BigInt(8 * i)) & 0xffn)
  return out
}

/** A null-terminated ASCII string constant. */
export function string(text: string): Aml {
  const out = new Uint8Array(text.length + 2)
  out[0] = STRING_PREFIX
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i)
    if (code < 0x01 || code > 0x7f) throw new RangeError(`AML strings are ASCII: ${JSON.stringify(text)}`)
    out[1 + i] = code
  }
  return out
}

/**
 * A compressed EISA ID such as "PNP0C0C": three letters of five bits each and
 * four hex digits, stored as a DWord whose bytes read in ID order.
 */
export function eisaId(id: string): Aml {
  if (!/^[A-Z]{3}[0-9A-F]{4}$/.test(id)) throw new RangeError(`invalid EISA ID "${id}"`)
  const letter = (i: number) => id.charCodeAt(i) - 0x40
  const vendor = (letter(0) << 10) | (letter(1) << 5) | letter(2)
  const product = parseInt(id.slice(3), 16)
  return Uint8Array.of(DWORD_PREFIX, vendor >> 8, vendor & 0xff, product >> 8, product & 0xff)
}

/** Buffer(n) { bytes }: the size is the byte count, written as an integer term. */
export function buffer(bytes: Aml): Aml {
  return concat([Uint8Array.of(BUFFER_OP), withPkgLength(concat([integer(bytes.length), bytes]))])
}

/** Package() { elements }: a fixed list of data objects. */
export function pkg(elements: readonly Aml[]): Aml {
  if (elements.length > 255) throw new RangeError('AML Package holds at most 255 elements')
  return concat([Uint8Array.of(PACKAGE_OP), withPkgLength(concat([Uint8Array.of(elements.length), ...elements]))])
}

/** Name(path, value): a named data object. */
export function name(path: string, value: Aml): Aml {
  return concat([Uint8Array.of(NAME_OP), nameString(path), value])
}

/** Scope(path) { terms }: open an existing namespace node. */
export function scope(path: string, terms: readonly Aml[]): Aml {
  return concat([Uint8Array.of(SCOPE_OP), withPkgLength(concat([nameString(path), ...terms]))])
}

/** Device(path) { terms }. */
export function device(path: string, terms: readonly Aml[]): Aml {
  return concat([Uint8Array.of(EXT_OP_PREFIX, DEVICE_OP), withPkgLength(concat([nameString(path), ...terms]))])
}

export interface MethodOptions {
  /** 0-7 arguments. */
  argumentCount?: number
  serialized?: boolean
}

/** Method(path, n, [Not]Serialized) { terms }. */
export function method(path: string, terms: readonly Aml[], options: MethodOptions = {}): Aml {
  const argumentCount = options.argumentCount ?? 0
  if (argumentCount < 0 || argumentCount > 7) throw new RangeError('AML methods take 0-7 arguments')
  const flags = argumentCount | (options.serialized ? 0x08 : 0)
  return concat([Uint8Array.of(METHOD_OP), withPkgLength(concat([nameString(path), Uint8Array.of(flags), ...terms]))])
}

/** Return(value). */
export function returnValue(value: Aml): Aml {
  return concat([Uint8Array.of(RETURN_OP), value])
}

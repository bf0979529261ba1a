/**
 * The parent locator metadata item of a differencing image: how to find the
 * parent. A locator type GUID (VHDX parents have one type), then key/value
 * pairs of UTF-16 strings. The keys hv reads and writes:
 *
 * - parent_linkage: the parent's DataWriteGuid when the child was made, as
 *   "{GUID}"; a parent whose DataWriteGuid differs has changed since.
 * - parent_linkage2: an alternative linkage the format allows.
 * - relative_path: the parent's path relative to the child's directory,
 *   Windows style (".\base.vhdx", "..\disks\base.vhdx").
 * - absolute_win32_path: the parent's absolute path.
 * - volume_path: a Windows volume GUID path; kept when read, never used here.
 *
 * Layout: locator type GUID 0, reserved u16 16, key/value count u16 18, then
 * entries of 12 bytes from 20: key offset u32, value offset u32, key length
 * u16, value length u16 (offsets from the start of the item, lengths in bytes).
 */
import {formatGuid, guidsEqual, knownGuid, readGuid} from './guid.js'
import {DiskFormatError} from '../virtual-disk.js'

export const VHDX_PARENT_LOCATOR_TYPE = knownGuid('B04AEFB7-D19E-4A81-B789-25B8E9445913')

export const PARENT_LINKAGE = 'parent_linkage'
export const PARENT_LINKAGE2 = 'parent_linkage2'
export const RELATIVE_PATH = 'relative_path'
export const VOLUME_PATH = 'volume_path'
export const ABSOLUTE_WIN32_PATH = 'absolute_win32_path'

const HEADER_SIZE = 20
const ENTRY_SIZE = 12

export function serializeParentLocator(pairs: ReadonlyArray<readonly [string, string]>): Uint8Array {
  const encoded = pairs.map(([key, value]) => [Buffer.from(key, 'utf16le'), Buffer.from(value, 'utf16le')] as const)
  const stringsStart = HEADER_SIZE + pairs.length * ENTRY_SIZE
  const total = encoded.reduce((sum, [key, value]) => sum + key.length + value.length, stringsStart)
  const bytes = new Uint8Array(total)
  const view = new DataView(bytes.buffer)
  bytes.set(VHDX_PARENT_LOCATOR_TYPE, 0)
  view.setUint16(18, pairs.length, true)
  let next = stringsStart
  encoded.forEach(([key, value], i) => {
    if (key.length > 0xffff || value.length > 0xffff) throw new Error(`parent locator entry ${pairs[i]![0]} is too long`)
    const at = HEADER_SIZE + i * ENTRY_SIZE
    view.setUint32(at, next, true)
    bytes.set(key, next)
    next += key.length
    view.setUint32(at + 4, next, true)
    bytes.set(value, next)
    next += value.length
    view.setUint16(at + 8, key.length, true)
    view.setUint16(at + 10, value.length, true)
  })
  return bytes
}

/** The key/value pairs of the parent locator item in `bytes`, checked. */
export function parseParentLocator(path: string, bytes: Uint8Array): Map<string, string> {
  const fail = (problem: string) => new DiskFormatError(path, `parent locator: ${problem}`)
  if (bytes.length < HEADER_SIZE) throw fail(`the item is ${bytes.length} bytes, too short for its header`)
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const type = readGuid(bytes, 0)
  if (!guidsEqual(type, VHDX_PARENT_LOCATOR_TYPE)) throw fail(`locator type {${formatGuid(type)}} is not the VHDX parent type`)
  const count = view.getUint16(18, true)
  if (HEADER_SIZE + count * ENTRY_SIZE > bytes.length) throw fail(`${count} entries do not fit in the item (${bytes.length} bytes)`)
  const text = (offset: number, length: number, what: string): string => {
    if (offset === 0 || length === 0) throw fail(`${what} has offset ${offset} and length ${length}; both must be positive`)
    if (length % 2 !== 0) throw fail(`${what} has an odd length (${length} bytes) for UTF-16`)
    if (offset + length > bytes.length) throw fail(`${what} (offset ${offset}, length ${length}) goes past the end of the item (${bytes.length} bytes)`)
    return Buffer.from(bytes.buffer, bytes.byteOffset + offset, length).toString('utf16le')
  }
  const pairs = new Map<string, string>()
  for (let i = 0; i < count; i++) {
    const at = HEADER_SIZE + i * ENTRY_SIZE
    const key = text(view.getUint32(at, true), view.getUint16(at + 8, true), `entry ${i} key`)
    const value = text(view.getUint32(at + 4, true), view.getUint16(at + 10, true), `entry ${i} value`)
    if (pairs.has(key)) throw fail(`key ${key} appears twice`)
    pairs.set(key, value)
  }
  return pairs
}

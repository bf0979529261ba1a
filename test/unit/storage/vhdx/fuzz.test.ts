/**
 * Damaged images: every field of the headers, region tables, metadata table
 * and items, parent locator, BAT and log entries of valid images is
 * corrupted in turn (bit flips, zero, all ones, huge and small values; with
 * the structure's checksum left stale, and recomputed so the damage gets past
 * it), random bytes are overwritten and files are truncated. Opening,
 * reading and writing each result either works or throws DiskFormatError:
 * nothing else, and never a read or write outside the file.
 */
import {closeSync, copyFileSync, openSync, readFileSync, readSync, truncateSync, writeSync} from 'node:fs'
import {join} from 'node:path'

import {afterAll, beforeAll, beforeEach, describe, expect, it} from 'vitest'

import {structureChecksum} from '../../../../src/core/storage/vhdx/crc32c.js'
import {createVhdx} from '../../../../src/core/storage/vhdx/index.js'
import type {FileHooks} from '../../../../src/core/storage/vhdx/image-file.js'
import {openImage} from '../../../../src/core/storage/vhdx/open.js'
import {DiskFormatError} from '../../../../src/core/storage/virtual-disk.js'
import {CrashHooks, SimulatedCrash} from './crash-hooks.js'
import {KiB, MiB, pattern, tempDir} from './helpers.js'
import {inspect} from './inspect.js'

let dir: string
let cleanup: () => void

/** A field of a structure, and the checksummed structure it is in (if any). */
interface Field {
  name: string
  offset: number
  size: number
  checksummed?: {offset: number; length: number}
}

interface Image {
  name: string
  path: string
  fields: Field[]
}

const images: Image[] = []
const outOfBounds: string[] = []
const hooks: FileHooks = {outOfBounds: (problem) => void outOfBounds.push(problem)}

const u32 = (bytes: Buffer, offset: number) => bytes.readUInt32LE(offset)

function headerFields(): Field[] {
  const layout: Array<[string, number, number]> = [['signature', 0, 4], ['checksum', 4, 4], ['sequence number', 8, 8], ['file write GUID', 16, 16], ['data write GUID', 32, 16], ['log GUID', 48, 16], ['log version', 64, 2], ['version', 66, 2], ['log length', 68, 4], ['log offset', 72, 8], ['reserved', 80, 8]]
  return [64 * KiB, 128 * KiB].flatMap((base, i) => layout.map(([name, offset, size]) => ({name: `header ${i + 1} ${name}`, offset: base + offset, size, checksummed: {offset: base, length: 4 * KiB}})))
}

function regionTableFields(): Field[] {
  const fields: Array<[string, number, number]> = [['signature', 0, 4], ['checksum', 4, 4], ['entry count', 8, 4], ['reserved', 12, 4]]
  for (const entry of [0, 1]) fields.push([`entry ${entry} GUID`, 16 + entry * 32, 16], [`entry ${entry} offset`, 32 + entry * 32, 8], [`entry ${entry} length`, 40 + entry * 32, 4], [`entry ${entry} required`, 44 + entry * 32, 4])
  return [192 * KiB, 256 * KiB].flatMap((base, i) => fields.map(([name, offset, size]) => ({name: `region table ${i + 1} ${name}`, offset: base + offset, size, checksummed: {offset: base, length: 64 * KiB}})))
}

function metadataFields(path: string): Field[] {
  const {metadataRegion} = inspect(path)
  const file = readFileSync(path)
  const base = metadataRegion.offset
  const fields: Field[] = [
    {name: 'metadata signature', offset: base, size: 8},
    {name: 'metadata reserved', offset: base + 8, size: 2},
    {name: 'metadata entry count', offset: base + 10, size: 2},
  ]
  const count = file.readUInt16LE(base + 10)
  for (let entry = 0; entry < count; entry++) {
    const at = base + 32 + entry * 32
    fields.push(
      {name: `metadata entry ${entry} GUID`, offset: at, size: 16},
      {name: `metadata entry ${entry} offset`, offset: at + 16, size: 4},
      {name: `metadata entry ${entry} length`, offset: at + 20, size: 4},
      {name: `metadata entry ${entry} flags`, offset: at + 24, size: 4},
    )
    const item = base + u32(file, at + 16)
    const length = u32(file, at + 20)
    for (let word = 0; word < Math.min(length, 24); word += 4) fields.push({name: `metadata item ${entry} bytes ${word}`, offset: item + word, size: Math.min(4, length - word)})
    if (entry === 5) {
      // The parent locator: header, entries, and strings.
      const pairs = file.readUInt16LE(item + 18)
      fields.push({name: 'parent locator type', offset: item, size: 16}, {name: 'parent locator count', offset: item + 18, size: 2})
      for (let pair = 0; pair < pairs; pair++) {
        const at = item + 20 + pair * 12
        fields.push(
          {name: `parent locator ${pair} key offset`, offset: at, size: 4},
          {name: `parent locator ${pair} value offset`, offset: at + 4, size: 4},
          {name: `parent locator ${pair} key length`, offset: at + 8, size: 2},
          {name: `parent locator ${pair} value length`, offset: at + 10, size: 2},
          {name: `parent locator ${pair} value text`, offset: item + u32(file, at + 4), size: 2},
        )
      }
    }
  }
  return fields
}

function batFields(path: string): Field[] {
  const {bat, batRegion} = inspect(path)
  const fields: Field[] = []
  const entries = [0, 1, 2, 3, 4, 5, 6, 7, bat.geometry.bitmapEntry(0)].filter((index) => index < bat.geometry.totalEntries || bat.geometry.hasParent)
  for (const index of entries) {
    fields.push({name: `BAT entry ${index} low`, offset: batRegion.offset + index * 8, size: 4}, {name: `BAT entry ${index} high`, offset: batRegion.offset + index * 8 + 4, size: 4})
  }
  return fields
}

function logFields(path: string): Field[] {
  const {header} = inspect(path)
  const file = readFileSync(path)
  const at = header.logOffset
  const length = u32(file, at + 8)
  const entry = {offset: at, length}
  const layout: Array<[string, number, number]> = [['signature', 0, 4], ['checksum', 4, 4], ['entry length', 8, 4], ['tail', 12, 4], ['sequence number', 16, 8], ['descriptor count', 24, 4], ['reserved', 28, 4], ['log GUID', 32, 16], ['flushed file offset', 48, 8], ['last file offset', 56, 8]]
  const fields = layout.map(([name, offset, size]) => ({name: `log entry ${name}`, offset: at + offset, size, checksummed: entry}))
  const descriptors = u32(file, at + 24)
  for (let d = 0; d < descriptors; d++) {
    const desc = at + 64 + d * 32
    for (const [name, offset, size] of [['signature', 0, 4], ['trailing bytes', 4, 4], ['leading bytes', 8, 8], ['file offset', 16, 8], ['sequence number', 24, 8]] as const) fields.push({name: `log descriptor ${d} ${name}`, offset: desc + offset, size, checksummed: entry})
    const sector = at + 4096 * (1 + d)
    for (const [name, offset, size] of [['signature', 0, 4], ['sequence high', 4, 4], ['data', 8, 4], ['sequence low', 4092, 4]] as const) fields.push({name: `log data sector ${d} ${name}`, offset: sector + offset, size, checksummed: entry})
  }
  return fields
}

/** The values a field of `size` bytes is set to, as little-endian bytes. */
function corruptions(original: Buffer): Array<[string, Buffer]> {
  const size = original.length
  const value = (n: bigint) => {
    const bytes = Buffer.alloc(size)
    for (let i = 0; i < size; i++) bytes[i] = Number((n >> BigInt(8 * i)) & 0xffn)
    return bytes
  }
  const flip = (byte: number, bit: number) => {
    const bytes = Buffer.from(original)
    bytes[byte]! ^= 1 << bit
    return bytes
  }
  const top = (1n << BigInt(8 * size)) - 1n
  const result: Array<[string, Buffer]> = [
    ['low bit flipped', flip(0, 0)],
    ['high bit flipped', flip(size - 1, 7)],
    ['zero', Buffer.alloc(size)],
    ['all ones', Buffer.alloc(size, 0xff)],
    ['huge', value(top >> 1n)],
  ]
  for (const small of [4096n, 1n << 20n]) if (small <= top) result.push([`${small}`, value(small)])
  return result
}

/** Open, read and (read-write) write the image at `path`; anything but success or DiskFormatError fails the test. */
function exercise(path: string, readOnly: boolean, what: string): boolean {
  let disk
  try {
    disk = openImage(path, {readOnly, hooks})
  } catch (error) {
    expect(error, `${what}: ${String(error)}`).toBeInstanceOf(DiskFormatError)
    return false
  }
  try {
    const piece = new Uint8Array(Math.min(disk.size, 64 * KiB))
    disk.read(0, piece)
    disk.read(disk.size - piece.length, piece)
    disk.read(Math.floor(disk.size / 2 / 4096) * 4096, piece.subarray(0, Math.min(piece.length, disk.size - Math.floor(disk.size / 2 / 4096) * 4096)))
    disk.allocatedBlocks()
    disk.fileSize()
    if (!readOnly) {
      const middle = Math.floor(disk.size / 2 / 4096) * 4096
      disk.write(0, pattern(Math.min(4096, disk.size), 1))
      disk.write(middle, pattern(Math.min(8192, disk.size - middle), 2))
      disk.flush()
    }
  } catch (error) {
    expect(error, `${what}: ${String(error)}`).toBeInstanceOf(DiskFormatError)
  } finally {
    try {
      disk.close()
    } catch (error) {
      expect(error, `${what} (closing): ${String(error)}`).toBeInstanceOf(DiskFormatError)
    }
  }
  return true
}

/** Read-write exercises open, replay, allocate and flush: slow, so one case in this many gets one. */
const READ_WRITE_EVERY = 16
let damagedCases = 0

/**
 * Exercise a damaged image read-only on `work` itself (which that leaves
 * alone), and for one case in READ_WRITE_EVERY, read-write on a copy.
 */
function exerciseBoth(work: string, what: string): void {
  exercise(work, true, `${what} (read-only)`)
  if (damagedCases++ % READ_WRITE_EVERY !== 0) return
  const writable = `${work}.rw`
  copyFileSync(work, writable)
  exercise(writable, false, `${what} (read-write)`)
}

function patch(path: string, offset: number, bytes: Buffer): void {
  const fd = openSync(path, 'r+')
  try {
    writeSync(fd, bytes, 0, bytes.length, offset)
  } finally {
    closeSync(fd)
  }
}

function readBytes(path: string, offset: number, length: number): Buffer {
  const bytes = Buffer.alloc(length)
  const fd = openSync(path, 'r')
  try {
    readSync(fd, bytes, 0, length, offset)
  } finally {
    closeSync(fd)
  }
  return bytes
}

beforeAll(() => {
  ;({dir, cleanup} = tempDir('hv-vhdx-fuzz-'))
  const common = [...headerFields(), ...regionTableFields(), {name: 'file signature', offset: 0, size: 8}]

  const dynamic = join(dir, 'dynamic.vhdx')
  const disk = createVhdx({path: dynamic, type: 'Dynamic', size: 8 * MiB, blockSize: MiB})
  disk.write(0, pattern(4096, 1))
  disk.write(3 * MiB - 4096, pattern(8192, 2))
  disk.close()
  images.push({name: 'dynamic', path: dynamic, fields: [...common, ...metadataFields(dynamic), ...batFields(dynamic)]})

  const fixed = join(dir, 'fixed.vhdx')
  createVhdx({path: fixed, type: 'Fixed', size: 3 * MiB + 512, blockSize: MiB, logicalSectorSize: 512}).close()
  images.push({name: 'fixed', path: fixed, fields: [...common, ...metadataFields(fixed), ...batFields(fixed)]})

  const parent = join(dir, 'parent.vhdx')
  createVhdx({path: parent, type: 'Dynamic', size: 4 * MiB, blockSize: MiB, logicalSectorSize: 4096}).close()
  const child = join(dir, 'child.vhdx')
  const differencing = createVhdx({path: child, type: 'Differencing', parentPath: parent, blockSize: MiB})
  differencing.write(MiB + 4096, pattern(4096, 3))
  differencing.write(2 * MiB, pattern(MiB, 4))
  differencing.close()
  images.push({name: 'differencing', path: child, fields: [...common, ...metadataFields(child), ...batFields(child)]})

  // A log holding an entry that did not reach the file.
  const dirty = join(dir, 'dirty.vhdx')
  createVhdx({path: dirty, type: 'Dynamic', size: 8 * MiB, blockSize: MiB}).close()
  const stopped = openImage(dirty, {readOnly: false, hooks: new CrashHooks(dirty, {atPurpose: {purpose: 'metadata', occurrence: 0}})})
  expect(() => stopped.write(5 * MiB, pattern(4096, 5))).toThrow(SimulatedCrash)
  stopped.close()
  images.push({name: 'dirty log', path: dirty, fields: [...headerFields(), ...logFields(dirty)]})
})

afterAll(() => {
  cleanup()
})

beforeEach(() => {
  outOfBounds.length = 0
})

describe.each(['dynamic', 'fixed', 'differencing', 'dirty log'])('a damaged %s image', (name) => {
  const image = () => images.find((candidate) => candidate.name === name)!

  it('opens and reads the undamaged image', () => {
    expect(exercise(image().path, true, 'undamaged')).toBe(true)
    expect(outOfBounds).toEqual([])
  })

  it('survives every field set to every bad value, checksums stale and recomputed', () => {
    const {path, fields} = image()
    const work = join(dir, `${name}-work.vhdx`)
    copyFileSync(path, work)
    let cases = 0
    for (const field of fields) {
      const original = readBytes(work, field.offset, field.size)
      const structure = field.checksummed ? readBytes(work, field.checksummed.offset, field.checksummed.length) : null
      for (const [how, bytes] of corruptions(original)) {
        if (bytes.equals(original)) continue
        for (const recompute of structure ? [false, true] : [false]) {
          patch(work, field.offset, bytes)
          if (recompute && structure && field.name.indexOf('checksum') < 0) {
            const damaged = readBytes(work, field.checksummed!.offset, field.checksummed!.length)
            damaged.writeUInt32LE(structureChecksum(damaged, 4), 4)
            patch(work, field.checksummed!.offset, damaged)
          }
          exerciseBoth(work, `${name}: ${field.name} ${how}${recompute ? ' (checksum recomputed)' : ''}`)
          cases++
          if (structure) patch(work, field.checksummed!.offset, structure)
          patch(work, field.offset, original)
        }
      }
    }
    expect(cases).toBeGreaterThan(fields.length)
    expect(outOfBounds).toEqual([])
  })

  it('survives random bytes overwritten in its structures', () => {
    const {path} = image()
    const work = join(dir, `${name}-random.vhdx`)
    copyFileSync(path, work)
    const random = new DataView(pattern(8 * 200, 42 + name.length).buffer)
    for (let i = 0; i < 200; i++) {
      // Four bytes somewhere in the first 4 MiB: header section, log, metadata, BAT.
      const offset = random.getUint32(i * 8, true) % (4 * MiB - 4)
      const original = readBytes(work, offset, 4)
      const bytes = Buffer.alloc(4)
      bytes.writeUInt32LE(random.getUint32(i * 8 + 4, true))
      patch(work, offset, bytes)
      exerciseBoth(work, `${name}: random bytes at ${offset}`)
      patch(work, offset, original)
    }
    expect(outOfBounds).toEqual([])
  })

  it('survives being truncated anywhere', () => {
    const {path} = image()
    const work = join(dir, `${name}-short.vhdx`)
    const size = readFileSync(path).length
    const lengths = [0, 7, 8, 4 * KiB, 64 * KiB, 64 * KiB + 4 * KiB, 128 * KiB + 100, 192 * KiB, 256 * KiB + 512, MiB - 1, MiB, MiB + 4 * KiB, 2 * MiB, 2 * MiB + 65 * KiB, 3 * MiB, 3 * MiB + 512, 4 * MiB, size - MiB, size - 4 * KiB, size - 512]
    for (const length of lengths.filter((l) => l >= 0 && l < size)) {
      copyFileSync(path, work)
      truncateSync(work, length)
      exerciseBoth(work, `${name}: truncated to ${length} bytes`)
    }
    expect(outOfBounds).toEqual([])
  })
})

/**
 * Damaged images: starting from valid fixed, dynamic and differencing images,
 * corrupt every byte of their structures (footer, footer copy, dynamic
 * header, locator entries and data, BAT entries, bitmaps) in several ways,
 * set every integer field to extreme values (with the checksum fixed up, so
 * the damage gets past the checksum), truncate and extend the files, and
 * corrupt random handfuls of bytes. Opening and reading must then either work
 * or raise DiskFormatError: never another error, and never an access outside
 * the file, which the in-memory files used here report as OutsideFileError.
 */
import {mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import fc from 'fast-check'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {DiskFormatError} from '../../../../src/core/storage/virtual-disk.js'
import {vhdChecksum} from '../../../../src/core/storage/vhd/checksum.js'
import type {ImageFileOpener} from '../../../../src/core/storage/vhd/image-file.js'
import {createVhd} from '../../../../src/core/storage/vhd/index.js'
import {openVhdImage} from '../../../../src/core/storage/vhd/open.js'
import {KIB, MemoryImageFile, MIB, pattern} from './helpers.js'

const BLOCK = 512 * KIB
const SIZE = 3 * BLOCK

/** A byte range of an image holding a structure; `checksumAt` is its checksum field's offset, if it has one. */
interface Structure {
  name: string
  start: number
  length: number
  checksumAt?: number
  /** Offsets (from `start`) of the integer fields and their widths in bytes. */
  fields: Array<[offset: number, width: 2 | 4 | 8]>
}

interface Subject {
  name: string
  path: string
  /** Every file of the chain, by path, as created. */
  files: Map<string, Uint8Array>
  structures: Structure[]
}

type Patches = Map<number, number>

const FOOTER_FIELDS: Structure['fields'] = [[8, 4], [12, 4], [16, 8], [24, 4], [32, 4], [40, 8], [48, 8], [56, 2], [60, 4]]
const HEADER_FIELDS: Structure['fields'] = [
  [8, 8], [16, 8], [24, 4], [28, 4], [32, 4], [56, 4], [60, 4],
  ...Array.from({length: 8}, (_, i): Array<[number, 4 | 8]> => [[576 + i * 24, 4], [580 + i * 24, 4], [584 + i * 24, 4], [588 + i * 24, 4], [592 + i * 24, 8]]).flat(),
]

function footerStructure(name: string, start: number): Structure {
  return {name, start, length: 512, checksumAt: 64, fields: FOOTER_FIELDS}
}

const subjects: Subject[] = []
let dir = ''

// The images live for the whole file: the differencing subject's parent must be on disk to be found.
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'hv-vhd-fuzz-'))
  const write = (path: string, type: 'Fixed' | 'Dynamic' | 'Differencing', parentPath?: string) => {
    const disk = createVhd({path, type, size: SIZE, blockSize: BLOCK, parentPath})
    // Part of block 0, then a run across blocks 1 and 2, or (the child) part of block 2 only, leaving block 1 to its parent.
    disk.write(4096, pattern(4096, 8192, 1))
    const second = type === 'Differencing' ? 2 * BLOCK + 4096 : 2 * BLOCK - 4096
    disk.write(second, pattern(second, 8192, 2))
    disk.close()
    return new Uint8Array(readFileSync(path))
  }

  const fixedPath = join(dir, 'fixed.vhd')
  const fixed = write(fixedPath, 'Fixed')
  subjects.push({name: 'fixed', path: fixedPath, files: new Map([[fixedPath, fixed]]), structures: [footerStructure('footer', fixed.length - 512)]})

  const sparseStructures = (bytes: Uint8Array): Structure[] => {
    const view = new DataView(bytes.buffer)
    const bat = view.getUint32(512 + 16 + 4) // the table offset's low half
    const structures: Structure[] = [
      footerStructure('footer copy', 0),
      {name: 'dynamic header', start: 512, length: 1024, checksumAt: 36, fields: HEADER_FIELDS},
      {name: 'BAT', start: bat, length: 12, fields: [[0, 4], [4, 4], [8, 4]]},
      footerStructure('footer', bytes.length - 512),
    ]
    for (let index = 0; index < 3; index++) {
      const sector = view.getUint32(bat + index * 4)
      if (sector !== 0xffffffff) structures.push({name: `bitmap ${index}`, start: sector * 512, length: 8, fields: []})
    }
    for (let index = 0; index < 2; index++) {
      const entry = 576 + 512 + index * 24
      const length = view.getUint32(entry + 8)
      if (length > 0) structures.push({name: `locator data ${index}`, start: Number(view.getBigUint64(entry + 16)), length, fields: []})
    }
    return structures
  }

  const dynamicPath = join(dir, 'dynamic.vhd')
  const dynamic = write(dynamicPath, 'Dynamic')
  subjects.push({name: 'dynamic', path: dynamicPath, files: new Map([[dynamicPath, dynamic]]), structures: sparseStructures(dynamic)})

  const childPath = join(dir, 'child.vhd')
  const child = write(childPath, 'Differencing', dynamicPath)
  subjects.push({name: 'differencing', path: childPath, files: new Map([[childPath, child], [dynamicPath, dynamic]]), structures: sparseStructures(child)})
})

afterAll(() => {
  rmSync(dir, {recursive: true, force: true})
})

/** Open `subject` with `patches` applied to its top image (and its length changed), read parts of it, write to it. */
function attempt(subject: Subject, patches: Patches, length?: number): 'opened' | 'refused' {
  const top = subject.files.get(subject.path) as Uint8Array
  const openFile: ImageFileOpener = (path, readOnly) => {
    const base = subject.files.get(path) ?? new Uint8Array(readFileSync(path))
    return path === subject.path ? new MemoryImageFile(path, readOnly, base, patches, length ?? top.length) : new MemoryImageFile(path, readOnly, base)
  }
  try {
    const disk = openVhdImage(subject.path, {openFile})
    // Requests clamped to the disk, whose size may be damaged too.
    const inside = (offset: number, length: number): [number, number] => {
      const start = Math.min(offset, disk.size)
      return [start, Math.min(length, disk.size - start)]
    }
    const read = (offset: number, length: number) => {
      const [start, clamped] = inside(offset, length)
      disk.read(start, new Uint8Array(clamped))
    }
    const write = (offset: number, length: number, seed: number) => {
      const [start, clamped] = inside(offset, length)
      disk.write(start, pattern(start, clamped, seed))
    }
    try {
      // The start and end of every block, and across each block boundary.
      for (let offset = 0; offset < Math.min(disk.size, 64 * BLOCK); offset += BLOCK) {
        read(offset, 16 * KIB)
        read(offset + BLOCK - 8 * KIB, 16 * KIB)
      }
      write(0, 1024, 7)
      write(2 * BLOCK + 512, 512, 8)
      read(0, 16 * KIB)
    } finally {
      disk.close()
    }
    return 'opened'
  } catch (error) {
    if (error instanceof DiskFormatError) return 'refused'
    throw new Error(`${subject.name} with ${describePatches(patches)}${length === undefined ? '' : `, ${length} bytes long`}: ${String(error)}`, {cause: error})
  }
}

function describePatches(patches: Patches): string {
  return [...patches].map(([offset, value]) => `byte ${offset} = 0x${value.toString(16)}`).join(', ') || 'no change'
}

/** `changes` to the image's bytes, plus the structure's checksum recomputed over them when `fixChecksum`. */
function patch(subject: Subject, structure: Structure, changes: Patches, fixChecksum: boolean): Patches {
  if (!fixChecksum || structure.checksumAt === undefined) return changes
  const top = subject.files.get(subject.path) as Uint8Array
  const bytes = top.slice(structure.start, structure.start + structure.length)
  for (const [offset, value] of changes) {
    if (offset >= structure.start && offset < structure.start + structure.length) bytes[offset - structure.start] = value
  }
  const checksum = vhdChecksum(bytes, structure.checksumAt)
  const patched = new Map(changes)
  for (let i = 0; i < 4; i++) patched.set(structure.start + structure.checksumAt + i, (checksum >>> (24 - i * 8)) & 0xff)
  return patched
}

/** Big-endian bytes of `value` in a field of `width` bytes at `offset`. */
function fieldPatches(offset: number, width: number, value: bigint): Patches {
  const patches: Patches = new Map()
  for (let i = 0; i < width; i++) patches.set(offset + i, Number((value >> BigInt((width - 1 - i) * 8)) & 0xffn))
  return patches
}

function tally(): {opened: number; refused: number; add(outcome: 'opened' | 'refused'): void} {
  return {
    opened: 0,
    refused: 0,
    add(outcome) {
      this[outcome]++
    },
  }
}

describe.each(['fixed', 'dynamic', 'differencing'])('a damaged %s image', (name) => {
  const subject = () => subjects.find((candidate) => candidate.name === name) as Subject

  it('opens unchanged', () => {
    expect(attempt(subject(), new Map())).toBe('opened')
  })

  it('survives every byte of every structure flipped, zeroed or set to all ones, with and without its checksum fixed', () => {
    const image = subject()
    const top = image.files.get(image.path) as Uint8Array
    const outcomes = tally()
    for (const structure of image.structures) {
      for (let offset = structure.start; offset < structure.start + structure.length; offset++) {
        const values = new Set([top[offset] ^ 0xff, top[offset] ^ (1 << offset % 8), 0, 0xff])
        values.delete(top[offset])
        for (const value of values) {
          for (const fixChecksum of structure.checksumAt === undefined ? [false] : [false, true]) {
            outcomes.add(attempt(image, patch(image, structure, new Map([[offset, value]]), fixChecksum)))
          }
        }
      }
    }
    expect(outcomes.refused).toBeGreaterThan(0)
    expect(outcomes.opened).toBeGreaterThan(0)
  })

  it('survives every integer field set to extreme values', () => {
    const image = subject()
    const top = image.files.get(image.path) as Uint8Array
    const fileSize = BigInt(top.length)
    const outcomes = tally()
    for (const structure of image.structures) {
      for (const [fieldOffset, width] of structure.fields) {
        const max = (1n << BigInt(width * 8)) - 1n
        const candidates = [0n, 1n, 512n, max, max >> 1n, (max >> 1n) + 1n, fileSize, fileSize - 512n, fileSize / 512n, fileSize / 512n - 1n, 1n << 53n]
        for (const value of candidates) {
          if (value < 0n || value > max) continue
          outcomes.add(attempt(image, patch(image, structure, fieldPatches(structure.start + fieldOffset, width, value), true)))
        }
      }
    }
    expect(outcomes.refused).toBeGreaterThan(0)
  })

  it('survives BAT entries pointing anywhere', () => {
    const image = subject()
    const bat = image.structures.find((structure) => structure.name === 'BAT')
    if (!bat) return
    const lastSector = (image.files.get(image.path) as Uint8Array).length / 512
    // Every sector of the headers, then a stride through the blocks, then the end of the file and past it.
    const sectors = new Set<number>()
    for (let sector = 0; sector < 32; sector++) sectors.add(sector)
    for (let sector = 32; sector < lastSector; sector += 61) sectors.add(sector)
    for (let sector = lastSector - BLOCK / 512 - 4; sector <= lastSector + 2; sector++) sectors.add(sector)
    for (const sector of [...sectors].slice(0, 64)) sectors.add(sector + (BLOCK + 512) / 512) // where a following block would start
    for (let index = 0; index < 3; index++) {
      for (const sector of sectors) attempt(image, fieldPatches(bat.start + index * 4, 4, BigInt(sector)))
    }
  })

  it('survives being truncated to any length, or extended', () => {
    const image = subject()
    const top = image.files.get(image.path) as Uint8Array
    const lengths = new Set<number>()
    for (let length = 0; length < 4096; length += 7) lengths.add(length)
    for (let length = top.length - 2048; length < top.length; length++) lengths.add(length)
    for (let length = 0; length < top.length; length += 4093) lengths.add(length)
    for (const extra of [1, 511, 512, 513, 4096, BLOCK + 512]) lengths.add(top.length + extra)
    const outcomes = tally()
    for (const length of lengths) outcomes.add(attempt(image, new Map(), length))
    expect(outcomes.refused).toBeGreaterThan(0)
  })

  it('survives random handfuls of corrupt bytes in its structures', () => {
    const image = subject()
    const structureArb = fc.constantFrom(...image.structures)
    const changeArb = structureArb.chain((structure) =>
      fc.record({
        structure: fc.constant(structure),
        bytes: fc.array(fc.tuple(fc.integer({min: structure.start, max: structure.start + structure.length - 1}), fc.integer({min: 0, max: 255})), {minLength: 1, maxLength: 6}),
        fixChecksum: fc.boolean(),
      }),
    )
    fc.assert(
      fc.property(changeArb, ({structure, bytes, fixChecksum}) => {
        attempt(image, patch(image, structure, new Map(bytes), fixChecksum))
      }),
      {seed: 0x7668, numRuns: 400},
    )
  })
})

describe('the fuzz subjects', () => {
  it('are small enough to keep the suite fast', () => {
    for (const subject of subjects) expect(subject.files.get(subject.path)?.length ?? 0).toBeLessThan(2 * MIB)
  })
})

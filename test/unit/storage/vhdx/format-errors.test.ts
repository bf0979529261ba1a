/**
 * Malformed images refused with a DiskFormatError that names the file and
 * the field, and the damage the format's redundancy absorbs (a second header,
 * a second region table). Each case starts from an image hv made and changes
 * one thing, recomputing checksums so the change itself is what is judged.
 */
import {readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {BitmapState, PayloadState} from '../../../../src/core/storage/vhdx/bat.js'
import {structureChecksum} from '../../../../src/core/storage/vhdx/crc32c.js'
import {knownGuid} from '../../../../src/core/storage/vhdx/guid.js'
import {createVhdx, openVhdx} from '../../../../src/core/storage/vhdx/index.js'
import {DiskFormatError} from '../../../../src/core/storage/virtual-disk.js'
import {KiB, MiB, pattern, readAll, sameBytes, tempDir} from './helpers.js'
import {inspect} from './inspect.js'

let dir: string
let cleanup: () => void
beforeEach(() => {
  ;({dir, cleanup} = tempDir())
})
afterEach(() => cleanup())

/** A dynamic image, 1 MiB blocks, blocks 0 and 2 written; and its bytes. */
function goodImage(): {path: string; bytes: Buffer} {
  const path = join(dir, 'disk.vhdx')
  const disk = createVhdx({path, type: 'Dynamic', size: 8 * MiB, blockSize: MiB})
  disk.write(0, pattern(4096, 1))
  disk.write(2 * MiB, pattern(4096, 2))
  disk.close()
  return {path, bytes: readFileSync(path)}
}

const HEADER = [64 * KiB, 128 * KiB]
const REGION_TABLE = [192 * KiB, 256 * KiB]
const METADATA = 2 * MiB
const BAT = 3 * MiB

/** Change the image, recompute the checksums of both headers and region tables, and write it. */
function damage(path: string, bytes: Buffer, change: (bytes: Buffer) => void): void {
  const copy = Buffer.from(bytes)
  change(copy)
  for (const at of HEADER) copy.writeUInt32LE(structureChecksum(copy.subarray(at, at + 4 * KiB), 4), at + 4)
  for (const at of REGION_TABLE) copy.writeUInt32LE(structureChecksum(copy.subarray(at, at + 64 * KiB), 4), at + 4)
  writeFileSync(path, copy)
}

/** Both region tables changed the same way. */
function regionTables(change: (table: Buffer) => void): (bytes: Buffer) => void {
  return (bytes) => {
    for (const at of REGION_TABLE) change(bytes.subarray(at, at + 64 * KiB))
  }
}

function refused(path: string, message: string | RegExp): void {
  for (const readOnly of [true, false]) {
    let error: unknown
    try {
      openVhdx(path, {readOnly}).close()
    } catch (caught) {
      error = caught
    }
    expect(error).toBeInstanceOf(DiskFormatError)
    expect((error as Error).message.startsWith(`${path}: `)).toBe(true)
    expect((error as Error).message).toMatch(message)
  }
}

describe('the file identifier and headers', () => {
  it('refuse a file without the signature, or too short for a header section', () => {
    const {path, bytes} = goodImage()
    damage(path, bytes, (b) => b.write('vhdxfilf', 0, 'latin1'))
    refused(path, 'the file does not start with the "vhdxfile" signature')
    writeFileSync(path, bytes.subarray(0, 900 * KiB))
    refused(path, 'smaller than the 1 MiB header section')
  })

  it('fall back to the other header when the current one is damaged, and refuse when both are', () => {
    const {path, bytes} = goodImage()
    const current = inspect(path).headerSlot
    const copy = Buffer.from(bytes)
    copy[HEADER[current]! + 100]! ^= 1
    writeFileSync(path, copy)
    expect(inspect(path).headerSlot).toBe(current === 0 ? 1 : 0)
    const disk = openVhdx(path, {readOnly: true})
    const first = new Uint8Array(4096)
    disk.read(0, first)
    disk.close()
    expect(sameBytes(first, pattern(4096, 1))).toBe(true)
    copy[HEADER[current === 0 ? 1 : 0]!]! ^= 1
    writeFileSync(path, copy)
    refused(path, /no valid header: header 1 (checksum does not match|signature is not "head"); header 2 (checksum does not match|signature is not "head")/)
  })

  it('refuse another format version, a log outside the file, or a misaligned log', () => {
    const {path, bytes} = goodImage()
    damage(path, bytes, (b) => HEADER.forEach((at) => b.writeUInt16LE(2, at + 66)))
    refused(path, /version is 2; hv reads version 1/)
    damage(path, bytes, (b) => HEADER.forEach((at) => b.writeBigUInt64LE(BigInt(64 * MiB), at + 72)))
    refused(path, /goes past the end of the file/)
    damage(path, bytes, (b) => HEADER.forEach((at) => b.writeBigUInt64LE(BigInt(MiB + 4096), at + 72)))
    refused(path, /log offset 1052672 is not a multiple of 1 MiB/)
  })
})

describe('the region table', () => {
  it('is read from its copy when the first is damaged, and refused when both are', () => {
    const {path, bytes} = goodImage()
    const copy = Buffer.from(bytes)
    copy[REGION_TABLE[0]! + 20]! ^= 1
    writeFileSync(path, copy)
    expect(() => openVhdx(path, {readOnly: true}).close()).not.toThrow()
    copy[REGION_TABLE[1]! + 20]! ^= 1
    writeFileSync(path, copy)
    refused(path, 'region table 1: checksum does not match; region table 2: checksum does not match')
  })

  it('refuses a required region hv does not know, and ignores an optional one', () => {
    const {path, bytes} = goodImage()
    const addRegion = (required: number) =>
      regionTables((table) => {
        table.writeUInt32LE(3, 8)
        knownGuid('11111111-2222-3333-4444-555555555555').forEach((byte, i) => (table[16 + 64 + i] = byte))
        table.writeBigUInt64LE(BigInt(5 * MiB), 16 + 64 + 16)
        table.writeUInt32LE(MiB, 16 + 64 + 24)
        table.writeUInt32LE(required, 16 + 64 + 28)
      })
    damage(path, bytes, addRegion(1))
    refused(path, 'region table: region {11111111-2222-3333-4444-555555555555} is required but unknown to hv')
    damage(path, bytes, addRegion(0))
    // Optional, so ignored, but blocks must stay clear of it: block 2 is at 5 MiB.
    refused(path, /BAT entry 2 overlaps region \{11111111/)
  })

  it('refuses regions that overlap, leave the file, or are not aligned', () => {
    const {path, bytes} = goodImage()
    damage(path, bytes, regionTables((t) => t.writeBigUInt64LE(BigInt(MiB), 16 + 16)))
    refused(path, 'region table: the BAT region overlaps the log')
    damage(path, bytes, regionTables((t) => t.writeUInt32LE(64 * MiB, 16 + 24)))
    refused(path, /the BAT region \(offset 3145728, length 67108864\) goes past the end of the file/)
    damage(path, bytes, regionTables((t) => t.writeUInt32LE(MiB + 4096, 16 + 24)))
    refused(path, /the BAT region length 1052672 is not a positive multiple of 1 MiB/)
    damage(path, bytes, regionTables((t) => t.writeUInt32LE(1, 8)))
    refused(path, 'region table: there is no metadata region')
  })
})

describe('the metadata', () => {
  /** The offset of metadata item `entry`'s table entry. */
  const entry = (index: number) => METADATA + 32 + index * 32

  it('refuses a required item hv does not know, and ignores an optional one', () => {
    const {path, bytes} = goodImage()
    const addItem = (flags: number) => (b: Buffer) => {
      b.writeUInt16LE(6, METADATA + 10)
      knownGuid('aaaaaaaa-2222-3333-4444-555555555555').forEach((byte, i) => (b[entry(5) + i] = byte))
      b.writeUInt32LE(128 * KiB, entry(5) + 16)
      b.writeUInt32LE(8, entry(5) + 20)
      b.writeUInt32LE(flags, entry(5) + 24)
    }
    damage(path, bytes, addItem(4))
    refused(path, 'metadata: item {aaaaaaaa-2222-3333-4444-555555555555} is required but unknown to hv')
    damage(path, bytes, addItem(0))
    expect(() => openVhdx(path, {readOnly: true}).close()).not.toThrow()
  })

  it('refuses items outside the region, overlapping, or missing', () => {
    const {path, bytes} = goodImage()
    damage(path, bytes, (b) => b.writeUInt32LE(MiB - 4, entry(1) + 16))
    refused(path, /metadata: item \{2fa54224-cd1b-4876-b211-5dbed83bf4b8\} \(offset 1048572, length 8\) is outside the item area/)
    damage(path, bytes, (b) => b.writeUInt32LE(b.readUInt32LE(entry(0) + 16) + 4, entry(1) + 16))
    refused(path, /overlaps item \{caa16737/)
    damage(path, bytes, (b) => b.writeUInt16LE(4, METADATA + 10))
    refused(path, 'metadata: the physical sector size item is missing')
  })

  it('refuses block sizes, sector sizes and disk sizes the format does not allow', () => {
    const {path, bytes} = goodImage()
    const item = (index: number) => METADATA + bytes.readUInt32LE(entry(index) + 16)
    damage(path, bytes, (b) => b.writeUInt32LE(3 * MiB, item(0)))
    refused(path, 'metadata: block size 3145728 is not a power of two from 1 MiB to 256 MiB')
    damage(path, bytes, (b) => b.writeUInt32LE(512 * MiB, item(0)))
    refused(path, /block size 536870912 is not/)
    damage(path, bytes, (b) => b.writeUInt32LE(1024, item(3)))
    refused(path, 'metadata: logical sector size 1024 is neither 512 nor 4096')
    damage(path, bytes, (b) => b.writeUInt32LE(2048, item(4)))
    refused(path, 'metadata: physical sector size 2048 is neither 512 nor 4096')
    damage(path, bytes, (b) => b.writeBigUInt64LE(BigInt(8 * MiB + 100), item(1)))
    refused(path, /virtual disk size 8388708 is not a multiple of the logical sector size 512/)
    damage(path, bytes, (b) => b.writeBigUInt64LE(2n ** 47n, item(1)))
    refused(path, /virtual disk size 140737488355328 is not between 1 byte and 64 TiB/)
    // A larger disk whose BAT no longer fits its region.
    damage(path, bytes, (b) => b.writeBigUInt64LE(BigInt(200 * 1024 * MiB), item(1)))
    refused(path, 'the BAT region (1048576 bytes) is too small for 204849 entries')
  })

  it('refuses a differencing image without a parent locator', () => {
    const {path, bytes} = goodImage()
    damage(path, bytes, (b) => b.writeUInt32LE(2, METADATA + bytes.readUInt32LE(entry(0) + 16) + 4))
    refused(path, 'metadata: the parent locator item is missing')
  })
})

describe('the BAT', () => {
  const setEntry = (index: number, state: number, offset: number) => (b: Buffer) => b.writeBigUInt64LE((BigInt(offset / MiB) << 20n) | BigInt(state), BAT + index * 8)

  it('refuses entries past the end of the file, into the header section, or overlapping', () => {
    const {path, bytes} = goodImage()
    damage(path, bytes, setEntry(3, PayloadState.FullyPresent, 6 * MiB))
    refused(path, 'BAT entry 3 (payload) points past the end of the file')
    damage(path, bytes, setEntry(3, PayloadState.FullyPresent, 0))
    refused(path, 'BAT entry 3 (payload) points into the header section')
    damage(path, bytes, setEntry(3, PayloadState.FullyPresent, 4 * MiB))
    refused(path, /BAT entry (0|3) overlaps BAT entry (0|3)/)
    damage(path, bytes, setEntry(3, PayloadState.FullyPresent, 3 * MiB))
    refused(path, 'BAT entry 3 overlaps the BAT region')
  })

  it('refuses undefined states, and partially present blocks without a parent', () => {
    const {path, bytes} = goodImage()
    damage(path, bytes, setEntry(3, 4, 0))
    refused(path, 'BAT entry 3 has unknown state 4')
    damage(path, bytes, setEntry(2, PayloadState.PartiallyPresent, 5 * MiB))
    refused(path, 'BAT entry 2 is partially present in an image without a parent')
  })

  it('reads zero and unmapped blocks as zeros, and ignores their offsets', () => {
    const {path, bytes} = goodImage()
    for (const state of [PayloadState.Zero, PayloadState.Unmapped, PayloadState.Undefined]) {
      damage(path, bytes, setEntry(2, state, 5 * MiB))
      const disk = openVhdx(path, {readOnly: true})
      const block = new Uint8Array(MiB)
      disk.read(2 * MiB, block)
      expect(block.every((b) => b === 0)).toBe(true)
      disk.close()
    }
  })
})

describe('block states in a differencing image', () => {
  it('zero reads as zeros, not the parent; not present and undefined read the parent; a write into a zero block keeps its zeros', () => {
    const parentPath = join(dir, 'parent.vhdx')
    const parent = createVhdx({path: parentPath, type: 'Dynamic', size: 4 * MiB, blockSize: MiB})
    parent.write(0, pattern(4 * MiB, 1))
    parent.close()
    const childPath = join(dir, 'child.vhdx')
    createVhdx({path: childPath, type: 'Differencing', parentPath, blockSize: MiB}).close()
    const bytes = readFileSync(childPath)
    const {bat, batRegion} = inspect(childPath)
    const at = (block: number) => batRegion.offset + bat.geometry.payloadEntry(block) * 8
    const copy = Buffer.from(bytes)
    copy.writeBigUInt64LE(BigInt(PayloadState.Zero), at(1))
    copy.writeBigUInt64LE(BigInt(PayloadState.Undefined), at(2))
    writeFileSync(childPath, copy)

    const child = openVhdx(childPath)
    const expected = pattern(4 * MiB, 1)
    expected.fill(0, MiB, 2 * MiB)
    expect(sameBytes(readAll(child), expected)).toBe(true)
    child.write(MiB + 4096, pattern(512, 2))
    expected.set(pattern(512, 2), MiB + 4096)
    expect(sameBytes(readAll(child), expected)).toBe(true)
    child.close()
    const after = inspect(childPath).bat
    expect(after.state(after.geometry.payloadEntry(1))).toBe(PayloadState.FullyPresent)
    expect(after.state(after.geometry.bitmapEntry(0))).toBe(BitmapState.NotPresent)
  })
})

/**
 * The on-disk structures one at a time: GUID layout, BAT geometry and
 * entries, log entries, parent locator, metadata region, region table.
 */
import {describe, expect, it} from 'vitest'

import {Bat, BatGeometry, PayloadState, writeBatEntry} from '../../../../src/core/storage/vhdx/bat.js'
import {formatGuid, guidsEqual, knownGuid, parseGuid, randomGuid} from '../../../../src/core/storage/vhdx/guid.js'
import {buildLogEntry, parseLogEntry} from '../../../../src/core/storage/vhdx/log-entry.js'
import {parseParentLocator, serializeParentLocator} from '../../../../src/core/storage/vhdx/parent-locator.js'
import {relativeLocatorPath, parentCandidates} from '../../../../src/core/storage/vhdx/parent.js'
import {SectorBitmap} from '../../../../src/core/storage/vhdx/sector-bitmap.js'
import {DiskFormatError} from '../../../../src/core/storage/virtual-disk.js'
import {MiB, pattern} from './helpers.js'

describe('GUIDs', () => {
  it('are stored in the Microsoft mixed-endian layout', () => {
    const bytes = knownGuid('2DC27766-F623-4200-9D64-115E9BFD4A08')
    expect(Buffer.from(bytes).toString('hex')).toBe('6677c22d23f600429d64115e9bfd4a08')
    expect(formatGuid(bytes)).toBe('2dc27766-f623-4200-9d64-115e9bfd4a08')
  })

  it('parse with or without braces, and refuse anything else', () => {
    expect(guidsEqual(parseGuid('{8b7ca206-4790-4b9a-b8fe-575f050f886e}')!, knownGuid('8B7CA206-4790-4B9A-B8FE-575F050F886E'))).toBe(true)
    for (const bad of ['', 'not a guid', '{8b7ca206-4790-4b9a-b8fe-575f050f886e', '8b7ca206-4790-4b9a-b8fe-575f050f886', '8b7ca20647904b9ab8fe575f050f886e']) expect(parseGuid(bad)).toBeNull()
  })

  it('round-trip through text, and random ones differ', () => {
    const guid = randomGuid()
    expect(guidsEqual(parseGuid(formatGuid(guid))!, guid)).toBe(true)
    expect(guidsEqual(randomGuid(), guid)).toBe(false)
  })
})

describe('BAT geometry', () => {
  it('has a chunk ratio of 2^23 sectors over the block size', () => {
    expect(new BatGeometry(MiB, 32 * MiB, 512, false).chunkRatio).toBe(128)
    expect(new BatGeometry(MiB, MiB, 4096, false).chunkRatio).toBe(32768)
    expect(new BatGeometry(MiB, 256 * MiB, 512, false).chunkRatio).toBe(16)
  })

  it('interleaves a sector bitmap entry after every chunk ratio payload entries', () => {
    const geometry = new BatGeometry(100 * 256 * MiB, 256 * MiB, 512, false) // chunk ratio 16, 100 blocks
    expect(geometry.payloadEntry(0)).toBe(0)
    expect(geometry.payloadEntry(15)).toBe(15)
    expect(geometry.bitmapEntry(0)).toBe(16)
    expect(geometry.payloadEntry(16)).toBe(17)
    expect(geometry.payloadEntry(99)).toBe(99 + 6)
    // Without a parent the BAT ends with the last payload entry.
    expect(geometry.totalEntries).toBe(100 + 6)
    // With one, every chunk's bitmap entry is there.
    expect(new BatGeometry(100 * 256 * MiB, 256 * MiB, 512, true).totalEntries).toBe(7 * 17)
  })

  it('counts a partial last block', () => {
    expect(new BatGeometry(32 * MiB + 512, 32 * MiB, 512, false).dataBlocks).toBe(2)
  })

  it('stores state in bits 0-2 and the offset in MiB from bit 20, up to 44 bits', () => {
    const geometry = new BatGeometry(4 * MiB, MiB, 512, false)
    const bat = new Bat(new Uint8Array(geometry.byteLength), geometry)
    expect(bat.set(1, PayloadState.FullyPresent, 5 * MiB)).toBe(0)
    expect(Buffer.from(bat.bytes.subarray(8, 16)).readBigUInt64LE()).toBe((5n << 20n) | 6n)
    const far = 2 ** 44 * MiB // 16 EiB: exact as a double, beyond any file
    bat.set(2, PayloadState.PartiallyPresent, (2 ** 40 + 3) * MiB)
    expect(bat.state(2)).toBe(PayloadState.PartiallyPresent)
    expect(bat.fileOffset(2)).toBe((2 ** 40 + 3) * MiB)
    const view = new DataView(new ArrayBuffer(8))
    writeBatEntry(view, 0, 6, far - MiB)
    expect(view.getBigUint64(0, true)).toBe(((2n ** 44n - 1n) << 20n) | 6n)
  })
})

describe('sector bitmaps', () => {
  it('number sectors from bit 0 of byte 0, and report the 4 KiB pieces a change touches', () => {
    const bitmap = new SectorBitmap(new Uint8Array(MiB))
    expect(bitmap.set(0, 1)).toEqual([0])
    expect(bitmap.bytes[0]).toBe(1)
    expect(bitmap.set(9, 2)).toEqual([0])
    expect(bitmap.bytes[1]).toBe(0b110)
    expect(bitmap.set(4096 * 8 - 1, 2)).toEqual([0, 1])
    expect(bitmap.set(0, 1)).toEqual([])
    expect(bitmap.has(10)).toBe(true)
    expect(bitmap.has(11)).toBe(false)
    expect(bitmap.run(9, 100)).toBe(2)
    expect(bitmap.run(11, 5)).toBe(5)
  })
})

describe('log entries', () => {
  const logGuid = randomGuid()
  const fields = {sequenceNumber: 0x1_0000_0007n, tail: 8192, logGuid, flushedFileOffset: 8 * MiB, lastFileOffset: 9 * MiB}

  it('round-trip data and zero descriptors, the sector split around the data sector', () => {
    const data = [pattern(4096, 1), pattern(4096, 2)]
    const entry = buildLogEntry({...fields, writes: [{kind: 'data', fileOffset: 3 * MiB, data: data[0]!}, {kind: 'zero', fileOffset: 4 * MiB, length: 8192}, {kind: 'data', fileOffset: 3 * MiB + 4096, data: data[1]!}]})
    expect(entry.length).toBe(3 * 4096)
    expect(Buffer.from(entry.subarray(0, 4)).toString()).toBe('loge')
    expect(Buffer.from(entry.subarray(4096, 4100)).toString()).toBe('data')
    const parsed = parseLogEntry(entry, logGuid, MiB)!
    expect(parsed).not.toBeNull()
    expect(parsed.sequenceNumber).toBe(fields.sequenceNumber)
    expect(parsed.tail).toBe(8192)
    expect(parsed.flushedFileOffset).toBe(8 * MiB)
    expect(parsed.lastFileOffset).toBe(9 * MiB)
    expect(parsed.writes).toEqual([
      {kind: 'data', fileOffset: 3 * MiB, data: data[0]},
      {kind: 'zero', fileOffset: 4 * MiB, length: 8192},
      {kind: 'data', fileOffset: 3 * MiB + 4096, data: data[1]},
    ])
  })

  it('spill descriptors into more sectors past 126', () => {
    const writes = Array.from({length: 127}, (_, i) => ({kind: 'zero' as const, fileOffset: i * 4096, length: 4096}))
    const entry = buildLogEntry({...fields, writes})
    expect(entry.length).toBe(2 * 4096)
    expect(parseLogEntry(entry, logGuid, MiB)!.writes).toHaveLength(127)
  })

  it('are invalid with another log GUID, longer than the log, or with any bit flipped', () => {
    const entry = buildLogEntry({...fields, writes: [{kind: 'data', fileOffset: 3 * MiB, data: pattern(4096, 3)}]})
    expect(parseLogEntry(entry, randomGuid(), MiB)).toBeNull()
    expect(parseLogEntry(entry, logGuid, 4096)).toBeNull() // longer than the log
    for (const at of [0, 8, 16, 70, 4096 + 100, entry.length - 1]) {
      const damaged = entry.slice()
      damaged[at]! ^= 0x10
      expect(parseLogEntry(damaged, logGuid, MiB), `bit flip at ${at}`).toBeNull()
    }
  })
})

describe('parent locators', () => {
  it('round-trip key/value pairs as UTF-16', () => {
    const pairs: Array<[string, string]> = [
      ['parent_linkage', '{83ed0ec3-24c8-49a6-a959-5e4bf1288bfb}'],
      ['relative_path', '..\\disks\\bäse.vhdx'],
    ]
    const bytes = serializeParentLocator(pairs)
    expect(Buffer.from(bytes.subarray(0, 16)).toString('hex')).toBe('b7ef4ab09ed1814ab78925b8e9445913')
    expect([...parseParentLocator('x.vhdx', bytes)]).toEqual(pairs)
  })

  it('refuse entries outside the item, odd lengths and another locator type', () => {
    const bytes = serializeParentLocator([['relative_path', 'a.vhdx']])
    const view = new DataView(bytes.buffer)
    const damaged = (change: (view: DataView, bytes: Uint8Array) => void) => {
      const copy = bytes.slice()
      change(new DataView(copy.buffer), copy)
      return () => parseParentLocator('x.vhdx', copy)
    }
    expect(damaged((v) => v.setUint32(24, 10_000, true))).toThrow(/goes past the end of the item/)
    expect(damaged((v) => v.setUint16(30, 3, true))).toThrow(/odd length/)
    expect(damaged((v) => v.setUint16(18, 500, true))).toThrow(/do not fit/)
    expect(damaged((_, b) => (b[0]! ^= 1))).toThrow(DiskFormatError)
    expect(view.getUint16(18, true)).toBe(1)
  })

  it('resolve relative_path from the child directory first, then an absolute path', () => {
    const locator = new Map([
      ['relative_path', '..\\base\\parent.vhdx'],
      ['absolute_win32_path', '/srv/disks/parent.vhdx'],
    ])
    expect(parentCandidates('/vms/child/c.vhdx', locator).candidates).toEqual(['/vms/base/parent.vhdx', '/srv/disks/parent.vhdx'])
    const windows = parentCandidates('/vms/c.vhdx', new Map([['absolute_win32_path', '\\\\?\\d:\\disks\\p.vhdx']]))
    expect(windows).toEqual({candidates: [], unusable: ['\\\\?\\d:\\disks\\p.vhdx']})
    expect(relativeLocatorPath('/vms/child/c.vhdx', '/vms/base/parent.vhdx')).toBe('..\\base\\parent.vhdx')
    expect(relativeLocatorPath('/vms/c.vhdx', '/vms/p.vhdx')).toBe('p.vhdx')
  })
})

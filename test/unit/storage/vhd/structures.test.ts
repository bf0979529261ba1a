import {readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {describe, expect, it} from 'vitest'

import {DiskFormatError} from '../../../../src/core/storage/virtual-disk.js'
import {vhdChecksum} from '../../../../src/core/storage/vhd/checksum.js'
import {decodeDynamicHeader, emptyLocator, encodeDynamicHeader} from '../../../../src/core/storage/vhd/dynamic-header.js'
import {decodeFooter, encodeFooter, type VhdFooter} from '../../../../src/core/storage/vhd/footer.js'
import {geometryForSize, geometrySize} from '../../../../src/core/storage/vhd/geometry.js'
import {bytesToGuid, guidToBytes, normaliseGuid} from '../../../../src/core/storage/vhd/guid.js'
import {isVhd} from '../../../../src/core/storage/vhd/index.js'
import {bitmapSize, isSectorPresent, markSectorsPresent, sectorRuns} from '../../../../src/core/storage/vhd/sector-bitmap.js'
import {fromVhdTimestamp, toVhdTimestamp} from '../../../../src/core/storage/vhd/timestamp.js'
import {GIB, MIB, useTempDir} from './helpers.js'

const sampleFooter: VhdFooter = {
  features: 2,
  formatVersion: 0x00010000,
  dataOffset: 512n,
  timestamp: 0x2f3e4d5c,
  creatorApplication: 'win ',
  creatorVersion: 0x000a0000,
  creatorHostOs: 'Wi2k',
  originalSize: BigInt(10 * MIB),
  currentSize: 10 * MIB,
  geometry: {cylinders: 301, heads: 4, sectorsPerTrack: 17},
  diskType: 'Dynamic',
  uniqueId: '01234567-89ab-cdef-0123-456789abcdef',
  savedState: 0,
}

describe('CHS geometry (the specification appendix algorithm)', () => {
  it.each([
    [1 * MIB, 30, 4, 17],
    [10 * MIB, 301, 4, 17],
    [40 * MIB, 963, 5, 17],
    [200 * MIB, 825, 16, 31],
    [500 * MIB, 1015, 16, 63],
    [1 * GIB, 2080, 16, 63],
    [32 * GIB, 16448, 16, 255],
    [127 * GIB, 65278, 16, 255],
    [2040 * GIB, 65535, 16, 255],
  ])('%i bytes is %i/%i/%i', (size, cylinders, heads, sectorsPerTrack) => {
    expect(geometryForSize(size)).toEqual({cylinders, heads, sectorsPerTrack})
  })

  it('rounds down: the geometry never addresses more than the size', () => {
    for (let sectors = 1; sectors < 300_000; sectors += 997) {
      expect(geometrySize(geometryForSize(sectors * 512))).toBeLessThanOrEqual(sectors * 512)
    }
  })
})

describe('checksum', () => {
  it("is the one's complement of the byte sum, skipping the checksum field", () => {
    const bytes = new Uint8Array(16)
    bytes[0] = 1
    bytes[5] = 0xff // inside the checksum field at 4..7: not counted
    bytes[15] = 2
    expect(vhdChecksum(bytes, 4)).toBe(~3 >>> 0)
  })
})

describe('footer', () => {
  it('encodes every field big-endian where the specification puts it', () => {
    const bytes = encodeFooter(sampleFooter)
    const view = new DataView(bytes.buffer)
    expect(bytes.length).toBe(512)
    expect(new TextDecoder().decode(bytes.subarray(0, 8))).toBe('conectix')
    expect(view.getUint32(8)).toBe(2)
    expect(view.getUint32(12)).toBe(0x00010000)
    expect(view.getBigUint64(16)).toBe(512n)
    expect(view.getUint32(24)).toBe(0x2f3e4d5c)
    expect(new TextDecoder().decode(bytes.subarray(28, 32))).toBe('win ')
    expect(view.getUint32(32)).toBe(0x000a0000)
    expect(new TextDecoder().decode(bytes.subarray(36, 40))).toBe('Wi2k')
    expect(view.getBigUint64(40)).toBe(BigInt(10 * MIB))
    expect(view.getBigUint64(48)).toBe(BigInt(10 * MIB))
    expect([view.getUint16(56), bytes[58], bytes[59]]).toEqual([301, 4, 17])
    expect(view.getUint32(60)).toBe(3)
    expect(view.getUint32(64)).toBe(vhdChecksum(bytes, 64))
    expect(bytes[84]).toBe(0)
    expect(bytes.subarray(85).every((byte) => byte === 0)).toBe(true)
  })

  it('decodes what it encodes', () => {
    expect(decodeFooter(encodeFooter(sampleFooter), 'x.vhd')).toEqual(sampleFooter)
  })

  it.each([
    ['cookie', 0, 'footer cookie is not "conectix"'],
    ['checksum', 100, 'footer checksum does not match'],
  ])('refuses a bad %s', (_field, offset, message) => {
    const bytes = encodeFooter(sampleFooter)
    bytes[offset] ^= 0x01
    expect(() => decodeFooter(bytes, 'x.vhd')).toThrow(DiskFormatError)
    expect(() => decodeFooter(bytes, 'x.vhd')).toThrow(`x.vhd: ${message}`)
  })

  it.each([
    [{formatVersion: 0x00020000}, 'file format version 2.0 is not supported'],
    [{diskType: 'Fixed' as const, currentSize: 2041 * GIB}, 'more than the 2040 GiB'],
    [{currentSize: 1000}, 'not a multiple of 512'],
  ])('refuses %o', (change, message) => {
    expect(() => decodeFooter(encodeFooter({...sampleFooter, ...change}), 'x.vhd')).toThrow(message)
  })

  it('refuses the deprecated and unknown disk types', () => {
    for (const code of [0, 1, 5, 6, 7, 0xffffffff]) {
      const bytes = encodeFooter(sampleFooter)
      const view = new DataView(bytes.buffer)
      view.setUint32(60, code)
      view.setUint32(64, vhdChecksum(bytes, 64))
      expect(() => decodeFooter(bytes, 'x.vhd')).toThrow(`footer disk type ${code} is not supported`)
    }
  })
})

describe('dynamic disk header', () => {
  const header = {
    tableOffset: 1536n,
    headerVersion: 0x00010000,
    maxTableEntries: 5,
    blockSize: 2 * MIB,
    parentUniqueId: 'fedcba98-7654-3210-fedc-ba9876543210',
    parentTimestamp: 12345,
    parentName: 'parent é.vhd',
    locators: [
      {platformCode: 'W2ku', dataSpace: 4096, dataLength: 24, dataOffset: 4096n},
      {platformCode: 'W2ru', dataSpace: 4096, dataLength: 12, dataOffset: 8192n},
      ...Array.from({length: 6}, emptyLocator),
    ],
  }

  it('lays out its fields as the specification does', () => {
    const bytes = encodeDynamicHeader(header)
    const view = new DataView(bytes.buffer)
    expect(bytes.length).toBe(1024)
    expect(new TextDecoder().decode(bytes.subarray(0, 8))).toBe('cxsparse')
    expect(view.getBigUint64(8)).toBe(0xffffffffffffffffn)
    expect(view.getBigUint64(16)).toBe(1536n)
    expect(view.getUint32(24)).toBe(0x00010000)
    expect(view.getUint32(28)).toBe(5)
    expect(view.getUint32(32)).toBe(2 * MIB)
    expect(view.getUint32(36)).toBe(vhdChecksum(bytes, 36))
    expect(view.getUint32(56)).toBe(12345)
    // The parent's name is UTF-16 big-endian.
    expect([bytes[64], bytes[65]]).toEqual([0, 'p'.charCodeAt(0)])
    expect(new TextDecoder().decode(bytes.subarray(576, 580))).toBe('W2ku')
    expect([view.getUint32(580), view.getUint32(584), view.getBigUint64(592)]).toEqual([4096, 24, 4096n])
    expect(new TextDecoder().decode(bytes.subarray(600, 604))).toBe('W2ru')
    expect(bytes.subarray(768).every((byte) => byte === 0)).toBe(true)
  })

  it('decodes what it encodes', () => {
    expect(decodeDynamicHeader(encodeDynamicHeader(header), 'x.vhd')).toEqual(header)
  })

  it.each([
    [{headerVersion: 0x00020000}, 'dynamic disk header version 2.0 is not supported'],
    [{blockSize: 3 * MIB}, 'block size 3145728 is not a power of two'],
    [{blockSize: 256}, 'block size 256 is not a power of two'],
  ])('refuses %o', (change, message) => {
    expect(() => decodeDynamicHeader(encodeDynamicHeader({...header, ...change}), 'x.vhd')).toThrow(message)
  })

  it('refuses a bad cookie or checksum', () => {
    const badCookie = encodeDynamicHeader(header)
    badCookie[1] = 0
    expect(() => decodeDynamicHeader(badCookie, 'x.vhd')).toThrow('dynamic disk header cookie is not "cxsparse"')
    const badSum = encodeDynamicHeader(header)
    badSum[900] = 1
    expect(() => decodeDynamicHeader(badSum, 'x.vhd')).toThrow('dynamic disk header checksum does not match')
  })
})

describe('GUIDs', () => {
  it('are stored in Windows order: the first three groups little-endian', () => {
    const bytes = guidToBytes('00112233-4455-6677-8899-aabbccddeeff')
    expect([...bytes]).toEqual([0x33, 0x22, 0x11, 0x00, 0x55, 0x44, 0x77, 0x66, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff])
    expect(bytesToGuid(bytes)).toBe('00112233-4455-6677-8899-aabbccddeeff')
  })

  it('normalise to lower case without braces, and refuse non-GUIDs', () => {
    expect(normaliseGuid('{ABCDEF01-2345-6789-ABCD-EF0123456789}')).toBe('abcdef01-2345-6789-abcd-ef0123456789')
    expect(normaliseGuid('{abcdef01-2345-6789-abcd-ef0123456789')).toBeNull()
    expect(normaliseGuid('not-a-guid')).toBeNull()
  })
})

describe('time stamps', () => {
  it('count seconds from 2000-01-01 UTC', () => {
    expect(toVhdTimestamp(new Date('2000-01-01T00:00:00Z'))).toBe(0)
    expect(toVhdTimestamp(new Date('2000-01-02T00:00:01Z'))).toBe(86401)
    expect(fromVhdTimestamp(86401).toISOString()).toBe('2000-01-02T00:00:01.000Z')
    expect(toVhdTimestamp(new Date('1999-01-01T00:00:00Z'))).toBe(0)
  })
})

describe('sector bitmaps', () => {
  it('take a whole number of sectors: one for a 2 MiB block, 32 for a 64 MiB one', () => {
    expect(bitmapSize(512 * 1024)).toBe(512)
    expect(bitmapSize(2 * MIB)).toBe(512)
    expect(bitmapSize(64 * MIB)).toBe(16 * 1024)
    expect(bitmapSize(512)).toBe(512)
  })

  it('give sector n the bit 7 - n % 8 of byte n / 8', () => {
    const slice = {bytes: new Uint8Array(2), firstByte: 0}
    markSectorsPresent(slice, 0, 1)
    markSectorsPresent(slice, 9, 1)
    expect([...slice.bytes]).toEqual([0x80, 0x40])
    expect(isSectorPresent(slice, 9)).toBe(true)
    expect(isSectorPresent(slice, 8)).toBe(false)
  })

  it('split a range into runs of present and absent sectors', () => {
    const slice = {bytes: new Uint8Array([0b0011_1000, 0xff]), firstByte: 4}
    // Byte 4 covers sectors 32..39: 34, 35 and 36 present; byte 5 (40..47) all present.
    expect(sectorRuns(slice, 33, 10)).toEqual([
      {firstSector: 33, count: 1, present: false},
      {firstSector: 34, count: 3, present: true},
      {firstSector: 37, count: 3, present: false},
      {firstSector: 40, count: 3, present: true},
    ])
    expect(markSectorsPresent(slice, 34, 3)).toBe(false)
    expect(markSectorsPresent(slice, 33, 2)).toBe(true)
  })
})

describe('isVhd', () => {
  const tempDir = useTempDir()

  it('finds the cookie at the end, in the last 511 bytes, or at the start', () => {
    const dir = tempDir()
    const footer = encodeFooter({...sampleFooter, diskType: 'Fixed', dataOffset: 0xffffffffffffffffn})
    const cases: Array<[string, Uint8Array, boolean]> = [
      ['end.vhd', Buffer.concat([new Uint8Array(4096), footer]), true],
      ['legacy.vhd', Buffer.concat([new Uint8Array(4096), footer.subarray(0, 511)]), true],
      ['start.vhd', Buffer.concat([footer, new Uint8Array(4096)]), true],
      ['none.vhd', new Uint8Array(8192), false],
      ['tiny.vhd', new Uint8Array(10), false],
    ]
    for (const [name, bytes, expected] of cases) {
      writeFileSync(join(dir, name), bytes)
      expect(isVhd(join(dir, name)), name).toBe(expected)
    }
    expect(isVhd(join(dir, 'missing.vhd'))).toBe(false)
    expect(isVhd(dir)).toBe(false)
    expect(readFileSync(join(dir, 'end.vhd')).length).toBe(4608)
  })
})

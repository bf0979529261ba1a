import {describe, expect, it} from 'vitest'

import {crc32c, structureChecksum} from '../../../../src/core/storage/vhdx/crc32c.js'
import {pattern} from './helpers.js'

const ascii = (text: string) => new Uint8Array(Buffer.from(text, 'latin1'))

describe('CRC-32C', () => {
  it('gives the published check value for "123456789"', () => {
    expect(crc32c(ascii('123456789'))).toBe(0xe3069283)
  })

  it('is not zlib CRC-32, whose check value is 0xCBF43926', () => {
    expect(crc32c(ascii('123456789'))).not.toBe(0xcbf43926)
  })

  it('gives the iSCSI (RFC 3720) test vectors', () => {
    expect(crc32c(new Uint8Array(32))).toBe(0x8a9136aa)
    expect(crc32c(new Uint8Array(32).fill(0xff))).toBe(0x62a8ab43)
    expect(crc32c(Uint8Array.from({length: 32}, (_, i) => i))).toBe(0x46dd794e)
    expect(crc32c(Uint8Array.from({length: 32}, (_, i) => 31 - i))).toBe(0x113fdb5c)
  })

  it('is zero for no data', () => {
    expect(crc32c(new Uint8Array(0))).toBe(0)
  })

  it('chains: the checksum of a then b equals the checksum of both at once', () => {
    const data = pattern(10_000, 3)
    for (const cut of [0, 1, 7, 4096, 9_999, 10_000]) expect(crc32c(data.subarray(cut), crc32c(data.subarray(0, cut)))).toBe(crc32c(data))
  })

  it('checksums a structure as if its checksum field were zero, leaving the bytes alone', () => {
    const data = pattern(4096, 5)
    const copy = data.slice()
    const zeroed = data.slice()
    zeroed.fill(0, 4, 8)
    expect(structureChecksum(data, 4)).toBe(crc32c(zeroed))
    expect(data).toEqual(copy)
  })
})

import {existsSync, readFileSync, statSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {describe, expect, it} from 'vitest'

import {ConflictError, InvalidArgumentError, NotFoundError} from '../../../../src/core/errors.js'
import {decodeDynamicHeader} from '../../../../src/core/storage/vhd/dynamic-header.js'
import {decodeFooter} from '../../../../src/core/storage/vhd/footer.js'
import {createVhd, openVhd} from '../../../../src/core/storage/vhd/index.js'
import {toVhdTimestamp} from '../../../../src/core/storage/vhd/timestamp.js'
import {GIB, KIB, MIB, useTempDir} from './helpers.js'

const tempDir = useTempDir()

function footerOf(path: string) {
  const bytes = readFileSync(path)
  return decodeFooter(new Uint8Array(bytes.subarray(bytes.length - 512)), path)
}

describe('createVhd', () => {
  it('writes a fixed image: the disk, then a footer recording it', () => {
    const path = join(tempDir(), 'fixed.vhd')
    const before = toVhdTimestamp(new Date())
    const disk = createVhd({path, type: 'Fixed', size: 10 * MIB, diskIdentifier: '{0F1E2D3C-4B5A-6978-8796-A5B4C3D2E1F0}'})
    disk.close()
    expect(statSync(path).size).toBe(10 * MIB + 512)
    const footer = footerOf(path)
    expect(footer).toMatchObject({
      features: 2,
      formatVersion: 0x00010000,
      dataOffset: 0xffffffffffffffffn,
      creatorApplication: 'win ',
      creatorVersion: 0x000a0000,
      creatorHostOs: 'Wi2k',
      originalSize: BigInt(10 * MIB),
      currentSize: 10 * MIB,
      geometry: {cylinders: 301, heads: 4, sectorsPerTrack: 17},
      diskType: 'Fixed',
      uniqueId: '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0',
      savedState: 0,
    })
    expect(footer.timestamp).toBeGreaterThanOrEqual(before)
    expect(footer.timestamp).toBeLessThanOrEqual(toVhdTimestamp(new Date()))
  })

  it('writes a dynamic image: footer copy, header, BAT of unallocated entries, footer', () => {
    const path = join(tempDir(), 'dynamic.vhd')
    const disk = createVhd({path, type: 'Dynamic', size: 300 * MIB})
    expect(disk).toMatchObject({format: 'VHD', type: 'Dynamic', size: 300 * MIB, blockSize: 2 * MIB, readOnly: false, parentPath: null, parent: null})
    disk.close()
    const bytes = new Uint8Array(readFileSync(path))
    // 150 entries of 4 bytes: 600 bytes, padded to 1024.
    expect(bytes.length).toBe(512 + 1024 + 1024 + 512)
    expect(bytes.subarray(0, 512)).toEqual(bytes.subarray(bytes.length - 512))
    const footer = decodeFooter(bytes.subarray(0, 512), path)
    expect(footer).toMatchObject({diskType: 'Dynamic', dataOffset: 512n, currentSize: 300 * MIB})
    const header = decodeDynamicHeader(bytes.subarray(512, 1536), path)
    expect(header).toMatchObject({tableOffset: 1536n, maxTableEntries: 150, blockSize: 2 * MIB, parentTimestamp: 0, parentName: ''})
    expect(header.locators.every((locator) => locator.platformCode === '\0\0\0\0')).toBe(true)
    expect(bytes.subarray(1536, 2560).every((byte) => byte === 0xff)).toBe(true)
  })

  it('takes a block size, and refuses ones that are not powers of two from 512 KiB to 256 MiB', () => {
    const dir = tempDir()
    const disk = createVhd({path: join(dir, 'small-blocks.vhd'), type: 'Dynamic', size: 8 * MIB, blockSize: 512 * KIB})
    expect(disk.blockSize).toBe(512 * KIB)
    disk.close()
    for (const blockSize of [256 * KIB, 3 * MIB, 512 * MIB, 1.5]) {
      expect(() => createVhd({path: join(dir, `b${blockSize}.vhd`), type: 'Dynamic', size: 8 * MIB, blockSize})).toThrow(InvalidArgumentError)
    }
  })

  it('ignores the block size of a fixed image, which has no blocks', () => {
    const disk = createVhd({path: join(tempDir(), 'f.vhd'), type: 'Fixed', size: MIB, blockSize: 2 * MIB})
    expect(disk.blockSize).toBe(0)
    disk.close()
  })

  it('refuses an existing file and leaves it alone', () => {
    const path = join(tempDir(), 'taken.vhd')
    writeFileSync(path, 'precious')
    expect(() => createVhd({path, type: 'Dynamic', size: MIB})).toThrow(ConflictError)
    expect(() => createVhd({path, type: 'Dynamic', size: MIB})).toThrow(/already exists/)
    expect(readFileSync(path, 'utf8')).toBe('precious')
  })

  it('refuses a missing folder', () => {
    expect(() => createVhd({path: join(tempDir(), 'no', 'such.vhd'), type: 'Fixed', size: MIB})).toThrow(NotFoundError)
  })

  it.each([
    [{size: undefined}, 'needs a size'],
    [{size: 0}, 'positive multiple of 512'],
    [{size: 1000}, 'positive multiple of 512'],
    [{size: -512}, 'positive multiple of 512'],
    [{size: 2040 * GIB + 512}, 'at most 2040 GB'],
    [{logicalSectorSize: 4096 as const}, 'logical sector size is always 512'],
    [{physicalSectorSize: 4096 as const}, 'physical sector size is always 512'],
    [{diskIdentifier: 'nope'}, "disk identifier 'nope' is not a GUID"],
    [{type: 'Sparse' as never}, 'must be Fixed, Dynamic or Differencing'],
  ])('refuses %o and creates nothing', (change, message) => {
    const path = join(tempDir(), 'bad.vhd')
    const options = {path, type: 'Dynamic' as const, size: MIB, ...change}
    expect(() => createVhd(options)).toThrow(InvalidArgumentError)
    expect(() => createVhd(options)).toThrow(message)
    expect(existsSync(path)).toBe(false)
  })

  it('creates the largest VHD there is, 2040 GiB, fixed and dynamic, without writing its data', () => {
    const dir = tempDir()
    for (const type of ['Fixed', 'Dynamic'] as const) {
      const disk = createVhd({path: join(dir, `${type}.vhd`), type, size: 2040 * GIB})
      expect(disk.size).toBe(2040 * GIB)
      const last = new Uint8Array(512)
      disk.read(2040 * GIB - 512, last)
      expect(last.every((byte) => byte === 0)).toBe(true)
      disk.close()
      expect(openVhd(join(dir, `${type}.vhd`), {readOnly: true}).size).toBe(2040 * GIB)
    }
    // The fixed disk's data is a hole in the host file.
    expect(statSync(join(dir, 'Fixed.vhd')).blocks * 512).toBeLessThan(MIB)
  })

  it('needs a VHD parent for a differencing image', () => {
    const dir = tempDir()
    expect(() => createVhd({path: join(dir, 'c.vhd'), type: 'Differencing'})).toThrow('a parent path is required')
    expect(() => createVhd({path: join(dir, 'c.vhd'), type: 'Differencing', parentPath: join(dir, 'none.vhd')})).toThrow(NotFoundError)
    writeFileSync(join(dir, 'raw.img'), new Uint8Array(4096))
    expect(() => createVhd({path: join(dir, 'c.vhd'), type: 'Differencing', parentPath: join(dir, 'raw.img')})).toThrow('is not a VHD')
    expect(existsSync(join(dir, 'c.vhd'))).toBe(false)
  })
})

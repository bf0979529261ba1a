/** What fixed and dynamic images share: reads and writes round-trip, survive reopening, and are checked. */
import {readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {describe, expect, it} from 'vitest'

import {InvalidStateError, NotFoundError} from '../../../../src/core/errors.js'
import {DiskFormatError} from '../../../../src/core/storage/virtual-disk.js'
import {createVhd, openVhd} from '../../../../src/core/storage/vhd/index.js'
import {DiskModel, KIB, MIB, pattern, useTempDir} from './helpers.js'

const tempDir = useTempDir()
const SIZE = 9 * MIB + 7 * 512 // not a whole number of blocks, nor a CHS size

describe.each(['Fixed', 'Dynamic'] as const)('a %s image', (type) => {
  function create(blockSize?: number) {
    const path = join(tempDir(), `${type}.vhd`)
    return {path, disk: createVhd({path, type, size: SIZE, blockSize})}
  }

  it('reads zeros before anything is written', () => {
    const {disk} = create()
    const all = new Uint8Array(SIZE).fill(0x55)
    disk.read(0, all)
    expect(all.every((byte) => byte === 0)).toBe(true)
    disk.close()
  })

  it('reads back what was written, across block boundaries, and after reopening', () => {
    const {path, disk} = create(512 * KIB)
    const model = new DiskModel(SIZE)
    const writes: Array<[number, number]> = [
      [0, 512],
      [512 * KIB - 1024, 4096], // across the first block boundary
      [3 * MIB + 512, 2 * MIB + 1024], // several whole blocks and two partial ones
      [SIZE - 512, 512], // the last sector
      [MIB, 64 * KIB],
      [MIB + 512, 512], // over part of an earlier write
    ]
    writes.forEach(([offset, length], seed) => {
      const data = pattern(offset, length, seed + 1)
      disk.write(offset, data)
      model.write(offset, data)
    })
    const all = new Uint8Array(SIZE)
    disk.read(0, all)
    expect(Buffer.compare(all, model.bytes)).toBe(0)
    disk.close()

    const reopened = openVhd(path)
    expect(reopened).toMatchObject({type, size: SIZE, format: 'VHD', logicalSectorSize: 512, physicalSectorSize: 512})
    const again = new Uint8Array(SIZE)
    reopened.read(0, again)
    expect(Buffer.compare(again, model.bytes)).toBe(0)
    // Reads that start and end anywhere on sector boundaries see the same bytes.
    for (const [offset, length] of [[512 * KIB - 512, 1024], [3 * MIB, 3 * MIB], [SIZE - 4096, 4096]]) {
      const part = new Uint8Array(length)
      reopened.read(offset, part)
      expect(Buffer.compare(part, model.bytes.subarray(offset, offset + length))).toBe(0)
    }
    reopened.close()
  })

  it('keeps its identity: the disk identifier survives reopening', () => {
    const path = join(tempDir(), 'id.vhd')
    createVhd({path, type, size: MIB, diskIdentifier: '6c2a9c7e-2f4b-4d8e-9a1b-3c5d7e9f1a2b'}).close()
    const disk = openVhd(path, {readOnly: true})
    expect(disk.diskIdentifier).toBe('6c2a9c7e-2f4b-4d8e-9a1b-3c5d7e9f1a2b')
    disk.close()
  })

  it('refuses writes when opened read-only, and leaves the file as it was', () => {
    const {path, disk} = create()
    disk.write(0, pattern(0, 4096, 1))
    disk.close()
    const readOnly = openVhd(path, {readOnly: true})
    const sizeBefore = readOnly.fileSize()
    expect(readOnly.readOnly).toBe(true)
    expect(() => readOnly.write(MIB, pattern(MIB, 512, 2))).toThrow(InvalidStateError)
    expect(() => readOnly.write(MIB, pattern(MIB, 512, 2))).toThrow('read-only')
    expect(readOnly.fileSize()).toBe(sizeBefore)
    const back = new Uint8Array(4096)
    readOnly.read(0, back)
    expect(back).toEqual(pattern(0, 4096, 1))
    readOnly.close()
  })

  it('refuses requests that are not whole sectors inside the disk, with a RangeError', () => {
    const {disk} = create()
    expect(() => disk.read(100, new Uint8Array(512))).toThrow(RangeError)
    expect(() => disk.read(0, new Uint8Array(100))).toThrow(RangeError)
    expect(() => disk.read(-512, new Uint8Array(512))).toThrow(RangeError)
    expect(() => disk.read(SIZE, new Uint8Array(512))).toThrow(RangeError)
    expect(() => disk.read(SIZE - 512, new Uint8Array(1024))).toThrow(RangeError)
    expect(() => disk.write(SIZE - 512, new Uint8Array(1024))).toThrow(RangeError)
    expect(() => disk.write(0.5, new Uint8Array(512))).toThrow(RangeError)
    // An empty request at the end is fine.
    disk.read(SIZE, new Uint8Array(0))
    disk.close()
  })

  it('is unusable after close, and closing twice does no harm', () => {
    const {disk} = create()
    disk.close()
    disk.close()
    expect(() => disk.read(0, new Uint8Array(512))).toThrow(InvalidStateError)
    expect(() => disk.write(0, new Uint8Array(512))).toThrow(InvalidStateError)
    expect(() => disk.flush()).toThrow(InvalidStateError)
  })

  it('flushes', () => {
    const {path, disk} = create()
    disk.write(0, pattern(0, 512, 9))
    disk.flush()
    const other = openVhd(path, {readOnly: true})
    const back = new Uint8Array(512)
    other.read(0, back)
    expect(back).toEqual(pattern(0, 512, 9))
    other.close()
    disk.close()
  })
})

describe('a fixed image', () => {
  it('keeps the disk at the start of the file, byte for byte, and reports no blocks', () => {
    const path = join(tempDir(), 'fixed.vhd')
    const disk = createVhd({path, type: 'Fixed', size: 2 * MIB})
    disk.write(MIB, pattern(MIB, 4096, 3))
    expect(disk.fileSize()).toBe(2 * MIB + 512)
    expect(disk.allocatedBlocks()).toEqual([])
    expect(disk.blockSize).toBe(0)
    disk.close()
  })
})

describe('opening', () => {
  it('calls a missing file a NotFoundError, and a folder or a file without a footer a DiskFormatError', () => {
    const dir = tempDir()
    expect(() => openVhd(join(dir, 'none.vhd'))).toThrow(NotFoundError)
    expect(() => openVhd(dir)).toThrow(DiskFormatError)
    writeFileSync(join(dir, 'raw.img'), new Uint8Array(8192))
    expect(() => openVhd(join(dir, 'raw.img'))).toThrow('raw.img: footer cookie is not "conectix"')
  })

  it('refuses a fixed image whose file is shorter than its disk', () => {
    const path = join(tempDir(), 'short.vhd')
    createVhd({path, type: 'Fixed', size: 2 * MIB}).close()
    const bytes = readFileSync(path)
    writeFileSync(path, Buffer.concat([bytes.subarray(0, MIB), bytes.subarray(bytes.length - 512)]))
    expect(() => openVhd(path)).toThrow(`${path}: the file holds ${MIB} bytes before its footer, fewer than the disk's size of ${2 * MIB}`)
  })

  it('reads a fixed image that has more data than its size before the footer', () => {
    const path = join(tempDir(), 'long.vhd')
    const disk = createVhd({path, type: 'Fixed', size: MIB})
    disk.write(0, pattern(0, MIB, 4))
    disk.close()
    const bytes = readFileSync(path)
    writeFileSync(path, Buffer.concat([bytes.subarray(0, MIB), new Uint8Array(4096).fill(0x33), bytes.subarray(bytes.length - 512)]))
    const long = openVhd(path, {readOnly: true})
    const all = new Uint8Array(MIB)
    long.read(0, all)
    expect(Buffer.compare(all, pattern(0, MIB, 4))).toBe(0)
    long.close()
  })
})

/** Dynamic images: blocks allocated on demand, sector bitmaps, the footer moving, and damaged files. */
import {appendFileSync, closeSync, openSync, readFileSync, truncateSync, writeSync} from 'node:fs'
import {join} from 'node:path'

import {describe, expect, it} from 'vitest'

import {DiskFormatError} from '../../../../src/core/storage/virtual-disk.js'
import {decodeDynamicHeader, encodeDynamicHeader, type DynamicHeader} from '../../../../src/core/storage/vhd/dynamic-header.js'
import {decodeFooter, encodeFooter, type VhdFooter} from '../../../../src/core/storage/vhd/footer.js'
import {createVhd, openVhd} from '../../../../src/core/storage/vhd/index.js'
import {KIB, MIB, pattern, useTempDir} from './helpers.js'

const tempDir = useTempDir()
const BLOCK = 512 * KIB
const BITMAP = 512
const HEADERS = 512 + 1024 + 512 // footer copy, header, a one-sector BAT

function newDisk(size = 4 * MIB) {
  const path = join(tempDir(), 'dynamic.vhd')
  return {path, disk: createVhd({path, type: 'Dynamic', size, blockSize: BLOCK})}
}

function fileBytes(path: string): Uint8Array {
  return new Uint8Array(readFileSync(path))
}

function patchFile(path: string, offset: number, bytes: Uint8Array): void {
  const fd = openSync(path, 'r+')
  writeSync(fd, bytes, 0, bytes.length, offset)
  closeSync(fd)
}

function rewriteFooter(path: string, change: Partial<VhdFooter>): void {
  const bytes = fileBytes(path)
  const footer = decodeFooter(bytes.subarray(bytes.length - 512), path)
  patchFile(path, bytes.length - 512, encodeFooter({...footer, ...change}))
}

function rewriteHeader(path: string, change: (header: DynamicHeader) => DynamicHeader): void {
  const header = decodeDynamicHeader(fileBytes(path).subarray(512, 1536), path)
  patchFile(path, 512, encodeDynamicHeader(change(header)))
}

function readAll(path: string): Uint8Array {
  const disk = openVhd(path, {readOnly: true})
  const all = new Uint8Array(disk.size)
  disk.read(0, all)
  disk.close()
  return all
}

function expectOpenToFail(path: string, message: string | RegExp): void {
  let error: unknown
  try {
    openVhd(path).close()
  } catch (e) {
    error = e
  }
  expect(error).toBeInstanceOf(DiskFormatError)
  expect((error as Error).message).toMatch(message)
  expect((error as Error).message.startsWith(path)).toBe(true)
}

describe('a dynamic image', () => {
  it('allocates a block (bitmap, then data) at the end of the file for the first write into it, and moves the footer', () => {
    const {path, disk} = newDisk()
    expect(disk.fileSize()).toBe(HEADERS + 512)
    disk.write(3 * BLOCK + 4096, pattern(3 * BLOCK + 4096, 512, 1))
    expect(disk.fileSize()).toBe(HEADERS + BITMAP + BLOCK + 512)
    disk.write(0, pattern(0, 512, 2))
    expect(disk.fileSize()).toBe(HEADERS + 2 * (BITMAP + BLOCK) + 512)
    // Writing again into allocated blocks takes no more space.
    disk.write(3 * BLOCK, pattern(3 * BLOCK, BLOCK, 3))
    expect(disk.fileSize()).toBe(HEADERS + 2 * (BITMAP + BLOCK) + 512)
    // In virtual order, each with the file offset of its data.
    expect(disk.allocatedBlocks()).toEqual([
      {virtualOffset: 0, fileOffset: HEADERS + (BITMAP + BLOCK) + BITMAP},
      {virtualOffset: 3 * BLOCK, fileOffset: HEADERS + BITMAP},
    ])
    disk.close()

    const bytes = fileBytes(path)
    // The footer is at the new end, the same as the copy at the start.
    expect(bytes.subarray(bytes.length - 512)).toEqual(bytes.subarray(0, 512))
    // The BAT holds sector offsets, big-endian, 0xFFFFFFFF for blocks without space.
    const bat = new DataView(bytes.buffer, 1536, 16)
    expect([bat.getUint32(0), bat.getUint32(4), bat.getUint32(8), bat.getUint32(12)]).toEqual([
      (HEADERS + BITMAP + BLOCK) / 512,
      0xffffffff,
      0xffffffff,
      HEADERS / 512,
    ])
  })

  it('marks in the bitmap exactly the sectors written', () => {
    const {path, disk} = newDisk()
    disk.write(BLOCK + 9 * 512, pattern(BLOCK + 9 * 512, 3 * 512, 1)) // sectors 9, 10, 11 of block 1
    disk.write(BLOCK + 20 * 512, pattern(BLOCK + 20 * 512, 512, 2)) // sector 20
    const [{fileOffset}] = disk.allocatedBlocks()
    disk.close()
    const bitmap = fileBytes(path).subarray(fileOffset - BITMAP, fileOffset)
    expect([...bitmap.subarray(0, 4)]).toEqual([0b0000_0000, 0b0111_0000, 0b0000_1000, 0])
    expect(bitmap.subarray(4).every((byte) => byte === 0)).toBe(true)
  })

  it('reads sectors whose bit is clear as zeros, whatever the block holds there', () => {
    const {path, disk} = newDisk()
    disk.write(0, pattern(0, 512, 1))
    const [{fileOffset}] = disk.allocatedBlocks()
    disk.close()
    // Something (a crash mid-write, another tool) left data in sector 1 without setting its bit.
    patchFile(path, fileOffset + 512, new Uint8Array(512).fill(0xee))
    const start = readAll(path).subarray(0, 1024)
    expect(start.subarray(0, 512)).toEqual(pattern(0, 512, 1))
    expect(start.subarray(512).every((byte) => byte === 0)).toBe(true)
  })

  it('reads a request that spans allocated, partly written and unallocated blocks', () => {
    const {path, disk} = newDisk()
    disk.write(BLOCK - 1024, pattern(BLOCK - 1024, 2048, 1)) // end of block 0, start of block 1
    disk.write(2 * BLOCK + 512, pattern(2 * BLOCK + 512, 512, 2))
    disk.close()
    const all = readAll(path)
    const expected = new Uint8Array(4 * MIB)
    expected.set(pattern(BLOCK - 1024, 2048, 1), BLOCK - 1024)
    expected.set(pattern(2 * BLOCK + 512, 512, 2), 2 * BLOCK + 512)
    expect(Buffer.compare(all, expected)).toBe(0)
  })

  it('opens from the footer copy at offset 0 when the footer at the end is damaged, and repairs it on the next new block', () => {
    const {path, disk} = newDisk()
    disk.write(0, pattern(0, 4096, 1))
    disk.close()
    const size = fileBytes(path).length
    patchFile(path, size - 512 + 100, new Uint8Array([1, 2, 3]))
    expect(readAll(path).subarray(0, 4096)).toEqual(pattern(0, 4096, 1))

    const reopened = openVhd(path)
    reopened.write(2 * BLOCK, pattern(2 * BLOCK, 512, 2))
    reopened.close()
    const bytes = fileBytes(path)
    expect(decodeFooter(bytes.subarray(bytes.length - 512), path).diskType).toBe('Dynamic')
    const all = readAll(path)
    expect(all.subarray(0, 4096)).toEqual(pattern(0, 4096, 1))
    expect(all.subarray(2 * BLOCK, 2 * BLOCK + 512)).toEqual(pattern(2 * BLOCK, 512, 2))
  })

  it('opens after the file grew without its new footer (a power failure mid-allocation)', () => {
    const {path, disk} = newDisk()
    disk.write(0, pattern(0, 512, 1))
    disk.close()
    appendFileSync(path, new Uint8Array(BITMAP + BLOCK))
    expect(readAll(path).subarray(0, 512)).toEqual(pattern(0, 512, 1))
    const reopened = openVhd(path)
    reopened.write(BLOCK, pattern(BLOCK, 512, 2))
    reopened.close()
    expect(readAll(path).subarray(BLOCK, BLOCK + 512)).toEqual(pattern(BLOCK, 512, 2))
  })

  it("reads images with the 511-byte footer of tools older than Virtual PC 2004", () => {
    const {path, disk} = newDisk()
    disk.write(BLOCK, pattern(BLOCK, 1024, 1))
    disk.close()
    truncateSync(path, fileBytes(path).length - 1) // the last reserved byte is zero anyway
    expect(readAll(path).subarray(BLOCK, BLOCK + 1024)).toEqual(pattern(BLOCK, 1024, 1))
    const reopened = openVhd(path)
    reopened.write(3 * BLOCK, pattern(3 * BLOCK, 512, 2))
    reopened.close()
    const all = readAll(path)
    expect(all.subarray(BLOCK, BLOCK + 1024)).toEqual(pattern(BLOCK, 1024, 1))
    expect(all.subarray(3 * BLOCK, 3 * BLOCK + 512)).toEqual(pattern(3 * BLOCK, 512, 2))
  })

  it('accepts a BAT with more entries than the size needs, and unaligned structures', () => {
    const {path, disk} = newDisk()
    disk.write(0, pattern(0, 512, 1))
    disk.close()
    rewriteHeader(path, (header) => ({...header, maxTableEntries: 100}))
    expect(readAll(path).subarray(0, 512)).toEqual(pattern(0, 512, 1))
  })
})

describe('a damaged dynamic image', () => {
  function damaged(): string {
    const {path, disk} = newDisk()
    disk.write(0, pattern(0, 512, 1))
    disk.write(BLOCK, pattern(BLOCK, 512, 2))
    disk.close()
    return path
  }

  it('fails to open naming the footer when both footers are bad', () => {
    const path = damaged()
    const size = fileBytes(path).length
    patchFile(path, size - 512 + 200, new Uint8Array([9]))
    patchFile(path, 200, new Uint8Array([9]))
    expectOpenToFail(path, 'footer checksum does not match')
  })

  it('names a BAT entry that points past the end of the file', () => {
    const path = damaged()
    patchFile(path, 1536 + 4, new Uint8Array([0, 0x10, 0, 0]))
    expectOpenToFail(path, /BAT entry 1 points past the end of the file/)
  })

  it('names a BAT entry that points into the headers', () => {
    const path = damaged()
    patchFile(path, 1536, new Uint8Array([0, 0, 0, 1]))
    expectOpenToFail(path, /BAT entry 0 points into the (footer copy|dynamic disk header)/)
  })

  it('names a BAT entry whose block would run into the footer', () => {
    const path = damaged()
    const size = fileBytes(path).length
    const sector = (size - 512 - BLOCK) / 512 // starts inside the data, its bitmap + data end past the footer
    const entry = new Uint8Array(4)
    new DataView(entry.buffer).setUint32(0, sector)
    patchFile(path, 1536, entry)
    expectOpenToFail(path, /BAT entry 0 points past the end of the file/)
  })

  it('names a header that is missing or out of the file', () => {
    const path = damaged()
    rewriteFooter(path, {dataOffset: 1n << 40n})
    patchFile(path, 0, new Uint8Array(512)) // and no usable copy
    expectOpenToFail(path, 'footer data offset 1099511627776 leaves no room for the dynamic disk header')
  })

  it('names a BAT too small for the disk', () => {
    const path = damaged()
    rewriteHeader(path, (header) => ({...header, maxTableEntries: 7}))
    expectOpenToFail(path, 'max table entries 7 is too few for a 4194304-byte disk in 524288-byte blocks (8 needed)')
  })

  it('names a BAT placed past the end of the file or over the header', () => {
    const path = damaged()
    rewriteHeader(path, (header) => ({...header, tableOffset: 0xffffffffffff0000n}))
    expectOpenToFail(path, 'puts the BAT past the end of the file')
    rewriteHeader(path, (header) => ({...header, tableOffset: 600n}))
    expectOpenToFail(path, 'puts the BAT over the dynamic disk header')
  })

  it('refuses a file too short for a footer', () => {
    const path = join(tempDir(), 'short.vhd')
    appendFileSync(path, new Uint8Array(100))
    expectOpenToFail(path, 'too small to hold a VHD footer')
  })
})

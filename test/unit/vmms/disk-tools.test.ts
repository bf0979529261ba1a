/**
 * The format-independent parts of the virtual hard disk cmdlets: which ranges
 * a chain of images can hold data in, the sparse copy, and MinimumSize from a
 * disk's MBR or GPT. An in-memory disk stands in for the image formats.
 */
import {describe, expect, it} from 'vitest'

import type {VirtualDisk} from '../../../src/core/storage/index.js'
import {copyDisk} from '../../../src/core/vmms/storage/disk-copy.js'
import {allocatedRanges, mergeRanges} from '../../../src/core/vmms/storage/disk-ranges.js'
import {minimumSize} from '../../../src/core/vmms/storage/partition-table.js'

const MIB = 1024 * 1024

/** A dynamic or differencing disk in memory: blocks appear as they are written. */
function memoryDisk(size: number, blockSize: number, parent: VirtualDisk | null = null): VirtualDisk & {writes: number[]} {
  const blocks = new Map<number, Uint8Array>()
  const writes: number[] = []
  return {
    path: 'memory', format: 'VHDX', type: parent ? 'Differencing' : 'Dynamic', size, logicalSectorSize: 512, physicalSectorSize: 4096,
    blockSize, parentPath: parent ? 'parent' : null, parent, diskIdentifier: '00000000-0000-0000-0000-000000000000', readOnly: false, writes,
    read(offset, into) {
      for (let i = 0; i < into.length; i++) {
        const at = offset + i
        const block = blocks.get(Math.floor(at / blockSize))
        if (block) into[i] = block[at % blockSize]!
        else if (parent) {
          const sector = new Uint8Array(512)
          parent.read(at - (at % 512), sector)
          into[i] = sector[at % 512]!
        } else into[i] = 0
      }
    },
    write(offset, data) {
      writes.push(offset)
      for (let i = 0; i < data.length; i++) {
        const at = offset + i
        const index = Math.floor(at / blockSize)
        let block = blocks.get(index)
        if (!block) {
          block = new Uint8Array(blockSize)
          if (parent) parent.read(index * blockSize, block)
          blocks.set(index, block)
        }
        block[at % blockSize] = data[i]!
      }
    },
    flush() {},
    close() {},
    fileSize: () => blocks.size * blockSize,
    allocatedBlocks: () => [...blocks.keys()].sort((a, b) => a - b).map((k, n) => ({virtualOffset: k * blockSize, fileOffset: n * blockSize})),
    resize() {
      throw new Error('not used by these tests')
    },
    setParentPath() {
      throw new Error('not used by these tests')
    },
    setMetadata() {
      throw new Error('not used by these tests')
    },
  }
}

describe('allocatedRanges', () => {
  it('merges a chain\'s blocks, clipped to the disk, and stops at the image named', () => {
    const base = memoryDisk(10 * MIB, 4 * MIB)
    base.write(8 * MIB, new Uint8Array(512).fill(1)) // block 2: 8-12 MiB, clipped to 10
    const child = memoryDisk(10 * MIB, MIB, base)
    child.write(0, new Uint8Array(512).fill(2))
    child.write(MIB, new Uint8Array(512).fill(3))
    expect(allocatedRanges(child)).toEqual([{start: 0, end: 2 * MIB}, {start: 8 * MIB, end: 10 * MIB}])
    expect(allocatedRanges(child, base)).toEqual([{start: 0, end: 2 * MIB}])
    expect(mergeRanges([{start: 5, end: 9}, {start: 0, end: 5}, {start: 20, end: 30}])).toEqual([{start: 0, end: 9}, {start: 20, end: 30}])
  })
})

describe('copyDisk', () => {
  it('copies the ranges, leaving out chunks of zeros or chunks the parent already has', () => {
    const from = memoryDisk(8 * MIB, MIB)
    from.write(0, new Uint8Array(MIB).fill(7))
    from.write(3 * MIB, new Uint8Array(MIB)) // allocated, but zeros
    const to = memoryDisk(8 * MIB, MIB)
    const written = copyDisk(from, to, allocatedRanges(from), {skipZeros: true})
    expect(written).toBe(MIB)
    expect(to.writes).toEqual([0])
    const parent = memoryDisk(8 * MIB, MIB)
    parent.write(0, new Uint8Array(MIB).fill(7))
    const child = memoryDisk(8 * MIB, MIB, parent)
    expect(copyDisk(from, child, allocatedRanges(from), {skipZeros: false, skipSameAs: parent})).toBe(0)
  })
})

describe('minimumSize', () => {
  const withSector0 = (disk: VirtualDisk, sector: Uint8Array) => disk.write(0, sector)

  it('is the end of the last MBR partition, rounded up to a MiB, or null without a partition table', () => {
    const disk = memoryDisk(64 * MIB, MIB)
    expect(minimumSize(disk)).toBeNull()
    const mbr = new Uint8Array(512)
    const view = new DataView(mbr.buffer)
    mbr[446 + 4] = 0x83
    view.setUint32(446 + 8, 2048, true)
    view.setUint32(446 + 12, 20480, true) // 1 MiB .. 11 MiB
    mbr[462 + 4] = 0x07
    view.setUint32(462 + 8, 30000, true)
    view.setUint32(462 + 12, 100, true) // ends at sector 30100: 15.4 MB
    mbr[510] = 0x55
    mbr[511] = 0xaa
    withSector0(disk, mbr)
    expect(minimumSize(disk)).toBe(15 * MIB)
  })

  it('takes a GPT behind a protective MBR, leaving room for the backup table', () => {
    const disk = memoryDisk(64 * MIB, MIB)
    const mbr = new Uint8Array(512)
    mbr[446 + 4] = 0xee
    new DataView(mbr.buffer).setUint32(446 + 12, 131071, true)
    mbr[510] = 0x55
    mbr[511] = 0xaa
    const header = new Uint8Array(512)
    header.set(new TextEncoder().encode('EFI PART'))
    const h = new DataView(header.buffer)
    h.setBigUint64(72, 2n, true)
    h.setUint32(80, 128, true)
    h.setUint32(84, 128, true)
    const entries = new Uint8Array(32 * 512)
    entries[0] = 1 // a type GUID that is not zero
    new DataView(entries.buffer).setBigUint64(40, 40959n, true) // last LBA: 20 MiB - 1 sector
    disk.write(0, mbr)
    disk.write(512, header)
    disk.write(1024, entries)
    expect(minimumSize(disk)).toBe(21 * MIB) // 20 MiB + 33 sectors, rounded up
  })
})

/**
 * Interoperability with qemu 7.2, an independent VHDX implementation: it
 * must read every image hv writes exactly as hv does, find nothing wrong in
 * them, and hv must read what qemu writes.
 *
 * What qemu cannot check: qemu 7.2 refuses differencing VHDX images
 * (parent locator, sector bitmaps, partially present blocks) and images with
 * 4096-byte logical sectors, so those are checked against hv's own model
 * only (vhdx-disk.test.ts), and their refusal is pinned here. Its `check`
 * looks at BAT entries and regions, not at sector bitmaps or metadata items.
 */
import {join} from 'node:path'

import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {createVhdx, openVhdx} from '../../../../src/core/storage/vhdx/index.js'
import type {CreateDiskOptions} from '../../../../src/core/storage/virtual-disk.js'
import {hasQemuImg, hasQemuIo, KiB, MiB, pattern, qemuCheck, qemuInfo, qemuRaw, readAll, run, sameBytes, tempDir} from './helpers.js'

let dir: string
let cleanup: () => void
beforeEach(() => {
  ;({dir, cleanup} = tempDir('hv-vhdx-qemu-'))
})
afterEach(() => cleanup())

/** hv's read of the whole disk at `path`, read-only. */
function hvRead(path: string): Uint8Array {
  const disk = openVhdx(path, {readOnly: true})
  try {
    return readAll(disk)
  } finally {
    disk.close()
  }
}

/** Writes that do not overlap: at the start, across the first block boundary, inside, and at the very end of a disk of `size` bytes. */
function someWrites(size: number, blockSize: number): Array<[number, Uint8Array]> {
  return [
    [0, pattern(4 * KiB, 1)],
    [blockSize - 2 * KiB, pattern(8 * KiB, 2)],
    [Math.floor((size * 0.6) / 512) * 512, pattern(64 * KiB + 512, 3)],
    [size - 1024, pattern(1024, 4)],
  ]
}

describe.skipIf(!hasQemuImg)('qemu-img reading what hv writes', () => {
  const images: Array<Omit<CreateDiskOptions, 'path'> & {name: string}> = [
    {name: 'dynamic, 1 MiB blocks, size not a whole number of blocks', type: 'Dynamic', size: 100 * MiB + 3 * 512, blockSize: MiB},
    {name: 'dynamic, default 32 MiB blocks', type: 'Dynamic', size: 200 * MiB},
    {name: 'dynamic, 256 MiB blocks', type: 'Dynamic', size: 300 * MiB, blockSize: 256 * MiB},
    {name: 'fixed, 1 MiB blocks, size not a whole number of blocks', type: 'Fixed', size: 20 * MiB + 512, blockSize: MiB},
    {name: 'fixed, default 32 MiB blocks', type: 'Fixed', size: 64 * MiB},
  ]

  it.each(images)('$name: same size, no errors, same bytes, before and after writes', ({name: _, ...options}) => {
    const path = join(dir, 'hv.vhdx')
    const disk = createVhdx({path, ...options})
    disk.close()
    expect(qemuInfo(path)).toMatchObject({format: 'vhdx', 'virtual-size': options.size})
    expect(qemuCheck(path).status).toBe(0)
    expect(sameBytes(qemuRaw(path, dir), hvRead(path))).toBe(true)

    const again = openVhdx(path)
    for (const [offset, data] of someWrites(options.size!, again.blockSize)) again.write(offset, data)
    again.close()
    const check = qemuCheck(path)
    expect(check.status, check.stdout + check.stderr).toBe(0)
    expect(qemuInfo(path)['virtual-size']).toBe(options.size)
    const ours = hvRead(path)
    for (const [offset, data] of someWrites(options.size!, disk.blockSize)) expect(sameBytes(ours.subarray(offset, offset + data.length), data)).toBe(true)
    expect(sameBytes(qemuRaw(path, dir), ours)).toBe(true)
  })

  it('refuses hv differencing images, as qemu 7.2 does all differencing VHDX images', () => {
    const parentPath = join(dir, 'parent.vhdx')
    createVhdx({path: parentPath, type: 'Dynamic', size: 8 * MiB}).close()
    const childPath = join(dir, 'child.vhdx')
    createVhdx({path: childPath, type: 'Differencing', parentPath}).close()
    const info = run('qemu-img', ['info', '-f', 'vhdx', childPath])
    expect(info.status).not.toBe(0)
    expect(info.stderr).toMatch(/Operation not supported/)
  })

  it('refuses hv images with 4096-byte logical sectors, which qemu 7.2 does not support', () => {
    const path = join(dir, 'big-sectors.vhdx')
    createVhdx({path, type: 'Dynamic', size: 8 * MiB, logicalSectorSize: 4096}).close()
    const info = run('qemu-img', ['info', '-f', 'vhdx', path])
    expect(info.status).not.toBe(0)
    expect(info.stderr).toMatch(/Operation not supported/)
  })
})

describe.skipIf(!hasQemuImg || !hasQemuIo)('hv reading what qemu writes', () => {
  const created: Array<{name: string; options: string[]; size: number; type: 'Fixed' | 'Dynamic'; blockSize?: number}> = [
    {name: 'default dynamic', options: [], size: 64 * MiB, type: 'Dynamic'},
    {name: 'fixed', options: ['-o', 'subformat=fixed'], size: 24 * MiB, type: 'Fixed'},
    {name: '1 MiB blocks', options: ['-o', 'block_size=1M'], size: 100 * MiB, type: 'Dynamic', blockSize: MiB},
    {name: '256 MiB blocks', options: ['-o', 'block_size=256M'], size: 300 * MiB, type: 'Dynamic', blockSize: 256 * MiB},
    {name: 'a 4 MiB log', options: ['-o', 'log_size=4M'], size: 40 * MiB, type: 'Dynamic'},
  ]

  it.each(created)('qemu-img create ($name), then qemu-io writes: hv reads the same bytes', ({options, size, type, blockSize}) => {
    const path = join(dir, 'qemu.vhdx')
    expect(run('qemu-img', ['create', '-f', 'vhdx', ...options, path, String(size)]).status).toBe(0)
    const io = run('qemu-io', ['-f', 'vhdx', '-c', 'write -P 0xab 1M 64k', '-c', 'write -P 0x5c 0 4k', '-c', `write -P 0x11 ${size - 8192} 8k`, path])
    expect(io.status, io.stderr).toBe(0)

    const disk = openVhdx(path, {readOnly: true})
    expect(disk).toMatchObject({type, size, logicalSectorSize: 512})
    if (blockSize) expect(disk.blockSize).toBe(blockSize)
    const ours = readAll(disk)
    disk.close()
    expect(ours.subarray(MiB, MiB + 64 * KiB).every((b) => b === 0xab)).toBe(true)
    expect(ours.subarray(0, 4 * KiB).every((b) => b === 0x5c)).toBe(true)
    expect(ours.subarray(size - 8192).every((b) => b === 0x11)).toBe(true)
    expect(sameBytes(ours, qemuRaw(path, dir))).toBe(true)
  })

  it('hv writes into a qemu image, and qemu reads it back', () => {
    const path = join(dir, 'qemu.vhdx')
    expect(run('qemu-img', ['create', '-f', 'vhdx', '-o', 'block_size=1M', path, String(32 * MiB)]).status).toBe(0)
    expect(run('qemu-io', ['-f', 'vhdx', '-c', 'write -P 0xab 1M 64k', path]).status).toBe(0)
    const disk = openVhdx(path)
    for (const [offset, data] of someWrites(32 * MiB, MiB)) disk.write(offset, data)
    disk.write(MiB + 4 * KiB, pattern(512, 9)) // inside the block qemu allocated
    disk.close()
    expect(qemuCheck(path).status).toBe(0)
    expect(sameBytes(qemuRaw(path, dir), hvRead(path))).toBe(true)
  })

  it('qemu writes into an hv image, and hv reads it back', () => {
    const path = join(dir, 'hv.vhdx')
    const disk = createVhdx({path, type: 'Dynamic', size: 48 * MiB, blockSize: 2 * MiB})
    disk.write(6 * MiB, pattern(4 * KiB, 1))
    disk.close()
    const io = run('qemu-io', ['-f', 'vhdx', '-c', 'write -P 0xab 1M 64k', '-c', 'write -P 0xcd 6M 512', path])
    expect(io.status, io.stderr).toBe(0)
    const ours = hvRead(path)
    expect(ours.subarray(MiB, MiB + 64 * KiB).every((b) => b === 0xab)).toBe(true)
    expect(ours.subarray(6 * MiB, 6 * MiB + 512).every((b) => b === 0xcd)).toBe(true)
    expect(sameBytes(ours.subarray(6 * MiB + 512, 6 * MiB + 4 * KiB), pattern(4 * KiB, 1).subarray(512))).toBe(true)
    expect(sameBytes(ours, qemuRaw(path, dir))).toBe(true)
  })
})

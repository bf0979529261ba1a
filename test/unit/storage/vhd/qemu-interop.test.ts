/**
 * Interoperability with qemu-img and qemu-io 7.2, qemu's "vpc" driver.
 *
 * What qemu checks: the footer's cookie and checksum (of the copy at offset 0
 * for a dynamic or differencing image, of the footer at the end for a fixed
 * one), the dynamic header's cookie, block size and table offset, that the
 * BAT covers the size, and the size itself (the current size for "win "
 * images, which hv writes). `qemu-img convert` reads every block through the
 * BAT, so equal bytes show that the BAT and the block layout agree.
 *
 * What it cannot check: qemu 7.2 opens a differencing VHD as if it were
 * dynamic, without its parent (so nothing about locators, parent IDs or the
 * parent's data); it ignores the sector bitmaps when reading (and sets every
 * bit of a block it writes to); it never reads the footer at the end of a
 * dynamic image, nor compares it with the copy; and `qemu-img check` does
 * not support vpc at all. hv's own tests cover those.
 */
import {execFileSync, spawnSync} from 'node:child_process'
import {readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {describe, expect, it} from 'vitest'

import {decodeFooter} from '../../../../src/core/storage/vhd/footer.js'
import {geometryForSize} from '../../../../src/core/storage/vhd/geometry.js'
import {createVhd, isVhd, openVhd} from '../../../../src/core/storage/vhd/index.js'
import {hasTool} from '../../../helpers/tools.js'
import {DiskModel, GIB, KIB, MIB, pattern, useTempDir} from './helpers.js'

const HAVE_QEMU = hasTool('qemu-img') && hasTool('qemu-io')
const tempDir = useTempDir()

function qemuInfo(path: string, format?: string): {format: string; 'virtual-size': number} {
  const args = ['info', '--output=json', ...(format ? ['-f', format] : []), path]
  return JSON.parse(execFileSync('qemu-img', args, {encoding: 'utf8'}))
}

/** The disk's bytes as qemu reads them. */
function qemuRaw(path: string): Uint8Array {
  const out = `${path}.raw`
  execFileSync('qemu-img', ['convert', '-f', 'vpc', '-O', 'raw', path, out])
  return new Uint8Array(readFileSync(out))
}

function qemuIo(path: string, ...commands: string[]): void {
  execFileSync('qemu-io', ['-f', 'vpc', ...commands.flatMap((command) => ['-c', command]), path], {stdio: 'ignore'})
}

/** The disk's bytes as hv reads them. */
function hvRaw(path: string): Uint8Array {
  const disk = openVhd(path, {readOnly: true})
  const all = new Uint8Array(disk.size)
  disk.read(0, all)
  disk.close()
  return all
}

function expectSameBytes(actual: Uint8Array, expected: Uint8Array): void {
  expect(actual.length).toBe(expected.length)
  const first = actual.findIndex((byte, index) => byte !== expected[index])
  expect(first, `first difference at byte ${first}`).toBe(-1)
}

describe.skipIf(!HAVE_QEMU)('qemu-img 7.2 and the images hv writes', () => {
  it.each([
    ['Fixed', 1 * MIB],
    ['Fixed', 10 * MIB + 512],
    ['Fixed', 130 * GIB], // beyond the largest CHS geometry: only the current size says how big it is
    ['Fixed', 2040 * GIB],
    ['Dynamic', 1 * MIB],
    ['Dynamic', 100 * MIB + 3 * 512],
    ['Dynamic', 1 * GIB],
    ['Dynamic', 130 * GIB],
    ['Dynamic', 2040 * GIB],
  ] as const)('reports a %s image of %i bytes as vpc of exactly that size', (type, size) => {
    const path = join(tempDir(), 'disk.vhd')
    createVhd({path, type, size}).close()
    // A fixed VHD is raw data with a trailer: qemu only takes it for vpc when told.
    expect(qemuInfo(path, 'vpc')).toMatchObject({format: 'vpc', 'virtual-size': size})
    if (type === 'Dynamic') expect(qemuInfo(path)).toMatchObject({format: 'vpc', 'virtual-size': size})
  })

  it('reports a differencing image as vpc of its parent\'s size', () => {
    const dir = tempDir()
    createVhd({path: join(dir, 'parent.vhd'), type: 'Dynamic', size: 50 * MIB}).close()
    createVhd({path: join(dir, 'child.vhd'), type: 'Differencing', parentPath: join(dir, 'parent.vhd')}).close()
    expect(qemuInfo(join(dir, 'child.vhd'))).toMatchObject({format: 'vpc', 'virtual-size': 50 * MIB})
  })

  it.each([
    ['Fixed', undefined],
    ['Dynamic', undefined],
    ['Dynamic', 512 * KIB],
  ] as const)('converts a %s image (blocks of %s bytes) to exactly the bytes hv reads', (type, blockSize) => {
    const path = join(tempDir(), 'disk.vhd')
    const size = 9 * MIB + 5 * 512
    const disk = createVhd({path, type, size, blockSize})
    // Into some blocks and not others, partly and wholly, across a block boundary, up to the last sector.
    for (const [offset, length, seed] of [[0, 4096, 1], [2 * MIB - 1024, 8192, 2], [5 * MIB, 2 * MIB, 3], [size - 1024, 1024, 4]]) {
      disk.write(offset, pattern(offset, length, seed))
    }
    disk.close()
    expectSameBytes(qemuRaw(path), hvRaw(path))
  })

  it("converts a differencing image to its own blocks only: qemu ignores the parent and the bitmaps", () => {
    const dir = tempDir()
    const parent = createVhd({path: join(dir, 'parent.vhd'), type: 'Dynamic', size: 8 * MIB})
    parent.write(0, pattern(0, 8 * MIB, 1))
    parent.close()
    const childPath = join(dir, 'child.vhd')
    const child = createVhd({path: childPath, type: 'Differencing', parentPath: join(dir, 'parent.vhd')})
    child.write(2 * MIB + 4096, pattern(2 * MIB + 4096, 4096, 2))
    // What qemu should see: the child's blocks, sectors it never wrote as the zeros the file holds there.
    const expected = new Uint8Array(8 * MIB)
    expected.set(pattern(2 * MIB + 4096, 4096, 2), 2 * MIB + 4096)
    child.close()
    expectSameBytes(qemuRaw(childPath), expected)
    // While hv reads the parent through the child.
    const mixed = new DiskModel(8 * MIB, pattern(0, 8 * MIB, 1))
    mixed.write(2 * MIB + 4096, pattern(2 * MIB + 4096, 4096, 2))
    expectSameBytes(hvRaw(childPath), mixed.bytes)
  })

  it('reads a dynamic image whose end footer is damaged, as hv does: from the copy at offset 0', () => {
    const path = join(tempDir(), 'disk.vhd')
    const disk = createVhd({path, type: 'Dynamic', size: 4 * MIB})
    disk.write(MIB, pattern(MIB, 8192, 1))
    disk.close()
    const bytes = new Uint8Array(readFileSync(path))
    bytes[bytes.length - 512 + 70] ^= 0xff
    writeFileSync(path, bytes)
    expectSameBytes(qemuRaw(path), hvRaw(path))
    expect(hvRaw(path).subarray(MIB, MIB + 8192)).toEqual(pattern(MIB, 8192, 1))
  })

  it('has no consistency check for vpc', () => {
    const path = join(tempDir(), 'disk.vhd')
    createVhd({path, type: 'Dynamic', size: MIB}).close()
    const result = spawnSync('qemu-img', ['check', '-f', 'vpc', path], {encoding: 'utf8'})
    expect(result.status).not.toBe(0)
    expect(result.stderr).toContain('does not support checks')
  })
})

describe.skipIf(!HAVE_QEMU)('hv and the images qemu-img creates', () => {
  function qemuCreate(path: string, subformat: 'dynamic' | 'fixed', size: string, extra = ''): void {
    execFileSync('qemu-img', ['create', '-q', '-f', 'vpc', '-o', `subformat=${subformat}${extra}`, path, size])
  }

  it.each([
    ['dynamic', '3M'],
    ['dynamic', '10M'],
    ['dynamic', '40M'],
    ['fixed', '3M'],
    ['fixed', '10M'],
    ['fixed', '40M'],
  ] as const)('reads a %s image of %s as qemu does, after qemu-io writes', (subformat, size) => {
    const path = join(tempDir(), 'qemu.vhd')
    qemuCreate(path, subformat, size)
    qemuIo(path, 'write -P 0xab 0 4k', 'write -P 0xcd 1M 64k', 'write -P 0x5a 2044k 8k', 'write -P 0x11 512k 512')
    const disk = openVhd(path, {readOnly: true})
    expect(disk.size).toBe(qemuInfo(path, 'vpc')['virtual-size'])
    expect(disk.type).toBe(subformat === 'fixed' ? 'Fixed' : 'Dynamic')
    disk.close()
    expect(isVhd(path)).toBe(true)
    expectSameBytes(hvRaw(path), qemuRaw(path))
  })

  it('takes the size qemu records: the CHS-rounded size, or the exact one with force_size', () => {
    const dir = tempDir()
    qemuCreate(join(dir, 'chs.vhd'), 'dynamic', '10M')
    qemuCreate(join(dir, 'exact.vhd'), 'dynamic', '10M', ',force_size=on')
    for (const name of ['chs.vhd', 'exact.vhd']) {
      const disk = openVhd(join(dir, name), {readOnly: true})
      expect(disk.size, name).toBe(qemuInfo(join(dir, name))['virtual-size'])
      disk.close()
    }
  })

  it.each(['1M', '10M', '64M', '100M', '1G', '32G', '127G', '200G'])('computes the same geometry as qemu for %s', (size) => {
    const path = join(tempDir(), 'qemu.vhd')
    qemuCreate(path, 'dynamic', size)
    const footer = decodeFooter(new Uint8Array(readFileSync(path)).subarray(0, 512), path)
    expect(geometryForSize(footer.currentSize)).toEqual(footer.geometry)
  })

  it('writes into a qemu image that qemu then reads, and reads what qemu writes after', () => {
    const path = join(tempDir(), 'shared.vhd')
    qemuCreate(path, 'dynamic', '20M')
    qemuIo(path, 'write -P 0x77 3M 1M')
    const model = new DiskModel(qemuInfo(path)['virtual-size'])
    model.write(3 * MIB, new Uint8Array(MIB).fill(0x77))

    const disk = openVhd(path)
    for (const [offset, length, seed] of [[0, 4096, 1], [3 * MIB + 512, 1024, 2], [9 * MIB - 512, 4096, 3]]) {
      disk.write(offset, pattern(offset, length, seed))
      model.write(offset, pattern(offset, length, seed))
    }
    disk.close()
    expectSameBytes(qemuRaw(path), model.bytes)

    qemuIo(path, 'write -P 0x99 8M 2M', 'write -P 0x42 0 512')
    model.write(8 * MIB, new Uint8Array(2 * MIB).fill(0x99))
    model.write(0, new Uint8Array(512).fill(0x42))
    expectSameBytes(hvRaw(path), model.bytes)
    expectSameBytes(qemuRaw(path), model.bytes)
  })
})

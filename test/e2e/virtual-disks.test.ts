/**
 * The virtual hard disk cmdlets through `node bin/run.js`: new-vhd, get-vhd,
 * test-vhd, convert-vhd, merge-vhd and optimize-vhd on real files, with
 * qemu-img as the judge of what hv writes (skipped, saying so, without it).
 * Data goes into the images through hv's own storage library, as a VM's
 * controller would write it.
 */
import {spawnSync} from 'node:child_process'
import {existsSync, readFileSync, statSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {afterAll, beforeEach, describe, expect, it} from 'vitest'

import {openDisk} from '../../src/core/storage/index.js'
import {hv, hvJson, tempHome} from '../helpers/hv.js'
import {hasTool} from '../helpers/tools.js'

const MIB = 1024 * 1024
const haveQemuImg = hasTool('qemu-img')
if (!haveQemuImg) console.warn('virtual-disks e2e: qemu-img is not installed; the qemu-img checks are skipped')

const {home, cleanup} = tempHome('hv-vhd-')
afterAll(() => cleanup())
let dir = ''
let n = 0
beforeEach(() => {
  dir = join(home, `case${++n}`)
  spawnSync('mkdir', ['-p', dir])
})

const run = (...args: string[]) => hv(args, {home})
const json = <T = Record<string, any>[]>(...args: string[]) => hvJson<T>(args, {home})

/** Writes `length` bytes of a pattern derived from `seed` at `offset` of the image, through hv's library. */
function writePattern(path: string, offset: number, length: number, seed: number): Uint8Array {
  const data = new Uint8Array(length)
  for (let i = 0; i < length; i++) data[i] = (seed + i * 7 + (i >>> 9)) & 0xff
  const disk = openDisk(path)
  try {
    disk.write(offset, data)
  } finally {
    disk.close()
  }
  return data
}

function readBack(path: string, offset: number, length: number): Uint8Array {
  const disk = openDisk(path, {readOnly: true})
  try {
    const data = new Uint8Array(length)
    disk.read(offset, data)
    return data
  } finally {
    disk.close()
  }
}

/** Byte arrays compared whole (vitest's deep equality walks megabytes element by element). */
function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.length).equals(Buffer.from(b.buffer, b.byteOffset, b.length))
}

function qemuInfo(path: string, format: string): Record<string, any> {
  const result = spawnSync('qemu-img', ['info', '-f', format, '--output=json', path], {encoding: 'utf8'})
  expect(result.status, result.stderr).toBe(0)
  return JSON.parse(result.stdout)
}

/** The image as raw bytes, by qemu-img. */
function qemuRaw(path: string, format: string): Buffer {
  const raw = `${path}.raw`
  const result = spawnSync('qemu-img', ['convert', '-f', format, '-O', 'raw', path, raw], {encoding: 'utf8'})
  expect(result.status, result.stderr).toBe(0)
  return readFileSync(raw)
}

describe('new-vhd and get-vhd', () => {
  it('create VHDX (the default dynamic, fixed, 4K sectors) and VHD images with Hyper-V\'s defaults, as qemu-img reads them', async () => {
    const cases = [
      {file: 'dyn.vhdx', args: ['-SizeBytes', '64MB'], format: 'VHDX', type: 'Dynamic', block: 32 * MIB, logical: 512, physical: 4096},
      {file: 'fix.vhdx', args: ['-SizeBytes', '8MB', '-Fixed'], format: 'VHDX', type: 'Fixed', block: 32 * MIB, logical: 512, physical: 4096},
      {file: '4k.vhdx', args: ['-SizeBytes', '16MB', '-LogicalSectorSizeBytes', '4096', '-BlockSizeBytes', '1MB'], format: 'VHDX', type: 'Dynamic', block: MIB, logical: 4096, physical: 4096},
      {file: 'dyn.vhd', args: ['-SizeBytes', '64MB'], format: 'VHD', type: 'Dynamic', block: 2 * MIB, logical: 512, physical: 512},
      {file: 'fix.vhd', args: ['-SizeBytes', '8MB', '-Fixed'], format: 'VHD', type: 'Fixed', block: 0, logical: 512, physical: 512},
    ]
    for (const c of cases) {
      const path = join(dir, c.file)
      const [created] = await json('new-vhd', path, ...c.args)
      expect(created).toMatchObject({
        Path: path, VhdFormat: c.format, VhdType: c.type, BlockSize: c.block, LogicalSectorSize: c.logical,
        PhysicalSectorSize: c.physical, ParentPath: '', Attached: false, FragmentationPercentage: 0, MinimumSize: null,
      })
      expect(created.DiskIdentifier).toMatch(/^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$/)
      expect(created.FileSize).toBe(statSync(path).size)
      const [shown] = await json('get-vhd', path)
      expect(shown).toEqual(created)
      // qemu-img 7.2 opens no VHDX with 4096-byte logical sectors ("Operation not supported").
      if (haveQemuImg && c.logical === 512) {
        const info = qemuInfo(path, c.format === 'VHDX' ? 'vhdx' : 'vpc')
        expect(info['virtual-size']).toBe(created.Size)
        if (c.format === 'VHDX') expect(spawnSync('qemu-img', ['check', '-f', 'vhdx', path]).status).toBe(0)
      }
    }
  })

  it('shows a list by default and a table on request', async () => {
    const path = join(dir, 'a.vhdx')
    expect((await run('new-vhd', path, '-SizeBytes', '4MB')).stdout).toMatch(/VhdFormat\s+: VHDX/)
    const table = (await run('get-vhd', path, '--format', 'table')).stdout
    expect(table).toMatch(/Path\s+VhdFormat\s+VhdType\s+FileSize\s+Size\s+ParentPath/)
    expect(table).toContain('Dynamic')
  })

  it('refuses what New-VHD refuses, with one line and the documented exit code, creating nothing', async () => {
    const path = join(dir, 'x.vhdx')
    await json('new-vhd', path, '-SizeBytes', '4MB')
    const exists = await run('new-vhd', path, '-SizeBytes', '4MB')
    expect([exists.code, exists.stderr.trim().split('\n').length]).toEqual([2, 1])
    expect(exists.stderr).toContain('The file exists')
    const checks: Array<[string[], number, RegExp]> = [
      [[join(dir, 'y.img'), '-SizeBytes', '4MB'], 2, /extension/],
      [[join(dir, 'y.vhdx')], 2, /missing mandatory parameters: SizeBytes/],
      [[join(dir, 'y.vhdx'), '-SizeBytes', '1000'], 2, /multiple of the logical sector size/],
      [[join(dir, 'y.vhd'), '-SizeBytes', '3000GB'], 2, /more than the VHD format allows/],
      [[join(dir, 'y.vhd'), '-SizeBytes', '4MB', '-LogicalSectorSizeBytes', '4096'], 2, /512-byte sectors/],
      [[join(dir, 'y.vhdx'), '-SizeBytes', '4MB', '-PhysicalSectorSizeBytes', '1024'], 2, /not 512 or 4096/],
      [[join(dir, 'y.vhdx'), '-SizeBytes', '4MB', '-Fixed', '-Dynamic'], 2, /one of -Dynamic, -Fixed and -Differencing/],
      [[join(dir, 'y.vhdx'), '-Differencing', '-ParentPath', join(dir, 'none.vhdx')], 3, /does not exist/],
      [[join(dir, 'nowhere', 'y.vhdx'), '-SizeBytes', '4MB'], 3, /does not exist/],
    ]
    for (const [args, code, message] of checks) {
      const result = await run('new-vhd', ...args)
      expect(result.code, `new-vhd ${args.join(' ')}: ${result.stderr}`).toBe(code)
      expect(result.stderr).toMatch(message)
      expect(existsSync(args[0]!)).toBe(false)
    }
    const missing = await run('get-vhd', join(dir, 'none.vhdx'))
    expect(missing.code).toBe(3)
  })

  it('-WhatIf creates nothing', async () => {
    const path = join(dir, 'w.vhdx')
    const result = await run('new-vhd', path, '-SizeBytes', '4MB', '-WhatIf')
    expect(result.stdout).toContain('What if: Performing the operation "New-VHD" on target')
    expect(existsSync(path)).toBe(false)
  })
})

describe('differencing disks, convert-vhd, merge-vhd, optimize-vhd and test-vhd', () => {
  for (const ext of ['vhdx', 'vhd'] as const) {
    it(`${ext}: a child shows its parent's data under its own, merges back into it and is deleted`, async () => {
      const parent = join(dir, `base.${ext}`)
      const child = join(dir, `child.${ext}`)
      await json('new-vhd', parent, '-SizeBytes', '16MB')
      const base = writePattern(parent, 0, 3 * MIB, 1)
      const [made] = await json('new-vhd', child, '-ParentPath', parent, '-Differencing')
      expect(made).toMatchObject({VhdType: 'Differencing', ParentPath: parent, Size: 16 * MIB})
      const mine = writePattern(child, MIB + 512, 4096, 9)
      const expected = new Uint8Array(base)
      expected.set(mine, MIB + 512)
      expect(sameBytes(readBack(child, 0, 3 * MIB), expected)).toBe(true)
      expect(sameBytes(readBack(parent, 0, 3 * MIB), base)).toBe(true)

      const merged = await run('merge-vhd', child, '--passthru', '--json')
      expect(merged.code, merged.stderr).toBe(0)
      expect(JSON.parse(merged.stdout)[0]).toMatchObject({Path: parent, VhdType: 'Dynamic'})
      expect(existsSync(child)).toBe(false)
      expect(sameBytes(readBack(parent, 0, 3 * MIB), expected)).toBe(true)
      if (ext === 'vhdx' && haveQemuImg) expect(spawnSync('qemu-img', ['check', '-f', 'vhdx', parent]).status).toBe(0)
    })
  }

  it('convert-vhd between formats and types keeps every byte, as qemu-img reads both', async () => {
    const source = join(dir, 'src.vhd')
    await json('new-vhd', source, '-SizeBytes', '24MB')
    writePattern(source, 0, 512 * 1024, 3)
    writePattern(source, 20 * MIB, MIB, 4)
    for (const [file, type] of [['dyn.vhdx', 'Dynamic'], ['fix.vhdx', 'Fixed'], ['back.vhd', 'Dynamic'], ['fix.vhd', 'Fixed']] as const) {
      const destination = join(dir, file)
      const result = await run('convert-vhd', source, destination, '-VHDType', type, '--passthru', '--json')
      expect(result.code, result.stderr).toBe(0)
      expect(JSON.parse(result.stdout)[0]).toMatchObject({Path: destination, VhdType: type, Size: 24 * MIB})
      expect(sameBytes(readBack(destination, 0, 24 * MIB), readBack(source, 0, 24 * MIB))).toBe(true)
      if (haveQemuImg) {
        expect(qemuRaw(destination, file.endsWith('vhdx') ? 'vhdx' : 'vpc').equals(qemuRaw(source, 'vpc'))).toBe(true)
      }
    }
    // A dynamic copy stores the blocks that were written, not the whole disk.
    const small = join(dir, 'small.vhdx')
    expect((await run('convert-vhd', source, small, '-BlockSizeBytes', '1MB')).code).toBe(0)
    const [converted] = await json('get-vhd', small)
    expect(converted).toMatchObject({VhdType: 'Dynamic', BlockSize: MIB})
    expect(statSync(small).size).toBeLessThan(8 * MIB) // two 1 MB blocks and the metadata
    expect(sameBytes(readBack(small, 0, 24 * MIB), readBack(source, 0, 24 * MIB))).toBe(true)
    const deleted = await run('convert-vhd', join(dir, 'dyn.vhdx'), join(dir, 'moved.vhdx'), '-DeleteSource')
    expect(deleted.code, deleted.stderr).toBe(0)
    expect(existsSync(join(dir, 'dyn.vhdx'))).toBe(false)
  })

  it('optimize-vhd drops blocks of zeros and keeps the identifier and the data', async () => {
    const path = join(dir, 'sparse.vhdx')
    await json('new-vhd', path, '-SizeBytes', '256MB', '-BlockSizeBytes', '1MB')
    const kept = writePattern(path, 100 * MIB, 64 * 1024, 5)
    for (let k = 0; k < 32; k++) writePattern(path, k * MIB, 4096, 0) // allocates 32 blocks...
    const zero = new Uint8Array(4096)
    const disk = openDisk(path)
    for (let k = 0; k < 32; k++) disk.write(k * MIB, zero) // ...that hold only zeros again
    disk.close()
    const [before] = await json('get-vhd', path)
    const [after] = JSON.parse((await run('optimize-vhd', path, '--passthru', '--json')).stdout)
    expect(after.FileSize).toBeLessThan(before.FileSize)
    expect(after.DiskIdentifier).toBe(before.DiskIdentifier)
    expect(sameBytes(readBack(path, 100 * MIB, 64 * 1024), kept)).toBe(true)
    if (haveQemuImg) expect(spawnSync('qemu-img', ['check', '-f', 'vhdx', path]).status).toBe(0)
  })

  it('test-vhd says True for good images and False, with the reason, for a damaged one or a lost parent', async () => {
    const good = join(dir, 'good.vhdx')
    const bad = join(dir, 'bad.vhdx')
    const base = join(dir, 'base.vhd')
    const child = join(dir, 'child.vhd')
    await json('new-vhd', good, '-SizeBytes', '4MB')
    await json('new-vhd', bad, '-SizeBytes', '4MB')
    await json('new-vhd', base, '-SizeBytes', '4MB')
    await json('new-vhd', child, '-ParentPath', base, '-Differencing')
    const bytes = readFileSync(bad)
    bytes.fill(0x5a, 64 * 1024, 64 * 1024 + 64) // the first header
    bytes.fill(0x5a, 128 * 1024, 128 * 1024 + 64) // and the second
    writeFileSync(bad, bytes)
    spawnSync('mv', [base, `${base}.moved`])
    const result = await run('test-vhd', good, bad, child, '--json')
    expect(result.code).toBe(0)
    expect(JSON.parse(result.stdout)).toEqual([true, false, false])
    expect(result.stderr).toContain(bad)
    expect(result.stderr).toContain('base.vhd')
    const broken = await run('get-vhd', bad)
    expect(broken.code).toBe(2)
    expect(broken.stderr.trim().split('\n')).toHaveLength(1)
  })
})

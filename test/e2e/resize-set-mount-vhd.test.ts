/**
 * resize-vhd, set-vhd, mount-vhd and dismount-vhd through `node bin/run.js`,
 * with qemu-img judging the images (skipped, saying so, without it), and
 * export/import of a differencing disk whose parent lived in another folder.
 * Mounting needs root and losetup; where they are missing, the refusal is
 * what is checked.
 */
import {spawnSync} from 'node:child_process'
import {mkdirSync, readFileSync, renameSync} from 'node:fs'
import {join} from 'node:path'

import {afterAll, beforeEach, describe, expect, it} from 'vitest'

import {openDisk} from '../../src/core/storage/index.js'
import {hv, hvJson, tempHome} from '../helpers/hv.js'
import {hasTool} from '../helpers/tools.js'

const MIB = 1024 * 1024
const haveQemuImg = hasTool('qemu-img')
if (!haveQemuImg) console.warn('resize/set/mount-vhd e2e: qemu-img is not installed; the qemu-img checks are skipped')
const canLoop = process.platform === 'linux' && process.getuid?.() === 0 && hasTool('losetup', ['--version'])

const {home, cleanup} = tempHome('hv-vhd-change-')
afterAll(() => cleanup())
let dir = ''
let n = 0
beforeEach(() => {
  dir = join(home, `case${++n}`)
  mkdirSync(dir, {recursive: true})
})

const run = (...args: string[]) => hv(args, {home})
const json = <T = Record<string, any>[]>(...args: string[]) => hvJson<T>(args, {home})
async function ok(...args: string[]): Promise<string> {
  const result = await run(...args)
  expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(0)
  return result.stdout
}

function write(path: string, offset: number, data: Uint8Array): void {
  const disk = openDisk(path)
  try {
    disk.write(offset, data)
  } finally {
    disk.close()
  }
}

function read(path: string, offset: number, length: number): Uint8Array {
  const disk = openDisk(path, {readOnly: true})
  try {
    const data = new Uint8Array(length)
    disk.read(offset, data)
    return data
  } finally {
    disk.close()
  }
}

const bytes = (length: number, seed: number) => Uint8Array.from({length}, (_, i) => (seed + i * 13) & 0xff)

function qemuInfo(path: string, format: string): {'virtual-size': number} {
  return JSON.parse(spawnSync('qemu-img', ['info', '--output=json', '-f', format, path], {encoding: 'utf8'}).stdout)
}

/** An MBR with one partition of `sectors` 512-byte sectors from sector 2048. */
function mbr(sectors: number): Uint8Array {
  const sector = new Uint8Array(512)
  const view = new DataView(sector.buffer)
  sector[446 + 4] = 0x83
  view.setUint32(446 + 8, 2048, true)
  view.setUint32(446 + 12, sectors, true)
  sector[510] = 0x55
  sector[511] = 0xaa
  return sector
}

describe('resize-vhd', () => {
  it('grows a VHDX and a VHD, shrinks a VHDX to its minimum size; qemu-img agrees', async () => {
    const vhdx = join(dir, 'disk.vhdx')
    await ok('new-vhd', vhdx, '-SizeBytes', '64MB')
    write(vhdx, 0, mbr(20 * 2048)) // a 20 MiB partition from 1 MiB: the minimum size is 21 MiB
    const [grown] = await json('resize-vhd', vhdx, '-SizeBytes', '128MB', '--passthru')
    expect(grown).toMatchObject({Path: vhdx, Size: 128 * MIB, MinimumSize: 21 * MIB, VhdFormat: 'VHDX'})
    expect(await ok('resize-vhd', vhdx, '-ToMinimumSize')).toBe('')
    const [minimum] = await json('get-vhd', vhdx)
    expect(minimum.Size).toBe(21 * MIB)
    expect(read(vhdx, 0, 512)).toEqual(mbr(20 * 2048))
    if (haveQemuImg) {
      expect(qemuInfo(vhdx, 'vhdx')['virtual-size']).toBe(21 * MIB)
      expect(spawnSync('qemu-img', ['check', '-f', 'vhdx', vhdx]).status).toBe(0)
    }

    const vhd = join(dir, 'disk.vhd')
    await ok('new-vhd', vhd, '-SizeBytes', '8MB', '-Fixed')
    write(vhd, 8 * MIB - 512, bytes(512, 1))
    await ok('resize-vhd', vhd, '20MB')
    expect(read(vhd, 8 * MIB - 512, 1024)).toEqual(Uint8Array.from([...bytes(512, 1), ...new Uint8Array(512)]))
    if (haveQemuImg) expect(qemuInfo(vhd, 'vpc')['virtual-size']).toBe(20 * MIB)
  })

  it('refuses, in one line with the documented exit codes, what Hyper-V refuses', async () => {
    const vhd = join(dir, 'disk.vhd')
    await ok('new-vhd', vhd, '-SizeBytes', '8MB')
    const shrink = await run('resize-vhd', vhd, '-SizeBytes', '4MB')
    expect(shrink.code).toBe(2)
    expect(shrink.stderr.trim().split('\n')).toHaveLength(1)
    expect(shrink.stderr).toMatch(/VHD cannot shrink/)

    const vhdx = join(dir, 'data.vhdx')
    await ok('new-vhd', vhdx, '-SizeBytes', '16MB', '-BlockSizeBytes', '1MB')
    write(vhdx, 12 * MIB, bytes(512, 2))
    const overData = await run('resize-vhd', vhdx, '-SizeBytes', '8MB')
    expect(overData.code).toBe(2)
    expect(overData.stderr).toMatch(/holds data at offset 12582912/)
    expect((await run('resize-vhd', vhdx, '-ToMinimumSize')).stderr).toMatch(/no partition table/)
    expect((await run('resize-vhd', vhdx)).code).toBe(2)
    expect((await run('resize-vhd', join(dir, 'missing.vhdx'), '1GB')).code).toBe(3)

    await ok('new-vhd', join(dir, 'child.vhdx'), '-ParentPath', vhdx, '-Differencing')
    const child = await run('resize-vhd', join(dir, 'child.vhdx'), '32MB')
    expect(child.code).toBe(2)
    expect(child.stderr).toMatch(/differencing/)
  })

  it('refuses to change a disk a running virtual machine uses, or its parent', async () => {
    const base = join(dir, 'base.vhdx')
    const child = join(dir, 'vm.vhdx')
    await ok('new-vhd', base, '-SizeBytes', '16MB')
    await ok('new-vhd', child, '-ParentPath', base, '-Differencing')
    await ok('new-vm', 'runner', '-VHDPath', child)
    await ok('start-vm', 'runner')
    try {
      const [vm] = await json('get-vm', 'runner')
      expect(vm.State).toBe('Running')
      for (const args of [['resize-vhd', base, '32MB'], ['set-vhd', child, '-ResetDiskIdentifier'], ['mount-vhd', base]]) {
        const refused = await run(...args)
        expect(refused.code, args.join(' ')).toBe(4)
        expect(refused.stderr).toMatch(/running virtual machine 'runner'/)
      }
    } finally {
      await ok('stop-vm', 'runner', '--turn-off')
    }
    await ok('set-vhd', child, '-ResetDiskIdentifier')
  })
})

describe('set-vhd', () => {
  it('points a differencing disk at its moved parent, refusing a stranger without -IgnoreIdMismatch', async () => {
    mkdirSync(join(dir, 'a'))
    mkdirSync(join(dir, 'b'))
    const parent = join(dir, 'a', 'base.vhd')
    const child = join(dir, 'child.vhd')
    await ok('new-vhd', parent, '-SizeBytes', '8MB')
    write(parent, 0, bytes(4096, 3))
    await ok('new-vhd', child, '-ParentPath', parent, '-Differencing')
    write(child, 4096, bytes(512, 4))
    const moved = join(dir, 'b', 'moved.vhd')
    renameSync(parent, moved)
    expect((await run('get-vhd', child)).code).toBe(2)

    const stranger = join(dir, 'stranger.vhd')
    await ok('new-vhd', stranger, '-SizeBytes', '8MB')
    const mismatch = await run('set-vhd', child, '-ParentPath', stranger)
    expect(mismatch.code).toBe(2)
    expect(mismatch.stderr).toMatch(/IgnoreIdMismatch/)

    const [info] = await json('set-vhd', child, '-ParentPath', moved, '--passthru')
    expect(info).toMatchObject({Path: child, ParentPath: moved, VhdType: 'Differencing'})
    expect(read(child, 0, 4096)).toEqual(bytes(4096, 3))
    expect(read(child, 4096, 512)).toEqual(bytes(512, 4))
  })

  it('gives a new disk identifier, sets a VHDX physical sector size, and needs something to change', async () => {
    const vhdx = join(dir, 'disk.vhdx')
    const [before] = await json('new-vhd', vhdx, '-SizeBytes', '8MB')
    const [after] = await json('set-vhd', vhdx, '-ResetDiskIdentifier', '-PhysicalSectorSizeBytes', '512', '--passthru')
    expect(after.DiskIdentifier).not.toBe(before.DiskIdentifier)
    expect(after.DiskIdentifier).toMatch(/^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$/)
    expect(after.PhysicalSectorSize).toBe(512)
    if (haveQemuImg) expect(spawnSync('qemu-img', ['check', '-f', 'vhdx', vhdx]).status).toBe(0)
    expect((await run('set-vhd', vhdx)).code).toBe(2)
    expect((await run('set-vhd', vhdx, '-PhysicalSectorSizeBytes', '1000')).code).toBe(2)
    const vhd = join(dir, 'disk.vhd')
    await ok('new-vhd', vhd, '-SizeBytes', '8MB')
    expect((await run('set-vhd', vhd, '-PhysicalSectorSizeBytes', '4096')).stderr).toMatch(/always 512/)
    expect((await run('set-vhd', vhd, '-ParentPath', vhdx)).stderr).toMatch(/not a differencing disk/)
  })
})

describe('mount-vhd and dismount-vhd', () => {
  it('refuse what they cannot mount, saying why (exit 4)', async () => {
    const vhdx = join(dir, 'disk.vhdx')
    await ok('new-vhd', vhdx, '-SizeBytes', '8MB')
    const refused = await run('mount-vhd', vhdx)
    expect(refused.code).toBe(4)
    expect(refused.stderr.trim().split('\n')).toHaveLength(1)
    expect(refused.stderr).toMatch(/only fixed VHD/)
    const notMounted = await run('dismount-vhd', vhdx)
    expect(notMounted.code).toBe(4)
    expect(notMounted.stderr).toMatch(/not mounted/)
  })

  it.skipIf(!canLoop)('attach a fixed VHD as a loop device of exactly the disk\'s size, and detach it', async () => {
    const vhd = join(dir, 'fixed.vhd')
    await ok('new-vhd', vhd, '-SizeBytes', '4MB', '-Fixed')
    write(vhd, 0, bytes(512, 5))
    const [mounted] = await json('mount-vhd', vhd, '--passthru')
    try {
      expect(mounted).toMatchObject({Attached: true, DevicePath: `/dev/loop${mounted.DiskNumber}`})
      const [seen] = await json('get-vhd', vhd)
      expect(seen).toMatchObject({Attached: true, DiskNumber: mounted.DiskNumber})
      const size = spawnSync('blockdev', ['--getsize64', mounted.DevicePath], {encoding: 'utf8'})
      if (size.status === 0) expect(Number(size.stdout.trim())).toBe(4 * MIB)
      expect(new Uint8Array(readFileSync(mounted.DevicePath).subarray(0, 512))).toEqual(bytes(512, 5))
      expect((await run('mount-vhd', vhd)).code).toBe(4)
      const busy = await run('resize-vhd', vhd, '8MB')
      expect(busy.code).toBe(4)
      expect(busy.stderr).toMatch(/mounted on this host/)
    } finally {
      await ok('dismount-vhd', vhd)
    }
    const [after] = await json('get-vhd', vhd)
    expect(after).toMatchObject({Attached: false, DiskNumber: null, DevicePath: null})
  })
})

describe('export and import of a differencing disk kept apart from its parent', () => {
  it('the copies find each other: the exported child is pointed at the exported parent', async () => {
    mkdirSync(join(dir, 'base'))
    const parent = join(dir, 'base', 'golden.vhdx')
    const child = join(dir, 'vm.vhdx')
    await ok('new-vhd', parent, '-SizeBytes', '8MB')
    write(parent, 0, bytes(4096, 6))
    await ok('new-vhd', child, '-ParentPath', parent, '-Differencing')
    write(child, 4096, bytes(512, 7))
    await ok('new-vm', 'apart', '-VHDPath', child)
    await ok('export-vm', 'apart', '--path', join(dir, 'out'))
    const exported = join(dir, 'out', 'apart', 'Virtual Hard Disks')
    const [inExport] = await json('get-vhd', join(exported, 'vm.vhdx'))
    expect(inExport.ParentPath).toBe(join(exported, 'golden.vhdx'))

    // Gone from here: only the export's copies are left to find.
    renameSync(parent, `${parent}.gone`)
    await ok('remove-vm', 'apart', '--force')
    const destination = join(dir, 'imported')
    await ok('import-vm', join(dir, 'out', 'apart'), '-Copy', '-VhdDestinationPath', destination)
    const [imported] = await json('get-vhd', join(destination, 'vm.vhdx'))
    expect(imported.ParentPath).toBe(join(destination, 'golden.vhdx'))
    expect(read(join(destination, 'vm.vhdx'), 0, 4096)).toEqual(bytes(4096, 6))
    expect(read(join(destination, 'vm.vhdx'), 4096, 512)).toEqual(bytes(512, 7))
  })
})

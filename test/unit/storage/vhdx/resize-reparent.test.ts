/**
 * Resize-VHD and Set-VHD in the VHDX format: growing and shrinking fixed and
 * dynamic images (BAT sectors through the log, or a BAT too large for its
 * region written anew), a differencing image pointed at a moved parent, a
 * new disk identifier and physical sector size; what is refused; qemu-img
 * check and qemu's reads of the result; and a writer stopped at every write
 * of each change in the four ways crash-hooks.ts simulates.
 */
import {copyFileSync, mkdirSync, renameSync, statSync} from 'node:fs'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {InvalidArgumentError, InvalidStateError} from '../../../../src/core/errors.js'
import {SimulatedTornWrite} from '../../../../src/core/storage/vhdx/image-file.js'
import {createVhdx, openVhdx} from '../../../../src/core/storage/vhdx/index.js'
import {openImage} from '../../../../src/core/storage/vhdx/open.js'
import type {VirtualDisk} from '../../../../src/core/storage/virtual-disk.js'
import {CrashHooks, SimulatedCrash, type CrashMode} from './crash-hooks.js'
import {hasQemuImg, KiB, MiB, pattern, qemuCheck, qemuInfo, qemuRaw, readAll, sameBytes, tempDir} from './helpers.js'
import {inspect} from './inspect.js'

let dir: string
let cleanup: () => void
beforeAll(() => {
  ;({dir, cleanup} = tempDir('hv-vhdx-resize-'))
})
afterAll(() => cleanup())

let counter = 0
const fresh = (name: string) => join(dir, `${counter++}-${name}`)

function contentsOf(path: string): Uint8Array {
  const disk = openVhdx(path, {readOnly: true})
  try {
    return readAll(disk)
  } finally {
    disk.close()
  }
}

/** qemu-img check passes, qemu sees the size, and reads what hv reads. */
function expectQemuAgrees(path: string, size: number): void {
  if (!hasQemuImg) return
  const check = qemuCheck(path)
  expect(check.status, check.stdout + check.stderr).toBe(0)
  expect(qemuInfo(path)['virtual-size']).toBe(size)
  expect(sameBytes(qemuRaw(path, dir), contentsOf(path))).toBe(true)
}

function withData(type: 'Fixed' | 'Dynamic', size: number, blockSize = MiB): {path: string; before: Uint8Array} {
  const path = fresh(`${type}.vhdx`)
  const disk = createVhdx({path, type, size, blockSize})
  disk.write(0, pattern(64 * KiB, 1))
  disk.write(size - 4 * KiB, pattern(4 * KiB, 2))
  const before = readAll(disk)
  disk.close()
  return {path, before}
}

function expectGrown(contents: Uint8Array, before: Uint8Array, where = ''): void {
  expect(sameBytes(contents.subarray(0, before.length), before), `${where}: the old data`).toBe(true)
  expect(contents.subarray(before.length).every((byte) => byte === 0), `${where}: the new space reads as zeros`).toBe(true)
}

describe('growing a VHDX', () => {
  it.each(['Dynamic', 'Fixed'] as const)('%s, the BAT changed through the log: data kept, new space zeros and writable, qemu agrees', (type) => {
    const {path, before} = withData(type, 6 * MiB + 512)
    const batBefore = inspect(path).batRegion
    const disk = openVhdx(path)
    disk.resize(20 * MiB)
    expectGrown(readAll(disk), before)
    disk.write(19 * MiB, pattern(MiB, 3))
    disk.close()
    expect(inspect(path).batRegion).toEqual(batBefore)
    const after = contentsOf(path)
    expect(after.length).toBe(20 * MiB)
    expect(sameBytes(after.subarray(19 * MiB), pattern(MiB, 3))).toBe(true)
    expect(sameBytes(after.subarray(0, before.length), before)).toBe(true)
    if (type === 'Fixed') expect(openVhdx(path, {readOnly: true}).allocatedBlocks()).toEqual([])
    expectQemuAgrees(path, 20 * MiB)
  })

  it('dynamic, past what the BAT region holds: the table moves to a new region at the end of the file', () => {
    const {path, before} = withData('Dynamic', 8 * MiB)
    const batBefore = inspect(path).batRegion
    const disk = openVhdx(path)
    disk.resize(200 * 1024 * MiB) // 204800 one-MiB blocks: 1.6 MiB of BAT
    disk.write(150 * 1024 * MiB, pattern(4 * KiB, 4))
    disk.close()
    const batAfter = inspect(path).batRegion
    expect(batAfter.offset).toBeGreaterThan(batBefore.offset)
    expect(batAfter.length).toBe(2 * MiB)
    const disk2 = openVhdx(path, {readOnly: true})
    expect(disk2.size).toBe(200 * 1024 * MiB)
    const start = new Uint8Array(before.length)
    disk2.read(0, start)
    expect(sameBytes(start, before)).toBe(true)
    const written = new Uint8Array(4 * KiB)
    disk2.read(150 * 1024 * MiB, written)
    expect(sameBytes(written, pattern(4 * KiB, 4))).toBe(true)
    disk2.close()
    if (hasQemuImg) {
      const check = qemuCheck(path)
      expect(check.status, check.stdout + check.stderr).toBe(0)
      expect(qemuInfo(path)['virtual-size']).toBe(200 * 1024 * MiB)
    }
  })

  it('a differencing disk, a read-only open and a size off the logical sector are refused', () => {
    const {path} = withData('Dynamic', 4 * MiB)
    const child = createVhdx({path: fresh('child.vhdx'), type: 'Differencing', parentPath: path})
    expect(() => child.resize(8 * MiB)).toThrow(/differencing/)
    child.close()
    const readOnly = openVhdx(path, {readOnly: true})
    expect(() => readOnly.resize(8 * MiB)).toThrow(InvalidStateError)
    readOnly.close()
    const big = createVhdx({path: fresh('4k.vhdx'), type: 'Dynamic', size: 4 * MiB, logicalSectorSize: 4096})
    expect(() => big.resize(8 * MiB + 512)).toThrow(InvalidArgumentError)
    big.close()
  })
})

describe('shrinking a VHDX', () => {
  it('dynamic: refused over a block with data, done when only zeros are cut off', () => {
    const {path, before} = withData('Dynamic', 16 * MiB)
    const disk = openVhdx(path)
    expect(() => disk.resize(8 * MiB)).toThrow(/holds data at offset/)
    disk.write(16 * MiB - 4 * KiB, new Uint8Array(4 * KiB)) // the block stays allocated, now zeros
    expect(() => disk.resize(8 * MiB)).toThrow(/holds data at offset 15728640/)
    disk.close()

    const plain = withData('Dynamic', 16 * MiB)
    const shrinking = openVhdx(plain.path)
    expect(() => shrinking.resize(MiB / 2)).toThrow(/holds data/)
    shrinking.close()
    const zeroTail = fresh('zeros.vhdx')
    const made = createVhdx({path: zeroTail, type: 'Dynamic', size: 16 * MiB, blockSize: MiB})
    made.write(0, pattern(64 * KiB, 5))
    made.resize(2 * MiB)
    expect(made.size).toBe(2 * MiB)
    made.resize(6 * MiB)
    made.close()
    const after = contentsOf(zeroTail)
    expect(sameBytes(after.subarray(0, 64 * KiB), pattern(64 * KiB, 5))).toBe(true)
    expect(after.subarray(64 * KiB).every((byte) => byte === 0)).toBe(true)
    expectQemuAgrees(zeroTail, 6 * MiB)
    expect(before.length).toBe(16 * MiB)
  })

  it('fixed: refused over non-zero bytes; else the file gives back the blocks past the new end', () => {
    const path = fresh('fixed.vhdx')
    const disk = createVhdx({path, type: 'Fixed', size: 16 * MiB, blockSize: MiB})
    disk.write(0, pattern(2 * MiB, 6))
    disk.write(12 * MiB + 512, pattern(512, 7))
    expect(() => disk.resize(4 * MiB)).toThrow(/holds data at offset 12583424/)
    disk.write(12 * MiB + 512, new Uint8Array(512))
    const sizeBefore = statSync(path).size
    disk.resize(3 * MiB + 512)
    disk.close()
    expect(statSync(path).size).toBe(sizeBefore - 12 * MiB)
    const after = contentsOf(path)
    expect(after.length).toBe(3 * MiB + 512)
    expect(sameBytes(after.subarray(0, 2 * MiB), pattern(2 * MiB, 6))).toBe(true)
    expectQemuAgrees(path, 3 * MiB + 512)
    // And back: new blocks, zeros.
    const regrow = openVhdx(path)
    regrow.resize(10 * MiB)
    regrow.close()
    expectGrown(contentsOf(path), after)
    expectQemuAgrees(path, 10 * MiB)
  })
})

describe('re-pointing a differencing VHDX', () => {
  function chain() {
    const base = fresh('chain')
    mkdirSync(join(base, 'a'), {recursive: true})
    const parentPath = join(base, 'a', 'parent.vhdx')
    const parent = createVhdx({path: parentPath, type: 'Dynamic', size: 8 * MiB, blockSize: MiB})
    parent.write(0, pattern(8 * MiB, 8))
    parent.close()
    const childPath = join(base, 'child.vhdx')
    const child = createVhdx({path: childPath, type: 'Differencing', parentPath, blockSize: MiB})
    child.write(MiB + 4 * KiB, pattern(8 * KiB, 9))
    const contents = readAll(child)
    child.close()
    return {base, parentPath, childPath, contents}
  }

  it('finds a moved parent again after an open without it; the relative path follows the pair', () => {
    const {base, parentPath, childPath, contents} = chain()
    mkdirSync(join(base, 'b'))
    const moved = join(base, 'b', 'moved.vhdx')
    renameSync(parentPath, moved)
    expect(() => openVhdx(childPath)).toThrow(/parent disk not found/)
    const disk = openVhdx(childPath, {skipParent: true})
    expect(disk.parent).toBeNull()
    expect(disk.parentPath).toBe(parentPath)
    expect(() => disk.read(0, new Uint8Array(512))).toThrow(InvalidStateError)
    disk.setParentPath(moved)
    expect(sameBytes(readAll(disk), contents)).toBe(true)
    disk.close()
    const reopened = openVhdx(childPath, {readOnly: true})
    expect(reopened.parentPath).toBe(moved)
    reopened.close()
    mkdirSync(join(base, 'c', 'b'), {recursive: true})
    renameSync(moved, join(base, 'c', 'b', 'moved.vhdx'))
    renameSync(childPath, join(base, 'c', 'child.vhdx'))
    expect(sameBytes(contentsOf(join(base, 'c', 'child.vhdx')), contents)).toBe(true)
  })

  it('refuses a disk the child was not made from unless told to ignore it, other sizes, and loops', () => {
    const {base, childPath} = chain()
    const stranger = join(base, 'stranger.vhdx')
    const other = createVhdx({path: stranger, type: 'Dynamic', size: 8 * MiB, blockSize: MiB})
    other.write(0, pattern(4 * KiB, 10))
    other.close()
    createVhdx({path: join(base, 'small.vhdx'), type: 'Dynamic', size: 4 * MiB}).close()
    const grandchild = join(base, 'grandchild.vhdx')
    createVhdx({path: grandchild, type: 'Differencing', parentPath: childPath}).close()

    const disk = openVhdx(childPath, {skipParent: true})
    expect(() => disk.setParentPath(stranger)).toThrow(/IgnoreIdMismatch/)
    expect(() => disk.setParentPath(join(base, 'small.vhdx'), {ignoreIdMismatch: true})).toThrow(/same size/)
    expect(() => disk.setParentPath(grandchild, {ignoreIdMismatch: true})).toThrow(/cannot be the parent/)
    disk.setParentPath(stranger, {ignoreIdMismatch: true})
    disk.close()
    const linked = openVhdx(childPath, {readOnly: true})
    expect(linked.parentPath).toBe(stranger)
    const first = new Uint8Array(4 * KiB)
    linked.read(0, first)
    expect(sameBytes(first, pattern(4 * KiB, 10))).toBe(true)
    linked.close()
    // The grandchild still links to the child: re-pointing changed no data.
    openVhdx(grandchild, {readOnly: true}).close()
  })
})

describe('Set-VHD metadata on a VHDX', () => {
  it('a new disk identifier and physical sector size, through the log; qemu agrees', () => {
    const {path, before} = withData('Dynamic', 4 * MiB)
    const disk = openVhdx(path)
    disk.setMetadata({diskIdentifier: '0123abcd-0000-1111-2222-333344445555', physicalSectorSize: 512})
    expect(() => disk.setMetadata({diskIdentifier: 'x'})).toThrow(InvalidArgumentError)
    disk.close()
    const reopened = openVhdx(path, {readOnly: true})
    expect(reopened.diskIdentifier).toBe('0123abcd-0000-1111-2222-333344445555')
    expect(reopened.physicalSectorSize).toBe(512)
    expect(sameBytes(readAll(reopened), before)).toBe(true)
    reopened.close()
    const fourK = createVhdx({path: fresh('4k.vhdx'), type: 'Dynamic', size: 4 * MiB, logicalSectorSize: 4096})
    expect(() => fourK.setMetadata({physicalSectorSize: 512})).toThrow(/smaller than the logical/)
    fourK.close()
    expectQemuAgrees(path, 4 * MiB)
  })
})

interface Change {
  name: string
  /** The image before the change, at `path`; its contents and size before. */
  base: (path: string) => void
  change: (disk: VirtualDisk) => void
  /** What the image must satisfy after a stop: `changed` when it reads as after the change. */
  check: (disk: VirtualDisk, before: Uint8Array, where: string) => void
  qemu: boolean
}

const sizeChange = (from: number, to: number) => (disk: VirtualDisk, before: Uint8Array, where: string) => {
  expect([from, to], where).toContain(disk.size)
  const contents = readAll(disk)
  const kept = Math.min(from, to, disk.size)
  expect(sameBytes(contents.subarray(0, kept), before.subarray(0, kept)), `${where}: the data below both sizes`).toBe(true)
  if (disk.size > from) expect(contents.subarray(from).every((byte) => byte === 0), `${where}: the new space`).toBe(true)
}

const changes: Change[] = [
  {
    name: 'growing a dynamic image (BAT through the log)',
    base: (path) => {
      const disk = createVhdx({path, type: 'Dynamic', size: 5 * MiB + 512, blockSize: MiB})
      disk.write(0, pattern(5 * MiB + 512, 11))
      disk.close()
    },
    change: (disk) => disk.resize(40 * MiB),
    check: sizeChange(5 * MiB + 512, 40 * MiB),
    qemu: true,
  },
  {
    name: 'growing a dynamic image (BAT moved)',
    base: (path) => {
      const disk = createVhdx({path, type: 'Dynamic', size: 3 * MiB, blockSize: MiB})
      disk.write(0, pattern(3 * MiB, 12))
      disk.close()
    },
    change: (disk) => disk.resize(160 * 1024 * MiB),
    check: (disk, before, where) => {
      expect([3 * MiB, 160 * 1024 * MiB], where).toContain(disk.size)
      const start = new Uint8Array(Math.min(disk.size, 4 * MiB))
      disk.read(0, start)
      expect(sameBytes(start.subarray(0, 3 * MiB), before), where).toBe(true)
      if (disk.size > 3 * MiB) expect(start.subarray(3 * MiB).every((byte) => byte === 0), where).toBe(true)
    },
    qemu: false, // qemu-img check reads every entry of 160 GiB of BAT per stop: slow, and covered once above
  },
  {
    name: 'growing a fixed image',
    base: (path) => {
      const disk = createVhdx({path, type: 'Fixed', size: 3 * MiB, blockSize: MiB})
      disk.write(0, pattern(3 * MiB, 13))
      disk.close()
    },
    change: (disk) => disk.resize(6 * MiB),
    check: sizeChange(3 * MiB, 6 * MiB),
    qemu: true,
  },
  {
    name: 'shrinking a fixed image',
    base: (path) => {
      const disk = createVhdx({path, type: 'Fixed', size: 6 * MiB, blockSize: MiB})
      disk.write(0, pattern(2 * MiB, 14))
      disk.close()
    },
    change: (disk) => disk.resize(2 * MiB),
    check: sizeChange(6 * MiB, 2 * MiB),
    qemu: true,
  },
  {
    name: 'a new disk identifier',
    base: (path) => {
      const disk = createVhdx({path, type: 'Dynamic', size: 2 * MiB, blockSize: MiB})
      disk.write(0, pattern(MiB, 15))
      disk.close()
    },
    change: (disk) => disk.setMetadata({diskIdentifier: '0123abcd-0000-1111-2222-333344445555', physicalSectorSize: 512}),
    check: (disk, before, where) => {
      const changed = disk.diskIdentifier === '0123abcd-0000-1111-2222-333344445555'
      expect(disk.physicalSectorSize, where).toBe(changed ? 512 : 4096)
      expect(sameBytes(readAll(disk), before), where).toBe(true)
    },
    qemu: true,
  },
  {
    name: 're-pointing the parent',
    base: (path) => {
      const parentPath = `${path}.parent`
      const parent = createVhdx({path: parentPath, type: 'Dynamic', size: 4 * MiB, blockSize: MiB})
      parent.write(0, pattern(4 * MiB, 16))
      parent.close()
      copyFileSync(parentPath, `${path}.copy`)
      const child = createVhdx({path, type: 'Differencing', parentPath, blockSize: MiB})
      child.write(MiB, pattern(4 * KiB, 17))
      child.close()
    },
    change: (disk) => disk.setParentPath(`${disk.path}.copy`),
    check: (disk, before, where) => {
      // The child was made beside base.vhdx.parent; the change points it at its own .copy.
      expect([`${disk.path.replace(/\.work$/, '')}.parent`, `${disk.path}.copy`], where).toContain(disk.parentPath)
      expect(sameBytes(readAll(disk), before), where).toBe(true)
    },
    qemu: false, // qemu 7.2 does not open differencing VHDX
  },
]

function runChange(path: string, change: Change, hooks: CrashHooks): void {
  const disk = openImage(path, {readOnly: false, hooks})
  try {
    change.change(disk)
    disk.close()
  } catch (error) {
    disk.close()
    if (!(error instanceof SimulatedCrash || error instanceof SimulatedTornWrite)) throw error
  }
}

describe.each(changes)('$name, stopped at every write', (change) => {
  let basePath: string
  let before: Uint8Array
  let totalWrites: number

  beforeAll(() => {
    basePath = fresh('base.vhdx')
    change.base(basePath)
    before = contentsOf(basePath)
    const dry = `${basePath}.dry`
    copyFileSync(basePath, dry)
    if (change.name.includes('parent')) {
      copyFileSync(`${basePath}.parent`, `${dry}.parent`)
      copyFileSync(`${basePath}.copy`, `${dry}.copy`)
    }
    const counter = new CrashHooks(dry)
    runChange(dry, change, counter)
    totalWrites = counter.writes
  })

  it.each(['kill', 'torn', 'power-loss', 'reordered'] as const)('(%s) leaves the old image or the new one, and a sound file', (mode: CrashMode) => {
    expect(totalWrites).toBeGreaterThan(3)
    const work = `${basePath}.work`
    const seen = new Set<string>()
    if (change.name.includes('parent')) {
      copyFileSync(`${basePath}.parent`, `${work}.parent`)
      copyFileSync(`${basePath}.copy`, `${work}.copy`)
    }
    for (let crashAt = 0; crashAt < totalWrites; crashAt++) {
      const where = `${mode} at write ${crashAt} of ${totalWrites}`
      copyFileSync(basePath, work)
      runChange(work, change, new CrashHooks(work, {at: crashAt, mode}))
      const readOnly = openVhdx(work, {readOnly: true})
      change.check(readOnly, before, where)
      seen.add(`${readOnly.size}/${readOnly.diskIdentifier}/${readOnly.parentPath}`)
      readOnly.close()
      const readWrite = openVhdx(work)
      change.check(readWrite, before, `${where}, read-write`)
      readWrite.close()
      if (change.qemu && hasQemuImg && (mode === 'kill' || mode === 'torn')) {
        const check = qemuCheck(work)
        expect(check.status, `${where}: ${check.stdout}${check.stderr}`).toBe(0)
      }
    }
    // Early stops leave the old image; with a kill, late ones the new.
    if (mode === 'kill') expect(seen.size, [...seen].join(', ')).toBe(2)
  })
})

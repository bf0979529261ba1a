/**
 * Resize-VHD and Set-VHD in the VHD format: growing fixed and dynamic images
 * (the BAT grown in place when the header reserves room for it, else written
 * anew at the end of the file), a differencing image pointed at a moved
 * parent, a new unique ID; what is refused; qemu reading the result; and a
 * writer stopped after any prefix of the file writes (torn at a sector
 * boundary too), which leaves the old image or the new one.
 */
import {execFileSync} from 'node:child_process'
import {closeSync, copyFileSync, mkdirSync, openSync, readFileSync, renameSync, writeFileSync, writeSync} from 'node:fs'
import {join} from 'node:path'

import {describe, expect, it} from 'vitest'

import {InvalidArgumentError, InvalidStateError} from '../../../../src/core/errors.js'
import {decodeDynamicHeader, encodeDynamicHeader} from '../../../../src/core/storage/vhd/dynamic-header.js'
import {decodeFooter} from '../../../../src/core/storage/vhd/footer.js'
import {createVhd, openVhd} from '../../../../src/core/storage/vhd/index.js'
import {openVhdImage} from '../../../../src/core/storage/vhd/open.js'
import type {VirtualDisk} from '../../../../src/core/storage/virtual-disk.js'
import {hasTool} from '../../../helpers/tools.js'
import {type FileEvent, KIB, MIB, pattern, recordingOpener, useTempDir} from './helpers.js'

const HAVE_QEMU = hasTool('qemu-img')
const tempDir = useTempDir()
const BLOCK = 512 * KIB

function readAll(disk: VirtualDisk): Uint8Array {
  const all = new Uint8Array(disk.size)
  disk.read(0, all)
  return all
}

function readPath(path: string): Uint8Array {
  const disk = openVhd(path, {readOnly: true})
  try {
    return readAll(disk)
  } finally {
    disk.close()
  }
}

function same(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0
}

function qemuSize(path: string): number {
  return (JSON.parse(execFileSync('qemu-img', ['info', '--output=json', '-f', 'vpc', path], {encoding: 'utf8'})) as {'virtual-size': number})['virtual-size']
}

function qemuRaw(path: string): Uint8Array {
  execFileSync('qemu-img', ['convert', '-f', 'vpc', '-O', 'raw', path, `${path}.raw`])
  return new Uint8Array(readFileSync(`${path}.raw`))
}

/** A dynamic image with data in its first and last blocks, and its contents. */
function dynamicWithData(dir: string, size = 4 * MIB): {path: string; before: Uint8Array} {
  const path = join(dir, 'disk.vhd')
  const disk = createVhd({path, type: 'Dynamic', size, blockSize: BLOCK})
  disk.write(4096, pattern(4096, 8192, 1))
  disk.write(size - 1024, pattern(size - 1024, 1024, 2))
  const before = readAll(disk)
  disk.close()
  return {path, before}
}

/** Give the image's dynamic header room for `entries` BAT entries (the table's padded sector holds 128). */
function reserveTableEntries(path: string, entries: number): void {
  const bytes = readFileSync(path)
  const headerOffset = Number(decodeFooter(new Uint8Array(bytes.subarray(bytes.length - 512)), path).dataOffset)
  const header = decodeDynamicHeader(new Uint8Array(bytes.subarray(headerOffset, headerOffset + 1024)), path)
  const fd = openSync(path, 'r+')
  writeSync(fd, encodeDynamicHeader({...header, maxTableEntries: entries}), 0, 1024, headerOffset)
  closeSync(fd)
}

/** Every sector below `oldSize` as before; past it (if the disk grew) zeros. */
function expectGrown(contents: Uint8Array, before: Uint8Array, label = ''): void {
  expect(same(contents.subarray(0, before.length), before), `${label}: the old data`).toBe(true)
  expect(contents.subarray(before.length).every((byte) => byte === 0), `${label}: the new space reads as zeros`).toBe(true)
}

describe('growing a VHD', () => {
  it('dynamic, the BAT written anew: the data stays, the new space reads as zeros and takes writes, qemu agrees', () => {
    const {path, before} = dynamicWithData(tempDir())
    const disk = openVhd(path)
    disk.resize(10 * MIB + 512)
    expect(disk.size).toBe(10 * MIB + 512)
    expectGrown(readAll(disk), before)
    disk.write(10 * MIB, pattern(10 * MIB, 512, 3))
    disk.close()
    const after = readPath(path)
    expect(after.length).toBe(10 * MIB + 512)
    expect(same(after.subarray(10 * MIB), pattern(10 * MIB, 512, 3))).toBe(true)
    expect(same(after.subarray(0, before.length), before)).toBe(true)
    if (HAVE_QEMU) {
      expect(qemuSize(path)).toBe(10 * MIB + 512)
      expect(same(qemuRaw(path), after)).toBe(true)
    }
  })

  it('dynamic, in the room the header reserves: the table grows where it is', () => {
    const {path, before} = dynamicWithData(tempDir())
    reserveTableEntries(path, 128)
    const headerBefore = decodeFooter(new Uint8Array(readFileSync(path).subarray(0, 512)), path).dataOffset
    const disk = openVhd(path)
    disk.resize(32 * MIB)
    disk.close()
    const bytes = readFileSync(path)
    expect(decodeFooter(new Uint8Array(bytes.subarray(bytes.length - 512)), path).dataOffset).toBe(headerBefore)
    expect(decodeFooter(new Uint8Array(bytes.subarray(0, 512)), path).currentSize).toBe(32 * MIB)
    expectGrown(readPath(path), before)
    if (HAVE_QEMU) expect(same(qemuRaw(path), readPath(path))).toBe(true)
  })

  it('dynamic, inside the last block: no new entry, the block\'s sectors past the old end read as zeros', () => {
    const dir = tempDir()
    const path = join(dir, 'disk.vhd')
    const disk = createVhd({path, type: 'Dynamic', size: 3 * BLOCK / 2, blockSize: BLOCK})
    disk.write(BLOCK, pattern(BLOCK, BLOCK / 2, 4))
    const before = readAll(disk)
    disk.resize(2 * BLOCK)
    expectGrown(readAll(disk), before)
    disk.close()
    expectGrown(readPath(path), before)
  })

  it('fixed: the footer moves to the new end, the new space reads as zeros, qemu agrees', () => {
    const path = join(tempDir(), 'fixed.vhd')
    const disk = createVhd({path, type: 'Fixed', size: 2 * MIB})
    disk.write(2 * MIB - 512, pattern(2 * MIB - 512, 512, 5))
    const before = readAll(disk)
    disk.resize(5 * MIB)
    disk.close()
    expect(readFileSync(path).length).toBe(5 * MIB + 512)
    expectGrown(readPath(path), before)
    if (HAVE_QEMU) {
      expect(qemuSize(path)).toBe(5 * MIB)
      expect(same(qemuRaw(path), readPath(path))).toBe(true)
    }
  })

  it('refuses to shrink, to resize a differencing image, to go past 2040 GiB, and on a read-only open', () => {
    const dir = tempDir()
    const {path} = dynamicWithData(dir)
    const disk = openVhd(path)
    expect(() => disk.resize(2 * MIB)).toThrow(InvalidArgumentError)
    expect(() => disk.resize(4 * MIB + 100)).toThrow(InvalidArgumentError)
    expect(() => disk.resize(2041 * 1024 * MIB)).toThrow(/2040/)
    disk.close()
    const readOnly = openVhd(path, {readOnly: true})
    expect(() => readOnly.resize(8 * MIB)).toThrow(InvalidStateError)
    readOnly.close()
    const child = createVhd({path: join(dir, 'child.vhd'), type: 'Differencing', parentPath: path})
    expect(() => child.resize(8 * MIB)).toThrow(/differencing/)
    child.close()
  })
})

describe('re-pointing a differencing VHD', () => {
  function chain(dir: string) {
    mkdirSync(join(dir, 'a'))
    const parentPath = join(dir, 'a', 'parent.vhd')
    const parent = createVhd({path: parentPath, type: 'Dynamic', size: 4 * MIB, blockSize: BLOCK})
    parent.write(0, pattern(0, 4 * MIB, 6))
    parent.close()
    const childPath = join(dir, 'child.vhd')
    const child = createVhd({path: childPath, type: 'Differencing', parentPath, blockSize: BLOCK})
    child.write(MIB, pattern(MIB, 4096, 7))
    const contents = readAll(child)
    child.close()
    return {parentPath, childPath, contents}
  }

  it('finds a moved parent again, through new locators, after an open without the parent', () => {
    const dir = tempDir()
    const {parentPath, childPath, contents} = chain(dir)
    mkdirSync(join(dir, 'b'))
    const moved = join(dir, 'b', 'moved.vhd')
    renameSync(parentPath, moved)
    expect(() => openVhd(childPath)).toThrow(/parent image was not found/)

    const disk = openVhd(childPath, {skipParent: true})
    expect(disk.parent).toBeNull()
    expect(disk.parentPath).toBe(parentPath)
    expect(() => disk.read(0, new Uint8Array(512))).toThrow(InvalidStateError)
    disk.setParentPath(moved)
    expect(disk.parentPath).toBe(moved)
    expect(same(readAll(disk), contents)).toBe(true)
    disk.close()

    const reopened = openVhd(childPath, {readOnly: true})
    expect(reopened.parentPath).toBe(moved)
    expect(same(readAll(reopened), contents)).toBe(true)
    reopened.close()
    // The relative locator: the pair moved together still works.
    mkdirSync(join(dir, 'c'))
    mkdirSync(join(dir, 'c', 'b'))
    renameSync(moved, join(dir, 'c', 'b', 'moved.vhd'))
    renameSync(childPath, join(dir, 'c', 'child.vhd'))
    expect(same(readPath(join(dir, 'c', 'child.vhd')), contents)).toBe(true)
  })

  it('refuses another disk unless told to ignore the mismatch, a parent of another size, and a loop', () => {
    const dir = tempDir()
    const {childPath} = chain(dir)
    const stranger = join(dir, 'stranger.vhd')
    const other = createVhd({path: stranger, type: 'Dynamic', size: 4 * MIB, blockSize: BLOCK})
    other.write(0, pattern(0, 512, 8))
    other.close()
    createVhd({path: join(dir, 'small.vhd'), type: 'Dynamic', size: 2 * MIB}).close()

    const disk = openVhd(childPath, {skipParent: true})
    expect(() => disk.setParentPath(stranger)).toThrow(/IgnoreIdMismatch/)
    expect(() => disk.setParentPath(join(dir, 'small.vhd'), {ignoreIdMismatch: true})).toThrow(/same size/)
    expect(() => disk.setParentPath(childPath, {ignoreIdMismatch: true})).toThrow(/cannot be the parent/)
    expect(() => disk.setParentPath(join(dir, 'missing.vhd'))).toThrow(/does not exist/)
    disk.setParentPath(stranger, {ignoreIdMismatch: true})
    disk.close()
    const linked = openVhd(childPath, {readOnly: true})
    expect(linked.parentPath).toBe(stranger)
    const sector = new Uint8Array(512)
    linked.read(0, sector)
    expect(same(sector, pattern(0, 512, 8))).toBe(true)
    linked.close()
  })

  it('is refused for images without a parent', () => {
    const {path} = dynamicWithData(tempDir())
    const disk = openVhd(path)
    expect(() => disk.setParentPath(path)).toThrow(/only a differencing disk/)
    disk.close()
  })
})

describe('Set-VHD metadata on a VHD', () => {
  it.each(['Fixed', 'Dynamic'] as const)('%s: a new unique ID in every footer copy; 4096-byte physical sectors refused', (type) => {
    const path = join(tempDir(), 'disk.vhd')
    const disk = createVhd({path, type, size: 2 * MIB})
    disk.write(0, pattern(0, 4096, 9))
    disk.setMetadata({diskIdentifier: '{0123ABCD-0000-1111-2222-333344445555}'})
    expect(disk.diskIdentifier).toBe('0123abcd-0000-1111-2222-333344445555')
    expect(() => disk.setMetadata({physicalSectorSize: 4096})).toThrow(InvalidArgumentError)
    expect(() => disk.setMetadata({diskIdentifier: 'nope'})).toThrow(InvalidArgumentError)
    disk.close()
    const bytes = readFileSync(path)
    expect(decodeFooter(new Uint8Array(bytes.subarray(bytes.length - 512)), path).uniqueId).toBe('0123abcd-0000-1111-2222-333344445555')
    if (type === 'Dynamic') expect(decodeFooter(new Uint8Array(bytes.subarray(0, 512)), path).uniqueId).toBe('0123abcd-0000-1111-2222-333344445555')
    const reopened = openVhd(path, {readOnly: true})
    expect(same(readAll(reopened).subarray(0, 4096), pattern(0, 4096, 9))).toBe(true)
    reopened.close()
  })
})

/** Apply `writes` to the file at `path`, the last one cut to `lastLength` bytes when given. */
function replay(path: string, writes: Array<{position: number; bytes: Uint8Array}>, lastLength?: number): void {
  const fd = openSync(path, 'r+')
  writes.forEach(({position, bytes}, index) => writeSync(fd, bytes, 0, index === writes.length - 1 && lastLength !== undefined ? lastLength : bytes.length, position))
  closeSync(fd)
}

/** Every prefix of the writes `change` makes to the image at `path` (and each next write torn in half), checked by `check`. */
function everyPrefix(path: string, change: (disk: VirtualDisk) => void, check: (label: string) => void): number {
  const original = readFileSync(path)
  const events: FileEvent[] = []
  const disk = openVhdImage(path, {openFile: recordingOpener(events)})
  change(disk)
  disk.close()
  const writes = events.flatMap((event) => (event.kind === 'write' && event.path === path ? [event] : []))
  let cuts = 0
  for (let count = 0; count <= writes.length; count++) {
    const next = writes[count]
    for (const lastLength of [undefined, ...(next && next.bytes.length > 512 ? [Math.floor(next.bytes.length / 1024) * 512] : [])]) {
      writeFileSync(path, original)
      replay(path, writes.slice(0, lastLength === undefined ? count : count + 1), lastLength)
      check(`after ${count} writes${lastLength === undefined ? '' : ` and half of the next`}`)
      cuts++
    }
  }
  return cuts
}

describe('a VHD change cut off after any write', () => {
  const grows: Array<[string, (dir: string) => {path: string; before: Uint8Array}]> = [
    ['dynamic, BAT written anew', (dir) => dynamicWithData(dir)],
    ['dynamic, BAT grown in place', (dir) => {
      const made = dynamicWithData(dir)
      reserveTableEntries(made.path, 128)
      return made
    }],
    ['fixed', (dir) => {
      const path = join(dir, 'fixed.vhd')
      const disk = createVhd({path, type: 'Fixed', size: 2 * MIB})
      disk.write(0, pattern(0, 2 * MIB, 10))
      const before = readAll(disk)
      disk.close()
      return {path, before}
    }],
  ]

  it.each(grows)('growing (%s) leaves the old disk or the new one, which then takes writes', (_name, make) => {
    const {path, before} = make(tempDir())
    const newSize = 8 * MIB
    const sizes = new Set<number>()
    const cuts = everyPrefix(path, (disk) => disk.resize(newSize), (label) => {
      const disk = openVhd(path)
      sizes.add(disk.size)
      expect([before.length, newSize], label).toContain(disk.size)
      expectGrown(readAll(disk), before, label)
      disk.write(disk.size - 512, pattern(disk.size - 512, 512, 11))
      disk.close()
      const after = readPath(path)
      expect(same(after.subarray(0, before.length - 512), before.subarray(0, before.length - 512)), label).toBe(true)
      expect(same(after.subarray(after.length - 512), pattern(after.length - 512, 512, 11)), label).toBe(true)
    })
    expect(cuts).toBeGreaterThan(3)
    expect([...sizes].sort((a, b) => a - b)).toEqual([before.length, newSize])
  })

  it('re-pointing the parent leaves the old locators or the new ones, and the same contents', () => {
    const dir = tempDir()
    mkdirSync(join(dir, 'a'))
    const parentPath = join(dir, 'a', 'parent.vhd')
    const parent = createVhd({path: parentPath, type: 'Dynamic', size: 2 * MIB, blockSize: BLOCK})
    parent.write(0, pattern(0, 2 * MIB, 12))
    parent.close()
    const childPath = join(dir, 'child.vhd')
    const child = createVhd({path: childPath, type: 'Differencing', parentPath, blockSize: BLOCK})
    child.write(BLOCK, pattern(BLOCK, 1024, 13))
    const contents = readAll(child)
    child.close()
    // A copy elsewhere: both the old parent and the new one exist, so either locator leads to the same data.
    const copy = join(dir, 'copy.vhd')
    copyFileSync(parentPath, copy)
    const found = new Set<string | null>()
    everyPrefix(childPath, (disk) => disk.setParentPath(copy), (label) => {
      const disk = openVhd(childPath, {readOnly: true})
      found.add(disk.parentPath)
      expect(same(readAll(disk), contents), label).toBe(true)
      disk.close()
    })
    expect([...found].sort()).toEqual([parentPath, copy].sort())
  })
})

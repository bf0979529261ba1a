/**
 * Creating, writing, reading and reopening fixed, dynamic and differencing
 * images through the public API, against a model of what the disk holds.
 */
import {copyFileSync, mkdirSync, readFileSync, renameSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import fc from 'fast-check'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {ConflictError, InvalidArgumentError, InvalidStateError, NotFoundError} from '../../../../src/core/errors.js'
import {BitmapState, PayloadState} from '../../../../src/core/storage/vhdx/bat.js'
import {formatGuid, isZeroGuid} from '../../../../src/core/storage/vhdx/guid.js'
import {createVhdx, isVhdx, openVhdx} from '../../../../src/core/storage/vhdx/index.js'
import {DiskFormatError, type VirtualDisk} from '../../../../src/core/storage/virtual-disk.js'
import {KiB, MiB, pattern, readAll, sameBytes, tempDir} from './helpers.js'
import {inspect} from './inspect.js'

let dir: string
let cleanup: () => void
const open: VirtualDisk[] = []

beforeEach(() => {
  ;({dir, cleanup} = tempDir())
})
afterEach(() => {
  for (const disk of open.splice(0)) disk.close()
  cleanup()
})

/** Keep `disk` to close after the test, whatever happens. */
function track<T extends VirtualDisk>(disk: T): T {
  open.push(disk)
  return disk
}

function closeTracked(disk: VirtualDisk): void {
  open.splice(open.indexOf(disk), 1)
  disk.close()
}

describe('a new dynamic image', () => {
  it("has New-VHD's defaults and reads as zeros", () => {
    const disk = track(createVhdx({path: join(dir, 'd.vhdx'), type: 'Dynamic', size: 10 * 1024 * MiB}))
    expect(disk).toMatchObject({format: 'VHDX', type: 'Dynamic', size: 10 * 1024 * MiB, blockSize: 32 * MiB, logicalSectorSize: 512, physicalSectorSize: 4096, parentPath: null, parent: null, readOnly: false})
    expect(disk.diskIdentifier).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/)
    expect(disk.allocatedBlocks()).toEqual([])
    // Header section, log, metadata and one MiB of BAT.
    expect(disk.fileSize()).toBe(4 * MiB)
    const some = new Uint8Array(64 * KiB).fill(1)
    disk.read(5 * 1024 * MiB, some)
    expect(some.every((b) => b === 0)).toBe(true)
  })

  it('records the disk identifier it is given', () => {
    const id = '6f1e1a4c-2b3d-4e5f-8a9b-0c1d2e3f4a5b'
    const path = join(dir, 'd.vhdx')
    closeTracked(track(createVhdx({path, type: 'Dynamic', size: MiB, diskIdentifier: `{${id.toUpperCase()}}`})))
    expect(track(openVhdx(path)).diskIdentifier).toBe(id)
  })

  it('is a VHDX file to isVhdx, and other files are not', () => {
    const path = join(dir, 'd.vhdx')
    closeTracked(track(createVhdx({path, type: 'Dynamic', size: MiB})))
    expect(isVhdx(path)).toBe(true)
    writeFileSync(join(dir, 'other'), 'conectix')
    writeFileSync(join(dir, 'empty'), '')
    expect(isVhdx(join(dir, 'other'))).toBe(false)
    expect(isVhdx(join(dir, 'empty'))).toBe(false)
    expect(isVhdx(join(dir, 'missing'))).toBe(false)
    expect(isVhdx(dir)).toBe(false)
  })
})

describe('creating', () => {
  it('refuses a path that exists, and leaves it alone', () => {
    const path = join(dir, 'taken.vhdx')
    writeFileSync(path, 'precious')
    expect(() => createVhdx({path, type: 'Dynamic', size: MiB})).toThrow(ConflictError)
    expect(() => createVhdx({path, type: 'Dynamic', size: MiB})).toThrow(/already exists/)
    expect(readFileSync(path, 'utf8')).toBe('precious')
  })

  it('refuses sizes, block sizes and sector sizes the format does not allow, creating nothing', () => {
    const path = join(dir, 'bad.vhdx')
    const bad = [
      {size: 0},
      {size: 1000},
      {size: 65 * 1024 * 1024 * MiB},
      {size: 4 * KiB + 512, logicalSectorSize: 4096 as const},
      {size: MiB, blockSize: 3 * MiB},
      {size: MiB, blockSize: 512 * KiB},
      {size: MiB, blockSize: 512 * MiB},
      {size: MiB, logicalSectorSize: 1024 as unknown as 512},
      {size: MiB, logicalSectorSize: 4096 as const, physicalSectorSize: 512 as const},
      {size: MiB, diskIdentifier: 'nope'},
      {},
    ]
    for (const options of bad) {
      expect(() => createVhdx({path, type: 'Dynamic', ...options}), JSON.stringify(options)).toThrow(InvalidArgumentError)
      expect(isVhdx(path)).toBe(false)
    }
    expect(() => createVhdx({path, type: 'Differencing'})).toThrow(/parent/)
    expect(() => createVhdx({path, type: 'Differencing', parentPath: join(dir, 'nothing.vhdx')})).toThrow(NotFoundError)
  })

  it('treats block size 0 as the default, for every type', () => {
    const disk = track(createVhdx({path: join(dir, 'f.vhdx'), type: 'Fixed', size: 64 * MiB, blockSize: 0}))
    expect(disk.blockSize).toBe(32 * MiB)
  })
})

describe('a fixed image', () => {
  it('allocates every block, in order, fully present', () => {
    const size = 5 * MiB + 512
    const disk = track(createVhdx({path: join(dir, 'f.vhdx'), type: 'Fixed', size, blockSize: MiB}))
    expect(disk.type).toBe('Fixed')
    expect(disk.blockSize).toBe(MiB)
    // Six whole blocks after the 4 MiB of structures; the contract has fixed images report no blocks.
    expect(disk.fileSize()).toBe(4 * MiB + 6 * MiB)
    expect(disk.allocatedBlocks()).toEqual([])
    closeTracked(disk)
    const {bat} = inspect(join(dir, 'f.vhdx'))
    for (let block = 0; block < 6; block++) {
      expect(bat.state(block)).toBe(PayloadState.FullyPresent)
      expect(bat.fileOffset(block)).toBe(4 * MiB + block * MiB)
    }
  })

  it('writes in place: the file does not grow', () => {
    const path = join(dir, 'f.vhdx')
    const disk = track(createVhdx({path, type: 'Fixed', size: 8 * MiB, blockSize: MiB}))
    const before = disk.fileSize()
    const data = pattern(3 * MiB, 1)
    disk.write(MiB + 512, data.subarray(0, 3 * MiB - 1024))
    expect(disk.fileSize()).toBe(before)
    closeTracked(disk)
    const again = track(openVhdx(path))
    const back = new Uint8Array(3 * MiB - 1024)
    again.read(MiB + 512, back)
    expect(sameBytes(back, data.subarray(0, 3 * MiB - 1024))).toBe(true)
  })
})

/** Random writes against a model of the whole disk, checked after every step and after reopening. */
function modelCheck(options: {type: 'Dynamic' | 'Fixed'; size: number; blockSize: number; logicalSectorSize: 512 | 4096}) {
  const sectors = options.size / 512
  const write = fc.record({sector: fc.nat({max: sectors - 1}), count: fc.integer({min: 1, max: 3 * (options.blockSize / 512)}), seed: fc.nat()})
  let run = 0
  fc.assert(
    fc.property(fc.array(write, {minLength: 1, maxLength: 8}), (writes) => {
      const path = join(dir, `model-${run++}.vhdx`)
      const model = new Uint8Array(options.size)
      const disk = createVhdx({path, ...options})
      try {
        for (const {sector, count, seed} of writes) {
          const length = Math.min(count, sectors - sector) * 512
          const data = pattern(length, seed)
          disk.write(sector * 512, data)
          model.set(data, sector * 512)
        }
        expect(sameBytes(readAll(disk), model)).toBe(true)
      } finally {
        disk.close()
      }
      const again = openVhdx(path, {readOnly: true})
      try {
        expect(sameBytes(readAll(again), model)).toBe(true)
        if (options.type === 'Dynamic') {
          // Exactly the blocks holding data are allocated (a write of zeros would allocate too; patterns are never all zero).
          const touched = new Set<number>()
          for (const {sector, count} of writes) for (let s = sector; s < Math.min(sectors, sector + count); s++) touched.add(Math.floor((s * 512) / options.blockSize))
          expect(again.allocatedBlocks().map((b) => b.virtualOffset / options.blockSize)).toEqual([...touched].sort((a, b) => a - b))
        }
      } finally {
        again.close()
      }
    }),
    {numRuns: 12},
  )
}

describe('reading back what was written', () => {
  it('dynamic, 512-byte sectors, writes across blocks', () => modelCheck({type: 'Dynamic', size: 12 * MiB + 3 * 512, blockSize: MiB, logicalSectorSize: 512}))
  it('dynamic, 4096-byte logical sectors, 512-byte aligned writes', () => modelCheck({type: 'Dynamic', size: 12 * MiB, blockSize: MiB, logicalSectorSize: 4096}))
  it('fixed', () => modelCheck({type: 'Fixed', size: 6 * MiB, blockSize: MiB, logicalSectorSize: 512}))

  it('a dynamic image reports its blocks in virtual order, where they are in the file', () => {
    const disk = track(createVhdx({path: join(dir, 'd.vhdx'), type: 'Dynamic', size: 16 * MiB, blockSize: MiB}))
    disk.write(9 * MiB, pattern(512, 1))
    disk.write(2 * MiB + 4096, pattern(512, 2))
    disk.write(3 * MiB - 512, pattern(1024, 3)) // blocks 2 and 3
    expect(disk.allocatedBlocks()).toEqual([
      {virtualOffset: 2 * MiB, fileOffset: 5 * MiB},
      {virtualOffset: 3 * MiB, fileOffset: 6 * MiB},
      {virtualOffset: 9 * MiB, fileOffset: 4 * MiB},
    ])
    expect(disk.fileSize()).toBe(7 * MiB)
  })

  it('a disk larger than a chunk (4 GiB of 512-byte sectors), written and read across the chunk boundary', () => {
    const path = join(dir, 'big.vhdx')
    const disk = track(createVhdx({path, type: 'Dynamic', size: 5 * 1024 * MiB, blockSize: MiB}))
    const boundary = 4 * 1024 * MiB
    const data = pattern(2 * MiB, 9)
    disk.write(boundary - MiB, data)
    closeTracked(disk)
    const again = track(openVhdx(path, {readOnly: true}))
    const back = new Uint8Array(4 * MiB)
    again.read(boundary - 2 * MiB, back)
    expect(sameBytes(back.subarray(MiB, 3 * MiB), data)).toBe(true)
    expect(back.subarray(0, MiB).every((b) => b === 0) && back.subarray(3 * MiB).every((b) => b === 0)).toBe(true)
  })
})

describe('a differencing image', () => {
  const size = 8 * MiB

  /** A parent filled with a pattern, closed, and a child of it, open. */
  function chain(options: {logicalSectorSize?: 512 | 4096} = {}) {
    const parentPath = join(dir, 'parent.vhdx')
    const parentData = pattern(size, 77)
    const parent = createVhdx({path: parentPath, type: 'Dynamic', size, blockSize: MiB, ...options})
    parent.write(0, parentData)
    parent.close()
    const childPath = join(dir, 'child.vhdx')
    const child = track(createVhdx({path: childPath, type: 'Differencing', parentPath, blockSize: MiB}))
    return {parentPath, parentData, childPath, child}
  }

  it("takes its parent's size and sectors, and shows the parent's data", () => {
    const {child, parentData, parentPath} = chain({logicalSectorSize: 4096})
    expect(child).toMatchObject({type: 'Differencing', size, logicalSectorSize: 4096, physicalSectorSize: 4096, parentPath, blockSize: MiB})
    expect(child.parent).toMatchObject({path: parentPath, readOnly: true, type: 'Dynamic'})
    expect(child.allocatedBlocks()).toEqual([])
    expect(sameBytes(readAll(child), parentData)).toBe(true)
  })

  it('marks only the sectors a partial write covers; the rest still come from the parent', () => {
    const {child, childPath, parentData} = chain()
    const write = pattern(3 * 512, 5)
    child.write(2 * MiB + 10 * 512, write)
    const expected = parentData.slice()
    expected.set(write, 2 * MiB + 10 * 512)
    expect(sameBytes(readAll(child), expected)).toBe(true)
    // The child's own blocks only: the first after the 4 MiB of structures, its chunk's bitmap after it.
    expect(child.allocatedBlocks()).toEqual([{virtualOffset: 2 * MiB, fileOffset: 4 * MiB}])
    closeTracked(child)

    const {bat} = inspect(childPath)
    const payload = bat.geometry.payloadEntry(2)
    const bitmapEntry = bat.geometry.bitmapEntry(0)
    expect(bat.state(payload)).toBe(PayloadState.PartiallyPresent)
    expect(bat.state(bitmapEntry)).toBe(BitmapState.Present)
    const bitmap = new Uint8Array(MiB)
    const file = readFileSync(childPath)
    bitmap.set(file.subarray(bat.fileOffset(bitmapEntry), bat.fileOffset(bitmapEntry) + MiB))
    // Block 2 starts at sector 2 * 2048 of the chunk; sectors 10, 11 and 12 of it are set.
    const first = 2 * 2048 + 10
    const set: number[] = []
    for (let bit = 0; bit < 8 * MiB; bit++) if ((bitmap[bit >>> 3]! >>> (bit & 7)) & 1) set.push(bit)
    expect(set).toEqual([first, first + 1, first + 2])

    const again = track(openVhdx(childPath, {readOnly: true}))
    expect(sameBytes(readAll(again), expected)).toBe(true)
  })

  it('agrees with a model over random writes, reopened, with 512 and 4096-byte sectors', () => {
    for (const logicalSectorSize of [512, 4096] as const) {
      const {child, childPath, parentData} = chain({logicalSectorSize})
      const model = parentData.slice()
      let seed = 1
      for (const [offset, length] of [[0, 512], [MiB - 1024, 2048], [3 * MiB, MiB], [5 * MiB + 4096, 2 * MiB + 512], [4096 + 512, 512], [7 * MiB + 512, 1024]] as const) {
        const data = pattern(length, seed++)
        child.write(offset, data)
        model.set(data, offset)
      }
      expect(sameBytes(readAll(child), model)).toBe(true)
      // A whole-block write needs nothing from the parent.
      expect(inspect(childPath).bat.state(inspect(childPath).bat.geometry.payloadEntry(3))).toBe(PayloadState.FullyPresent)
      closeTracked(child)
      const again = openVhdx(childPath)
      expect(sameBytes(readAll(again), model)).toBe(true)
      again.close()
      cleanup()
      ;({dir, cleanup} = tempDir())
    }
  })

  it('never writes to its parent', () => {
    const {child, parentPath} = chain()
    const before = readFileSync(parentPath)
    child.write(0, pattern(2 * MiB, 1))
    child.flush()
    closeTracked(child)
    expect(readFileSync(parentPath).equals(before)).toBe(true)
  })

  it('stacks: a child of a child sees both', () => {
    const {child, childPath, parentData} = chain()
    child.write(MiB, pattern(4096, 1))
    closeTracked(child)
    const grandchild = track(createVhdx({path: join(dir, 'grandchild.vhdx'), type: 'Differencing', parentPath: childPath}))
    grandchild.write(MiB + 4096, pattern(512, 2))
    const expected = parentData.slice()
    expected.set(pattern(4096, 1), MiB)
    expected.set(pattern(512, 2), MiB + 4096)
    expect(grandchild.parent?.parent?.type).toBe('Dynamic')
    expect(sameBytes(readAll(grandchild), expected)).toBe(true)
  })

  it('finds its parent by relative path when both move, and by absolute path when only it moves', () => {
    const {child, childPath, parentData} = chain()
    closeTracked(child)
    mkdirSync(join(dir, 'moved'))
    mkdirSync(join(dir, 'elsewhere'))
    // Only the child moves: relative_path no longer leads anywhere, absolute_win32_path does.
    renameSync(childPath, join(dir, 'elsewhere', 'child.vhdx'))
    const alone = track(openVhdx(join(dir, 'elsewhere', 'child.vhdx'), {readOnly: true}))
    expect(alone.parentPath).toBe(join(dir, 'parent.vhdx'))
    closeTracked(alone)
    // Both move together: the absolute path is stale, the relative one still works.
    renameSync(join(dir, 'elsewhere', 'child.vhdx'), join(dir, 'moved', 'child.vhdx'))
    renameSync(join(dir, 'parent.vhdx'), join(dir, 'moved', 'parent.vhdx'))
    const both = track(openVhdx(join(dir, 'moved', 'child.vhdx')))
    expect(both.parentPath).toBe(join(dir, 'moved', 'parent.vhdx'))
    expect(sameBytes(readAll(both), parentData)).toBe(true)
  })

  it('refuses a missing parent, naming where it looked', () => {
    const {child, childPath} = chain()
    closeTracked(child)
    renameSync(join(dir, 'parent.vhdx'), join(dir, 'gone.vhdx'))
    const attempt = () => openVhdx(childPath, {readOnly: true})
    expect(attempt).toThrow(DiskFormatError)
    expect(attempt).toThrow(`${childPath}: parent disk not found: looked for ${join(dir, 'parent.vhdx')}`)
  })

  it('refuses a parent that changed after the child was made', () => {
    const {child, childPath, parentPath} = chain()
    closeTracked(child)
    const parent = openVhdx(parentPath)
    parent.write(0, pattern(512, 3))
    parent.close()
    expect(() => openVhdx(childPath, {readOnly: true})).toThrow(/has changed since this differencing disk was made: its DataWriteGuid is/)
  })

  it('accepts a parent opened for writing and closed without writes', () => {
    const {child, childPath, parentPath} = chain()
    closeTracked(child)
    openVhdx(parentPath).close()
    expect(() => track(openVhdx(childPath, {readOnly: true}))).not.toThrow()
  })

  it('refuses a parent that is not a VHDX image', () => {
    const {child, childPath, parentPath} = chain()
    closeTracked(child)
    writeFileSync(parentPath, Buffer.alloc(2 * MiB))
    expect(() => openVhdx(childPath)).toThrow(`${parentPath}: the file does not start with the "vhdxfile" signature`)
  })

  it('refuses a child whose parent chain loops', () => {
    const {child, childPath, parentPath} = chain()
    closeTracked(child)
    // Make the parent a copy of the child: its locator points at parent.vhdx, itself.
    copyFileSync(childPath, parentPath)
    const attempt = () => openVhdx(childPath, {readOnly: true})
    expect(attempt).toThrow(DiskFormatError)
  })
})

describe('opening', () => {
  it('read-only refuses writes and leaves the file as it was', () => {
    const path = join(dir, 'd.vhdx')
    const disk = createVhdx({path, type: 'Dynamic', size: 4 * MiB, blockSize: MiB})
    disk.write(0, pattern(4096, 1))
    disk.close()
    const before = readFileSync(path)
    const ro = track(openVhdx(path, {readOnly: true}))
    expect(ro.readOnly).toBe(true)
    expect(() => ro.write(0, new Uint8Array(512))).toThrow(InvalidStateError)
    ro.flush()
    closeTracked(ro)
    expect(readFileSync(path).equals(before)).toBe(true)
  })

  it('read-write without writes leaves the file as it was', () => {
    const path = join(dir, 'd.vhdx')
    createVhdx({path, type: 'Dynamic', size: 4 * MiB}).close()
    const before = readFileSync(path)
    const disk = openVhdx(path)
    const sector = new Uint8Array(512)
    disk.read(0, sector)
    disk.flush()
    disk.close()
    expect(readFileSync(path).equals(before)).toBe(true)
  })

  it('changes the write GUIDs for a session that writes, keeps both headers current, and leaves the log empty', () => {
    const path = join(dir, 'd.vhdx')
    createVhdx({path, type: 'Dynamic', size: 4 * MiB, blockSize: MiB}).close()
    const before = inspect(path).header
    const disk = openVhdx(path)
    disk.write(0, pattern(512, 1))
    expect(isZeroGuid(inspect(path).header.logGuid)).toBe(false)
    disk.flush()
    expect(isZeroGuid(inspect(path).header.logGuid)).toBe(true)
    disk.write(MiB, pattern(512, 2))
    disk.close()
    const after = inspect(path).header
    expect(formatGuid(after.fileWriteGuid)).not.toBe(formatGuid(before.fileWriteGuid))
    expect(formatGuid(after.dataWriteGuid)).not.toBe(formatGuid(before.dataWriteGuid))
    expect(isZeroGuid(after.logGuid)).toBe(true)
    expect(after.sequenceNumber).toBeGreaterThan(before.sequenceNumber)
    // Both copies hold the same header: damaging the current one loses nothing.
    const file = readFileSync(path)
    const current = inspect(path).headerSlot
    const other = file.subarray((current === 0 ? 128 : 64) * KiB, (current === 0 ? 128 : 64) * KiB + 4 * KiB)
    file.fill(0, (current === 0 ? 64 : 128) * KiB, (current === 0 ? 64 : 128) * KiB + 4 * KiB)
    writeFileSync(path, file)
    expect(formatGuid(inspect(path).header.dataWriteGuid)).toBe(formatGuid(after.dataWriteGuid))
    expect(other.length).toBe(4 * KiB)
  })

  it('refuses misaligned and out-of-range I/O with a RangeError', () => {
    const disk = track(createVhdx({path: join(dir, 'd.vhdx'), type: 'Dynamic', size: 4 * MiB}))
    for (const [offset, length] of [[1, 512], [0, 100], [4 * MiB, 512], [4 * MiB - 512, 1024], [-512, 512]] as const) {
      expect(() => disk.read(offset, new Uint8Array(length))).toThrow(RangeError)
      expect(() => disk.write(offset, new Uint8Array(length))).toThrow(RangeError)
    }
    disk.read(4 * MiB - 512, new Uint8Array(512))
    disk.read(0, new Uint8Array(0))
  })

  it('a missing file is NotFoundError; a closed disk refuses everything', () => {
    expect(() => openVhdx(join(dir, 'nothing.vhdx'))).toThrow(NotFoundError)
    const disk = createVhdx({path: join(dir, 'd.vhdx'), type: 'Dynamic', size: 4 * MiB})
    disk.close()
    disk.close()
    expect(() => disk.read(0, new Uint8Array(512))).toThrow(InvalidStateError)
    expect(() => disk.write(0, new Uint8Array(512))).toThrow(InvalidStateError)
    expect(() => disk.fileSize()).toThrow(InvalidStateError)
  })
})

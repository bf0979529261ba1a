/**
 * A writer killed after any of its file writes leaves an image that opens and
 * reads, sector by sector, either what it held before or what was being
 * written. The test records the file writes one disk write makes, then
 * replays every prefix of them (and, for multi-sector writes, half of the
 * next one: a write torn at a sector boundary) onto a copy of the image as it
 * was, and opens the copy.
 */
import {closeSync, openSync, readFileSync, writeFileSync, writeSync} from 'node:fs'
import {join} from 'node:path'

import {describe, expect, it} from 'vitest'

import {createVhd, openVhd} from '../../../../src/core/storage/vhd/index.js'
import {openVhdImage} from '../../../../src/core/storage/vhd/open.js'
import {type FileEvent, KIB, MIB, pattern, recordingOpener, useTempDir} from './helpers.js'

const tempDir = useTempDir()
const BLOCK = 512 * KIB
const SIZE = 4 * MIB

function readAll(path: string): Uint8Array {
  const disk = openVhd(path, {readOnly: true})
  const all = new Uint8Array(disk.size)
  disk.read(0, all)
  disk.close()
  return all
}

/** Apply `writes` to the file at `path`, the last one cut to `lastLength` bytes when given. */
function replay(path: string, writes: Array<{position: number; bytes: Uint8Array}>, lastLength?: number): void {
  const fd = openSync(path, 'r+')
  writes.forEach(({position, bytes}, index) => {
    const length = index === writes.length - 1 && lastLength !== undefined ? lastLength : bytes.length
    writeSync(fd, bytes, 0, length, position)
  })
  closeSync(fd)
}

/** Every sector reads as before or as after; the ones outside the write as before. */
function expectOldOrNew(contents: Uint8Array, before: Uint8Array, after: Uint8Array, label: string): void {
  for (let at = 0; at < contents.length; at += 512) {
    const sector = contents.subarray(at, at + 512)
    const isOld = Buffer.compare(sector, before.subarray(at, at + 512)) === 0
    const isNew = Buffer.compare(sector, after.subarray(at, at + 512)) === 0
    if (!isOld && !isNew) expect.fail(`${label}: sector ${at / 512} is neither the old nor the new data`)
  }
}

/** An image of `type` with some data already (a block partly written), its parent if any, in a fresh folder. */
function setUp(type: 'Dynamic' | 'Differencing') {
  const dir = tempDir()
  let parentPath: string | undefined
  if (type === 'Differencing') {
    parentPath = join(dir, 'parent.vhd')
    const parent = createVhd({path: parentPath, type: 'Dynamic', size: SIZE, blockSize: BLOCK})
    parent.write(0, pattern(0, SIZE, 100))
    parent.close()
  }
  const path = join(dir, 'image.vhd')
  const disk = createVhd({path, type, size: SIZE, parentPath, blockSize: BLOCK})
  disk.write(4096, pattern(4096, 4096, 1))
  disk.close()
  return {dir, path}
}

describe.each(['Dynamic', 'Differencing'] as const)('a %s image cut off mid-write', (type) => {
  // Into a partly written block (new bitmap bits), then two blocks that get space, one of them whole.
  const offset = BLOCK - 8192
  const length = 8192 + BLOCK + 4096

  it('opens, and reads every sector old or new, after any prefix of the file writes, torn or not', () => {
    const {dir, path} = setUp(type)
    const original = new Uint8Array(readFileSync(path))
    const before = readAll(path)

    const events: FileEvent[] = []
    const disk = openVhdImage(path, {openFile: recordingOpener(events)})
    disk.write(offset, pattern(offset, length, 2))
    disk.close()
    const after = readAll(path)
    expect(Buffer.compare(after.subarray(offset, offset + length), pattern(offset, length, 2))).toBe(0)

    const writes = events.flatMap((event) => (event.kind === 'write' && event.path === path ? [event] : []))
    expect(writes.length).toBeGreaterThan(5)
    const crashed = join(dir, 'crashed.vhd')
    const cuts: Array<{count: number; lastLength?: number}> = []
    for (let count = 0; count <= writes.length; count++) {
      cuts.push({count})
      const next = writes[count]
      if (next && next.bytes.length > 512) cuts.push({count: count + 1, lastLength: Math.floor(next.bytes.length / 1024) * 512})
    }
    for (const {count, lastLength} of cuts) {
      const label = `after ${count} writes${lastLength === undefined ? '' : ` (the last cut to ${lastLength} bytes)`}`
      writeFileSync(crashed, original)
      replay(crashed, writes.slice(0, count), lastLength)
      expectOldOrNew(readAll(crashed), before, after, label)

      // The survivor takes the write again and then holds it.
      const again = openVhd(crashed)
      again.write(offset, pattern(offset, length, 3))
      again.close()
      const rewritten = readAll(crashed)
      expect(Buffer.compare(rewritten.subarray(offset, offset + length), pattern(offset, length, 3)), label).toBe(0)
      expect(Buffer.compare(rewritten.subarray(0, offset), before.subarray(0, offset)), label).toBe(0)
      expect(Buffer.compare(rewritten.subarray(offset + length), before.subarray(offset + length)), label).toBe(0)
    }
    // Every prefix is exercised, and the whole sequence gives the new data.
    writeFileSync(crashed, original)
    replay(crashed, writes)
    expect(Buffer.compare(readAll(crashed), after)).toBe(0)
  })

  it('gives a block space in the order footer, bitmap, data, sync, BAT entry', () => {
    const {path} = setUp(type)
    const sizeBefore = readFileSync(path).length
    const events: FileEvent[] = []
    const disk = openVhdImage(path, {openFile: recordingOpener(events)})
    disk.write(2 * BLOCK + 1024, pattern(2 * BLOCK + 1024, 1024, 2))
    disk.close()
    const blockStart = sizeBefore - 512 // where the footer was
    const show = (event: FileEvent) => (event.kind === 'sync' ? 'sync' : `${event.position}+${event.bytes.length}`)
    expect(events.filter((event) => event.path === path).map(show)).toEqual([
      `${blockStart + 512 + BLOCK}+512`, // the footer, after the new block
      `${blockStart}+512`, // the bitmap, over the old footer
      `${blockStart + 512 + 1024}+1024`, // the data
      'sync',
      `${1536 + 2 * 4}+4`, // BAT entry 2
      'sync', // close flushes
    ])
  })

  it('sets bitmap bits only after the data they cover is written', () => {
    const {path} = setUp(type)
    const events: FileEvent[] = []
    const disk = openVhdImage(path, {openFile: recordingOpener(events)})
    const [{fileOffset}] = disk.allocatedBlocks()
    disk.write(8192, pattern(8192, 512, 2)) // block 0 has space; sector 16's bit is clear
    disk.close()
    const writes = events.filter((event) => event.kind === 'write' && event.path === path)
    expect(writes.map((event) => (event.kind === 'write' ? event.position : -1))).toEqual([fileOffset + 8192, fileOffset - 512 + 2])
  })
})

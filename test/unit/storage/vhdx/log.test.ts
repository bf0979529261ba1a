/**
 * Log replay: images whose log holds entries that did not reach their
 * places, made by stopping a writer after its log write, or written by hand
 * to reach the corners of the active-sequence search.
 */
import {closeSync, openSync, readFileSync, statSync, writeSync} from 'node:fs'
import {join} from 'node:path'

import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {PayloadState} from '../../../../src/core/storage/vhdx/bat.js'
import {createImage} from '../../../../src/core/storage/vhdx/create.js'
import {formatGuid, isZeroGuid, randomGuid, type Guid} from '../../../../src/core/storage/vhdx/guid.js'
import {serializeHeader} from '../../../../src/core/storage/vhdx/headers.js'
import {createVhdx, openVhdx} from '../../../../src/core/storage/vhdx/index.js'
import {buildLogEntry, type LogWrite} from '../../../../src/core/storage/vhdx/log-entry.js'
import {openImage} from '../../../../src/core/storage/vhdx/open.js'
import {DiskFormatError, type VirtualDisk} from '../../../../src/core/storage/virtual-disk.js'
import {CrashHooks, SimulatedCrash} from './crash-hooks.js'
import {hasQemuImg, KiB, MiB, pattern, qemuCheck, qemuRaw, readAll, sameBytes, tempDir} from './helpers.js'
import {inspect} from './inspect.js'

let dir: string
let cleanup: () => void
beforeEach(() => {
  ;({dir, cleanup} = tempDir())
})
afterEach(() => cleanup())

/**
 * Run `work` on the image at `path` and stop it at its first write applying a
 * logged change in place, after the `skip` first ones: the image is left
 * with an entry in its log that did not reach the file.
 */
function stopBeforeApplying(path: string, work: (disk: VirtualDisk) => void, skip = 0): void {
  const hooks = new CrashHooks(path, {atPurpose: {purpose: 'metadata', occurrence: skip}})
  const disk = openImage(path, {readOnly: false, hooks})
  expect(() => work(disk)).toThrow(SimulatedCrash)
  disk.close()
  expect(hooks.purposes.at(-2)).toBe('log')
}

/** A dynamic image (1 MiB blocks) whose log holds one unapplied entry: the BAT entry of a block written at 2 MiB. */
function imageWithUnappliedEntry(path: string): Uint8Array {
  createVhdx({path, type: 'Dynamic', size: 8 * MiB, blockSize: MiB}).close()
  const data = pattern(64 * KiB, 11)
  stopBeforeApplying(path, (disk) => disk.write(2 * MiB, data))
  return data
}

describe('an entry logged but not applied', () => {
  it('is on the file as the format says: BAT unchanged, log GUID set', () => {
    const path = join(dir, 'd.vhdx')
    imageWithUnappliedEntry(path)
    const {header, bat} = inspect(path)
    expect(isZeroGuid(header.logGuid)).toBe(false)
    expect(bat.state(2)).toBe(PayloadState.NotPresent)
  })

  it('is replayed in memory by a read-only open, which leaves the file alone', () => {
    const path = join(dir, 'd.vhdx')
    const data = imageWithUnappliedEntry(path)
    const before = readFileSync(path)
    const disk = openVhdx(path, {readOnly: true})
    const back = new Uint8Array(data.length)
    disk.read(2 * MiB, back)
    expect(sameBytes(back, data)).toBe(true)
    expect(disk.allocatedBlocks()).toEqual([{virtualOffset: 2 * MiB, fileOffset: 4 * MiB}])
    disk.close()
    expect(readFileSync(path).equals(before)).toBe(true)
  })

  it('is replayed into the file by a read-write open, which then clears the log GUID', () => {
    const path = join(dir, 'd.vhdx')
    const data = imageWithUnappliedEntry(path)
    const before = inspect(path).header
    const disk = openVhdx(path)
    // Already on the file while the disk is open.
    const during = inspect(path)
    expect(isZeroGuid(during.header.logGuid)).toBe(true)
    expect(formatGuid(during.header.fileWriteGuid)).not.toBe(formatGuid(before.fileWriteGuid))
    expect(during.bat.state(2)).toBe(PayloadState.FullyPresent)
    const back = new Uint8Array(data.length)
    disk.read(2 * MiB, back)
    expect(sameBytes(back, data)).toBe(true)
    disk.close()
  })

  it.skipIf(!hasQemuImg)('is replayed by qemu-img check -r all, to the same disk (qemu refuses it read-only)', () => {
    const path = join(dir, 'd.vhdx')
    imageWithUnappliedEntry(path)
    const plain = qemuCheck(path)
    expect(plain.status).not.toBe(0)
    expect(plain.stderr).toMatch(/log that needs to be replayed/)
    const ours = openVhdx(path, {readOnly: true})
    const expected = readAll(ours)
    ours.close()
    expect(qemuCheck(path, true).status).toBe(0)
    expect(qemuCheck(path).status).toBe(0)
    expect(sameBytes(qemuRaw(path, dir), expected)).toBe(true)
  })
})

describe('a log that wraps', () => {
  it('replays the newest entry after more entries than the log holds went round it', () => {
    const parentPath = join(dir, 'parent.vhdx')
    createVhdx({path: parentPath, type: 'Dynamic', size: 8 * MiB, blockSize: MiB}).close()
    const path = join(dir, 'child.vhdx')
    createVhdx({path, type: 'Differencing', parentPath, blockSize: MiB}).close()
    // Every write sets a new sector bitmap bit: an 8 KiB entry each, 140 of them (1.1 MiB) through a 1 MiB log.
    const model = new Uint8Array(8 * MiB)
    const writes = Array.from({length: 140}, (_, i) => ({offset: i * 2 * 512, data: pattern(512, i + 1)}))
    for (const {offset, data} of writes) model.set(data, offset)
    const last = pattern(512, 999)
    stopBeforeApplying(
      path,
      (disk) => {
        for (const {offset, data} of writes) disk.write(offset, data)
        disk.write(7 * MiB, last)
      },
      // The first write applies three sectors (two of the BAT, one of its new bitmap), each other one a bitmap sector.
      3 + (writes.length - 1),
    )
    expect(isZeroGuid(inspect(path).header.logGuid)).toBe(false)
    model.set(last, 7 * MiB)

    const disk = openVhdx(path)
    expect(sameBytes(readAll(disk), model)).toBe(true)
    disk.close()
  })

  it.skipIf(!hasQemuImg)('is replayed by qemu too, after it wrapped', () => {
    const path = join(dir, 'd.vhdx')
    createVhdx({path, type: 'Dynamic', size: 140 * MiB, blockSize: MiB}).close()
    // 140 block allocations in one session: 140 entries of 8 KiB, 1.1 MiB through a 1 MiB log.
    stopBeforeApplying(path, (disk) => {
      for (let block = 0; block < 140; block++) disk.write(block * MiB, pattern(512, block + 1))
    }, 139)
    const ours = openVhdx(path, {readOnly: true})
    const expected = readAll(ours)
    ours.close()
    for (let block = 0; block < 140; block++) expect(sameBytes(expected.subarray(block * MiB, block * MiB + 512), pattern(512, block + 1))).toBe(true)
    expect(qemuCheck(path, true).status).toBe(0)
    expect(sameBytes(qemuRaw(path, dir), expected)).toBe(true)
  })
})

/** The log region and a scratch area the parser never reads, in an image hv created. */
const LOG_OFFSET = MiB
const LOG_LENGTH = MiB
const SCRATCH = 2 * MiB + 512 * KiB

describe('replaying hand-written logs', () => {
  /** A clean image, its log filled with `entries` (bytes at positions), and its header's log GUID set to `guid`. */
  function imageWithLog(guid: Guid, entries: Array<{position: number; bytes: Uint8Array}>): string {
    const path = join(dir, `log-${Math.random().toString(36).slice(2)}.vhdx`)
    createImage({path, type: 'Dynamic', size: 8 * MiB, blockSize: MiB}).close()
    const {header, headerSlot} = inspect(path)
    const fd = openSync(path, 'r+')
    try {
      for (const {position, bytes} of entries) {
        // An entry may run past the end of the log and go on at its start.
        const first = Math.min(bytes.length, LOG_LENGTH - position)
        writeSync(fd, bytes, 0, first, LOG_OFFSET + position)
        if (first < bytes.length) writeSync(fd, bytes, first, bytes.length - first, LOG_OFFSET)
      }
      const next = serializeHeader({...header, sequenceNumber: header.sequenceNumber + 1n, logGuid: guid})
      writeSync(fd, next, 0, next.length, headerSlot === 0 ? 128 * KiB : 64 * KiB)
    } finally {
      closeSync(fd)
    }
    return path
  }

  const sector = (seed: number) => pattern(4096, seed)
  const entry = (guid: Guid, sequenceNumber: bigint, tail: number, writes: LogWrite[], sizes = {flushedFileOffset: 4 * MiB, lastFileOffset: 4 * MiB}) => buildLogEntry({sequenceNumber, tail, logGuid: guid, ...sizes, writes})
  const data = (fileOffset: number, seed: number): LogWrite => ({kind: 'data', fileOffset, data: sector(seed)})

  function scratchAfterReadWriteOpen(path: string, length = 3 * 4096): Buffer {
    openVhdx(path).close()
    expect(isZeroGuid(inspect(path).header.logGuid)).toBe(true)
    return readFileSync(path).subarray(SCRATCH, SCRATCH + length)
  }

  it('replays a whole sequence from its tail, in order, later writes winning, zero descriptors included', () => {
    const guid = randomGuid()
    const first = entry(guid, 10n, 0, [data(SCRATCH, 1), data(SCRATCH + 4096, 2), data(SCRATCH + 8192, 3)])
    const second = entry(guid, 11n, 0, [data(SCRATCH + 4096, 4), {kind: 'zero', fileOffset: SCRATCH + 8192, length: 4096}])
    const path = imageWithLog(guid, [
      {position: 0, bytes: first},
      {position: first.length, bytes: second},
    ])
    const scratch = scratchAfterReadWriteOpen(path)
    expect(scratch.subarray(0, 4096).equals(sector(1))).toBe(true)
    expect(scratch.subarray(4096, 8192).equals(sector(4))).toBe(true)
    expect(scratch.subarray(8192).every((b) => b === 0)).toBe(true)
  })

  it("replays only from the head's tail: entries before it were already applied", () => {
    const guid = randomGuid()
    const first = entry(guid, 1n, 0, [data(SCRATCH, 1)])
    const second = entry(guid, 2n, first.length, [data(SCRATCH + 4096, 2)])
    const path = imageWithLog(guid, [
      {position: 0, bytes: first},
      {position: first.length, bytes: second},
    ])
    const scratch = scratchAfterReadWriteOpen(path)
    expect(scratch.subarray(0, 4096).every((b) => b === 0)).toBe(true)
    expect(scratch.subarray(4096, 8192).equals(sector(2))).toBe(true)
  })

  it('picks the sequence with the highest head, and ignores entries of another log GUID', () => {
    const guid = randomGuid()
    const old = entry(guid, 5n, 64 * KiB, [data(SCRATCH, 1)])
    const newest = entry(guid, 9n, 0, [data(SCRATCH, 2)])
    const stranger = entry(randomGuid(), 50n, 128 * KiB, [data(SCRATCH, 3)])
    const path = imageWithLog(guid, [
      {position: 0, bytes: newest},
      {position: 64 * KiB, bytes: old},
      {position: 128 * KiB, bytes: stranger},
    ])
    expect(scratchAfterReadWriteOpen(path).subarray(0, 4096).equals(sector(2))).toBe(true)
  })

  it('replays an entry that wraps around the end of the log', () => {
    const guid = randomGuid()
    const wrapping = entry(guid, 3n, LOG_LENGTH - 4096, [data(SCRATCH, 7), data(SCRATCH + 4096, 8)])
    expect(wrapping.length).toBe(3 * 4096)
    const path = imageWithLog(guid, [{position: LOG_LENGTH - 4096, bytes: wrapping}])
    const scratch = scratchAfterReadWriteOpen(path)
    expect(scratch.subarray(0, 4096).equals(sector(7))).toBe(true)
    expect(scratch.subarray(4096, 8192).equals(sector(8))).toBe(true)
  })

  it('ignores a sequence whose head names a tail outside it, and a torn entry', () => {
    const guid = randomGuid()
    const orphan = entry(guid, 4n, 512 * KiB, [data(SCRATCH, 1)])
    const torn = entry(guid, 8n, 64 * KiB, [data(SCRATCH + 4096, 2)])
    torn[5000] ^= 1
    const path = imageWithLog(guid, [
      {position: 0, bytes: orphan},
      {position: 64 * KiB, bytes: torn},
    ])
    expect(scratchAfterReadWriteOpen(path).every((b) => b === 0)).toBe(true)
  })

  it('treats a log GUID with no entry as an empty log (a writer stopped before its first entry)', () => {
    const path = imageWithLog(randomGuid(), [])
    const disk = openVhdx(path, {readOnly: true})
    expect(disk.size).toBe(8 * MiB)
    disk.close()
    expect(scratchAfterReadWriteOpen(path).every((b) => b === 0)).toBe(true)
  })

  it('grows the file to the head entry\'s LastFileOffset (in memory when read-only)', () => {
    const guid = randomGuid()
    const grow = entry(guid, 1n, 0, [data(SCRATCH, 1)], {flushedFileOffset: 4 * MiB, lastFileOffset: 6 * MiB})
    const path = imageWithLog(guid, [{position: 0, bytes: grow}])
    const ro = openVhdx(path, {readOnly: true})
    expect(ro.fileSize()).toBe(6 * MiB)
    ro.close()
    expect(statSync(path).size).toBe(4 * MiB)
    openVhdx(path).close()
    expect(statSync(path).size).toBe(6 * MiB)
  })

  it('refuses a file shorter than the FlushedFileOffset: it was truncated', () => {
    const guid = randomGuid()
    const path = imageWithLog(guid, [{position: 0, bytes: entry(guid, 1n, 0, [data(SCRATCH, 1)], {flushedFileOffset: 5 * MiB, lastFileOffset: 5 * MiB})}])
    for (const readOnly of [true, false]) expect(() => openVhdx(path, {readOnly})).toThrow(/says the file was at least 5242880 bytes, but it is 4194304: it has been truncated/)
  })

  it('refuses entries that would write over the headers or the log, or past the end of the file', () => {
    for (const [fileOffset, problem] of [
      [64 * KiB, /into the file identifier or the headers/],
      [LOG_OFFSET + 8192, /into the log itself/],
      [4 * MiB, /past the end of the file/],
    ] as const) {
      const guid = randomGuid()
      const path = imageWithLog(guid, [{position: 0, bytes: entry(guid, 1n, 0, [data(fileOffset, 1)])}])
      const before = readFileSync(path)
      expect(() => openVhdx(path, {readOnly: true})).toThrow(DiskFormatError)
      expect(() => openVhdx(path, {readOnly: true})).toThrow(problem)
      expect(() => openVhdx(path)).toThrow(problem)
      // Refused before anything was replayed (the header update that precedes a replay aside).
      expect(readFileSync(path).subarray(192 * KiB).equals(before.subarray(192 * KiB))).toBe(true)
    }
  })
})


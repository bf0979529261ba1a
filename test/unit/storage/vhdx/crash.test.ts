/**
 * Crash safety: a writer stopped at any point of a series of writes leaves an
 * image that opens, where every write reads entirely as before or entirely
 * as after (or, for a torn overwrite in place, sector by sector), writes
 * that completed before the stop read as after (unless power was lost
 * before they were flushed), and qemu-img finds nothing wrong. The writer is
 * stopped at every one of its file writes in turn, in four ways (see
 * crash-hooks.ts): killed, tearing the write it was doing, losing power
 * (every write since the last flush gone), and losing power on a disk that
 * reordered writes (only the newest unflushed write kept).
 */
import {copyFileSync, rmSync} from 'node:fs'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {isZeroGuid} from '../../../../src/core/storage/vhdx/guid.js'
import {SimulatedTornWrite} from '../../../../src/core/storage/vhdx/image-file.js'
import {createVhdx, openVhdx} from '../../../../src/core/storage/vhdx/index.js'
import {openImage} from '../../../../src/core/storage/vhdx/open.js'
import {CrashHooks, SimulatedCrash, type CrashMode} from './crash-hooks.js'
import {firstDifference, hasQemuImg, KiB, MiB, pattern, qemuCheck, qemuRaw, readAll, sameBytes, tempDir} from './helpers.js'
import {inspect} from './inspect.js'

let dir: string
let cleanup: () => void
beforeAll(() => {
  ;({dir, cleanup} = tempDir('hv-vhdx-crash-'))
})
afterAll(() => cleanup())

interface Step {
  offset: number
  data: Uint8Array
}

interface Scenario {
  name: string
  /** Makes the image as it is before the series, at `path`. */
  base: (path: string) => void
  /** Writes that do not overlap each other. */
  steps: Step[]
  blockSize: number
  /** qemu 7.2 reads fixed and dynamic images, not differencing ones. */
  qemu: boolean
}

const step = (offset: number, length: number, seed: number): Step => ({offset, data: pattern(length, seed)})

const scenarios: Scenario[] = [
  {
    name: 'dynamic',
    base: (path) => {
      const disk = createVhdx({path, type: 'Dynamic', size: 12 * MiB, blockSize: MiB})
      disk.write(0, pattern(2 * MiB, 1))
      disk.close()
    },
    steps: [
      step(3 * MiB + 4 * KiB, 64 * KiB, 11), // a new block
      step(512 * KiB, 8 * KiB, 12), // in place
      step(5 * MiB - 4 * KiB, 8 * KiB, 13), // two new blocks
      step(2 * MiB - 2 * KiB, 4 * KiB, 14), // an allocated block and a new one
      step(8 * MiB, MiB, 15), // a whole new block
      step(3 * MiB + 512 * KiB, 4 * KiB, 16), // in the block the first step allocated
    ],
    blockSize: MiB,
    qemu: true,
  },
  {
    name: 'fixed',
    base: (path) => {
      const disk = createVhdx({path, type: 'Fixed', size: 4 * MiB, blockSize: MiB})
      disk.write(0, pattern(4 * MiB, 2))
      disk.close()
    },
    steps: [step(4 * KiB, 4 * KiB, 21), step(MiB - 512, 1024, 22), step(3 * MiB, MiB, 23)],
    blockSize: MiB,
    qemu: true,
  },
  {
    name: 'differencing',
    base: (path) => {
      const parentPath = `${path}.parent`
      rmSync(parentPath, {force: true})
      const parent = createVhdx({path: parentPath, type: 'Dynamic', size: 8 * MiB, blockSize: MiB})
      parent.write(0, pattern(8 * MiB, 3))
      parent.close()
      createVhdx({path, type: 'Differencing', parentPath, blockSize: MiB}).close()
    },
    steps: [
      step(MiB + 4 * KiB, 4 * KiB, 31), // a new block and the chunk's sector bitmap
      step(MiB + 64 * KiB, 512, 32), // the same block, new sectors
      step(4 * MiB, MiB, 33), // a whole block
      step(6 * MiB - 2 * KiB, 4 * KiB, 34), // two new blocks
      step(MiB, 4 * KiB, 35), // sectors next to the first step's
    ],
    blockSize: MiB,
    qemu: false,
  },
]

/** Run the series on `path`; returns the index of the step the crash stopped (steps.length: while closing). */
function runSeries(path: string, steps: Step[], hooks: CrashHooks): number {
  const disk = openImage(path, {readOnly: false, hooks})
  let current = 0
  try {
    for (; current < steps.length; current++) disk.write(steps[current]!.offset, steps[current]!.data)
    disk.close()
    return steps.length
  } catch (error) {
    if (!(error instanceof SimulatedCrash || error instanceof SimulatedTornWrite)) throw error
    // A stopped writer: close() only releases the file.
    disk.close()
    return current
  }
}

/** The pieces of a step inside one block each: the units that must read all old or all new. */
function pieces({offset, data}: Step, blockSize: number): Array<{offset: number; length: number}> {
  const result: Array<{offset: number; length: number}> = []
  for (let at = offset; at < offset + data.length; ) {
    const end = Math.min(offset + data.length, (Math.floor(at / blockSize) + 1) * blockSize)
    result.push({offset: at, length: end - at})
    at = end
  }
  return result
}

function checkDisk(disk: Uint8Array, before: Uint8Array, scenario: Scenario, stopped: number, mode: CrashMode, where: string): void {
  const expected = before.slice()
  scenario.steps.forEach(({offset, data}, index) => {
    const finished = index < stopped && mode !== 'power-loss' && mode !== 'reordered'
    const unit = mode === 'torn' && index === stopped ? 512 : undefined
    for (const piece of pieces({offset, data}, scenario.blockSize)) {
      const units = unit ? pieces({offset: piece.offset, data: new Uint8Array(piece.length)}, unit) : [piece]
      for (const part of units) {
        const got = disk.subarray(part.offset, part.offset + part.length)
        const isNew = sameBytes(got, data.subarray(part.offset - offset, part.offset - offset + part.length))
        const isOld = sameBytes(got, before.subarray(part.offset, part.offset + part.length))
        const allowed = finished ? isNew : index > stopped ? isOld : isNew || isOld
        expect(allowed, `${where}: step ${index} bytes ${part.offset}+${part.length} (${isNew ? 'new' : isOld ? 'old' : 'neither'})`).toBe(true)
        if (isNew) expected.set(got, part.offset)
      }
    }
  })
  const difference = firstDifference(disk, expected)
  expect(difference, `${where}: bytes no step wrote changed at ${difference}`).toBe(-1)
}

describe.each(scenarios)('a $name image written to by a writer that stops', (scenario) => {
  let basePath: string
  let before: Uint8Array
  let totalWrites: number

  beforeAll(() => {
    basePath = join(dir, `${scenario.name}-base.vhdx`)
    scenario.base(basePath)
    const disk = openVhdx(basePath, {readOnly: true})
    before = readAll(disk)
    disk.close()
    const dryPath = join(dir, `${scenario.name}-dry.vhdx`)
    copyFileSync(basePath, dryPath)
    const counter = new CrashHooks(dryPath)
    expect(runSeries(dryPath, scenario.steps, counter)).toBe(scenario.steps.length)
    totalWrites = counter.writes
  })

  it.each(['kill', 'torn', 'power-loss', 'reordered'] as const)('at every write (%s) leaves old or new data, and a sound image', (mode) => {
    expect(totalWrites).toBeGreaterThan(scenario.steps.length)
    const work = join(dir, `${scenario.name}-work.vhdx`)
    const forQemu = join(dir, `${scenario.name}-qemu.vhdx`)
    let replayedByQemu = 0
    for (let crashAt = 0; crashAt < totalWrites; crashAt++) {
      const where = `${mode} at write ${crashAt} of ${totalWrites}`
      copyFileSync(basePath, work)
      // A differencing image finds its parent next to it.
      const stopped = runSeries(work, scenario.steps, new CrashHooks(work, {at: crashAt, mode}))
      // With a log to replay, qemu gets a copy to replay it itself.
      const dirty = !isZeroGuid(inspect(work).header.logGuid)
      if (scenario.qemu && dirty) copyFileSync(work, forQemu)

      // Read-only first: the log replayed in memory...
      const readOnly = openVhdx(work, {readOnly: true})
      const seen = readAll(readOnly)
      readOnly.close()
      checkDisk(seen, before, scenario, stopped, mode, where)
      // ...then read-write, replayed into the file: the same disk.
      const readWrite = openVhdx(work)
      expect(sameBytes(readAll(readWrite), seen), where).toBe(true)
      readWrite.close()

      if (scenario.qemu && hasQemuImg && (mode === 'kill' || mode === 'torn')) {
        const check = qemuCheck(work)
        expect(check.status, `${where}: ${check.stdout}${check.stderr}`).toBe(0)
        if (dirty) {
          // qemu replays hv's log itself, to the same disk.
          const repair = qemuCheck(forQemu, true)
          expect(repair.status, `${where}: ${repair.stdout}${repair.stderr}`).toBe(0)
          expect(sameBytes(qemuRaw(forQemu, dir), seen), where).toBe(true)
          replayedByQemu++
        }
      }
    }
    // Writes that allocate blocks leave logs to replay at some of the stops.
    if (scenario.qemu && hasQemuImg && (mode === 'kill' || mode === 'torn') && scenario.name === 'dynamic') expect(replayedByQemu).toBeGreaterThan(5)
  })
})

/**
 * A saved state carries the x87 exactly. The guest (guests/examples/fpu-series.asm)
 * iterates a chaotic map in 80-bit arithmetic, where one wrong bit in a register,
 * the tag word, TOP or the control word changes every later line; its output
 * on QEMU is guests/examples/fpu-series.expected. hv must print the same run
 * straight through, across save-vm and start-vm in the middle, and from a
 * checkpoint taken in the middle and applied after the run ended.
 */
import {describe, expect, it} from 'vitest'
import {readFileSync} from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {hvSession} from '../helpers/session.js'

const examples = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../guests')
const IMAGE = path.join(examples, 'images/fpu-series.bin')
const EXPECTED = readFileSync(path.join(examples, 'examples/fpu-series.expected'), 'latin1')
const {run, ok} = hvSession({prefix: 'hv-fpu-state-'})

const consoleOf = async (name: string): Promise<string> => (await run('get-vmconsole', name, '--raw')).stdout

/** Wait until the guest has printed at least `lines` lines. */
async function waitForLines(name: string, lines: number): Promise<void> {
  for (let n = 0; n < 600; n++) {
    if ((await consoleOf(name)).split('\n').length > lines) return
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  throw new Error(`${name} did not print ${lines} lines`)
}

describe('the x87 in saved states', () => {
  it('straight through, hv prints what QEMU prints', async () => {
    await ok('new-vm', 'a', '--boot-kernel', IMAGE)
    const started = await run('start-vm', 'a', '--wait', '--timeout', '120')
    expect(started.code, started.stderr).toBe(0)
    expect(await consoleOf('a')).toBe(EXPECTED)
  }, 150_000)

  it('save-vm in the middle of the run, then start-vm: the same output', async () => {
    await ok('new-vm', 'b', '--boot-kernel', IMAGE)
    await ok('start-vm', 'b')
    await waitForLines('b', 4)
    await ok('save-vm', 'b')
    const saved = await consoleOf('b')
    expect(saved.length).toBeLessThan(EXPECTED.length)
    const started = await run('start-vm', 'b', '--wait', '--timeout', '120')
    expect(started.code, started.stderr).toBe(0)
    expect(await consoleOf('b')).toBe(EXPECTED)
  }, 150_000)

  it('a checkpoint taken in the middle, applied after the run ended, finishes the run the same way', async () => {
    await ok('new-vm', 'c', '--boot-kernel', IMAGE)
    await ok('start-vm', 'c')
    await waitForLines('c', 4)
    await ok('checkpoint-vm', 'c', 'middle')
    await ok('wait-vm', 'c', '--for', 'off', '--timeout', '120')
    await ok('restore-vmcheckpoint', 'c', 'middle', '--force')
    const before = await consoleOf('c')
    const started = await run('start-vm', 'c', '--wait', '--timeout', '120')
    expect(started.code, started.stderr).toBe(0)
    // What the resumed guest printed ends the expected run exactly.
    const printed = (await consoleOf('c')).slice(before.length)
    expect(printed.split('\n').length).toBeGreaterThan(3)
    expect(EXPECTED.endsWith(printed)).toBe(true)
  }, 200_000)
})

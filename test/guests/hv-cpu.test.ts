/**
 * The shipped guest images on hv's own processor, in the minimal test machine
 * of test/helpers/cpu-machine.ts (flat RAM, a Multiboot loader, COM1 output,
 * the exit port; no interrupt controller or timer). That is enough for the
 * example programs to run to the end and for tinyos to come up to its prompt
 * and idle in HLT.
 */
import {describe, expect, it} from 'vitest'
import {readFileSync} from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {runMultiboot, TestMachine} from '../helpers/cpu-machine.js'

const imagesDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../guests/images')
const image = (name: string): Uint8Array => new Uint8Array(readFileSync(path.join(imagesDir, `${name}.bin`)))

describe('guest images on the hv processor', () => {
  it('exit42 prints its line and writes 42 to the exit port', () => {
    const r = runMultiboot(image('exit42'), {budget: 100_000})
    expect(r.reason).toBe('debug-exit')
    expect(r.exitStatus).toBe(42)
    expect(r.serial).toBe('hello from a multiboot kernel\r\n')
  })

  it('counter prints the same lines whether or not it was checkpointed and restored midway', () => {
    const budget = 3_000_000
    const straight = new TestMachine()
    straight.boot(image('counter'))
    const whole = straight.run(2 * budget)
    expect(whole.reason).toBe('budget')
    const lines = whole.serial.split('\r\n').filter((l) => l !== '')
    expect(lines.length).toBeGreaterThanOrEqual(2)
    lines.slice(0, -1).forEach((l, i) => expect(l).toBe(`counter ${i + 1}`))

    const first = new TestMachine()
    first.boot(image('counter'))
    const before = first.run(budget).serial
    const resumed = TestMachine.restore(first.snapshot())
    const after = resumed.run(budget).serial
    // The restored machine carried on printing where the first one stopped...
    expect(after.length).toBeGreaterThan(before.length)
    expect(after.startsWith(before)).toBe(true)
    // ...and both runs print the same text (up to where the shorter ends, in
    // case the processor stops a few instructions past a budget).
    const n = Math.min(after.length, whole.serial.length)
    expect(n).toBeGreaterThan(before.length)
    expect(after.slice(0, n)).toBe(whole.serial.slice(0, n))
  })

  it('tinyos comes up to its banner and prompt, then idles in HLT with interrupts enabled', () => {
    const r = runMultiboot(image('tinyos'), {budget: 2_000_000})
    expect(r.reason).toBe('halt')
    expect(r.detail).toBe('HLT with IF=1')
    // This machine's COM1 does not model the divisor latch, so the divisor
    // byte written during UART set-up shows up as output before the banner.
    expect(r.serial.endsWith("tinyos 0.1 (hv guest) - type 'help'\r\ntinyos> ")).toBe(true)
    expect(r.serial).not.toContain('exception')
  })
})

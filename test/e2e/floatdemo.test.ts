/**
 * A C program compiled with gcc -m32 -O2 -march=i686 (guests/floatdemo) that
 * computes with float, double and long double on the x87 and prints the
 * results through its own printf, run as a user would: new-vm --boot-kernel,
 * start-vm --wait, get-vmconsole. What it prints must be what QEMU printed
 * (guests/floatdemo/expected.txt; the lines depending on transcendental
 * accuracy within a tolerance, see test/guests/floatdemo-output.ts), and it
 * must end by writing 0 to the test-exit port: all its own checks passed.
 */
import {describe, expect, it} from 'vitest'

import {hvSession} from '../helpers/session.js'
import {FLOATDEMO_IMAGE, floatdemoDifferences, floatdemoExpected} from '../guests/floatdemo-output.js'

const {run, json, ok} = hvSession({prefix: 'hv-floatdemo-', timeoutMs: 200_000})

describe('floatdemo: a gcc -O2 C program using the x87', () => {
  it('the golden output is a complete run that passed its own checks', () => {
    const expected = floatdemoExpected()
    expect(expected.startsWith('floatdemo 0.1: x87 arithmetic from gcc -m32 -O2 -march=i686\r\n')).toBe(true)
    expect(expected.endsWith('\r\nfloatdemo: done, 0 of its checks failed\r\n')).toBe(true)
    expect(expected).not.toContain('FAILED')
  })

  it('prints on hv what it prints on QEMU, and exits with status 0', async () => {
    await ok('new-vm', 'f', '--boot-kernel', FLOATDEMO_IMAGE, '-MemoryStartupBytes', '32MB')
    const started = await run('start-vm', 'f', '--wait', '--timeout', '180')
    const output = (await run('get-vmconsole', 'f', '--raw')).stdout
    expect(floatdemoDifferences(output, floatdemoExpected()), output.slice(-2000)).toEqual([])
    expect(started.code, started.stderr).toBe(0)
    const events = await json('get-vmevent', 'f')
    expect(events[0].Message).toBe("Virtual machine 'f' stopped: The guest wrote 0 to the test-exit port.")
  }, 240_000)
})

/**
 * guests/floatdemo's golden output: it is what QEMU prints for the committed
 * image (when qemu-system-i386 is installed), and the comparison the e2e test
 * makes with it tells a transcendental line's last bits from a real
 * difference.
 */
import {spawnSync} from 'node:child_process'
import {mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {describe, expect, it} from 'vitest'

import {FLOATDEMO_IMAGE, floatdemoDifferences, floatdemoExpected} from './floatdemo-output.js'
import {haveQemu, QEMU} from './qemu.js'

const qemu = haveQemu()

describe('the comparison with the golden output', () => {
  const expected = floatdemoExpected()
  const lines = expected.split('\r\n')
  const replaceLine = (i: number, line: string) => [...lines.slice(0, i), line, ...lines.slice(i + 1)].join('\r\n')

  it('finds nothing between the golden output and itself', () => {
    expect(floatdemoDifferences(expected, expected)).toEqual([])
  })

  it('reports a line that differs in one bit, and output that stops early', () => {
    const i = lines.findIndex((l) => l.startsWith('1.0 / 3.0 '))
    expect(i).toBeGreaterThan(0)
    const changed = replaceLine(i, lines[i].replace('[3fd5555555555555]', '[3fd5555555555554]'))
    expect(floatdemoDifferences(changed, expected)).toHaveLength(1)
    const cut = lines.slice(0, 10).join('\r\n')
    expect(floatdemoDifferences(cut, expected).length).toBeGreaterThan(0)
  })

  it('takes a "~" line within 2^-48 and refuses one further off', () => {
    const i = lines.findIndex((l) => l.startsWith('~ fsin(1) '))
    expect(i).toBeGreaterThan(0)
    // The golden's fsin(1) is d76aa47848677000: 12 low bits apart is 2^-52 relative.
    const close = replaceLine(i, lines[i].replace('d76aa47848677000', 'd76aa47848677fff'))
    expect(floatdemoDifferences(close, expected)).toEqual([])
    const far = replaceLine(i, lines[i].replace('d76aa47848677000', 'd76aa47848700000'))
    expect(floatdemoDifferences(far, expected)).toHaveLength(1)
  })
})

describe.skipIf(!qemu)(`floatdemo in QEMU${qemu ? '' : ' (skipped: qemu-system-i386 not installed)'}`, () => {
  it('prints exactly guests/floatdemo/expected.txt and exits with status 0 (QEMU: 1)', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'hv-floatdemo-qemu-'))
    try {
      const out = path.join(dir, 'serial.txt')
      const r = spawnSync(
        QEMU,
        ['-kernel', FLOATDEMO_IMAGE, '-display', 'none', '-serial', `file:${out}`,
         '-device', 'isa-debug-exit,iobase=0xf4,iosize=0x04', '-m', '32', '-no-reboot', '-nodefaults', '-accel', 'tcg'],
        {encoding: 'utf8', timeout: 60_000},
      )
      expect(r.status, r.stderr).toBe((0 << 1) | 1)
      expect(readFileSync(out, 'latin1')).toBe(floatdemoExpected())
    } finally {
      rmSync(dir, {recursive: true, force: true})
    }
  })
})

/**
 * Differential tests of the processor against QEMU (TCG).
 *
 * Each program in programs/ is a small Multiboot kernel that prints results to
 * COM1 and ends with a status on the debug-exit port. images/ holds the
 * assembled programs and golden/ what QEMU printed for them (build.sh
 * regenerates both). The images run here on our CPU through the test machine;
 * the serial output and exit status must equal QEMU's. When nasm and QEMU are
 * installed the committed images and golden files are also checked to be
 * current.
 */
import {describe, expect, it} from 'vitest'
import {spawnSync} from 'node:child_process'
import {mkdtempSync, readFileSync, readdirSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {runMultiboot, type MachineResult} from '../helpers/cpu-machine.js'
import {hasTool} from '../helpers/tools.js'
import {KNOWN_GAPS} from './known-gaps.js'

const here = path.dirname(fileURLToPath(import.meta.url))
const programsDir = path.join(here, 'programs')
const imagesDir = path.join(here, 'images')
const goldenDir = path.join(here, 'golden')

const names = readdirSync(imagesDir)
  .filter((f) => f.endsWith('.bin'))
  .map((f) => f.slice(0, -4))
  .sort()

const haveNasm = hasTool('nasm', ['-v'])
const haveQemu = hasTool('qemu-system-i386')

function golden(name: string): {serial: string; status: number} {
  return {
    serial: readFileSync(path.join(goldenDir, `${name}.txt`), 'latin1'),
    status: Number(readFileSync(path.join(goldenDir, `${name}.exit`), 'utf8').trim()),
  }
}

/** A readable account of the first line where two outputs differ, or null when equal. */
function firstDifference(expected: string, actual: string): string | null {
  if (expected === actual) return null
  const e = expected.split('\n')
  const a = actual.split('\n')
  let i = 0
  while (i < e.length && i < a.length && e[i] === a[i]) i++
  const show = (s: string | undefined): string => (s === undefined ? '<end of output>' : JSON.stringify(s))
  const context = e.slice(Math.max(0, i - 3), i).map((l) => `    ${l}`).join('\n')
  return [
    `first difference at line ${i + 1} (of ${e.length} expected, ${a.length} produced)`,
    context ? `  preceded by:\n${context}` : '  at the start of the output',
    `  expected: ${show(e[i])}`,
    `  actual:   ${show(a[i])}`,
  ].join('\n')
}

function describeRun(r: MachineResult): string {
  const status = r.exitStatus === null ? '' : ` status 0x${r.exitStatus.toString(16)}`
  return `run ended by ${r.reason}${status}${r.detail ? ` (${r.detail})` : ''} after ${r.instructions} instructions`
}

describe('differential programs on the hv CPU', () => {
  it('has programs', () => {
    expect(names.length).toBeGreaterThan(0)
  })
  for (const name of names) {
    const gap = KNOWN_GAPS[name]
    const test = gap === undefined ? it : it.fails
    test(gap === undefined ? name : `${name} (expected to fail: ${gap})`, () => {
      const image = new Uint8Array(readFileSync(path.join(imagesDir, `${name}.bin`)))
      const want = golden(name)
      const got = runMultiboot(image, {budget: 200_000_000})
      const diff = firstDifference(want.serial, got.serial)
      if (diff !== null) throw new Error(`${name}: serial output differs from QEMU\n${diff}\n${describeRun(got)}`)
      if (got.reason !== 'debug-exit' || got.exitStatus !== want.status) {
        throw new Error(`${name}: expected exit status 0x${want.status.toString(16)}, ${describeRun(got)}`)
      }
    })
  }
})

describe.skipIf(!haveNasm)('images are current (nasm)', () => {
  for (const name of names) {
    it(`${name}.bin equals a fresh assembly of ${name}.asm`, () => {
      const dir = mkdtempSync(path.join(tmpdir(), 'hv-nasm-'))
      try {
        const out = path.join(dir, `${name}.bin`)
        const r = spawnSync('nasm', ['-f', 'bin', '-I', `${programsDir}/`, '-o', out, path.join(programsDir, `${name}.asm`)], {encoding: 'utf8'})
        expect(r.status, r.stderr).toBe(0)
        const fresh = readFileSync(out)
        const committed = readFileSync(path.join(imagesDir, `${name}.bin`))
        expect(fresh.equals(committed), `images/${name}.bin is stale: run test/cpu-diff/build.sh ${name}`).toBe(true)
      } finally {
        rmSync(dir, {recursive: true, force: true})
      }
    })
  }
  it('every program has an image', () => {
    const sources = readdirSync(programsDir).filter((f) => f.endsWith('.asm')).map((f) => f.slice(0, -4)).sort()
    expect(names).toEqual(sources)
  })
})

describe.skipIf(!haveQemu)('golden files are current (qemu-system-i386)', () => {
  for (const name of names) {
    it(`${name}: QEMU output equals golden/${name}.txt`, () => {
      const dir = mkdtempSync(path.join(tmpdir(), 'hv-qemu-'))
      try {
        const serialFile = path.join(dir, 'serial.txt')
        const r = spawnSync(
          'qemu-system-i386',
          ['-kernel', path.join(imagesDir, `${name}.bin`), '-display', 'none', '-serial', `file:${serialFile}`,
            '-device', 'isa-debug-exit,iobase=0xf4,iosize=0x04', '-m', '32', '-no-reboot', '-nodefaults', '-accel', 'tcg'],
          {timeout: 20_000, stdio: 'ignore'},
        )
        const want = golden(name)
        expect(r.status, `QEMU did not exit through the debug-exit port (${r.signal ?? r.status})`).not.toBeNull()
        const status = ((r.status ?? 0) - 1) / 2
        const diff = firstDifference(want.serial, readFileSync(serialFile, 'latin1'))
        if (diff !== null) throw new Error(`golden/${name}.txt is stale: run test/cpu-diff/build.sh ${name}\n${diff}`)
        expect(status).toBe(want.status)
      } finally {
        rmSync(dir, {recursive: true, force: true})
      }
    }, 30_000)
  }
})

if (!haveNasm) console.info('cpu-diff: nasm not found, the image freshness checks are skipped')
if (!haveQemu) console.info('cpu-diff: qemu-system-i386 not found, the golden file freshness checks are skipped')

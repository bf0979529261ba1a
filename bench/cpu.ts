/**
 * Processor throughput on compute-bound guests in flat 32-bit protected mode,
 * on hv and, when qemu-system-i386 is installed, on QEMU's TCG in the same run.
 *
 *   npx tsx bench/cpu.ts        (npm run bench:cpu)
 *
 * Each guest is a Multiboot kernel under bench/guests/ (NAME.asm, assembled into
 * the committed NAME.bin; checked to be current when nasm is installed). Its
 * loop count is the dword after the Multiboot header. A guest is run with N and
 * with 5N iterations and its speed is the difference: (instructions(5N) -
 * instructions(N)) / (time(5N) - time(N)), each time the shortest of several
 * runs (in rounds that alternate hv and QEMU, so that both see the same load on
 * the host), so that start-up (QEMU's process, hv's compilation) cancels out. The
 * instruction counts are hv's, which retires exactly the architectural
 * instructions; QEMU runs the same deterministic guest, so it retires the same
 * ones, and both must end with the same checksum on the debug-exit port.
 *
 * Prints for each guest: hv MIPS in the normal configuration (decoded-instruction
 * cache and compiled blocks), QEMU MIPS and hv/QEMU; then for the first guest
 * the figures with the cache but without compiled blocks, and with the cache
 * disabled (every instruction decoded each time it runs: the baseline).
 */
import {spawnSync} from 'node:child_process'
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import type {Cpu} from '../src/core/cpu/index.js'
import {findMultibootHeader, TestMachine} from '../test/helpers/cpu-machine.js'
import {hasTool} from '../test/helpers/tools.js'

const guestsDir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'guests')

interface Guest {
  name: string
  /** bench/guests/NAME.asm and NAME.bin */
  file: string
  /** N for hv's two runs (N and 5N iterations). */
  hvIterations: number
  /** N for QEMU's two runs: larger, since QEMU's start-up (tens of ms) must be small beside the difference. */
  qemuIterations: number
}

/** The guests, in the order they are reported. */
const GUESTS: Guest[] = [
  {name: 'integer loop', file: 'compute', hvIterations: 2_000_000, qemuIterations: 10_000_000},
  {name: 'FPU loop (FMUL/FADD/FDIV/FSQRT, 64-bit precision)', file: 'fpu', hvIterations: 60_000, qemuIterations: 500_000},
]

/** Rounds of timed runs; each speed comes from the shortest run of each length. */
const ROUNDS = 7

const haveNasm = hasTool('nasm', ['-v'])
const haveQemu = hasTool('qemu-system-i386', ['--version'])

/** The committed image of a guest; with nasm installed, first check that it matches its source. */
function loadImage(guest: Guest): Uint8Array {
  const committed = readFileSync(path.join(guestsDir, `${guest.file}.bin`))
  if (haveNasm) {
    const dir = mkdtempSync(path.join(tmpdir(), 'hv-bench-'))
    try {
      const out = path.join(dir, 'guest.bin')
      const r = spawnSync('nasm', ['-f', 'bin', '-o', out, path.join(guestsDir, `${guest.file}.asm`)], {encoding: 'utf8'})
      if (r.status !== 0) throw new Error(`nasm failed on ${guest.file}.asm:\n${r.stderr}`)
      if (!readFileSync(out).equals(committed)) {
        throw new Error(`bench/guests/${guest.file}.bin is older than its source: run bench/guests/build.sh`)
      }
    } finally {
      rmSync(dir, {recursive: true, force: true})
    }
  }
  return new Uint8Array(committed)
}

/** A copy of `image` that runs its loop `iterations` times. */
function withIterations(image: Uint8Array, iterations: number): Uint8Array {
  const header = findMultibootHeader(image)
  if (header < 0) throw new Error('benchmark guest without a Multiboot header')
  const copy = image.slice()
  new DataView(copy.buffer).setUint32(header + 32, iterations, true)
  return copy
}

interface Run {
  instructions: number
  seconds: number
  status: number
}

type HvMode = 'compiled' | 'interpreted' | 'uncached'

function runOnHv(image: Uint8Array, mode: HvMode): Run {
  const machine = new TestMachine()
  const cpu = machine.cpu as unknown as Cpu
  cpu.codeCache.enabled = mode !== 'uncached'
  cpu.codeCache.compile = mode === 'compiled'
  machine.boot(image)
  const start = process.hrtime.bigint()
  const result = machine.run(Number.MAX_SAFE_INTEGER)
  const seconds = Number(process.hrtime.bigint() - start) / 1e9
  if (result.reason !== 'debug-exit') throw new Error(`guest on hv stopped by ${result.reason} ${result.detail ?? ''}`)
  return {instructions: result.instructions, seconds, status: result.exitStatus! & 0x7f}
}

function runOnQemu(image: Uint8Array, dir: string): Run {
  const file = path.join(dir, 'guest.bin')
  writeFileSync(file, image)
  const args = ['-kernel', file, '-display', 'none', '-nodefaults', '-no-reboot', '-m', '32', '-accel', 'tcg',
    '-device', 'isa-debug-exit,iobase=0xf4,iosize=0x04']
  const start = process.hrtime.bigint()
  const r = spawnSync('qemu-system-i386', args, {stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8', timeout: 120_000})
  const seconds = Number(process.hrtime.bigint() - start) / 1e9
  // isa-debug-exit makes QEMU exit with (status << 1) | 1; anything even is a failure.
  if (r.status === null || (r.status & 1) === 0) throw new Error(`QEMU did not finish through the debug-exit port: ${r.status ?? r.signal} ${r.stderr}`)
  return {instructions: NaN, seconds, status: r.status >> 1}
}

/** The best (shortest) of `runs` runs. */
function best(runs: number, f: () => Run): Run {
  let top = f()
  for (let n = 1; n < runs; n++) {
    const r = f()
    if (r.seconds < top.seconds) top = r
  }
  return top
}

/** Keeps the shortest of the runs offered to it. */
class Shortest {
  run: Run | null = null
  offer(r: Run): void {
    if (this.run === null || r.seconds < this.run.seconds) this.run = r
  }
}

/** Guest MIPS from the runs of N and 5N iterations, which differ by `instructions`. */
function mipsByDifference(short: Run, long: Run, instructions: number): number {
  return instructions / (long.seconds - short.seconds) / 1e6
}

function pad(s: string): string {
  return s.padEnd(48)
}

let first = true
for (const guest of GUESTS) {
  const image = loadImage(guest)
  const n = guest.hvIterations
  const q = guest.qemuIterations
  // Rounds that alternate hv and QEMU, so that both see the same load on the host.
  const hvShort = new Shortest()
  const hvLong = new Shortest()
  const qShort = new Shortest()
  const qLong = new Shortest()
  const dir = mkdtempSync(path.join(tmpdir(), 'hv-bench-'))
  try {
    for (let round = 0; round < ROUNDS; round++) {
      hvShort.offer(runOnHv(withIterations(image, n), 'compiled'))
      hvLong.offer(runOnHv(withIterations(image, 5 * n), 'compiled'))
      if (!haveQemu) continue
      qShort.offer(runOnQemu(withIterations(image, q), dir))
      qLong.offer(runOnQemu(withIterations(image, 5 * q), dir))
    }
  } finally {
    rmSync(dir, {recursive: true, force: true})
  }
  const retired = hvLong.run!.instructions - hvShort.run!.instructions
  const perIteration = retired / (4 * n)
  const hv = mipsByDifference(hvShort.run!, hvLong.run!, retired)
  console.log(`${guest.name} (${perIteration.toFixed(2)} instructions per iteration)`)
  console.log(`${pad('  hv, compiled blocks (normal mode)')}: ${hv.toFixed(1)} MIPS`)
  if (haveQemu) {
    // The checksum at QEMU's N iterations, on hv, for the same N.
    const expected = runOnHv(withIterations(image, q), 'compiled').status
    if (qShort.run!.status !== expected) throw new Error(`QEMU ended with checksum ${qShort.run!.status}, hv with ${expected}`)
    const qemu = mipsByDifference(qShort.run!, qLong.run!, perIteration * 4 * q)
    console.log(`${pad('  QEMU TCG')}: ${qemu.toFixed(1)} MIPS`)
    console.log(`${pad('  hv / QEMU')}: ${(hv / qemu).toFixed(2)}x`)
  } else {
    console.log(`${pad('  QEMU TCG')}: skipped (qemu-system-i386 is not installed)`)
  }
  if (first) {
    // The slower configurations: a tenth of the iterations, same method.
    const m = n / 10
    const slower = (mode: HvMode): number => {
      const short = best(3, () => runOnHv(withIterations(image, m), mode))
      const long = best(3, () => runOnHv(withIterations(image, 5 * m), mode))
      return mipsByDifference(short, long, long.instructions - short.instructions)
    }
    const interpreted = slower('interpreted')
    const uncached = slower('uncached')
    console.log(`${pad('  hv, decoded instructions, no blocks')}: ${interpreted.toFixed(1)} MIPS`)
    console.log(`${pad('  baseline: hv, code cache disabled')}: ${uncached.toFixed(1)} MIPS`)
    console.log(`${pad('  ratio compiled / baseline')}: ${(hv / uncached).toFixed(2)}x`)
    first = false
  }
}

// Linux boot benchmark: the built-in `linux` guest (Debian's i386 kernel and
// hv's initramfs) from start-vm to its userspace, through the command line as a
// user runs it; then the same kernel, initramfs, command line and memory on
// QEMU's TCG, in the same run, and the ratio. Userspace is the line the
// initramfs's /etc/rc prints first, "hv-linux: userspace on".
//
//   npm run bench:linux                 one boot on each
//   BENCH_LINUX_RUNS=3 npm run bench:linux   the median of three
//   BENCH_LINUX_TIME_MODE=Deterministic     hv's guest time follows its instructions:
//                                           idle waits cost nothing, the figure is pure emulation
//   BENCH_LINUX_QEMU=0                      hv alone
//
// Besides wall time it prints the stages of the hv boot as the kernel's own
// timestamps give them (guest seconds).
import {spawn, spawnSync} from 'node:child_process'
import {readFileSync, statSync} from 'node:fs'
import {join} from 'node:path'

import {benchHv, median, root, sleep} from './harness.js'

const IMAGES = join(root, 'guests', 'images', 'linux')
const MARKER = 'hv-linux: userspace on'
const MEMORY = '256MB'
const RUNS = Number(process.env.BENCH_LINUX_RUNS ?? 1)
const TIMEOUT_MS = 600_000
const TIME_MODE = process.env.BENCH_LINUX_TIME_MODE ?? 'Host'

/** Kernel log lines whose timestamps mark the stages of a boot. */
const STAGES = [
  ['console', 'printk: console [ttyS0] enabled'],
  ['initramfs unpacked', 'Freeing initrd memory'],
  ['init started', 'Run /init as init process'],
  ['VMBus connected', 'hv_vmbus: Vmbus version'],
]

function readConsole(file) {
  try {
    return readFileSync(file, 'latin1')
  } catch {
    return ''
  }
}

async function bootHv(hv, json, run) {
  const name = `linux${run}`
  hv('new-vm', name, '--guest', 'linux', '-MemoryStartupBytes', MEMORY, '--time-mode', TIME_MODE)
  const [vm] = json('get-vm', name)
  const consoleFile = join(vm.Path, vm.VMId, 'console.log')
  const started = process.hrtime.bigint()
  hv('start-vm', name)
  for (;;) {
    if (readConsole(consoleFile).includes(MARKER)) break
    if (Number(process.hrtime.bigint() - started) / 1e6 > TIMEOUT_MS) throw new Error(`hv: no "${MARKER}" within ${TIMEOUT_MS / 1000} s`)
    await sleep(20)
  }
  const ms = Number(process.hrtime.bigint() - started) / 1e6
  hv('stop-vm', name, '--turn-off')
  const log = readConsole(consoleFile)
  const stages = STAGES.map(([label, text]) => {
    const line = log.split('\n').find((l) => l.includes(text))
    const match = line && /^\[\s*([0-9.]+)\]/.exec(line)
    return [label, match ? Number(match[1]) : null]
  })
  return {ms, stages}
}

function haveQemu() {
  return spawnSync('qemu-system-i386', ['--version'], {stdio: 'ignore'}).status === 0
}

/** The same boot on QEMU TCG: resolves with the milliseconds to the marker on its serial console. */
function bootQemu() {
  const commandLine = readFileSync(join(IMAGES, 'cmdline'), 'utf8').trim()
  const args = [
    '-accel', 'tcg', '-m', String(parseInt(MEMORY, 10)), '-nographic', '-no-reboot', '-monitor', 'none',
    '-serial', 'stdio', '-kernel', join(IMAGES, 'vmlinuz'), '-initrd', join(IMAGES, 'initrd.img'), '-append', commandLine,
  ]
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint()
    const qemu = spawn('qemu-system-i386', args, {stdio: ['ignore', 'pipe', 'pipe']})
    let output = ''
    const timer = setTimeout(() => {
      qemu.kill('SIGKILL')
      reject(new Error(`QEMU: no "${MARKER}" within ${TIMEOUT_MS / 1000} s`))
    }, TIMEOUT_MS)
    qemu.stdout.on('data', (chunk) => {
      output += chunk.toString('latin1')
      if (output.includes(MARKER)) {
        const ms = Number(process.hrtime.bigint() - started) / 1e6
        clearTimeout(timer)
        qemu.kill('SIGKILL')
        resolve(ms)
      }
    })
    qemu.on('error', (error) => {
      clearTimeout(timer)
      reject(error)
    })
  })
}

const pad = (label) => label.padEnd(44)

async function main() {
  statSync(join(IMAGES, 'vmlinuz'))
  console.log(`Linux boot to userspace ("${MARKER}"): Debian's kernel, hv's initramfs, ${MEMORY}, ${RUNS} run(s) each, hv time mode ${TIME_MODE}`)
  const {hv, json, close} = benchHv('hv-bench-linux-')
  try {
    const hvRuns = []
    for (let run = 0; run < RUNS; run++) hvRuns.push(await bootHv(hv, json, run))
    const hvMs = median(hvRuns.map((r) => r.ms))
    console.log(`${pad('hv, start-vm to userspace')}: ${(hvMs / 1000).toFixed(2)} s`)
    const last = hvRuns[hvRuns.length - 1]
    for (const [label, seconds] of last.stages) {
      console.log(`${pad(`  kernel clock at ${label}`)}: ${seconds === null ? 'not seen' : `${seconds.toFixed(2)} s`}`)
    }
    if (process.env.BENCH_LINUX_QEMU === '0') return
    if (!haveQemu()) {
      console.log(`${pad('QEMU TCG')}: skipped (qemu-system-i386 is not installed)`)
      return
    }
    const qemuRuns = []
    for (let run = 0; run < RUNS; run++) qemuRuns.push(await bootQemu())
    const qemuMs = median(qemuRuns)
    console.log(`${pad('QEMU TCG, start to userspace')}: ${(qemuMs / 1000).toFixed(2)} s`)
    console.log(`${pad('hv / QEMU (time; below 1 is faster)')}: ${(hvMs / qemuMs).toFixed(2)}x`)
  } finally {
    close()
  }
}

await main()

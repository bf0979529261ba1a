// VM benchmarks, through the command line as a user runs it:
//  1. time from `start-vm` to the guest's first console byte;
//  2. save-vm and start-vm (restore) of a VM with 512 MB configured and 32 MB
//     touched, and the bytes the saved state takes on disk;
//  3. host CPU used by 10 idle running VMs over 10 seconds: right after boot, and
//     again after they sat idle a while (the steady state, without JIT warm-up).
// Baselines measured in the same run: `node -e 0` start-up, and for the
// idle figure, one busy VM.
import {execFileSync} from 'node:child_process'
import {readFileSync, statSync} from 'node:fs'
import {join} from 'node:path'

import {benchHv, kernels, median, root, sleep, timed} from './harness.js'

const {home, hv, json, close} = benchHv('hv-bench-vm-')

/** CPU seconds (user + system) a process has used, from /proc. */
function cpuSeconds(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')
  return (Number(fields[11]) + Number(fields[12])) / 100 // utime, stime in clock ticks (USER_HZ = 100)
}

async function firstConsoleByte(runs) {
  hv('new-vm', 'first', '--guest', 'tinyos', '-MemoryStartupBytes', '32MB')
  const [vm] = json('get-vm', 'first')
  const consoleFile = join(vm.Path, vm.VMId, 'console.log')
  const times = []
  for (let i = 0; i < runs; i++) {
    const started = process.hrtime.bigint()
    hv('start-vm', 'first')
    for (;;) {
      let size = 0
      try {
        size = statSync(consoleFile).size
      } catch {}
      if (size > 0) break
      await sleep(1)
    }
    times.push(Number(process.hrtime.bigint() - started) / 1e6)
    hv('stop-vm', 'first', '--turn-off')
  }
  const bare = []
  for (let i = 0; i < runs; i++) bare.push(timed(() => execFileSync(process.execPath, ['-e', '0'])))
  console.log(`start-vm to first console byte   median ${median(times).toFixed(0)} ms  (node -e 0: ${median(bare).toFixed(0)} ms)`)
}

async function saveAndRestore(runs) {
  hv('new-vm', 'big', '--boot-kernel', join(kernels, 'touch.bin'), '-MemoryStartupBytes', '512MB')
  const [vm] = json('get-vm', 'big')
  const consoleFile = join(vm.Path, vm.VMId, 'console.log')
  hv('start-vm', 'big')
  while (!readFileSync(consoleFile, 'utf8').includes('touched')) await sleep(20)
  const saves = []
  const restores = []
  let onDisk = 0
  for (let i = 0; i < runs; i++) {
    saves.push(timed(() => hv('save-vm', 'big')))
    const [saved] = json('get-vm', 'big')
    const doc = JSON.parse(readFileSync(join(home, 'store.json'), 'utf8'))
    const record = doc.vms.find((v) => v.id === saved.VMId).savedState
    onDisk = statSync(record.memoryFile).size + statSync(record.stateFile).size
    restores.push(timed(() => hv('start-vm', 'big')))
  }
  hv('stop-vm', 'big', '--turn-off')
  console.log(`save-vm, 512 MB VM, 32 MB touched median ${median(saves).toFixed(0)} ms  (target < 300 ms)`)
  console.log(`start-vm from saved state         median ${median(restores).toFixed(0)} ms  (target < 300 ms)`)
  console.log(`saved state on disk               ${(onDisk / 1024 / 1024).toFixed(1)} MiB of 512 MiB configured`)
}

/** Seconds the idle VMs sit between the two measured windows. */
const SETTLE_SECONDS = Number(process.env.BENCH_SETTLE_SECONDS ?? 10)

async function idleCost(count, seconds) {
  for (let i = 0; i < count; i++) {
    hv('new-vm', `idle${i}`, '--guest', 'tinyos', '-MemoryStartupBytes', '32MB')
    hv('start-vm', `idle${i}`)
  }
  await sleep(1000) // let them boot to their prompt
  const pids = json('get-vm', 'idle*').map((vm) => vm.WorkerProcessId)
  const cpuOver = async (ms) => {
    const before = pids.map(cpuSeconds)
    await sleep(ms)
    return pids.map((pid, i) => cpuSeconds(pid) - before[i]).reduce((a, b) => a + b, 0)
  }
  // The first window includes each worker's one-time JIT warm-up (V8 optimising the
  // guest's interrupt path as it turns hot); the second, after the VMs sat idle a while, does not.
  const early = await cpuOver(seconds * 1000)
  await sleep(SETTLE_SECONDS * 1000)
  const used = await cpuOver(seconds * 1000)
  for (let i = 0; i < count; i++) hv('stop-vm', `idle${i}`, '--turn-off')
  // Baseline: one VM that never idles, over one second.
  hv('new-vm', 'busy', '--boot-kernel', join(root, 'guests', 'images', 'counter.bin'), '-MemoryStartupBytes', '32MB')
  hv('start-vm', 'busy')
  const [busy] = json('get-vm', 'busy')
  const busyBefore = cpuSeconds(busy.WorkerProcessId)
  await sleep(1000)
  const busyUsed = cpuSeconds(busy.WorkerProcessId) - busyBefore
  hv('stop-vm', 'busy', '--turn-off')
  console.log(
    `${count} idle VMs over ${seconds} s              ${((used / seconds) * 100).toFixed(2)} % of one core in total, after ${SETTLE_SECONDS + seconds + 1} s idle  (target < 5 %; in the first ${seconds} s after boot: ${((early / seconds) * 100).toFixed(2)} %; one busy VM: ${(busyUsed * 100).toFixed(0)} %)`,
  )
}

try {
  await firstConsoleByte(Number(process.env.BENCH_RUNS ?? 7))
  await saveAndRestore(Number(process.env.BENCH_RUNS ?? 5))
  await idleCost(10, Number(process.env.BENCH_IDLE_SECONDS ?? 10))
} finally {
  close() // no worker left running
}

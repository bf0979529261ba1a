// Checkpoint benchmarks, through the command line as a user runs it, on a VM
// with 512 MB configured whose guest (test/e2e/kernels/touch) wrote 32 MB:
//  1. checkpoint-vm of the running VM: wall time, and bytes added on disk;
//  2. a second checkpoint after little change: time and bytes added (must be small);
//  3. ten checkpoints in all: bytes on disk against ten full copies;
//  4. restore-vmcheckpoint of the first (the VM turned off first) and start-vm from it;
//  5. remove-vmcheckpoint of all but one: bytes reclaimed.
// Baseline measured in the same run: `node -e 0` start-up, and save-vm of the same VM.
import {execFileSync} from 'node:child_process'
import {readdirSync, readFileSync, statSync} from 'node:fs'
import {join} from 'node:path'

import {benchHv, kernels, median, sleep, timed} from './harness.js'

const {hv, json, close} = benchHv('hv-bench-checkpoint-')
const runs = Number(process.env.BENCH_RUNS ?? 5)

const MiB = (bytes) => `${(bytes / 1024 / 1024).toFixed(2)} MiB`
const dirBytes = (dir) => {
  try {
    return readdirSync(dir).reduce((sum, name) => sum + statSync(join(dir, name)).size, 0)
  } catch {
    return 0
  }
}

try {
  hv('new-vm', 'big', '--boot-kernel', join(kernels, 'touch.bin'), '-MemoryStartupBytes', '512MB')
  hv('set-vm', 'big', '-CheckpointType', 'Standard', '-AutomaticCheckpointsEnabled', '$false')
  const [vm] = json('get-vm', 'big')
  const vmDir = join(vm.Path, vm.VMId)
  const checkpoints = join(vmDir, 'checkpoints')
  hv('start-vm', 'big')
  while (!readFileSync(join(vmDir, 'console.log'), 'utf8').includes('touched')) await sleep(20)

  const bare = []
  for (let i = 0; i < runs; i++) bare.push(timed(() => execFileSync(process.execPath, ['-e', '0'])))

  let before = dirBytes(checkpoints)
  const first = timed(() => hv('checkpoint-vm', 'big', 'first'))
  const firstAdded = dirBytes(checkpoints) - before
  const seconds = []
  let secondAdded = 0
  for (let i = 0; i < runs; i++) {
    before = dirBytes(checkpoints)
    seconds.push(timed(() => hv('checkpoint-vm', 'big', `next${i}`)))
    secondAdded = dirBytes(checkpoints) - before
  }
  for (let i = 1 + runs; i < 10; i++) hv('checkpoint-vm', 'big', `more${i}`)
  const ten = dirBytes(checkpoints)
  const count = json('get-vmcheckpoint', 'big').length

  hv('stop-vm', 'big', '--turn-off')
  const restores = []
  const starts = []
  for (let i = 0; i < runs; i++) {
    restores.push(timed(() => hv('restore-vmcheckpoint', 'big', 'first', '--force')))
    starts.push(timed(() => hv('start-vm', 'big')))
    hv('stop-vm', 'big', '--turn-off')
  }
  const consoleText = readFileSync(join(vmDir, 'console.log'), 'utf8')

  hv('start-vm', 'big')
  while (!readFileSync(join(vmDir, 'console.log'), 'utf8').includes('touched')) await sleep(20)
  const save = timed(() => hv('save-vm', 'big'))
  hv('stop-vm', 'big', '--turn-off')

  const names = json('get-vmcheckpoint', 'big').map((c) => c.Name).filter((n) => n !== 'first')
  const removeTime = timed(() => hv('remove-vmcheckpoint', 'big', names.join(',')))
  const afterRemove = dirBytes(checkpoints)

  console.log(`checkpoint-vm, running 512 MB VM, 32 MB touched   ${first.toFixed(0)} ms, added ${MiB(firstAdded)} on disk  (target < 300 ms; node -e 0: ${median(bare).toFixed(0)} ms; save-vm of the same VM: ${save.toFixed(0)} ms)`)
  console.log(`second checkpoint after little change           median ${median(seconds).toFixed(0)} ms, added ${MiB(secondAdded)} on disk`)
  console.log(`${count} checkpoints on disk                          ${MiB(ten)}  (ten full copies of the touched memory: ${MiB(10 * 32 * 1024 * 1024)})`)
  console.log(`restore-vmcheckpoint (to Saved, memory rebuilt)  median ${median(restores).toFixed(0)} ms`)
  console.log(`start-vm from the restored checkpoint            median ${median(starts).toFixed(0)} ms  (console intact: ${consoleText.includes('touched')})`)
  console.log(`remove-vmcheckpoint of ${names.length} (keeping 'first')         ${removeTime.toFixed(0)} ms, on disk ${MiB(ten)} -> ${MiB(afterRemove)}`)
} finally {
  close() // no worker left running
}

// CLI start-up benchmark: median wall time of `hv get-vm` over a store of 100
// VMs against `node -e 0` measured in the same run (interleaved, so machine
// load affects both alike), and their ratio.
import {spawnSync} from 'node:child_process'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const hvBin = join(root, 'bin', 'run.js')
const runs = Number(process.env.BENCH_RUNS ?? 25)
const home = mkdtempSync(join(tmpdir(), 'hv-bench-startup-'))
const env = {...process.env, HV_HOME: home, NO_COLOR: '1'}

function timed(args) {
  const started = process.hrtime.bigint()
  const result = spawnSync(process.execPath, args, {env, stdio: ['ignore', 'pipe', 'pipe']})
  const ms = Number(process.hrtime.bigint() - started) / 1e6
  if (result.status !== 0) throw new Error(`${args.join(' ')} failed: ${result.stderr}`)
  return ms
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]
}

try {
  process.stdout.write('seeding 100 VMs... ')
  for (let i = 0; i < 100; i++) timed([hvBin, 'new-vm', `bench${String(i).padStart(3, '0')}`])
  console.log('done')
  // Warm the file cache for both.
  timed([hvBin, 'get-vm'])
  timed(['-e', '0'])
  const hv = []
  const bare = []
  for (let i = 0; i < runs; i++) {
    bare.push(timed(['-e', '0']))
    hv.push(timed([hvBin, 'get-vm']))
  }
  const hvMedian = median(hv)
  const bareMedian = median(bare)
  console.log(`node -e 0           median ${bareMedian.toFixed(1)} ms  (min ${Math.min(...bare).toFixed(1)})`)
  console.log(`hv get-vm (100 VMs) median ${hvMedian.toFixed(1)} ms  (min ${Math.min(...hv).toFixed(1)})`)
  console.log(`ratio               ${(hvMedian / bareMedian).toFixed(2)}  (target <= 1.6)`)
} finally {
  rmSync(home, {recursive: true, force: true})
}

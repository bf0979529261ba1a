// What the VM benchmarks share: an hv in a throwaway HV_HOME, run as a user
// runs it (node bin/run.js), and the small helpers for timing and medians.
import {spawnSync} from 'node:child_process'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

export const root = join(dirname(fileURLToPath(import.meta.url)), '..')
export const kernels = join(root, 'test', 'e2e', 'kernels')
const hvBin = join(root, 'bin', 'run.js')

/** An hv with its own HV_HOME; `close()` kills any worker left and deletes the home. */
export function benchHv(prefix) {
  const home = mkdtempSync(join(tmpdir(), prefix))
  const env = {...process.env, HV_HOME: home, NO_COLOR: '1'}
  /** Runs hv with `input` on its stdin; throws with its stderr unless it exits 0. */
  const hvWithInput = (input, ...args) => {
    const result = spawnSync(process.execPath, [hvBin, ...args], {env, encoding: 'utf8', input})
    if (result.status !== 0) throw new Error(`hv ${args.join(' ')} failed (${result.status}): ${result.stderr}`)
    return result.stdout
  }
  const hv = (...args) => hvWithInput(undefined, ...args)
  const json = (...args) => JSON.parse(hv(...args, '--json'))
  const close = () => {
    try {
      for (const vm of json('get-vm')) if (vm.WorkerProcessId) process.kill(vm.WorkerProcessId, 'SIGKILL')
    } catch {}
    rmSync(home, {recursive: true, force: true})
  }
  return {home, env, hv, hvWithInput, json, close}
}

export const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]
export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))
/** Wall milliseconds `fn` takes. */
export const timed = (fn) => {
  const started = process.hrtime.bigint()
  fn()
  return Number(process.hrtime.bigint() - started) / 1e6
}

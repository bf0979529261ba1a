import {existsSync, mkdirSync, openSync, closeSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

import {HvError, InvalidStateError} from '../errors.js'
import type {VmRecord} from '../store/schema.js'
import {vmDirectory, vmFiles} from './vm-files.js'

/** What a starting worker tells the VMMS over its IPC channel, once. */
export type WorkerStartReport = {ready: true} | {ready: false; kind: HvError['kind']; message: string}

/** How long a starting worker has to report; it records itself as running before that. */
export const START_TIMEOUT_MS = 30_000
/**
 * V8 options for the worker. The memory reducer runs full garbage collections
 * whenever a process looks idle, which an idle VM's worker always does; guest
 * RAM lives outside the JS heap, so they free little and cost an idle VM more
 * host CPU than its guest does.
 */
const WORKER_V8_OPTIONS = ['--no-memory-reducer']

/**
 * The worker's entry: bin/worker.js of this installation (it loads the built
 * dist/worker.cjs), or HV_WORKER_ENTRY (a TypeScript entry runs through tsx).
 */
export function workerEntry(): {file: string; execArgv: string[]} {
  const override = process.env.HV_WORKER_ENTRY
  if (override) return {file: override, execArgv: override.endsWith('.ts') ? ['--import', 'tsx'] : []}
  const here = typeof __dirname === 'string' ? __dirname : dirname(fileURLToPath(import.meta.url))
  for (let dir = here; dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, 'dist', 'worker.cjs')) && existsSync(join(dir, 'bin', 'worker.js'))) {
      return {file: join(dir, 'bin', 'worker.js'), execArgv: []}
    }
  }
  throw new InvalidStateError('The VM worker is not built: run `npm run build`.')
}

/**
 * Start the worker process for a VM (vmwp): detached, so it outlives the
 * command, with its stderr in the VM's worker log. Resolves when the worker
 * reports the VM running; rejects with the worker's own error otherwise.
 */
export async function spawnWorker(home: string, vm: VmRecord): Promise<number> {
  // Loaded on first use: only start-vm starts processes.
  const {spawn} = await import('node:child_process')
  const {file, execArgv} = workerEntry()
  mkdirSync(vmDirectory(vm), {recursive: true})
  const log = openSync(vmFiles.workerLog(vm), 'a')
  const child = spawn(process.execPath, [...WORKER_V8_OPTIONS, ...execArgv, file, vm.id], {
    detached: true,
    stdio: ['ignore', 'ignore', log, 'ipc'],
    env: {...process.env, HV_HOME: home},
  })
  closeSync(log)
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new InvalidStateError(`The worker for '${vm.name}' did not report within ${START_TIMEOUT_MS / 1000} s; see ${vmFiles.workerLog(vm)}.`))
    }, START_TIMEOUT_MS)
    const finish = () => {
      clearTimeout(timer)
      child.removeAllListeners()
      if (child.connected) child.disconnect()
      child.unref()
    }
    child.once('message', (report: WorkerStartReport) => {
      finish()
      if (report.ready) resolve(child.pid!)
      else reject(new HvError(report.kind, report.message))
    })
    child.once('exit', (code, signal) => {
      finish()
      reject(new InvalidStateError(
        `The worker for '${vm.name}' exited during start (${signal ?? `code ${code}`}); see ${vmFiles.workerLog(vm)}.`,
      ))
    })
    child.once('error', (error) => {
      finish()
      reject(new InvalidStateError(`The worker for '${vm.name}' could not be started: ${error.message}`))
    })
  })
}

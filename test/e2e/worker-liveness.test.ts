import {spawn, type ChildProcess} from 'node:child_process'
import {existsSync, mkdirSync, readFileSync, writeFileSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {hv, hvJson, tempHome} from '../helpers/hv.js'
import {eventually} from '../helpers/tools.js'

/**
 * Whether a VM's worker still runs must not depend on anyone reaping it, nor
 * on PIDs being unique: a killed worker is a zombie until its parent waits for
 * it (forever where PID 1 does not reap, as in many containers), and a PID
 * comes back as another process. Zombies here are made by a shell that starts
 * a child and then execs `sleep`, which never waits for it.
 */
const KERNELS = join(dirname(fileURLToPath(import.meta.url)), 'kernels')
const TOUCH = join(KERNELS, 'touch.bin')
const HAS_PROC = existsSync('/proc/self/stat')

let home: string
let cleanup: () => void
const helpers: ChildProcess[] = []
const run = (...args: string[]) => hv(args, {home, timeoutMs: 60_000})
const json = <T = Record<string, any>[]>(...args: string[]) => hvJson<T>(args, {home, timeoutMs: 60_000})

beforeEach(() => {
  ;({home, cleanup} = tempHome('hv-alive-'))
})
afterEach(async () => {
  const vms = await json('get-vm').catch(() => [])
  // Never a turn-off of a VM whose recorded worker is this test or its helpers (it would kill them).
  const ours = new Set([process.pid, ...helpers.map((h) => h.pid)])
  for (const vm of vms) if (vm.WorkerProcessId && !ours.has(vm.WorkerProcessId)) await run('stop-vm', '--id', vm.VMId, '--turn-off')
  for (const helper of helpers.splice(0)) helper.kill('SIGKILL')
  cleanup()
})

/** A process that started now and runs until the test ends. */
async function freshProcess(): Promise<number> {
  const child = spawn('sleep', ['600'], {stdio: 'ignore'})
  helpers.push(child)
  await new Promise((resolve) => child.once('spawn', resolve))
  return child.pid!
}

/**
 * A zombie: `command` runs as the child of a shell that then becomes `sleep`,
 * which never reaps it; the child is killed with SIGKILL. Resolves with its PID.
 */
async function zombie(command = 'sleep 600'): Promise<number> {
  const parent = spawn('sh', ['-c', `${command} & echo $!; exec sleep 600`], {stdio: ['ignore', 'pipe', 'ignore']})
  helpers.push(parent)
  const pid = await new Promise<number>((resolve) => parent.stdout!.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim()))))
  // Until the shell has become sleep, it would still reap its child.
  if (HAS_PROC) await eventually(async () => readFileSync(`/proc/${parent.pid}/comm`, 'utf8') === 'sleep\n', 'the shell to exec sleep')
  else await new Promise((resolve) => setTimeout(resolve, 500))
  return pid
}

async function killToZombie(pid: number): Promise<void> {
  process.kill(pid, 'SIGKILL')
  if (HAS_PROC) await eventually(async () => readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.startsWith('Z'), `${pid} to be a zombie`)
  // Still "there" to kill(pid, 0): exactly what must not count as alive.
  expect(() => process.kill(pid, 0)).not.toThrow()
}

/** Record in the store that VM `name` runs in process `pid`, as a worker would. */
function recordWorker(name: string, worker: {pid: number; socket: string; startedAt: string}): void {
  const path = join(home, 'store.json')
  const doc = JSON.parse(readFileSync(path, 'utf8'))
  const vm = doc.vms.find((v: {name: string}) => v.name === name)
  vm.state = 'Running'
  vm.worker = worker
  writeFileSync(path, JSON.stringify(doc))
}

async function newVm(name: string): Promise<Record<string, any>> {
  const [vm] = await json('new-vm', name, '-MemoryStartupBytes', '64MB', '--boot-kernel', TOUCH)
  return vm
}

async function expectCrashed(name: string, pid: number): Promise<void> {
  const [vm] = await json('get-vm', name)
  expect(vm.State).toBe('OffCritical')
  expect(vm.WorkerProcessId).toBeNull()
  const [event] = await json('get-vmevent', name, '--max-events', '1')
  expect(event).toMatchObject({LevelDisplayName: 'Error'})
  expect(event.Message).toContain(`The worker process (pid ${pid}) of '${name}' terminated unexpectedly`)
}

describe('a VM whose worker is gone is not Running', () => {
  it('SIGKILL of the worker: the very next get-vm shows OffCritical, with an event', async () => {
    await newVm('victim')
    expect((await run('start-vm', 'victim')).code).toBe(0)
    const [vm] = await json('get-vm', 'victim')
    expect(vm.State).toBe('Running')
    process.kill(vm.WorkerProcessId, 'SIGKILL')
    await expectCrashed('victim', vm.WorkerProcessId)
  })

  it('a worker that died and stays a zombie, its control socket left behind', async () => {
    const vm = await newVm('z1')
    const socket = join(home, 'run', `${vm.VMId}.sock`)
    mkdirSync(dirname(socket), {recursive: true})
    // A listener on the socket, as a worker holds it, then killed: the socket file stays.
    const script = `require("net").createServer().listen(${JSON.stringify(socket)}, () => console.error("listening"))`
    const pid = await zombie(`${JSON.stringify(process.execPath)} -e '${script}'`)
    await eventually(async () => existsSync(socket), 'the socket')
    await killToZombie(pid)
    expect(existsSync(socket)).toBe(true)
    recordWorker('z1', {pid, socket, startedAt: new Date().toISOString()})
    await expectCrashed('z1', pid)
  })

  it.skipIf(!HAS_PROC)('a worker that died and stays a zombie, its control socket gone', async () => {
    const vm = await newVm('z2')
    const pid = await zombie()
    await killToZombie(pid)
    recordWorker('z2', {pid, socket: join(home, 'run', `${vm.VMId}.sock`), startedAt: new Date().toISOString()})
    await expectCrashed('z2', pid)
  })

  it('a worker PID that now belongs to another, live process', async () => {
    const a = await newVm('reused-a')
    const b = await newVm('reused-b')
    // The test's own PID, and a process started after the worker would have been.
    recordWorker('reused-a', {pid: process.pid, socket: join(home, 'run', `${a.VMId}.sock`), startedAt: new Date(Date.now() - 3_600_000).toISOString()})
    const fresh = await freshProcess()
    recordWorker('reused-b', {pid: fresh, socket: join(home, 'run', `${b.VMId}.sock`), startedAt: new Date(Date.now() - 60_000).toISOString()})
    await expectCrashed('reused-a', process.pid)
    await expectCrashed('reused-b', fresh)
  })

  it('a live worker that is busy still counts as running', async () => {
    await newVm('busy')
    expect((await run('start-vm', 'busy')).code).toBe(0)
    const [vm] = await json('get-vm', 'busy')
    // A stopped process cannot accept(), but the kernel still queues the connection.
    process.kill(vm.WorkerProcessId, 'SIGSTOP')
    try {
      const [again] = await json('get-vm', 'busy')
      expect(again.State).toBe('Running')
      expect(again.WorkerProcessId).toBe(vm.WorkerProcessId)
    } finally {
      process.kill(vm.WorkerProcessId, 'SIGCONT')
    }
  })
})

describe('the store lock', () => {
  const lockFile = () => join(home, 'store.lock')

  it.skipIf(!HAS_PROC)('held by a zombie is broken at once', async () => {
    const pid = await zombie()
    await killToZombie(pid)
    await newVm('first')
    writeFileSync(lockFile(), `${pid} ${Date.now()} zombie\n`)
    const result = await hv(['new-vm', 'second', '-MemoryStartupBytes', '32MB'], {home, timeoutMs: 45_000})
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    expect((await json('get-vm')).map((v) => v.Name)).toEqual(['first', 'second'])
  })

  it.skipIf(!HAS_PROC)('named by a PID that now belongs to a process started after the lock was taken is broken', async () => {
    await newVm('first')
    const fresh = await freshProcess()
    writeFileSync(lockFile(), `${fresh} ${Date.now() - 10_000} reused\n`)
    const result = await hv(['new-vm', 'second', '-MemoryStartupBytes', '32MB'], {home, timeoutMs: 45_000})
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
  })
})

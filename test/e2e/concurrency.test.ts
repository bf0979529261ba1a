import {execFile, spawn} from 'node:child_process'
import {readdirSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {promisify} from 'node:util'

import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {Store} from '../../src/core/store/store.js'
import {HV_BIN, hvJson, REPO_ROOT, shellEnvironment, tempHome} from '../helpers/hv.js'

const run = promisify(execFile)

let home: string
let cleanup: () => void
beforeEach(() => {
  ;({home, cleanup} = tempHome('hv-concurrency-'))
})
afterEach(() => cleanup())

describe('commands run in parallel from a shell', () => {
  it('32 new-vm processes started at once leave exactly 32 VMs and a valid store', async () => {
    const script = `for i in $(seq 1 32); do node '${HV_BIN}' new-vm "vm$i" & done; wait`
    await run('bash', ['-c', script], {env: {...shellEnvironment(), HV_HOME: home}, timeout: 120_000})
    const vms = await hvJson(['get-vm'], {home})
    expect(vms).toHaveLength(32)
    expect(new Set(vms.map((vm) => vm.Name))).toEqual(new Set(Array.from({length: 32}, (_, i) => `vm${i + 1}`)))
    expect(new Set(vms.map((vm) => vm.VMId)).size).toBe(32)
    const doc = JSON.parse(readFileSync(join(home, 'store.json'), 'utf8'))
    expect(doc.events.filter((e: {message: string}) => e.message.includes('was created'))).toHaveLength(32)
  }, 180_000)
})

describe('a process killed in the middle of a store write', () => {
  /** A store big enough (about 3 MB) that each write takes a while, so kills land inside writes. */
  function seedLargeStore(vmCount: number) {
    const vms = Array.from({length: vmCount}, (_, i) => ({
      id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
      name: `seed${i}`, generation: 1, version: '10.0', path: '/srv/vms', notes: 'x'.repeat(200),
      creationTime: new Date(0).toISOString(), state: 'Off', status: 'Operating normally',
      processor: {count: 1, reserve: 0, maximum: 100, relativeWeight: 100, compatibilityForMigrationEnabled: false,
        compatibilityForOlderOperatingSystemsEnabled: false, exposeVirtualizationExtensions: false},
      memory: {startup: 536870912, dynamicMemoryEnabled: false, minimum: 536870912, maximum: 1099511627776, buffer: 20, priority: 50},
      automaticStartAction: 'StartIfRunning', automaticStopAction: 'Save', automaticStartDelay: 0,
      checkpointType: 'Production', automaticCheckpointsEnabled: false,
    }))
    writeFileSync(join(home, 'store.json'), JSON.stringify({schemaVersion: 1, host: {}, vms, events: [], nextEventId: 1}))
  }

  it('never leaves a store that fails to load (SIGKILL at random points, many trials)', async () => {
    seedLargeStore(4000)
    // A writer that does nothing but store updates, back to back: wherever SIGKILL
    // lands, it is almost always inside a read-modify-write.
    const writer = `
      import {Store} from '${join(REPO_ROOT, 'src/core/store/store.ts')}'
      const store = new Store(process.env.HV_HOME)
      const write = () => store.update((doc) => { doc.nextEventId++; doc.vms[0].notes = String(Math.random()).repeat(20) })
      // Ready once one update has landed: a 4000-VM store takes a good part of the kill window to
      // load and write on a slow machine, and every trial should find the writer mid-stream.
      await write()
      process.send('ready')
      for (;;) await write()
    `
    const trials = 25
    let lastCount = 0
    let killedMidWrite = 0
    const orphans = () => readdirSync(home).filter((name) => name.endsWith('.tmp'))
    for (let trial = 0; trial < trials; trial++) {
      const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', writer], {
        cwd: REPO_ROOT,
        env: {...shellEnvironment(), HV_HOME: home},
        stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      })
      await new Promise<void>((resolve, reject) => {
        child.once('message', () => resolve())
        child.once('exit', (code) => reject(new Error(`writer exited early (${code})`)))
      })
      child.removeAllListeners('exit')
      await new Promise((resolve) => setTimeout(resolve, 20 + Math.random() * 150))
      const exited = new Promise((resolve) => child.once('exit', resolve))
      child.kill('SIGKILL')
      await exited
      if (orphans().length) killedMidWrite++
      // The store loads, and every update that landed is whole.
      const doc = await new Store(home).read()
      expect(doc.vms).toHaveLength(4000)
      expect(doc.nextEventId).toBeGreaterThanOrEqual(lastCount)
      lastCount = doc.nextEventId
    }
    // The writers did write, and some kills provably landed inside a write (its
    // temporary file was left behind).
    expect(lastCount).toBeGreaterThan(1)
    expect(killedMidWrite).toBeGreaterThan(0)
    // And the command line still works on the store afterwards, breaking the dead writer's lock at once.
    const created = await hvJson(['new-vm', 'after-kills'], {home})
    expect(created[0].Name).toBe('after-kills')
    // ...and the next successful write swept the killed writers' temporary files away.
    expect(orphans()).toEqual([])
  }, 240_000)

  it('a killed hv command leaves the store loadable too', async () => {
    seedLargeStore(2000)
    for (let trial = 0; trial < 10; trial++) {
      const child = spawn(process.execPath, [HV_BIN, 'new-vm', `k${trial}`], {env: {...shellEnvironment(), HV_HOME: home}, stdio: 'ignore'})
      const exited = new Promise((resolve) => child.once('exit', resolve))
      await new Promise((resolve) => setTimeout(resolve, 60 + trial * 15))
      child.kill('SIGKILL') // a no-op when it already finished
      await exited
      expect((await new Store(home).read()).vms.length).toBeGreaterThanOrEqual(2000)
    }
    expect((await hvJson(['get-vm', 'seed1'], {home}))[0].Name).toBe('seed1')
  }, 120_000)
})

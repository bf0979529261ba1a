import {spawn} from 'node:child_process'
import {existsSync, linkSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {StoreError} from '../../../src/core/errors.js'
import {InterProcessLock} from '../../../src/core/store/interprocess-lock.js'
import {defaultComPorts, defaultFirmware, defaultVideo, SCHEMA_VERSION} from '../../../src/core/store/schema.js'
import {Store} from '../../../src/core/store/store.js'
import {tempHome} from '../../helpers/hv.js'

let home: string
let cleanup: () => void

beforeEach(() => {
  ;({home, cleanup} = tempHome('hv-store-'))
})
afterEach(() => cleanup())

describe('Store', () => {
  it('reads an absent store as an empty document without creating it', async () => {
    const store = new Store(join(home, 'nested'))
    const doc = await store.read()
    expect(doc).toMatchObject({schemaVersion: SCHEMA_VERSION, vms: [], events: []})
    expect(existsSync(join(home, 'nested'))).toBe(false)
  })

  it('persists an update and returns what the mutation returned', async () => {
    const store = new Store(home)
    const result = await store.update((doc) => {
      doc.host.computerName = 'hostA'
      return 42
    })
    expect(result).toBe(42)
    expect((await new Store(home).read()).host.computerName).toBe('hostA')
  })

  it('writes nothing when the mutation throws', async () => {
    const store = new Store(home)
    await store.update((doc) => void (doc.host.computerName = 'before'))
    const before = readFileSync(store.file, 'utf8')
    await expect(
      store.update((doc) => {
        doc.host.computerName = 'after'
        throw new Error('validation failed')
      }),
    ).rejects.toThrow('validation failed')
    expect(readFileSync(store.file, 'utf8')).toBe(before)
  })

  it('keeps the previous document as the last-good copy', async () => {
    const store = new Store(home)
    await store.update((doc) => void (doc.host.computerName = 'one'))
    const first = readFileSync(store.file, 'utf8')
    await store.update((doc) => void (doc.host.computerName = 'two'))
    expect(readFileSync(store.lastGoodFile, 'utf8')).toBe(first)
  })

  it('refuses a corrupt document, names the file and the recovery, and never replaces it', async () => {
    const store = new Store(home)
    await store.update((doc) => void (doc.host.computerName = 'good'))
    await store.update((doc) => void (doc.host.computerName = 'good2'))
    writeFileSync(store.file, '{"schemaVersion": 1, "vms": [')
    await expect(store.read()).rejects.toThrow(StoreError)
    const error = (await store.read().catch((e: Error) => e)) as Error
    expect(error.message).toContain(store.file)
    expect(error.message).toContain(store.lastGoodFile)
    await expect(store.update(() => undefined)).rejects.toThrow(/corrupt/)
    expect(readFileSync(store.file, 'utf8')).toBe('{"schemaVersion": 1, "vms": [')
  })

  it('refuses JSON that is not a store document', async () => {
    const store = new Store(home)
    writeFileSync(store.file, '[1, 2, 3]')
    await expect(store.read()).rejects.toThrow(/not a JSON object/)
    writeFileSync(store.file, JSON.stringify({schemaVersion: SCHEMA_VERSION, vms: {}, events: [], host: {}}))
    await expect(store.read()).rejects.toThrow(/"vms" is not an array/)
  })

  it('refuses a document written by a newer schema and leaves it alone', async () => {
    const store = new Store(home)
    const newer = JSON.stringify({schemaVersion: SCHEMA_VERSION + 1, vms: [], futureThing: true})
    writeFileSync(store.file, newer)
    await expect(store.read()).rejects.toThrow(/newer hv/)
    await expect(store.update(() => undefined)).rejects.toThrow(/newer hv/)
    expect(readFileSync(store.file, 'utf8')).toBe(newer)
  })

  it('migrates an unversioned (schema 0) document and writes it back current', async () => {
    const store = new Store(home)
    writeFileSync(store.file, JSON.stringify({schemaVersion: 0, vms: [], events: []}))
    expect((await store.read()).schemaVersion).toBe(SCHEMA_VERSION)
    await store.update(() => undefined)
    expect(JSON.parse(readFileSync(store.file, 'utf8'))).toMatchObject({schemaVersion: SCHEMA_VERSION, host: {}, nextEventId: 1})
  })

  it('migrates a schema 1 document: VMs gain a boot source, time mode, worker and saved state', async () => {
    const store = new Store(home)
    writeFileSync(store.file, JSON.stringify({schemaVersion: 1, host: {}, vms: [{id: 'x', name: 'old'}], events: [], nextEventId: 3}))
    const doc = await store.read()
    expect(doc.vms[0]).toMatchObject({
      id: 'x', name: 'old', bootSource: null, timeMode: 'Host', tripleFaultAction: 'Reset', worker: null, savedState: null,
      lastStop: null, checkpointType: 'Production', automaticCheckpointsEnabled: true, parentCheckpointId: null,
      parentCheckpointName: null,
      integrationServices: {},
      firmware: defaultFirmware(1),
      video: defaultVideo(),
      comPorts: defaultComPorts(),
    })
    expect(doc.nextEventId).toBe(3)
  })

  it('migrates a schema 2 document: an empty checkpoint tree, VMs keep their checkpoint settings and gain a parent', async () => {
    const store = new Store(home)
    const vm = {id: 'y', name: 'two', checkpointType: 'Standard', automaticCheckpointsEnabled: false, bootSource: null}
    writeFileSync(store.file, JSON.stringify({schemaVersion: 2, host: {}, vms: [vm], events: [], nextEventId: 1}))
    const doc = await store.read()
    expect(doc.schemaVersion).toBe(SCHEMA_VERSION)
    expect(doc.checkpoints).toEqual([])
    expect(doc.vms[0]).toMatchObject({...vm, parentCheckpointId: null, parentCheckpointName: null, integrationServices: {}, comPorts: defaultComPorts()})
  })

  it('migrates a schema 3 document: VMs and checkpoint configurations gain the Set-VM settings (checkpoints kept under the VM path), firmware and video', async () => {
    const store = new Store(home)
    const processor = {count: 2, reserve: 0, maximum: 100, relativeWeight: 100}
    const vm = {id: 'z', name: 'three', path: '/vms', generation: 2, processor}
    const checkpoint = {id: 'c', vmId: 'z', name: 'cp', configuration: {generation: 2, processor}}
    writeFileSync(store.file, JSON.stringify({schemaVersion: 3, host: {}, vms: [vm], checkpoints: [checkpoint], events: [], nextEventId: 1}))
    const doc = await store.read()
    expect(doc.schemaVersion).toBe(SCHEMA_VERSION)
    expect(doc.vms[0].processor).toEqual({...processor, hwThreadCountPerCore: 0, maximumCountPerNumaNode: 240, maximumCountPerNumaSocket: 1, enableHostResourceProtection: false})
    expect(doc.vms[0].settings).toMatchObject({snapshotFileLocation: '/vms', smartPagingFilePath: '/vms', lowMemoryMappedIoSpace: 128 * 1024 * 1024, automaticCriticalErrorAction: 'Pause'})
    expect(doc.checkpoints[0].configuration.settings.snapshotFileLocation).toBe('/vms')
    expect(doc.checkpoints[0].configuration.processor.hwThreadCountPerCore).toBe(0)
    // ... and the firmware of their generation, with the video defaults.
    expect(doc.vms[0]).toMatchObject({firmware: defaultFirmware(2), video: defaultVideo()})
    expect(doc.vms[0].firmware).toMatchObject({kind: 'uefi', secureBoot: 'On', secureBootTemplateId: '1734c6e8-3154-4dda-ba5f-a874cc483422', bootOrder: []})
    expect(doc.checkpoints[0].configuration).toMatchObject({firmware: defaultFirmware(2), video: defaultVideo()})
  })

  it('migrates a schema 3 document: VMs gain COM ports, COM1 on the console and COM2 on nothing, as before', async () => {
    const store = new Store(home)
    const vm = {id: 'z', name: 'three', checkpointType: 'Production', integrationServices: {}}
    const kept = {id: 'k', name: 'kept', comPorts: [{path: '', debuggerMode: 'On'}, {path: '/tmp/s', debuggerMode: 'Off'}]}
    writeFileSync(store.file, JSON.stringify({schemaVersion: 3, host: {}, vms: [vm, kept], checkpoints: [], events: [], nextEventId: 1}))
    const doc = await store.read()
    expect(doc.schemaVersion).toBe(SCHEMA_VERSION)
    expect(doc.vms[0]).toMatchObject({...vm, comPorts: [{path: 'hv:console', debuggerMode: 'Off'}, {path: '', debuggerMode: 'Off'}]})
    expect(doc.vms[1]).toMatchObject(kept)
  })

  it('migrates a schema 4 document: VMs gain the controllers and drives New-VM gives their generation', async () => {
    const store = new Store(home)
    const g1 = {id: 'a', name: 'one', generation: 1}
    const g2 = {id: 'b', name: 'two', generation: 2}
    const kept = {id: 'c', name: 'kept', generation: 2, storage: {scsiControllers: [], drives: [], floppyPath: null}}
    writeFileSync(store.file, JSON.stringify({schemaVersion: 4, host: {}, vms: [g1, g2, kept], checkpoints: [], events: [], nextEventId: 1}))
    const doc = await store.read()
    expect(doc.schemaVersion).toBe(SCHEMA_VERSION)
    expect(doc.vms[0].storage).toMatchObject({scsiControllers: [], floppyPath: null, drives: [{kind: 'DvdDrive', controllerType: 'IDE', controllerNumber: 1, controllerLocation: 0, path: null}]})
    expect(doc.vms[1].storage).toMatchObject({drives: [], floppyPath: null})
    expect(doc.vms[1].storage.scsiControllers).toHaveLength(1)
    expect(doc.vms[2].storage).toEqual(kept.storage)
  })

  it('leaves no temporary file when the last-good copy already is the current document', async () => {
    const store = new Store(home)
    await store.update(() => {})
    // As after a writer killed between keeping the last-good copy and its rename: both names, one file.
    rmSync(join(home, 'store.last-good.json'), {force: true})
    linkSync(join(home, 'store.json'), join(home, 'store.last-good.json'))
    await store.update(() => {})
    expect(readdirSync(home).filter((name) => name.endsWith('.tmp'))).toEqual([])
  })

  it("sweeps a dead writer's temporary files even when its PID now names a live process, but not a lock contender's", async () => {
    const store = new Store(home)
    await store.update(() => {})
    // Written under the store lock, so an orphan whatever process has the PID now (here: our parent, alive).
    const orphans = [`store.json.${process.ppid}.dead1.tmp`, `store.last-good.json.${process.ppid}.dead2.tmp`]
    // A contender for the lock writes its temporary file without holding it: alive, so kept.
    const contender = `store.lock.${process.ppid}.live1.tmp`
    for (const name of [...orphans, contender]) writeFileSync(join(home, name), '{}')
    await store.update(() => {})
    for (const name of orphans) expect(existsSync(join(home, name)), name).toBe(false)
    expect(existsSync(join(home, contender))).toBe(true)
  })

  it('serialises concurrent updates from one process: none is lost', async () => {
    const store = new Store(home)
    await Promise.all(
      Array.from({length: 25}, () =>
        store.update((doc) => {
          doc.nextEventId += 1
        }),
      ),
    )
    expect((await store.read()).nextEventId).toBe(26)
  })

  it('reports an HV_HOME that cannot be created as a store error naming it', async () => {
    writeFileSync(join(home, 'a-file'), '')
    const store = new Store(join(home, 'a-file', 'hv'))
    await expect(store.update(() => undefined)).rejects.toThrow(/Cannot create the hv home directory .*a-file/)
  })
})

describe('InterProcessLock', () => {
  it('breaks at once a lock left by a process that no longer exists', async () => {
    const path = join(home, 'store.lock')
    const dead = spawn(process.execPath, ['-e', '0'])
    await new Promise((resolve) => dead.on('exit', resolve))
    writeFileSync(path, `${dead.pid} ${Date.now()} x\n`)
    const lock = new InterProcessLock(path, {timeoutMs: 1000})
    const started = Date.now()
    await lock.acquire()
    expect(Date.now() - started).toBeLessThan(900)
    expect(readFileSync(path, 'utf8')).toContain(String(process.pid))
    await lock.release()
    expect(existsSync(path)).toBe(false)
  })

  it('waits for a live holder and gives up with a conflict naming it', async () => {
    const path = join(home, 'store.lock')
    const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 5000)'])
    try {
      writeFileSync(path, `${holder.pid} ${Date.now()} x\n`)
      const lock = new InterProcessLock(path, {timeoutMs: 150})
      await expect(lock.acquire()).rejects.toThrow(new RegExp(`locked by process ${holder.pid}`))
      expect(readFileSync(path, 'utf8')).toContain(String(holder.pid))
    } finally {
      holder.kill()
    }
  })

  it('fails with a store error when the directory is missing or unwritable', async () => {
    const lock = new InterProcessLock(join(home, 'missing', 'store.lock'))
    await expect(lock.acquire()).rejects.toThrow(StoreError)
    mkdirSync(join(home, 'missing'))
    await lock.acquire()
    await lock.release()
  })
})

import {cpSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

import {afterEach, beforeAll, beforeEach, describe, expect, it} from 'vitest'

import {hv, hvJson, REPO_ROOT, tempHome} from '../helpers/hv.js'
import {eventually} from '../helpers/tools.js'

/**
 * Checkpoints, export and import through `node bin/run.js`. The guest is the
 * pacer kernel: deterministic work that prints 40 numbered lines (each with a
 * digest of its 64 KiB work area) and exits with 7, slow enough to checkpoint
 * at chosen lines. A checkpoint restores the console transcript of its moment,
 * so a restored run's console must equal an uninterrupted run's, byte for byte.
 */
const KERNELS = join(dirname(fileURLToPath(import.meta.url)), 'kernels')
const PACER = join(KERNELS, 'pacer.bin')
const EXIT42 = join(REPO_ROOT, 'guests', 'images', 'exit42.bin')

let home: string
let cleanup: () => void
const run = (...args: string[]) => hv(args, {home, timeoutMs: 90_000})
const json = <T = Record<string, any>[]>(...args: string[]) => hvJson<T>(args, {home, timeoutMs: 90_000})

/** The uninterrupted run's console, made once. */
let reference = ''
beforeAll(async () => {
  const temp = tempHome('hv-cp-ref-')
  try {
    const opts = {home: temp.home, timeoutMs: 90_000}
    await hvJson(['new-vm', 'ref', '--boot-kernel', PACER, '-MemoryStartupBytes', '32MB', '-TimeMode', 'Deterministic'], opts)
    expect((await hv(['start-vm', 'ref', '--wait', '--timeout', '80'], opts)).code).toBe(7)
    reference = (await hv(['get-vmconsole', 'ref', '--raw'], opts)).stdout
    expect(reference.split('\n').filter((l) => l.startsWith('line ')).length).toBe(40)
  } finally {
    temp.cleanup()
  }
}, 120_000)

beforeEach(() => {
  ;({home, cleanup} = tempHome('hv-cp-'))
})
afterEach(async () => {
  const vms = await json('get-vm').catch(() => [])
  for (const vm of vms) if (vm.WorkerProcessId) await run('stop-vm', '--id', vm.VMId, '--turn-off')
  cleanup()
})

async function pacer(name: string, ...settings: string[]): Promise<Record<string, any>> {
  const [vm] = await json('new-vm', name, '--boot-kernel', PACER, '-MemoryStartupBytes', '32MB', '-TimeMode', 'Deterministic')
  if (settings.length) expect((await run('set-vm', name, ...settings)).code).toBe(0)
  return vm
}

async function consoleOf(name: string): Promise<string> {
  const result = await run('get-vmconsole', name, '--raw')
  expect(result.code, result.stderr).toBe(0)
  return result.stdout
}

/** Lines the guest has printed so far. */
async function linesOf(name: string): Promise<number> {
  return (await consoleOf(name)).split('\n').filter((l) => l.startsWith('line ')).length
}

async function ok(...args: string[]): Promise<string> {
  const result = await run(...args)
  expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(0)
  return result.stdout
}

describe('checkpoints of a running deterministic guest', () => {
  it('restore exactly: A and B each continue as the uninterrupted run; removing a middle checkpoint leaves its child exact', async () => {
    await pacer('p', '-CheckpointType', 'Standard', '-AutomaticCheckpointsEnabled', '$false')
    await ok('start-vm', 'p')
    const taken: Record<string, number> = {}
    for (const [name, line] of [['A', 3], ['B', 9], ['C', 15]] as const) {
      await eventually(async () => (await linesOf('p')) >= line, `line ${line}`, 60_000)
      await ok('checkpoint-vm', 'p', name)
      // The guest goes on after a checkpoint.
      const [vm] = await json('get-vm', 'p')
      expect(vm.State).toBe('Running')
      expect(vm.ParentCheckpointName).toBe(name)
      taken[name] = await linesOf('p')
    }
    await ok('stop-vm', 'p', '--turn-off')
    const tree = await json('get-vmcheckpoint', 'p')
    expect(tree.map((c) => [c.Name, c.ParentCheckpointName, c.SnapshotType, c.State])).toEqual([
      ['A', null, 'Standard', 'Saved'], ['B', 'A', 'Standard', 'Saved'], ['C', 'B', 'Standard', 'Saved'],
    ])

    for (const name of ['A', 'B']) {
      await ok('restore-vmcheckpoint', 'p', name, '--force')
      const [restored] = await json('get-vm', 'p')
      expect(restored).toMatchObject({State: 'Saved', ParentCheckpointName: name})
      // The console is the transcript of the checkpoint's moment.
      const atCheckpoint = await consoleOf('p')
      expect(reference.startsWith(atCheckpoint)).toBe(true)
      expect(atCheckpoint.length).toBeLessThan(reference.length)
      expect((await run('start-vm', 'p', '--wait', '--timeout', '80')).code).toBe(7)
      expect(await consoleOf('p')).toBe(reference)
    }

    // Remove the middle one: C now hangs under A and still applies byte for byte.
    await ok('remove-vmcheckpoint', 'p', 'B')
    const after = await json('get-vmcheckpoint', 'p')
    expect(after.map((c) => [c.Name, c.ParentCheckpointName])).toEqual([['A', null], ['C', 'A']])
    await ok('restore-vmcheckpoint', 'p', 'C', '--force')
    expect((await run('start-vm', 'p', '--wait', '--timeout', '80')).code).toBe(7)
    expect(await consoleOf('p')).toBe(reference)
  }, 240_000)
})

describe('checkpoint-vm', () => {
  it('on an Off VM: a configuration-only Production checkpoint with the default name; the JSON shape is stable', async () => {
    const vm = await pacer('off')
    const [checkpoint] = await json('checkpoint-vm', 'off', '--passthru')
    expect(Object.keys(checkpoint)).toEqual([
      'Id', 'Name', 'VMName', 'VMId', 'SnapshotType', 'CreationTime', 'ParentCheckpointId', 'ParentCheckpointName',
      'ParentSnapshotId', 'ParentSnapshotName', 'State', 'IsAutomaticCheckpoint', 'IsCurrent', 'Generation', 'Version',
      'ProcessorCount', 'MemoryStartup', 'Notes', 'MemoryPages', 'AddedBytes',
    ])
    expect(checkpoint).toMatchObject({
      VMName: 'off', VMId: vm.VMId, SnapshotType: 'Production', State: 'Off', ParentCheckpointId: null,
      IsAutomaticCheckpoint: false, IsCurrent: true, MemoryStartup: 32 * 1024 * 1024, MemoryPages: 0,
    })
    expect(checkpoint.Name).toMatch(/^off - \(\d{1,2}\/\d{1,2}\/\d{4} - \d{1,2}:\d\d:\d\d [AP]M\)$/)
    expect(checkpoint.Id).toMatch(/^[0-9a-f-]{36}$/)
    const [again] = await json('get-vm', 'off')
    expect(again).toMatchObject({ParentCheckpointId: checkpoint.Id, ParentCheckpointName: checkpoint.Name})
    // Mutating commands print nothing without --passthru.
    expect(await ok('checkpoint-vm', 'off', 'second')).toBe('')
    // The default table.
    const table = await ok('get-vmcheckpoint', 'off')
    expect(table.split('\n')[1]).toMatch(/^VMName +Name +SnapshotType +CreationTime +ParentSnapshotName$/)
    expect(table).toMatch(/off +second +Production +\d+\/\d+\/\d{4} \d+:\d\d:\d\d [AP]M +off - \(/)
  })

  it('on a Saved VM: Production falls back to Standard with a warning, ProductionOnly fails, Disabled refuses', async () => {
    await pacer('s', '-AutomaticCheckpointsEnabled', '$false')
    await ok('start-vm', 's')
    await eventually(async () => (await linesOf('s')) >= 2, 'two lines', 60_000)
    await ok('save-vm', 's')
    const fallback = await run('checkpoint-vm', 's', 'fallback', '--passthru', '--json')
    expect(fallback.code).toBe(0)
    expect(fallback.stderr).toMatch(/WARNING: The production checkpoint of 's' could not be taken.*A standard checkpoint was taken instead/)
    expect(JSON.parse(fallback.stdout)[0]).toMatchObject({Name: 'fallback', SnapshotType: 'Standard', State: 'Saved'})
    expect(JSON.parse(fallback.stdout)[0].MemoryPages).toBeGreaterThan(10)

    await ok('set-vm', 's', '-CheckpointType', 'ProductionOnly')
    const only = await run('checkpoint-vm', 's', 'x')
    expect(only.code).toBe(4)
    expect(only.stderr).toMatch(/Production checkpoints cannot be created for 's'/)
    await ok('set-vm', 's', '-CheckpointType', 'Disabled')
    const disabled = await run('checkpoint-vm', 's', 'x')
    expect(disabled.code).toBe(4)
    expect(disabled.stderr).toMatch(/checkpoints are disabled for this virtual machine/)
    expect((await json('get-vmcheckpoint', 's')).map((c) => c.Name)).toEqual(['fallback'])

    // The saved VM's checkpoint applies and runs to the same end.
    await ok('stop-vm', 's', '--turn-off')
    await ok('restore-vmcheckpoint', 's', 'fallback', '--force')
    expect((await run('start-vm', 's', '--wait', '--timeout', '80')).code).toBe(7)
    expect(await consoleOf('s')).toBe(reference)
  }, 180_000)

  it('of a Paused VM: taken while it stays paused; resumed, it runs to the same end', async () => {
    await pacer('pz', '-AutomaticCheckpointsEnabled', '$false', '-CheckpointType', 'Standard')
    await ok('start-vm', 'pz')
    await eventually(async () => (await linesOf('pz')) >= 2, 'two lines', 60_000)
    await ok('suspend-vm', 'pz')
    const lines = await linesOf('pz')
    const [checkpoint] = await json('checkpoint-vm', 'pz', 'paused', '--passthru')
    expect(checkpoint).toMatchObject({SnapshotType: 'Standard', State: 'Saved'})
    expect((await json('get-vm', 'pz'))[0].State).toBe('Paused')
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(await linesOf('pz')).toBe(lines)
    await ok('resume-vm', 'pz')
    await ok('stop-vm', 'pz', '--turn-off')
    await ok('restore-vmcheckpoint', 'pz', 'paused', '--force')
    expect((await run('start-vm', 'pz', '--wait', '--timeout', '80')).code).toBe(7)
    expect(await consoleOf('pz')).toBe(reference)
  }, 120_000)

  it('a Production checkpoint restores to Off with its configuration', async () => {
    await pacer('cfg', '-AutomaticCheckpointsEnabled', '$false')
    await ok('checkpoint-vm', 'cfg', 'small')
    await ok('set-vm', 'cfg', '-MemoryStartupBytes', '64MB', '-ProcessorCount', '2', '-Notes', 'changed')
    await ok('restore-vmcheckpoint', 'cfg', 'small', '--force')
    const [vm] = await json('get-vm', 'cfg')
    expect(vm).toMatchObject({State: 'Off', MemoryStartup: 32 * 1024 * 1024, ProcessorCount: 1, Notes: '', ParentCheckpointName: 'small'})
  })

  it('bad input: names, unknown VMs and checkpoints, wrong states, missing confirmation', async () => {
    await pacer('bad', '-AutomaticCheckpointsEnabled', '$false')
    await ok('checkpoint-vm', 'bad', 'one')
    const cases: Array<[string[], number, RegExp]> = [
      [['checkpoint-vm', 'bad', ''], 2, /parameter 'SnapshotName'. The argument is null or empty/],
      [['checkpoint-vm', 'bad', 'x'.repeat(101)], 2, /too long: it has 101 characters; the maximum is 100/],
      [['checkpoint-vm', 'nosuch'], 3, /Hyper-V was unable to find a virtual machine with name "nosuch"/],
      [['get-vmcheckpoint', 'bad', '--name', 'nope'], 3, /Unable to find a snapshot matching the given criteria/],
      [['restore-vmcheckpoint', 'bad', 'nope', '--force'], 3, /Unable to find a snapshot matching the given criteria/],
      [['remove-vmcheckpoint', 'bad', 'nope'], 3, /Unable to find a snapshot matching the given criteria/],
      [['rename-vmcheckpoint', 'bad', 'nope', '--new-name', 'x'], 3, /Unable to find a snapshot matching the given criteria/],
      [['rename-vmcheckpoint', 'bad', 'one', '--new-name', ''], 2, /parameter 'NewName'. The argument is null or empty/],
      [['rename-vmcheckpoint', 'bad', 'one', '--new-name', 'y'.repeat(101)], 2, /too long/],
      [['restore-vmcheckpoint', 'bad', 'one'], 2, /needs confirmation .* pass --force \(or --confirm false\)/],
      [['get-vmcheckpoint', 'bad', '--snapshot-type', 'Weird'], 2, /specify one of the following enumerator names/],
    ]
    for (const [args, code, message] of cases) {
      const result = await run(...args)
      expect(result.code, args.join(' ')).toBe(code)
      expect(result.stderr, args.join(' ')).toMatch(message)
      expect(result.stdout).toBe('')
    }
    // A wildcard that matches nothing is no error; --json still prints an array.
    expect(await json('get-vmcheckpoint', 'bad', '--name', 'nope*')).toEqual([])
    // Restoring onto a running VM is refused; the VM runs on.
    await ok('start-vm', 'bad')
    const running = await run('restore-vmcheckpoint', 'bad', 'one', '--force')
    expect(running.code).toBe(4)
    expect(running.stderr).toMatch(/'bad' failed to apply the checkpoint: the operation cannot be performed while the virtual machine is in its current state \(Running\)\. Turn off or save the virtual machine first\./)
    expect((await json('get-vm', 'bad'))[0].State).toBe('Running')
    // Nothing was changed by any of it.
    expect((await json('get-vmcheckpoint', 'bad')).map((c) => c.Name)).toEqual(['one'])
  }, 60_000)

  it('rename, the -VMSnapshot aliases and the PowerShell spelling', async () => {
    await pacer('al', '-AutomaticCheckpointsEnabled', '$false')
    await ok('Checkpoint-VM', '-Name', 'al', '-SnapshotName', 'first')
    await ok('rename-vmsnapshot', '-VMName', 'al', '-Name', 'first', '-NewName', 'base')
    expect((await json('Get-VMSnapshot', '-VMName', 'al')).map((c) => c.Name)).toEqual(['base'])
    await ok('checkpoint-vm', 'al', 'child')
    expect((await json('get-vmsnapshot', 'al', '-ChildOf', 'base')).map((c) => c.Name)).toEqual(['child'])
    expect((await json('get-vmcheckpoint', 'al', '--parent-of', 'child')).map((c) => c.Name)).toEqual(['base'])
    const [renamed] = await json('rename-vmcheckpoint', 'al', 'child', '--new-name', 'leaf', '--passthru')
    expect(renamed).toMatchObject({Name: 'leaf', ParentCheckpointName: 'base'})
    expect((await json('get-vm', 'al'))[0].ParentCheckpointName).toBe('leaf')
    await ok('Restore-VMSnapshot', '-VMName', 'al', '-Name', 'base', '-Confirm:$false')
    expect((await json('get-vm', 'al'))[0].ParentCheckpointName).toBe('base')
    await ok('Remove-VMSnapshot', '-VMName', 'al', '-Name', 'base', '-IncludeAllChildSnapshots')
    expect(await json('get-vmcheckpoint', 'al')).toEqual([])
    expect((await json('get-vm', 'al'))[0].ParentCheckpointId).toBeNull()
  })

  it('a disk that fills up mid-checkpoint registers nothing and leaves no partial file', async () => {
    await pacer('full', '-AutomaticCheckpointsEnabled', '$false', '-CheckpointType', 'Standard')
    await ok('start-vm', 'full')
    await eventually(async () => (await linesOf('full')) >= 1, 'a line', 60_000)
    await ok('save-vm', 'full')
    await ok('checkpoint-vm', 'full', 'good')
    const [vm] = await json('get-vm', 'full')
    const folder = join(vm.Path, vm.VMId, 'checkpoints')
    const before = readdirSync(folder).sort()
    // Make the memory differ so the new checkpoint has pages to write.
    await ok('start-vm', 'full')
    await eventually(async () => (await linesOf('full')) >= 3, 'more lines', 60_000)
    await ok('save-vm', 'full')
    const full = await hv(['checkpoint-vm', 'full', 'doomed'], {home, env: {HV_FAULT_ENOSPC_AFTER_BYTES: '20000'}})
    expect(full.code).toBe(6)
    expect(full.stderr).toMatch(/checkpoint files cannot be written .*\(ENOSPC\)\. Nothing was registered/)
    expect(readdirSync(folder).sort()).toEqual(before)
    expect((await json('get-vmcheckpoint', 'full')).map((c) => c.Name)).toEqual(['good'])
    expect((await json('get-vm', 'full'))[0]).toMatchObject({State: 'Saved', ParentCheckpointName: 'good'})
  }, 120_000)

  it('checkpoints and removals run at once on one VM are serialised: none is lost, every survivor applies', async () => {
    await pacer('par', '-AutomaticCheckpointsEnabled', '$false', '-CheckpointType', 'Standard')
    await ok('start-vm', 'par')
    await eventually(async () => (await linesOf('par')) >= 1, 'a line', 60_000)
    await ok('save-vm', 'par')
    await ok('checkpoint-vm', 'par', 's1')
    await ok('checkpoint-vm', 'par', 's2')
    const results = await Promise.all([
      ...['c1', 'c2', 'c3', 'c4'].map((name) => run('checkpoint-vm', 'par', name)),
      run('remove-vmcheckpoint', 'par', 's1'),
      run('remove-vmcheckpoint', 'par', 's2'),
    ])
    for (const result of results) expect(result.code, result.stderr).toBe(0)
    const names = (await json('get-vmcheckpoint', 'par')).map((c) => c.Name).sort()
    expect(names).toEqual(['c1', 'c2', 'c3', 'c4'])
    for (const name of names) await ok('restore-vmcheckpoint', 'par', name, '--force')
  }, 120_000)
})

describe('automatic checkpoints', () => {
  it('are taken at start when the VM has none, and deleted when it shuts down cleanly', async () => {
    const [vm] = await json('new-vm', 'auto', '--boot-kernel', EXIT42, '-MemoryStartupBytes', '32MB')
    expect(vm.AutomaticCheckpointsEnabled).toBe(true)
    expect((await run('start-vm', 'auto', '--wait')).code).toBe(42)
    expect(await json('get-vmcheckpoint', 'auto')).toEqual([])
    const events = (await json('get-vmevent', 'auto')).map((e) => e.Message).join('\n')
    expect(events).toMatch(/An automatic production checkpoint 'auto - \(.*\)' of 'auto' was created, configuration only/)
    expect(events).toMatch(/Checkpoint 'auto - \(.*\)' of 'auto' was deleted/)

    // Turned off, the VM keeps it.
    await pacer('kept')
    await ok('start-vm', 'kept')
    await ok('stop-vm', 'kept', '--turn-off')
    const [kept] = await json('get-vmcheckpoint', 'kept')
    expect(kept).toMatchObject({IsAutomaticCheckpoint: true, SnapshotType: 'Production', State: 'Off'})
    // Disabled: none.
    await pacer('none', '-AutomaticCheckpointsEnabled', '$false')
    await ok('start-vm', 'none')
    await ok('stop-vm', 'none', '--turn-off')
    expect(await json('get-vmcheckpoint', 'none')).toEqual([])
  }, 60_000)
})

describe('export-vm and import-vm', () => {
  it('export, remove the VM, import: the VM and its checkpoint tree come back and run', async () => {
    const out = join(home, 'exports')
    await pacer('ex', '-AutomaticCheckpointsEnabled', '$false', '-CheckpointType', 'Standard')
    await ok('checkpoint-vm', 'ex', 'cold')
    await ok('start-vm', 'ex')
    await eventually(async () => (await linesOf('ex')) >= 2, 'two lines', 60_000)
    await ok('checkpoint-vm', 'ex', 'warm')
    await ok('save-vm', 'ex')
    const [original] = await json('get-vm', 'ex')
    const tree = (await json('get-vmcheckpoint', 'ex')).map((c) => [c.Id, c.Name, c.ParentCheckpointId])

    const running = await pacer('busy', '-AutomaticCheckpointsEnabled', '$false')
    await ok('start-vm', 'busy')
    const refused = await run('export-vm', 'busy', '--path', out)
    expect(refused.code).toBe(4)
    await ok('stop-vm', '--id', running.VMId, '--turn-off')

    expect(await ok('export-vm', 'ex', '--path', out)).toBe('')
    const folder = join(out, 'ex')
    const manifest = JSON.parse(readFileSync(join(folder, 'hv-export.json'), 'utf8'))
    expect(manifest).toMatchObject({format: 'hv-vm-export', version: 1, vmId: original.VMId, vmName: 'ex'})
    expect(manifest.sha256).toMatch(/^[0-9a-f]{64}$/)
    for (const file of manifest.files) {
      expect(file.sha256).toMatch(/^[0-9a-f]{64}$/)
      expect(existsSync(join(folder, file.path))).toBe(true)
    }
    // Exporting onto an existing folder is a conflict.
    const again = await run('export-vm', 'ex', '--path', out)
    expect(again.code).toBe(5)
    expect(again.stderr).toMatch(/already exists/)

    const copyOfExport = join(home, 'pristine')
    cpSync(folder, copyOfExport, {recursive: true})
    await ok('remove-vm', 'ex', '--force')
    expect(await json('get-vmcheckpoint', 'ex*')).toEqual([])

    const [imported] = await json('import-vm', join(folder, 'hv-export.json'))
    expect(imported).toMatchObject({Name: 'ex', VMId: original.VMId, State: 'Saved', ParentCheckpointName: 'warm', Path: folder})
    expect((await json('get-vmcheckpoint', 'ex')).map((c) => [c.Id, c.Name, c.ParentCheckpointId])).toEqual(tree)
    // Its saved state runs on to the same end; then its cold checkpoint still applies.
    expect((await run('start-vm', 'ex', '--wait', '--timeout', '80')).code).toBe(7)
    expect(await consoleOf('ex')).toBe(reference)
    await ok('restore-vmcheckpoint', 'ex', 'cold', '--force')
    expect((await json('get-vm', 'ex'))[0].State).toBe('Off')

    // The same VMId again: a conflict, as Import-VM reports it.
    const conflict = await run('import-vm', copyOfExport)
    expect(conflict.code).toBe(5)
    expect(conflict.stderr).toMatch(/The operation cannot be performed because the object already exists/)
    // Registered as it is, a VM keeps its id (a new id in place is test/e2e/script-parameters.test.ts's).
    const noCopy = await run('import-vm', copyOfExport, '--generate-new-id', '--register')
    expect(noCopy.code).toBe(2)
    // Copied with a new id: a second VM with its own tree.
    const [copy] = await json('import-vm', copyOfExport, '--copy', '--generate-new-id')
    expect(copy.VMId).not.toBe(original.VMId)
    expect(copy.Path).not.toBe(copyOfExport)
    const copied = await json('get-vmcheckpoint', '--id', copy.VMId)
    expect(copied.map((c) => c.Name)).toEqual(['cold', 'warm'])
    expect(copied[1].ParentCheckpointId).toBe(copied[0].Id)
    expect(copied[0].Id).not.toBe(tree[0][0])
    await ok('restore-vmcheckpoint', '--name', 'warm', '--force', '--id', copy.VMId)
    expect((await run('start-vm', '--id', copy.VMId, '--wait', '--timeout', '80')).code).toBe(7)
  }, 240_000)

  it('refuses a partial or tampered export, naming the file', async () => {
    const out = join(home, 'exports')
    await pacer('t', '-AutomaticCheckpointsEnabled', '$false', '-CheckpointType', 'Standard')
    await ok('start-vm', 't')
    await eventually(async () => (await linesOf('t')) >= 1, 'a line', 60_000)
    await ok('save-vm', 't')
    await ok('checkpoint-vm', 't', 'one')
    await ok('export-vm', 't', '--path', out)
    await ok('remove-vm', 't', '--force')
    const folder = join(out, 't')
    const manifest = JSON.parse(readFileSync(join(folder, 'hv-export.json'), 'utf8'))
    const pack = manifest.files.find((f: {path: string}) => f.path.endsWith('.hvpack')).path as string

    const tampered = join(home, 'tampered')
    cpSync(folder, tampered, {recursive: true})
    const bytes = readFileSync(join(tampered, pack))
    bytes[200] ^= 0x40
    writeFileSync(join(tampered, pack), bytes)
    const bad = await run('import-vm', tampered)
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain(`the file '${join(tampered, pack)}' does not match its checksum`)

    const partial = join(home, 'partial')
    cpSync(folder, partial, {recursive: true})
    rmSync(join(partial, pack))
    const missing = await run('import-vm', partial)
    expect(missing.code).toBe(2)
    expect(missing.stderr).toContain(`the file '${join(partial, pack)}' is missing`)

    const edited = join(home, 'edited')
    cpSync(folder, edited, {recursive: true})
    writeFileSync(join(edited, 'hv-export.json'), readFileSync(join(edited, 'hv-export.json'), 'utf8').replace('"vmName": "t"', '"vmName": "u"'))
    const altered = await run('import-vm', edited)
    expect(altered.code).toBe(2)
    expect(altered.stderr).toMatch(/hv-export\.json' was altered/)
    // Nothing was registered by any of them; the intact export still imports.
    expect(await json('get-vm')).toEqual([])
    await ok('import-vm', folder)
    expect((await json('get-vmcheckpoint', 't')).map((c) => c.Name)).toEqual(['one'])
  }, 120_000)

  it('removing checkpoints reclaims their space', async () => {
    await pacer('gc', '-AutomaticCheckpointsEnabled', '$false', '-CheckpointType', 'Standard')
    await ok('start-vm', 'gc')
    await eventually(async () => (await linesOf('gc')) >= 1, 'a line', 60_000)
    await ok('checkpoint-vm', 'gc', 'a')
    await ok('checkpoint-vm', 'gc', 'b')
    await ok('stop-vm', 'gc', '--turn-off')
    const [vm] = await json('get-vm', 'gc')
    const folder = join(vm.Path, vm.VMId, 'checkpoints')
    expect(readdirSync(folder).length).toBeGreaterThan(1)
    await ok('remove-vmcheckpoint', 'gc')
    expect(readdirSync(folder)).toEqual([])
  }, 60_000)
})


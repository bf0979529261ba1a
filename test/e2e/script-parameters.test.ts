import {existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {afterAll, beforeAll, beforeEach, describe, expect, it} from 'vitest'

import {hv, hvJson, REPO_ROOT, tempHome} from '../helpers/hv.js'

/**
 * What scripts written for Hyper-V pass to every cmdlet: the common
 * parameters, -VMName and -VM, the Set-VM, Set-VMProcessor and Import-VM
 * parameters real automation sends, and the defects those scripts hit.
 */

const MB = 1024 ** 2
const TB = 1024 ** 4

let home: string
let cleanup: () => void
const run = (...args: string[]) => hv(args, {home})
const json = <T = Record<string, any>[]>(...args: string[]) => hvJson<T>(args, {home})
const storeText = () => readFileSync(join(home, 'store.json'), 'utf8')

/** Exit code, a single line on stderr, nothing on stdout: how every failure looks. */
function expectFailure(result: {code: number | null; stdout: string; stderr: string}, code: number, message: RegExp) {
  expect(result.code, result.stderr).toBe(code)
  expect(result.stdout).toBe('')
  expect(result.stderr.trimEnd().split('\n')).toHaveLength(1)
  expect(result.stderr).toMatch(message)
}

beforeAll(() => ({home, cleanup} = tempHome()))
afterAll(() => cleanup())

let n = 0
let name: string
beforeEach(async () => {
  name = `vm${++n}`
  expect((await run('new-vm', name, '-MemoryStartupBytes', '64MB')).code).toBe(0)
})

describe('defects scripts hit', () => {
  it('export-vm of a VM that never ran writes a complete export, which imports back', async () => {
    const folder = join(home, `exports-${n}`)
    const exported = await run('export-vm', name, '-Path', folder)
    expect(exported.code, exported.stderr).toBe(0)
    expect(readdirSync(join(folder, name)).sort()).toEqual(['config.json', 'hv-export.json'])
    expect(JSON.parse(readFileSync(join(folder, name, 'hv-export.json'), 'utf8')).files.map((f: {path: string}) => f.path)).toEqual(['config.json'])
    const [original] = await json('get-vm', name)
    expect((await run('remove-vm', name, '-Force')).code).toBe(0)
    const [imported] = await json('import-vm', join(folder, name))
    expect(imported).toMatchObject({Name: name, VMId: original.VMId, State: 'Off'})
  })

  it('set-vm -DynamicMemory and set-vmmemory -DynamicMemoryEnabled $true alone take the 1 TB default maximum, as Hyper-V does', async () => {
    const set = await run('set-vm', name, '-DynamicMemory')
    expect(set.code, set.stderr).toBe(0)
    const [memory] = await json('get-vmmemory', name)
    expect(memory).toMatchObject({DynamicMemoryEnabled: true, Maximum: TB})
    expect((await run('set-vm', name, '-StaticMemory')).code).toBe(0)
    const setMemory = await run('set-vmmemory', '-VMName', name, '-DynamicMemoryEnabled', '$true')
    expect(setMemory.code, setMemory.stderr).toBe(0)
    // The per-VM ceiling still holds: 1 TB for Generation 1.
    expectFailure(await run('set-vmmemory', name, '-MaximumBytes', '2TB'), 2, /most a Generation 1 virtual machine can have/)
  })

  it('a missing required parameter is named on one line', async () => {
    const result = await run('enable-vmintegrationservice', name)
    expectFailure(result, 2, /^enable-vmintegrationservice: Cannot process command because of one or more missing mandatory parameters: Name\.\n$/)
  })

  it('a piped stdin never binds to a positional parameter', async () => {
    const result = await hv(['get-vm', '--json'], {home, input: 'no-such-vm\n'})
    expect(result.code, result.stderr).toBe(0)
    expect(JSON.parse(result.stdout).map((vm: {Name: string}) => vm.Name)).toContain(name)
  })

  it('import-vm of a missing path names that path', async () => {
    const missing = join(home, 'no', 'such', 'export')
    expectFailure(await run('import-vm', missing), 3, new RegExp(`'${missing}': the path does not exist`))
  })
})

describe('PowerShell common parameters', () => {
  it('-ErrorAction SilentlyContinue and Ignore: no error line, empty output, exit 0; Stop and Continue report it', async () => {
    for (const action of ['SilentlyContinue', 'Ignore', 'silentlycontinue']) {
      for (const extra of [[], ['--json']]) {
        const result = await run('get-vm', 'no-such-vm', '-ErrorAction', action, ...extra)
        expect(result, action).toMatchObject({code: 0, stdout: '', stderr: ''})
      }
    }
    expect((await run('start-vm', 'no-such-vm', '-ea', 'SilentlyContinue')).code).toBe(0)
    expectFailure(await run('get-vm', 'no-such-vm', '-ErrorAction', 'Stop'), 3, /unable to find a virtual machine with name "no-such-vm"/)
    expectFailure(await run('get-vm', 'no-such-vm', '-ErrorAction', 'Continue'), 3, /unable to find/)
    // A parameter that does not bind is not a cmdlet error: -ErrorAction does not hide it.
    expectFailure(await run('get-vm', '-Bogus', '-ErrorAction', 'SilentlyContinue'), 2, /Bogus/)
    expectFailure(await run('get-vm', '-ErrorAction', 'Sometimes'), 2, /ErrorAction/)
  })

  it('-Verbose says what is done to which target; -Debug, -WarningAction and the variables are accepted', async () => {
    const verbose = await run('set-vm', name, '-Notes', 'x', '-Verbose')
    expect(verbose.code, verbose.stderr).toBe(0)
    expect(verbose.stderr).toBe(`VERBOSE: Performing the operation "Set-VM" on target "${name}".\n`)
    const quiet = await run('get-vm', name, '-Verbose:$false', '-Debug', '-WarningAction', 'SilentlyContinue', '-ErrorVariable', 'err', '-OutVariable', 'out', '--json')
    expect(quiet.code, quiet.stderr).toBe(0)
    expect(JSON.parse(quiet.stdout)[0].Name).toBe(name)
  })

  it('-WarningAction hides a warning or makes it an error', async () => {
    const warned = await run('stop-vm', name, '-TurnOff')
    expect(warned.code).toBe(0)
    expect(warned.stderr).toMatch(/^WARNING: .*already in the specified state/)
    expect(await run('stop-vm', name, '-TurnOff', '-WarningAction', 'SilentlyContinue')).toMatchObject({code: 0, stderr: ''})
    expectFailure(await run('stop-vm', name, '-TurnOff', '-WarningAction', 'Stop'), 4, /preference variable "WarningPreference" or common parameter is set to Stop: .*already in the specified state/)
  })

  it('-WhatIf on mutating commands changes nothing; -Confirm:$false never asks; -Confirm asks, and without a terminal says so', async () => {
    const before = storeText()
    for (const args of [
      ['set-vm', name, '-Notes', 'changed'], ['set-vmprocessor', name, '-Count', '2'], ['set-vmmemory', name, '-StartupBytes', '128MB'],
      ['rename-vm', name, 'other'], ['remove-vm', name], ['new-vm', 'never'], ['checkpoint-vm', name], ['set-vmhost', '-MemoryCapacity', '4GB'],
    ]) {
      const result = await run(...args, '-WhatIf')
      expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(0)
      expect(result.stdout).toMatch(/^What if: Performing the operation "/)
    }
    expect(storeText()).toBe(before)
    expect((await run('set-vm', name, '-Notes', 'kept', '-Confirm:$false')).code).toBe(0)
    expectFailure(await run('set-vm', name, '-Notes', 'asked', '-Confirm'), 2, /needs confirmation.*-Confirm:\$false/)
    expect((await json('get-vm', name))[0].Notes).toBe('kept')
  })
})

describe('-VMName and -VM', () => {
  it('-VMName is -Name on the VM cmdlets; -VM takes a VMId or a name', async () => {
    const [vm] = await json('get-vm', '-VMName', name)
    expect(vm.Name).toBe(name)
    expect(vm.Id).toBe(vm.VMId)
    expect((await run('set-vm', '-VMName', name, '-Notes', 'by VMName')).code).toBe(0)
    expect((await run('set-vmprocessor', '-VM', vm.VMId, '-Count', '2')).code).toBe(0)
    expect((await run('set-vm', '-VM', `{${vm.VMId}}`, '-Notes', 'by id')).code).toBe(0)
    expect((await run('checkpoint-vm', '-VM', name, '-SnapshotName', 'by-name')).code).toBe(0)
    const [after] = await json('get-vm', '-VM', vm.VMId)
    expect(after).toMatchObject({Notes: 'by id', ProcessorCount: 2})
    expect((await json('get-vmcheckpoint', name)).map((c) => c.Name)).toContain('by-name')
    expectFailure(await run('get-vm', '-VM', '00000000-0000-0000-0000-000000000000'), 3, /ID "00000000-0000-0000-0000-000000000000"|00000000-0000/)
  })
})

describe('objects scripts pick by property', () => {
  it('integration services carry Hyper-V\'s component Id; get-vmsecurity shows no TPM', async () => {
    const [vm] = await json('get-vm', name)
    const services = await json('get-vmintegrationservice', name)
    expect(services.find((s) => s.Name === 'Guest Service Interface')?.Id).toBe(`Microsoft:${vm.VMId.toUpperCase()}\\6C09BB55-D683-4DA0-8931-C9BF705F6480`)
    expect(services.find((s) => s.Name === 'VSS')?.Id).toMatch(/\\5CED1297-4598-4915-A5FC-AD21BB4D02A4$/)
    expect(await json('get-vmsecurity', '-VM', vm.VMId)).toEqual([expect.objectContaining({VMName: name, TpmEnabled: false, Shielded: false})])
  })
})

describe('get-vm objects', () => {
  it('carry Id beside VMId and the Get-VM properties scripts read', async () => {
    const [vm] = await json('get-vm', name)
    expect(vm).toMatchObject({
      Id: vm.VMId, ProcessorCount: 1, MemoryDemand: 0, Uptime: '00:00:00', ParentSnapshotId: null, ParentCheckpointId: null,
      IsClustered: false, ReplicationState: 'Disabled', ConfigurationLocation: vm.Path, CheckpointFileLocation: vm.Path,
      SnapshotFileLocation: vm.Path, SmartPagingFilePath: vm.Path, AutomaticCriticalErrorAction: 'Pause',
      AutomaticCriticalErrorActionTimeout: 30, LockOnDisconnect: 'Off', LowMemoryMappedIoSpace: 128 * MB, HighMemoryMappedIoSpace: 512 * MB,
      HardDrives: [], NetworkAdapters: [], DVDDrives: [],
    })
  })
})

describe('Set-VM and Set-VMProcessor parameters', () => {
  it('are stored, shown and validated with the cmdlets\' rules', async () => {
    const checkpoints = join(home, `checkpoints-${n}`)
    mkdirSync(checkpoints)
    const set = await run(
      'set-vm', name, '-SnapshotFileLocation', checkpoints, '-SmartPagingFilePath', '/nonexistent/paging', '-AllowUnverifiedPaths',
      '-AutomaticCriticalErrorAction', 'None', '-AutomaticCriticalErrorActionTimeout', '10', '-LockOnDisconnect', 'On',
      '-GuestControlledCacheTypes', '$true', '-LowMemoryMappedIoSpace', '512MB', '-HighMemoryMappedIoSpace', '1GB',
      '-EnhancedSessionTransportType', 'HvSocket',
    )
    expect(set.code, set.stderr).toBe(0)
    const processor = await run('set-vmprocessor', name, '-HwThreadCountPerCore', '1', '-MaximumCountPerNumaNode', '4', '-MaximumCountPerNumaSocket', '2', '-EnableHostResourceProtection', '$true')
    expect(processor.code, processor.stderr).toBe(0)
    const [vm] = await json('get-vm', name)
    expect(vm).toMatchObject({
      CheckpointFileLocation: checkpoints, SmartPagingFilePath: '/nonexistent/paging', AutomaticCriticalErrorAction: 'None',
      AutomaticCriticalErrorActionTimeout: 10, LockOnDisconnect: 'On', GuestControlledCacheTypes: true, LowMemoryMappedIoSpace: 512 * MB,
      HighMemoryMappedIoSpace: 1024 * MB, EnhancedSessionTransportType: 'HvSocket',
    })
    const [cpu] = await json('get-vmprocessor', name)
    expect(cpu).toMatchObject({HwThreadCountPerCore: 1, MaximumCountPerNumaNode: 4, MaximumCountPerNumaSocket: 2, EnableHostResourceProtection: true})

    const before = storeText()
    expectFailure(await run('set-vm', name, '-SnapshotFileLocation', '/nonexistent/cp'), 2, /'SnapshotFileLocation'.*does not exist.*AllowUnverifiedPaths/)
    expectFailure(await run('set-vm', name, '-LowMemoryMappedIoSpace', '64MB'), 2, /'LowMemoryMappedIoSpace'.*less than the minimum/)
    expectFailure(await run('set-vm', name, '-LowMemoryMappedIoSpace', '4GB'), 2, /'LowMemoryMappedIoSpace'.*greater than the maximum/)
    expectFailure(await run('set-vm', name, '-LockOnDisconnect', 'Maybe'), 2, /LockOnDisconnect.*On, Off/)
    expectFailure(await run('set-vm', name, '-AutomaticCriticalErrorAction', 'Reboot'), 2, /AutomaticCriticalErrorAction/)
    expectFailure(await run('set-vm', name, '-AutomaticCriticalErrorActionTimeout', '-1'), 2, /AutomaticCriticalErrorActionTimeout/)
    expectFailure(await run('set-vmprocessor', name, '-HwThreadCountPerCore', '3'), 2, /'HwThreadCountPerCore'.*greater than the maximum/)
    expectFailure(await run('set-vmprocessor', name, '-MaximumCountPerNumaNode', '0'), 2, /'MaximumCountPerNumaNode'/)
    expect(storeText()).toBe(before)
  })

  it('SnapshotFileLocation is where the checkpoint files go, and cannot move while there are checkpoints', async () => {
    const checkpoints = join(home, `elsewhere-${n}`)
    mkdirSync(checkpoints)
    expect((await run('set-vm', name, '-CheckpointType', 'Standard', '-SnapshotFileLocation', checkpoints)).code).toBe(0)
    const guest = await run('set-vm', name, '--boot-kernel', join(REPO_ROOT, 'test', 'e2e', 'kernels', 'countdown.bin'))
    expect(guest.code, guest.stderr).toBe(0)
    expect((await run('start-vm', name)).code).toBe(0)
    const taken = await run('checkpoint-vm', name, 'moved')
    expect(taken.code, taken.stderr).toBe(0)
    expect((await run('stop-vm', name, '-TurnOff')).code).toBe(0)
    const [vm] = await json('get-vm', name)
    expect(existsSync(join(checkpoints, vm.VMId, 'checkpoints'))).toBe(true)
    expect(readdirSync(join(checkpoints, vm.VMId, 'checkpoints')).some((f) => f.startsWith('capture-'))).toBe(true)
    expectFailure(await run('set-vm', name, '-SnapshotFileLocation', home), 4, /cannot change while it has checkpoints/)
    const restored = await run('restore-vmcheckpoint', name, 'moved', '-Confirm:$false')
    expect(restored.code, restored.stderr).toBe(0)
    expect((await json('get-vm', name))[0]).toMatchObject({State: 'Saved', CheckpointFileLocation: checkpoints})
  })

  it('new-vm takes -NoVHD, -Path and -Version as scripts pass them', async () => {
    const path = join(home, `vms-${n}`)
    const [vm] = await json('new-vm', '-Name', `made${n}`, '-NoVHD', '-Path', path, '-Version', '9.0', '-Generation', '2', '-MemoryStartupBytes', '1024MB')
    expect(vm).toMatchObject({Name: `made${n}`, Version: '9.0', Generation: 2, Path: join(path, `made${n}`), HardDrives: []})
  })
})

describe('Import-VM parameters, Compare-VM and Export-VMSnapshot', () => {
  it('-Copy -GenerateNewId -VirtualMachinePath -SnapshotFilePath -VhdDestinationPath, and -Register', async () => {
    const folder = join(home, `exp-${n}`)
    expect((await run('export-vm', name, '-Path', folder)).code).toBe(0)
    const target = join(home, `copy-${n}`)
    const [copy] = await json(
      'import-vm', '-Path', join(folder, name), '-Copy', '-GenerateNewId', '-VirtualMachinePath', target, '-SnapshotFilePath', join(target, 'snaps'),
      '-VhdDestinationPath', join(target, 'disks'),
    )
    expect(copy).toMatchObject({Name: name, Path: target, CheckpointFileLocation: join(target, 'snaps')})
    expectFailure(await run('import-vm', join(folder, name), '-Copy', '-Register'), 2, /Parameter set cannot be resolved/)
    expectFailure(await run('import-vm', join(folder, name), '-SnapshotFilePath', target), 2, /-SnapshotFilePath can be used only with -Copy/)
    // The original is still registered: registering its export in place is a conflict.
    expectFailure(await run('import-vm', join(folder, name), '-Register'), 5, /already registered/)
  })

  it('-GenerateNewId without -Copy imports in place with a new id; -GenerateNewId with -Register is refused', async () => {
    const folder = join(home, `inplace-${n}`)
    expect((await run('export-vm', name, '-Path', folder)).code).toBe(0)
    const [original] = await json('get-vm', name)
    expectFailure(await run('import-vm', join(folder, name), '-GenerateNewId', '-Register'), 2, /-GenerateNewId cannot be used with -Register/)
    const [imported] = await json('import-vm', join(folder, name), '-GenerateNewId', '-Copy:$false', '-VirtualMachinePath', join(folder, name), '-SmartPagingFilePath', folder)
    expect(imported).toMatchObject({Name: name, Path: join(folder, name), SmartPagingFilePath: folder})
    expect(imported.VMId).not.toBe(original.VMId)
    expectFailure(await run('import-vm', join(folder, name), '-VirtualMachinePath', home), 2, /-VirtualMachinePath can be used only with -Copy, or naming the folder/)
  })

  it('compare-vm reports what import-vm would do, and import-vm follows an edited report', async () => {
    const folder = join(home, `cmp-${n}`)
    expect((await run('export-vm', name, '-Path', folder)).code).toBe(0)
    const [inPlace] = await json('compare-vm', join(folder, name))
    expect(inPlace.OperationType).toBe('ImportVirtualMachine')
    expect(inPlace.Incompatibilities.map((i: {Message: string}) => i.Message)).toEqual([expect.stringMatching(/already registered/)])
    const [report] = await json('compare-vm', '-Path', join(folder, name), '-Copy', '-GenerateNewId')
    expect(report.Incompatibilities).toEqual([])
    report.VM.Name = `renamed${n}`
    const file = join(home, `report-${n}.json`)
    writeFileSync(file, JSON.stringify([report]))
    const [imported] = await json('import-vm', '-CompatibilityReport', file)
    expect(imported.Name).toBe(`renamed${n}`)
    expect(imported.VMId).not.toBe(inPlace.VM.VMId)
    // Compare-VM -CompatibilityReport checks a saved report again: now the copy's folder is taken.
    const [again] = await json('compare-vm', '-CompatibilityReport', file)
    expect(again.VM.Name).toBe(`renamed${n}`)
    expectFailure(await run('import-vm', '-CompatibilityReport', join(home, 'none.json')), 2, /'CompatibilityReport'.*does not exist/)
  })

  it('export-vmsnapshot exports the VM as it was at the checkpoint, which imports as a VM that resumes there', async () => {
    expect((await run('set-vm', name, '-CheckpointType', 'Standard', '--guest', 'tinyos')).code).toBe(0)
    const [original] = await json('get-vm', name)
    expect((await run('start-vm', name)).code).toBe(0)
    expect((await run('checkpoint-vm', name, 'at-boot')).code).toBe(0)
    expect((await run('stop-vm', name, '-TurnOff')).code).toBe(0)
    expect((await run('set-vm', name, '-Notes', 'after the checkpoint')).code).toBe(0)
    const folder = join(home, `snapexp-${n}`)
    const exported = await run('export-vmsnapshot', '-VMName', name, '-Name', 'at-boot', '-Path', folder)
    expect(exported.code, exported.stderr).toBe(0)
    const [vm] = await json('import-vm', join(folder, name), '-Copy', '-GenerateNewId', '-VirtualMachinePath', join(home, `snapvm-${n}`))
    expect(vm).toMatchObject({State: 'Saved', Notes: '', ParentCheckpointId: null})
    expect(await json('get-vmcheckpoint', '--id', vm.VMId)).toEqual([])
    expect((await run('start-vm', '--id', vm.VMId)).code).toBe(0)
    const console = await run('get-vmconsole', '--id', vm.VMId)
    expect(console.stdout).toMatch(/tinyos/)
    expect((await run('stop-vm', '--id', vm.VMId, '-TurnOff')).code).toBe(0)
    // The copy kept the name: the original is the one with the checkpoints.
    expectFailure(await run('export-vmsnapshot', name, 'no-such', '-Path', folder), 2, /selects 2 virtual machines/)
    expectFailure(await run('export-vmsnapshot', '--id', original.VMId, '-Name', 'no-such', '-Path', folder), 3, /Unable to find a snapshot/)
  })
})

import {readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {hv, hvJson, tempHome} from '../helpers/hv.js'

const GB = 1024 ** 3
const MB = 1024 ** 2

let home: string
let cleanup: () => void
const run = (...args: string[]) => hv(args, {home})
const json = <T = Record<string, any>[]>(...args: string[]) => hvJson<T>(args, {home})

beforeEach(async () => {
  ;({home, cleanup} = tempHome())
  // A fixed emulated host, so limits do not depend on the machine running the tests.
  expect((await run('set-vmhost', '--logical-processor-count', '4', '--memory-capacity', '8GB')).code).toBe(0)
})
afterEach(() => cleanup())

/** Exit code, a single line on stderr, nothing on stdout: how every failure looks. */
function expectFailure(result: {code: number | null; stdout: string; stderr: string}, code: number, message: RegExp) {
  expect(result.code, result.stderr).toBe(code)
  expect(result.stdout).toBe('')
  expect(result.stderr.trimEnd().split('\n')).toHaveLength(1)
  expect(result.stderr).toMatch(message)
}

describe('new-vm and get-vm', () => {
  it('create a VM with PowerShell parameters and show it as JSON', async () => {
    const created = await run('new-vm', 'web01', '-MemoryStartupBytes', '1GB', '-Generation', '2')
    expect(created.code, created.stderr).toBe(0)
    expect(created.stdout).toMatch(/^web01\s+Off\s+0\s+0\s+00:00:00\s+Operating normally\s+10\.0$/m)
    const [vm] = await json('get-vm', 'web01')
    expect(vm).toMatchObject({Name: 'web01', MemoryStartup: GB, State: 'Off', Generation: 2, ProcessorCount: 1})
    expect(vm.VMId).toMatch(/^[0-9a-f-]{36}$/)
  })

  it('take the defaults of New-VM and accept kebab-case flags', async () => {
    const [vm] = await json('new-vm')
    expect(vm).toMatchObject({Name: 'New Virtual Machine', MemoryStartup: 512 * MB, Generation: 1, State: 'Off'})
    const [other] = await json('new-vm', '--name', 'db', '--memory-startup-bytes', '1.5GB', '--generation', '1')
    expect(other.MemoryStartup).toBe(1.5 * GB)
  })

  it('allow duplicate names and carry VMId to tell them apart', async () => {
    const [a] = await json('new-vm', 'dup')
    const [b] = await json('new-vm', 'dup')
    expect(a.VMId).not.toBe(b.VMId)
    const both = await json('get-vm', 'dup')
    expect(both.map((vm) => vm.VMId).sort()).toEqual([a.VMId, b.VMId].sort())
    expect(await json('get-vm', '--id', b.VMId)).toEqual([b])
  })

  it('print the default table view with the cmdlet columns, and a list view', async () => {
    await run('new-vm', 'web01')
    const table = await run('get-vm')
    expect(table.stdout.split('\n')[1]).toMatch(/^Name\s+State\s+CPUUsage\(%\)\s+MemoryAssigned\(M\)\s+Uptime\s+Status\s+Version$/)
    expect(table.stdout).not.toContain('\u001b')
    const list = await run('get-vm', 'web01', '--format', 'list')
    expect(list.stdout).toMatch(/^Name\s+: web01$/m)
    expect(list.stdout).toMatch(/^MemoryStartup\s+: 536870912$/m)
  })

  it('select by wildcards and several names; a plain unknown name is an error, an unmatched wildcard is not', async () => {
    for (const name of ['web01', 'web02', 'db01']) await run('new-vm', name)
    expect((await json('get-vm', 'web*')).map((vm) => vm.Name)).toEqual(['web01', 'web02'])
    expect((await json('get-vm', 'web01,db01')).map((vm) => vm.Name)).toEqual(['db01', 'web01'])
    expect((await json('get-vm', 'web01', 'db01')).map((vm) => vm.Name)).toEqual(['db01', 'web01'])
    expect((await json('get-vm', '-Name', 'WEB0?')).map((vm) => vm.Name)).toEqual(['web01', 'web02'])
    expect(await json('get-vm', 'zz*')).toEqual([])
    expectFailure(await run('get-vm', 'web03'), 3, /^get-vm: Hyper-V was unable to find a virtual machine with name "web03"\.$/m)
    expectFailure(await run('get-vm', 'web03', '--json'), 3, /unable to find a virtual machine with name "web03"/)
    expectFailure(await run('get-vm', '--id', '00000000-0000-0000-0000-000000000000'), 3, /with ID/)
  })

  it('accept the cmdlet spelling of the command name', async () => {
    expect((await run('New-VM', 'x')).code).toBe(0)
    expect((await json('Get-VM')).map((vm) => vm.Name)).toEqual(['x'])
  })

  it.each([
    [['-MemoryStartupBytes', '12XB'], /Cannot bind parameter 'MemoryStartupBytes'/],
    [['-MemoryStartupBytes', '-1GB'], /Cannot bind parameter 'MemoryStartupBytes'/],
    [['-MemoryStartupBytes', '9GB'], /more than the host's memory capacity/],
    [['-MemoryStartupBytes', '31MB'], /not a multiple of 2 MB|minimum amount of memory/],
    [['-Generation', '3'], /parameter 'Generation'/],
    [['-Generation', 'two'], /Cannot bind parameter 'Generation'/],
    [['--bogus'], /Nonexistent flag: --bogus/],
    [['-Bogus', 'x'], /Nonexistent flag|Unexpected argument/],
  ])('refuse new-vm bad %j with exit 2 and create nothing', async (args, message) => {
    expectFailure(await run('new-vm', 'bad', ...args), 2, message)
    expect(await json('get-vm')).toEqual([])
  })

  it('honour --whatif', async () => {
    const result = await run('new-vm', 'ghost', '--whatif')
    expect(result.stdout).toBe('What if: Performing the operation "New-VM" on target "ghost".\n')
    expect(await json('get-vm')).toEqual([])
  })
})

describe('set-vm, rename-vm and remove-vm', () => {
  beforeEach(async () => {
    expect((await run('new-vm', 'web01', '-MemoryStartupBytes', '1GB')).code).toBe(0)
  })

  it('change configuration, printing nothing unless --passthru', async () => {
    const quiet = await run('set-vm', 'web01', '-ProcessorCount', '2', '-MemoryStartupBytes', '2GB', '-Notes', 'front end')
    expect(quiet).toMatchObject({code: 0, stdout: ''})
    const [vm] = await json('set-vm', 'web01', '-AutomaticStartAction', 'start', '-CheckpointType', 'standard', '--passthru')
    expect(vm).toMatchObject({
      ProcessorCount: 2, MemoryStartup: 2 * GB, Notes: 'front end', AutomaticStartAction: 'Start', CheckpointType: 'Standard',
    })
    const [dynamic] = await json(
      'set-vm', 'web01', '--dynamic-memory', '-MemoryMinimumBytes', '1GB', '-MemoryMaximumBytes', '4GB', '-AutomaticCheckpointsEnabled', '$true', '--passthru',
    )
    expect(dynamic).toMatchObject({DynamicMemoryEnabled: true, MemoryMinimum: GB, MemoryMaximum: 4 * GB, AutomaticCheckpointsEnabled: true})
  })

  it('refuse bad changes and keep the VM as it was', async () => {
    const [before] = await json('get-vm', 'web01')
    expectFailure(await run('set-vm', 'web01', '-ProcessorCount', '0'), 2, /parameter 'Count'.*minimum allowed range of 1/)
    expectFailure(await run('set-vm', 'web01', '-ProcessorCount', '64'), 2, /host has 4 logical processors/)
    expectFailure(await run('set-vm', 'web01', '-AutomaticStopAction', 'Explode'), 2, /TurnOff, Save, ShutDown/)
    expectFailure(
      await run('set-vm', 'web01', '--dynamic-memory', '-MemoryMinimumBytes', '4GB', '-MemoryMaximumBytes', '2GB'),
      2,
      /minimum memory \(4096 MB\) is greater than the maximum memory \(2048 MB\)/,
    )
    expectFailure(await run('set-vm', 'nope', '-Notes', 'x'), 3, /unable to find a virtual machine with name "nope"/)
    expectFailure(await run('set-vm', '-Notes', 'x'), 2, /Specify the virtual machine/)
    expect(await json('get-vm', 'web01')).toEqual([before])
  })

  it('rename a VM keeping its VMId', async () => {
    const [before] = await json('get-vm', 'web01')
    expect((await run('rename-vm', 'web01', 'frontend')).code).toBe(0)
    const [after] = await json('get-vm', 'frontend')
    expect(after.VMId).toBe(before.VMId)
    const [again] = await json('rename-vm', '-Name', 'frontend', '-NewName', 'web01', '--passthru')
    expect(again.Name).toBe('web01')
    expectFailure(await run('rename-vm', 'web01', ''), 2, /NewName/)
  })

  it('refuse to remove without confirmation where no prompt can be shown', async () => {
    expectFailure(await run('remove-vm', 'web01'), 2, /needs confirmation .* pass --force \(or --confirm false\)/)
    expectFailure(await run('remove-vm', 'web01', '--json'), 2, /pass --force/)
    expect(await json('get-vm')).toHaveLength(1)
    expect((await run('remove-vm', 'web01', '--whatif')).stdout).toContain('What if: Performing the operation "Remove-VM" on target "web01".')
    expect(await json('get-vm')).toHaveLength(1)
    expect((await run('remove-vm', 'web01', '-Confirm:$false')).code).toBe(0)
    expect(await json('get-vm')).toEqual([])
  })

  it('remove with --force, several at once by wildcard', async () => {
    await run('new-vm', 'web02')
    await run('new-vm', 'db01')
    const removed = await json('remove-vm', 'web*', '--force', '--passthru')
    expect(removed.map((vm) => vm.Name)).toEqual(['web01', 'web02'])
    expect((await json('get-vm')).map((vm) => vm.Name)).toEqual(['db01'])
  })

  it('enforce the state machine: a running VM cannot be removed or resized', async () => {
    const storeFile = join(home, 'store.json')
    const doc = JSON.parse(readFileSync(storeFile, 'utf8'))
    doc.vms[0].state = 'Running'
    writeFileSync(storeFile, JSON.stringify(doc))
    expectFailure(await run('remove-vm', 'web01', '--force'), 4, /'web01' failed to be deleted: .*current state \(Running\)/)
    expectFailure(await run('set-vm', 'web01', '-ProcessorCount', '2'), 4, /current state \(Running\)/)
    expectFailure(await run('set-vmmemory', 'web01', '-StartupBytes', '2GB', '--json'), 4, /current state \(Running\)/)
    expect((await run('set-vm', 'web01', '-Notes', 'allowed while running')).code).toBe(0)
  })
})

describe('processor, memory, host and events', () => {
  beforeEach(async () => {
    expect((await run('new-vm', 'web01', '-MemoryStartupBytes', '1GB')).code).toBe(0)
  })

  it('get-vmprocessor and set-vmprocessor', async () => {
    const table = await run('get-vmprocessor', 'web01')
    expect(table.stdout.split('\n')[1]).toMatch(
      /^VMName\s+Count\s+CompatibilityForMigrationEnabled\s+CompatibilityForOlderOperatingSystemsEnabled$/,
    )
    await run('set-vmprocessor', 'web01', '-Count', '2', '-Reserve', '10', '-Maximum', '75', '-RelativeWeight', '200')
    const [p] = await json('get-vmprocessor', '-VMName', 'web01')
    expect(p).toMatchObject({VMName: 'web01', Count: 2, Reserve: 10, Maximum: 75, RelativeWeight: 200})
    expectFailure(await run('set-vmprocessor', 'web01', '-Maximum', '101'), 2, /parameter 'Maximum'.*maximum allowed range of 100/)
    expectFailure(await run('set-vmprocessor', 'web01', '-Count', '0'), 2, /parameter 'Count'/)
    expectFailure(await run('set-vmprocessor', 'web01', '-Reserve', '80', '-Maximum', '50'), 2, /reserve \(80%\) is greater/)
  })

  it('get-vmmemory and set-vmmemory', async () => {
    const table = await run('get-vmmemory')
    expect(table.stdout.split('\n')[1]).toMatch(/^VMName\s+DynamicMemoryEnabled\s+Minimum\(M\)\s+Startup\(M\)\s+Maximum\(M\)$/)
    const [m] = await json(
      'set-vmmemory', 'web01', '-DynamicMemoryEnabled', '$true', '-MinimumBytes', '512MB', '-MaximumBytes', '2GB', '-Buffer', '25', '-Priority', '70', '--passthru',
    )
    expect(m).toEqual({
      VMName: 'web01', VMId: m.VMId, DynamicMemoryEnabled: true, Minimum: 512 * MB, Startup: GB, Maximum: 2 * GB, Buffer: 25, Priority: 70,
    })
    expectFailure(await run('set-vmmemory', 'web01', '-MinimumBytes', '3GB'), 2, /minimum memory .* greater than the maximum/)
    expectFailure(await run('set-vmmemory', 'web01', '-DynamicMemoryEnabled', 'maybe'), 2, /System.Boolean/)
    expect((await json('get-vmmemory', 'web01'))[0]).toEqual(m)
  })

  it('get-vmhost and set-vmhost', async () => {
    const [host] = await json('get-vmhost')
    expect(host).toMatchObject({LogicalProcessorCount: 4, MemoryCapacity: 8 * GB, MacAddressMinimum: '00155D380100'})
    expect(host.VirtualMachinePath).toBe(join(home, 'Virtual Machines'))
    const [changed] = await json(
      'set-vmhost', '-MacAddressMinimum', '00155D010100', '-MacAddressMaximum', '00155D0101FF', '-VirtualMachinePath', '/srv/vms', '--passthru',
    )
    expect(changed).toMatchObject({MacAddressMinimum: '00155D010100', MacAddressMaximum: '00155D0101FF', VirtualMachinePath: '/srv/vms'})
    expectFailure(await run('set-vmhost', '-MacAddressMinimum', 'nothex'), 2, /not a MAC address/)
    expectFailure(await run('set-vmhost', '--logical-processor-count', '0'), 2, /LogicalProcessorCount/)
    expect((await json('new-vm', 'in-new-path'))[0].Path).toBe('/srv/vms')
  })

  it('get-vmevent: who did what to which VM, newest first, filtered', async () => {
    await run('set-vm', 'web01', '-Notes', 'n')
    await run('new-vm', 'db01')
    const all = await json('get-vmevent')
    expect(all[0].Message).toBe("Virtual machine 'db01' was created (Generation 1, 512 MB, version 10.0).")
    expect(all.map((e) => e.Id)).toEqual([...all.map((e) => e.Id)].sort((a, b) => b - a))
    const web = await json('get-vmevent', 'web01')
    expect(web.map((e) => e.Message)).toEqual([
      "Virtual machine 'web01' was reconfigured: Notes.",
      "Virtual machine 'web01' was created (Generation 1, 1024 MB, version 10.0).",
    ])
    expect(web[0]).toMatchObject({VMName: 'web01', LevelDisplayName: 'Information'})
    expect(typeof web[0].UserName).toBe('string')
    expect(await json('get-vmevent', '--max-events', '1')).toHaveLength(1)
    const table = await run('get-vmevent', 'web01')
    expect(table.stdout.split('\n')[1]).toMatch(/^TimeCreated\s+Id\s+LevelDisplayName\s+VMName\s+Message$/)
  })
})

describe('help and usage errors', () => {
  it('hv help lists the commands; COMMAND --help shows examples', async () => {
    const help = await run('help')
    expect(help.code).toBe(0)
    for (const id of ['new-vm', 'get-vm', 'set-vm', 'remove-vm', 'get-vmevent', 'set-vmhost']) expect(help.stdout).toContain(id)
    const one = await run('new-vm', '--help')
    expect(one.stdout).toContain('EXAMPLES')
    expect(one.stdout).toContain('-MemoryStartupBytes 1GB')
    expect((await run('help', 'get-vm')).stdout).toContain('wildcards')
  })

  it('an unknown command is one line with exit 2 and a suggestion', async () => {
    expectFailure(await run('get-mv'), 2, /'get-mv' is not an hv command. Did you mean 'get-vm'\?/)
  })
})

describe('a store that cannot be used', () => {
  it('is corrupt: exit 6 naming the file and the last good copy, and the file is left as it was', async () => {
    await run('new-vm', 'web01')
    const storeFile = join(home, 'store.json')
    writeFileSync(storeFile, '{"schemaVersion": 1, "vms": [{"na')
    for (const args of [['get-vm'], ['new-vm', 'x'], ['get-vm', '--json']]) {
      expectFailure(await run(...args), 6, new RegExp(`store ${storeFile.replace(/[/.]/g, '\\$&')} is corrupt.*store\\.last-good\\.json`))
    }
    expect(readFileSync(storeFile, 'utf8')).toBe('{"schemaVersion": 1, "vms": [{"na')
  })

  it('was written by a newer hv: exit 6, untouched', async () => {
    const storeFile = join(home, 'store.json')
    writeFileSync(storeFile, JSON.stringify({schemaVersion: 999, vms: []}))
    expectFailure(await run('get-vm'), 6, /written by a newer hv \(schema 999/)
    expectFailure(await run('new-vm', 'x'), 6, /newer hv/)
    expect(JSON.parse(readFileSync(storeFile, 'utf8'))).toEqual({schemaVersion: 999, vms: []})
  })

  it('lives where nothing can be written: exit 6 naming the directory', async () => {
    writeFileSync(join(home, 'not-a-dir'), '')
    const result = await hv(['new-vm', 'x'], {home: join(home, 'not-a-dir', 'hv')})
    expectFailure(result, 6, /Cannot create the hv home directory .*not-a-dir/)
  })
})

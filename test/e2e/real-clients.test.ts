/**
 * What real Hyper-V automation sends, replayed through `node bin/run.js`: the create,
 * configure, start, stop, checkpoint, export, import and remove sequences of Vagrant's
 * hyperv provider, Packer's hyperv builders, Terraform's hyperv provider and minikube
 * (docker-machine's driver), one hv command line per cmdlet call, in the order the tools
 * make them. test/e2e/real-clients/README.md lists each call with the file it comes from.
 *
 * Left out: what needs storage or networking (VHDs, DVD and hard disk drives, switches,
 * network adapters, boot order entries that name devices, waiting for a guest's IP
 * address). Where a tool waits for its guest on the network, the replay waits for the
 * heartbeat instead (Wait-VM -For Heartbeat), so the shutdown integration service is up.
 * Where a tool pipes objects (`Get-VM -Id $id | Stop-VM`), the replay passes the same VM
 * by name or id (`-VM <id>`, `-VMName <name>`). Every VM boots `--guest tinyos-hv`, which
 * has the heartbeat and shutdown integration services.
 *
 * Each step's exit code and the properties the tool reads are asserted softly
 * (real-clients/replay.ts): one run reports every step that does not do what the cmdlet does.
 */
import {existsSync, mkdirSync, readdirSync, renameSync, rmdirSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {hv, tempHome} from '../helpers/hv.js'
import {GB, GUID, MB, Replay, uptimeSeconds} from './real-clients/replay.js'

// The integration services by the ids Vagrant and Packer match (`$_.Id -match $Id`).
const SERVICE_ID = {
  'Guest Service Interface': '6C09BB55-D683-4DA0-8931-C9BF705F6480',
  Heartbeat: '84EAAE65-2F2E-45F5-9BB5-0E857DC8EB47',
  'Key-Value Pair Exchange': '2A34B1C2-FD73-4043-8A5B-DD2159BC743F',
  Shutdown: '9F8233AC-BE49-4C79-8EE3-E7E1985B2077',
  'Time Synchronization': '2497F4DE-E9FA-4204-80E4-4B75C46419C0',
  VSS: '5CED1297-4598-4915-A5FC-AD21BB4D02A4',
} as const

const SEQUENCE_TIMEOUT = 240_000

let home: string
let cleanup: () => void
let ps: Replay

beforeEach(async () => {
  ;({home, cleanup} = tempHome('hv-clients-'))
  ps = new Replay(home)
  // A fixed emulated host (4 logical processors, 16 GB) so the tools' sizes fit on any machine.
  const host = await hv(['set-vmhost', '--logical-processor-count', '4', '--memory-capacity', '16GB'], {home})
  expect(host.code, host.stderr).toBe(0)
})
afterEach(async () => {
  // Turn off whatever a failed sequence left running, so no worker outlives its HV_HOME.
  await hv(['stop-vm', '*', '--turn-off'], {home})
  cleanup()
})

/** The integration service whose Id matches a service GUID, as `Get-VMIntegrationService | ?{$_.Id -match $Id}`. */
function serviceById(services: Record<string, any>[], id: string): Record<string, any> | undefined {
  const match = services.filter((service) => typeof service.Id === 'string' && service.Id.toLowerCase().includes(id.toLowerCase()))
  expect.soft(match, `Get-VMIntegrationService: one service whose Id matches ${id}`).toHaveLength(1)
  return match[0]
}

describe('Vagrant (plugins/providers/hyperv)', () => {
  it('imports a VMCX box as New-VagrantVMVMCX does: Compare-VM, Import-VM -CompatibilityReport, then set_name, configure_vm and destroy', {timeout: SEQUENCE_TIMEOUT}, async () => {
    // The box: an exported VM, as Packer or `vagrant package` leaves it (hv's export folder
    // holds hv-export.json where Hyper-V's holds "Virtual Machines/<VMId>.vmcx").
    const boxes = join(home, 'boxes')
    const box = await ps.one('New-VM', '-Name', 'box', '-Generation', '2', '-MemoryStartupBytes', '512MB', '-NoVHD', '--guest', 'tinyos-hv')
    await ps.ok('Export-VM', '-Name', 'box', '-Path', boxes)
    const configFile = join(boxes, 'box', 'hv-export.json')
    const data = join(home, 'machines', 'default', 'hyperv')

    // import_vm.ps1 -> New-VagrantVMVMCX
    const [report] = await ps.json(
      'Compare-VM', '-Copy', '-GenerateNewID', '-Path', configFile,
      '-SnapshotFilePath', join(data, 'Snapshots'), '-VhdDestinationPath', join(data, 'Virtual Hard Disks'),
      '-VirtualMachinePath', data, '-ErrorAction', 'SilentlyContinue',
    )
    expect.soft(report, 'Compare-VM returns a VMCompatibilityReport').toMatchObject({
      OperationType: 'ImportVirtualMachine',
      Incompatibilities: [],
      VM: {Name: 'box', Generation: 2},
    })
    const reportFile = join(home, 'compatibility-report.json')
    writeFileSync(reportFile, JSON.stringify(report ?? {}))
    const [check] = await ps.json('Compare-VM', '-CompatibilityReport', reportFile)
    expect.soft(check?.Incompatibilities, '$Report.Incompatibilities after the changes').toEqual([])
    const vm = await ps.one('Import-VM', '-CompatibilityReport', reportFile)
    // import_vm.ps1 prints $VM.Id.Guid; Vagrant keeps it as the machine id.
    expect.soft(vm?.Id, 'Import-VM: the VM object carries Id').toMatch(GUID)
    expect.soft(vm?.Id, '-GenerateNewID: a new id').not.toBe(box?.VMId)
    expect.soft(vm, 'the imported VM').toMatchObject({Name: 'box', State: 'Off', Generation: 2})
    expect.soft(String(vm?.Path ?? ''), 'its files under -VirtualMachinePath').toContain(data)
    const id: string = vm?.Id ?? vm?.VMId ?? 'missing-id'

    // What New-VagrantVMVMCX does to $VMConfig.VM before Import-VM (hv has no planned VMs:
    // replayed on the imported VM, the same end state).
    await ps.ok('Set-VM', '-VM', id, '-NewVMName', 'default')
    const [firmware] = await ps.json('Get-VMFirmware', '-VM', id)
    expect.soft(firmware?.SecureBoot, 'a Generation 2 VM has secure boot On by default').toBe('On')
    await ps.ok('Set-VMFirmware', '-VM', id, '-EnableSecureBoot', String(firmware?.SecureBoot ?? 'On'))
    const [memory] = await ps.json('Get-VMMemory', '-VM', id)
    expect.soft(memory, 'Get-VMMemory').toMatchObject({Startup: 512 * MB})
    await ps.ok('Set-VM', '-VM', id, '-StaticMemory')
    await ps.ok('Set-VM', '-VM', id, '-MemoryStartupBytes', String(GB))
    await ps.ok('Set-VM', '-VM', id, '-ProcessorCount', '2')

    // set_name.ps1
    await ps.one('Get-VM', '-Id', id)
    await ps.ok('Set-VM', '-VM', id, '-NewVMName', 'vagrant-default')

    // configure_vm.ps1 with cpus 2, memory 1024, maxmemory 2048, auto actions, checkpoints on.
    await ps.one('Get-VM', '-Id', id)
    await ps.ok('Set-VM', '-VM', id, '-ProcessorCount', '2')
    await ps.json('Get-VMMemory', '-VM', id)
    await ps.ok('Set-VM', '-VM', id, '-DynamicMemory')
    await ps.ok('Set-VM', '-VM', id, '-MemoryMinimumBytes', String(GB), '-MemoryMaximumBytes', String(2 * GB), '-MemoryStartupBytes', String(GB))
    await ps.ok('Set-VM', '-VM', id, '-AutomaticStartAction', 'Nothing')
    await ps.ok('Set-VM', '-VM', id, '-AutomaticStopAction', 'ShutDown')
    await ps.ok('Set-VMProcessor', '-VM', id, '-ExposeVirtualizationExtensions', '$false')
    await ps.ok('Set-VM', '-VM', id, '-CheckpointType', 'Standard')
    // Vagrant passes 1 or 0 to the Boolean parameter.
    await ps.ok('Set-VM', '-VM', id, '-AutomaticCheckpointsEnabled', '0')
    // set_enhanced_session_transport_type.ps1 (enhanced session off)
    await ps.ok('Set-VM', '-VM', id, '-EnhancedSessionTransportType', 'VMBus')

    const configured = await ps.one('Get-VM', '-Id', id)
    expect.soft(configured, 'after configure_vm').toMatchObject({
      Id: id, VMId: id, Name: 'vagrant-default', State: 'Off', ProcessorCount: 2,
      DynamicMemoryEnabled: true, MemoryStartup: GB, MemoryMinimum: GB, MemoryMaximum: 2 * GB,
      AutomaticStartAction: 'Nothing', AutomaticStopAction: 'ShutDown', CheckpointType: 'Standard',
      AutomaticCheckpointsEnabled: false, EnhancedSessionTransportType: 'VMBus',
    })
    const [processor] = await ps.json('Get-VMProcessor', '-VM', id)
    expect.soft(processor?.ExposeVirtualizationExtensions, 'Get-VMProcessor').toBe(false)
    const [secure] = await ps.json('Get-VMFirmware', '-VM', id)
    expect.soft(secure?.SecureBoot, 'Get-VMFirmware after the import').toBe('On')

    // delete_vm.ps1, then get_vm_status.ps1 sees it gone (not_created).
    await ps.ok('Set-VM', '-VM', id, '-AutomaticCheckpointsEnabled', '$false', '-ErrorAction', 'SilentlyContinue')
    await ps.ok('Remove-VM', '-VM', id, '-Force')
    const gone = await ps.expectCode(3, 'Get-VM', '-Id', id, '-ErrorAction', 'Stop')
    expect.soft(gone.stderr, 'Get-VM -Id of a removed VM').toMatch(/unable to find a virtual machine with ID/i)
    // The box's VM is untouched by the copy.
    expect.soft((await ps.one('Get-VM', '-Id', String(box?.VMId)))?.Name, 'the box VM').toBe('box')
  })

  it('imports an XML box as New-VagrantVMXML does (New-VM -NoVHD -BootDevice), then up, suspend, resume, snapshot, halt, restore, package and destroy', {timeout: SEQUENCE_TIMEOUT}, async () => {
    // New-VagrantVMXML
    const created = await ps.one('New-VM', '-Name', 'xmlbox', '-NoVHD', '-BootDevice', 'VHD', '-Generation', '2', '--guest', 'tinyos-hv')
    // import_vm.ps1 prints $VM.Id.Guid from New-VM's object.
    expect.soft(created?.Id, 'New-VM: the VM object carries Id').toMatch(GUID)
    expect.soft(created?.Id, 'Id and VMId are the same GUID').toBe(created?.VMId)
    const id: string = created?.Id ?? created?.VMId ?? 'missing-id'
    await ps.ok('Set-VMFirmware', '-VM', id, '-EnableSecureBoot', 'Off')
    await ps.ok('Set-VM', '-VM', id, '-ProcessorCount', '1', '-MemoryStartupBytes', String(512 * MB), '-StaticMemory', '-Notes', 'vagrant box')
    expect.soft(await ps.one('Get-VM', '-Id', id), 'after New-VagrantVMXML').toMatchObject({
      Name: 'xmlbox', ProcessorCount: 1, MemoryStartup: 512 * MB, DynamicMemoryEnabled: false, Notes: 'vagrant box', Generation: 2,
    })
    expect.soft((await ps.json('Get-VMFirmware', '-VM', id))[0]?.SecureBoot, 'Set-VMFirmware -EnableSecureBoot Off').toBe('Off')

    // configure_vm.ps1 (cpus 2, memory 768, no maxmemory: static memory; checkpoints enabled)
    await ps.ok('Set-VM', '-VM', id, '-ProcessorCount', '2')
    const [memory] = await ps.json('Get-VMMemory', '-VM', id)
    expect.soft(memory, 'Get-VMMemory: Startup, Minimum, Maximum').toMatchObject({Startup: 512 * MB})
    await ps.ok('Set-VM', '-VM', id, '-StaticMemory')
    await ps.ok('Set-VM', '-VM', id, '-MemoryStartupBytes', String(768 * MB))
    await ps.ok('Set-VMProcessor', '-VM', id, '-ExposeVirtualizationExtensions', '$false')
    await ps.ok('Set-VM', '-VM', id, '-CheckpointType', 'Standard')
    await ps.ok('Set-VM', '-VM', id, '-AutomaticCheckpointsEnabled', '0')

    // set_vm_integration_services.ps1: guest_service_interface on, vss off.
    const services = await ps.json('Get-VMIntegrationService', '-VM', id)
    const gsi = serviceById(services, SERVICE_ID['Guest Service Interface'])
    await ps.ok('Enable-VMIntegrationService', '-VM', id, '-Name', String(gsi?.Name ?? 'Guest Service Interface'))
    const vss = serviceById(services, SERVICE_ID.VSS)
    await ps.ok('Disable-VMIntegrationService', '-VM', id, '-Name', String(vss?.Name ?? 'VSS'))
    const after = await ps.json('Get-VMIntegrationService', '-VM', id)
    expect.soft(serviceById(after, SERVICE_ID['Guest Service Interface'])?.Enabled, 'Guest Service Interface enabled').toBe(true)
    expect.soft(serviceById(after, SERVICE_ID.VSS)?.Enabled, 'VSS disabled').toBe(false)
    await ps.ok('Set-VM', '-VM', id, '-EnhancedSessionTransportType', 'VMBus')

    // start_vm.ps1, then get_vm_status.ps1 ($VM.state, $VM.status)
    await ps.one('Get-VM', '-Id', id)
    await ps.ok('Start-VM', '-VM', id)
    expect.soft(await ps.one('Get-VM', '-Id', id, '-ErrorAction', 'Stop'), 'get_vm_status').toMatchObject({
      State: 'Running', Status: 'Operating normally', Name: 'xmlbox',
    })
    await ps.ok('Wait-VM', '-Name', 'xmlbox', '-For', 'Heartbeat', '-Timeout', '30')
    expect.soft((await ps.one('Get-VM', '-Id', id))?.Heartbeat, 'Heartbeat once the guest answers').toMatch(/^Ok/)

    // suspend_vm.ps1 / resume_vm.ps1
    await ps.ok('Suspend-VM', '-VM', id)
    expect.soft((await ps.one('Get-VM', '-Id', id))?.State, 'vagrant suspend').toBe('Paused')
    await ps.ok('Resume-VM', '-VM', id)
    expect.soft((await ps.one('Get-VM', '-Id', id))?.State, 'vagrant resume').toBe('Running')

    // create_snapshot.ps1 ($VM.CheckpointType is not Disabled, so no Set-VM around it), list_snapshots.ps1
    expect.soft((await ps.one('Get-VM', '-Id', id))?.CheckpointType, '$VM.CheckpointType').toBe('Standard')
    await ps.ok('Checkpoint-VM', '-VM', id, '-SnapshotName', 'before-provision')
    expect.soft((await ps.json('Get-VMSnapshot', '-VM', id)).map((snapshot) => snapshot.Name), 'vagrant snapshot list').toEqual(['before-provision'])

    // vagrant halt: GracefulHalt, then stop_vm.ps1
    await ps.ok('Stop-VM', '-VM', id, '-Force')
    expect.soft((await ps.one('Get-VM', '-Id', id))?.State, 'vagrant halt').toBe('Off')

    // restore_snapshot.ps1: a Standard checkpoint of a running VM restores to Saved; vagrant up resumes it.
    await ps.ok('Restore-VMSnapshot', '-VM', id, '-Name', 'before-provision', '-Confirm:$false')
    expect.soft((await ps.one('Get-VM', '-Id', id))?.State, 'after restore').toBe('Saved')
    await ps.ok('Start-VM', '-VM', id)
    expect.soft((await ps.one('Get-VM', '-Id', id))?.State, 'vagrant up of a saved machine').toBe('Running')
    await ps.ok('Stop-VM', '-VM', id, '-Force')
    expect.soft((await ps.one('Get-VM', '-Id', id))?.State, 'vagrant halt').toBe('Off')

    // delete_snapshot.ps1
    await ps.ok('Remove-VMSnapshot', '-VM', id, '-Name', 'before-provision')
    expect.soft(await ps.json('Get-VMSnapshot', '-VM', id), 'no snapshots left').toEqual([])

    // vagrant package: export_vm.ps1 (the VM must be off), then the box layout is flattened.
    const out = join(home, 'package')
    await ps.ok('Export-VM', '-VM', id, '-Path', out)
    expect.soft(existsSync(join(out, 'xmlbox', 'hv-export.json')), 'the export').toBe(true)

    // vagrant destroy: StopInstance on an Off VM (a warning, not an error), delete_vm.ps1, get_vm_status.ps1
    const again = await ps.ok('Stop-VM', '-VM', id, '-Force')
    expect.soft(again.stderr, 'Stop-VM of an Off VM warns').toMatch(/already in the specified state/)
    await ps.ok('Set-VM', '-VM', id, '-AutomaticCheckpointsEnabled', '$false', '-ErrorAction', 'SilentlyContinue')
    await ps.ok('Remove-VM', '-VM', id, '-Force')
    await ps.expectCode(3, 'Get-VM', '-Id', id, '-ErrorAction', 'Stop')
  })
})

describe('Packer (packer-plugin-hyperv builder/hyperv)', () => {
  it('builds as the hyperv-iso builder does: create, configure, run, shut down, export, delete', {timeout: SEQUENCE_TIMEOUT}, async () => {
    const name = 'packer-ubuntu'
    const buildDir = join(home, 'packer-build')
    mkdirSync(buildDir, {recursive: true})

    // CheckVMName: `Get-VM -Name x` must fail when no such VM exists.
    await ps.expectCode(3, 'Get-VM', '-Name', name)

    // CreateVirtualMachine (without -VHDPath and -SwitchName), memory in bytes, Generation 2, -Version.
    await ps.ok('New-VM', '-Name', name, '-Path', buildDir, '-MemoryStartupBytes', String(GB), '-Generation', '2', '-Version', '9.0', '--guest', 'tinyos-hv')
    // DisableAutomaticCheckpoints
    await ps.ok('Set-Vm', '-Name', name, '-AutomaticCheckpointsEnabled', '$false')
    // SetVirtualMachineCpuCount, SetVirtualMachineDynamicMemory (enable_dynamic_memory false)
    await ps.ok('Set-VMProcessor', '-VMName', name, '-Count', '2')
    await ps.ok('Set-VMMemory', '-VMName', name, '-DynamicMemoryEnabled', '$false')
    // SetVirtualMachineSecureBoot (Generation 2): the template is passed even when secure boot is off.
    await ps.ok('Set-VMFirmware', '-VMName', name, '-EnableSecureBoot', 'Off', '-SecureBootTemplate', 'MicrosoftUEFICertificateAuthority')
    // GetVirtualMachineGeneration
    const created = await ps.one('Get-Vm', '-Name', name)
    expect.soft(created, 'after StepCreateVM').toMatchObject({
      Name: name, Generation: 2, Version: '9.0', ProcessorCount: 2, MemoryStartup: GB, DynamicMemoryEnabled: false,
      AutomaticCheckpointsEnabled: false, State: 'Off',
    })
    expect.soft(String(created?.Path ?? ''), 'New-VM -Path').toContain(buildDir)

    // StepEnableIntegrationService: Guest Service Interface, found by its Id.
    const services = await ps.json('Get-VMIntegrationService', '-VmName', name)
    const gsi = serviceById(services, SERVICE_ID['Guest Service Interface'])
    await ps.ok('Enable-VMIntegrationService', '-VMName', name, '-Name', String(gsi?.Name ?? 'Guest Service Interface'))

    // StepRun: start only an Off VM.
    expect.soft((await ps.one('Get-VM', '-Name', name, '-ErrorAction', 'SilentlyContinue'))?.State, 'StartVirtualMachine reads State').toBe('Off')
    await ps.ok('Start-VM', '-Name', name, '-Confirm:$false')
    // (boot_command, communicator: the replay waits for the heartbeat instead.)
    await ps.ok('Wait-VM', '-Name', name, '-For', 'Heartbeat', '-Timeout', '30')
    const running = await ps.one('Get-VM', '-Name', name, '-ErrorAction', 'SilentlyContinue')
    expect.soft(running?.State, 'IsRunning').toBe('Running')
    expect.soft(uptimeSeconds(running?.Uptime), 'Uptime (as $vm.Uptime.TotalSeconds)').toBeGreaterThan(0)

    // StepShutdown without shutdown_command: StopVirtualMachine, then IsRunning/IsOff polls.
    expect.soft((await ps.one('Get-VM', '-Name', name))?.State).toBe('Running')
    await ps.ok('Stop-VM', '-VM', name, '-Force', '-Confirm:$false')
    await ps.waitForState(['-Name', name], 'Off')

    // StepExportVm: ExportVirtualMachine, then the properties it writes into box.xml.
    const output = join(home, 'output-hyperv-iso')
    await ps.ok('Export-VM', '-Name', name, '-Path', output)
    expect.soft(existsSync(join(output, name, 'hv-export.json')), 'the export').toBe(true)
    const exported = await ps.one('Get-VM', '-Name', name)
    expect.soft(exported, 'the VM properties box.xml is written from').toMatchObject({
      Generation: 2, Name: name, ProcessorCount: 2, DynamicMemoryEnabled: false, MemoryStartup: GB, Notes: '',
    })
    expect.soft(typeof exported?.MemoryMaximum).toBe('number')
    expect.soft(typeof exported?.MemoryMinimum).toBe('number')
    expect.soft(await ps.one('Get-VMFirmware', '-VM', name), 'Get-VMFirmware for box.xml').toMatchObject({
      SecureBoot: 'Off', SecureBootTemplate: 'MicrosoftUEFICertificateAuthority',
    })
    // (Generation 2: box.xml also records (Get-VMSecurity -VM $vm).TpmEnabled.)
    expect.soft(await ps.one('Get-VMSecurity', '-VM', name), 'Get-VMSecurity for box.xml').toMatchObject({TpmEnabled: false})

    // StepCreateVM cleanup: DeleteVirtualMachine (already Off, so no Stop-VM -TurnOff).
    expect.soft((await ps.one('Get-VM', '-Name', name))?.State).toBe('Off')
    await ps.ok('Remove-VM', '-Name', name, '-Force', '-Confirm:$false')
    await ps.expectCode(3, 'Get-VM', '-Name', name)
  })

  it('clones as the hyperv-vmcx builder does: Export-VMSnapshot, Compare-VM -GenerateNewId -Copy:$false, Import-VM, Rename-VM', {timeout: SEQUENCE_TIMEOUT}, async () => {
    const source = await ps.one('New-VM', '-Name', 'golden', '-Generation', '2', '-MemoryStartupBytes', '512MB', '-NoVHD', '--guest', 'tinyos-hv')
    await ps.ok('Checkpoint-VM', '-Name', 'golden', '-SnapshotName', 'base')
    // DoesVirtualMachineSnapshotExist
    expect.soft((await ps.json('Get-VMSnapshot', '-VMName', 'golden')).map((snapshot) => snapshot.Name)).toContain('base')

    // ExportVmcxVirtualMachine with clone_from_snapshot_name: Export-VMSnapshot, then the folder is flattened.
    const buildDir = join(home, 'packer-clone')
    mkdirSync(buildDir, {recursive: true})
    const [snapshot] = await ps.json('Get-VMSnapshot', '-VMName', 'golden', '-Name', 'base')
    expect.soft(snapshot, 'Get-VMSnapshot -Name').toMatchObject({Name: 'base', VMName: 'golden'})
    await ps.ok('Export-VMSnapshot', '-VMName', 'golden', '-Name', 'base', '-Path', buildDir, '-ErrorAction', 'Stop')
    const working = join(buildDir, 'golden')
    if (existsSync(working)) {
      for (const entry of readdirSync(working)) renameSync(join(working, entry), join(buildDir, entry))
      rmdirSync(working)
    }
    // Without clone_from_snapshot_name and clone_all_snapshots it is Export-VM of the VM instead.
    const whole = join(home, 'packer-clone-all')
    await ps.ok('Export-VM', '-Name', 'golden', '-Path', whole, '-ErrorAction', 'Stop')

    // ImportVmcxVirtualMachine
    const configFile = join(buildDir, 'hv-export.json')
    const vhds = join(buildDir, 'Virtual Hard Disks')
    const [report] = await ps.json(
      'Compare-VM', '-Path', configFile, '-VirtualMachinePath', buildDir, '-SmartPagingFilePath', buildDir,
      '-SnapshotFilePath', buildDir, '-VhdDestinationPath', vhds, '-GenerateNewId', '-Copy:$false',
    )
    expect.soft(report, 'Compare-VM').toMatchObject({Incompatibilities: [], VM: {Name: 'golden'}})
    const reportFile = join(home, 'packer-report.json')
    writeFileSync(reportFile, JSON.stringify(report ?? {}))
    // (Set-VMMemory -VM $compatibilityReport.VM -StartupBytes ... on the planned VM: replayed after the import.)
    const imported = await ps.one('Import-VM', '-CompatibilityReport', reportFile)
    expect.soft(imported?.Id, 'a new id (-GenerateNewId)').toMatch(GUID)
    expect.soft(imported?.Id, 'a new id (-GenerateNewId)').not.toBe(source?.VMId)
    const id: string = imported?.Id ?? imported?.VMId ?? 'missing-id'
    await ps.ok('Set-VMMemory', '-VM', id, '-StartupBytes', String(GB))
    await ps.ok('Rename-VM', '-VM', id, '-NewName', 'packer-clone')
    // StepCloneVM goes on as StepCreateVM does.
    await ps.ok('Set-VMProcessor', '-VMName', 'packer-clone', '-Count', '2')
    await ps.ok('Set-VMMemory', '-VMName', 'packer-clone', '-DynamicMemoryEnabled', '$false')
    const generation = (await ps.one('Get-Vm', '-Name', 'packer-clone'))?.Generation
    expect.soft(generation, 'GetVirtualMachineGeneration').toBe(2)
    await ps.ok('Set-VMFirmware', '-VMName', 'packer-clone', '-EnableSecureBoot', 'Off', '-SecureBootTemplate', 'MicrosoftWindows')
    expect.soft(await ps.one('Get-VM', '-Name', 'packer-clone'), 'the clone').toMatchObject({
      Id: id, MemoryStartup: GB, ProcessorCount: 2, DynamicMemoryEnabled: false, State: 'Off',
    })
    // The clone carries the exported checkpoint's state, and the source keeps its own.
    expect.soft((await ps.one('Get-VM', '-Name', 'golden'))?.VMId, 'the source').toBe(source?.VMId)
    await ps.ok('Remove-VM', '-Name', 'packer-clone', '-Force', '-Confirm:$false')
    await ps.ok('Remove-VM', '-Name', 'golden', '-Force', '-Confirm:$false')
  })
})

describe('Terraform (taliesins/terraform-provider-hyperv, hyperv_machine_instance)', () => {
  it('creates, reads, updates and destroys a machine as the provider does', {timeout: SEQUENCE_TIMEOUT}, async () => {
    const name = 'web'
    const store = join(home, 'ProgramData', 'Hyper-V')
    mkdirSync(store, {recursive: true})
    const setVmArgs = (notes: string, processors: string) => [
      'Set-Vm', '-Name', name, '-GuestControlledCacheTypes', '$false', '-LowMemoryMappedIoSpace', '134217728',
      '-HighMemoryMappedIoSpace', '536870912', '-ProcessorCount', processors, '-AutomaticStartAction', 'StartIfRunning',
      '-AutomaticStopAction', 'Save', '-AutomaticStartDelay', '0', '-AutomaticCriticalErrorAction', 'Pause',
      '-AutomaticCriticalErrorActionTimeout', '30', '-LockOnDisconnect', 'Off', '-Notes', notes,
      '-SnapshotFileLocation', store, '-SmartPagingFilePath', store, '-CheckpointType', 'Production',
      // static_memory = true in the configuration: `$SetVmArgs.StaticMemory = $vm.StaticMemory`.
      '-AllowUnverifiedPaths:$true', '-StaticMemory:$true',
    ]

    // VmExists: a wildcard that matches nothing is no error.
    expect.soft(await ps.json('Get-VM', '-Name', `${name}*`), 'VmExists').toEqual([])

    // CreateVm (network adapter and DVD drive removal left out)
    await ps.ok('New-Vm', '-Name', name, '-Generation', '2', '-MemoryStartupBytes', '536870912', '-NoVHD', '-Path', store, '--guest', 'tinyos-hv')
    await ps.ok('Set-Vm', '-Name', name, '-StaticMemory', '-MemoryStartupBytes', '536870912')
    await ps.ok('Set-Vm', '-Name', name, '-DynamicMemory', '-MemoryMinimumBytes', '536870912', '-MemoryMaximumBytes', '1099511627776')
    await ps.ok(...setVmArgs('', '2'))

    // CreateOrUpdateVmProcessors (MaximumCountPerNumaNode/Socket 0: the host's logical processors and sockets)
    await ps.ok(
      'Set-VMProcessor', '-VMName', name, '-CompatibilityForMigrationEnabled', '$false',
      '-CompatibilityForOlderOperatingSystemsEnabled', '$false', '-HwThreadCountPerCore', '0', '-Maximum', '100',
      '-Reserve', '0', '-RelativeWeight', '100', '-MaximumCountPerNumaNode', '4', '-MaximumCountPerNumaSocket', '1',
      '-EnableHostResourceProtection', '$false', '-ExposeVirtualizationExtensions', '$false',
    )

    // CreateOrUpdateVmIntegrationServices: the provider's defaults, one call per service.
    for (const service of ['VSS', 'Shutdown', 'Time Synchronization', 'Heartbeat', 'Key-Value Pair Exchange']) {
      await ps.ok('Enable-VMIntegrationService', '-VMName', name, '-Name', service)
    }
    await ps.ok('Disable-VMIntegrationService', '-VMName', name, '-Name', 'Guest Service Interface')

    // CreateOrUpdateVmFirmwares (Generation 2; BootOrder names devices: left out)
    await ps.ok(
      'Set-VMFirmware', '-VMName', name, '-EnableSecureBoot', 'Off', '-SecureBootTemplate', 'MicrosoftUEFICertificateAuthority',
      '-PreferredNetworkBootProtocol', 'IPv4', '-ConsoleMode', 'Default', '-PauseAfterBootFailure', 'Off',
    )

    // UpdateVmStatus to Running: Start-VM of an Off VM, then wait for a final state.
    expect.soft((await ps.one('Get-VM', '-Name', `${name}*`))?.State).toBe('Off')
    await ps.ok('Start-VM', '-Name', name)
    await ps.waitForState(['-name', name], 'Running')
    await ps.ok('Wait-VM', '-Name', name, '-For', 'Heartbeat', '-Timeout', '30')

    // resourceHyperVMachineInstanceRead: GetVm, GetVmProcessors, GetVmIntegrationServices, GetVmFirmwares, GetVmStatus
    const vm = await ps.one('Get-VM', '-Name', `${name}*`, '-ErrorAction', 'SilentlyContinue')
    expect.soft(vm, 'GetVm').toMatchObject({
      Name: name, Generation: 2, AutomaticCriticalErrorAction: 'Pause', AutomaticCriticalErrorActionTimeout: 30,
      AutomaticStartAction: 'StartIfRunning', AutomaticStartDelay: 0, AutomaticStopAction: 'Save', CheckpointType: 'Production',
      DynamicMemoryEnabled: false, GuestControlledCacheTypes: false, HighMemoryMappedIoSpace: 536870912, LockOnDisconnect: 'Off',
      LowMemoryMappedIoSpace: 134217728, MemoryMaximum: 1099511627776, MemoryMinimum: 536870912, MemoryStartup: 536870912,
      Notes: '', ProcessorCount: 2, SmartPagingFilePath: store, SnapshotFileLocation: store, State: 'Running',
    })
    expect.soft(String(vm?.Path ?? ''), 'New-VM -Path').toContain(store)
    expect.soft(await ps.one('Get-VMProcessor', '-VMName', name), 'GetVmProcessors').toMatchObject({
      CompatibilityForMigrationEnabled: false, CompatibilityForOlderOperatingSystemsEnabled: false, HwThreadCountPerCore: 0,
      Maximum: 100, Reserve: 0, RelativeWeight: 100, MaximumCountPerNumaNode: 4, MaximumCountPerNumaSocket: 1,
      EnableHostResourceProtection: false, ExposeVirtualizationExtensions: false,
    })
    const services = await ps.json('Get-VMIntegrationService', '-VMName', name)
    expect.soft(Object.fromEntries(services.map((service) => [service.Name, service.Enabled])), 'GetVmIntegrationServices').toEqual({
      'Guest Service Interface': false, Heartbeat: true, 'Key-Value Pair Exchange': true, Shutdown: true,
      'Time Synchronization': true, VSS: true,
    })
    // No drives or adapters (left out): the boot order holds only hv's own boot source, the --guest this replay
    // adds so the VM has something to run (a File entry; Terraform's VM on Hyper-V would have an empty list).
    expect.soft(await ps.one('Get-VMFirmware', '-VMName', name), 'GetVmFirmwares').toMatchObject({
      BootOrder: [expect.objectContaining({BootType: 'File', Description: 'hv built-in guest tinyos-hv'})], SecureBoot: 'Off', SecureBootTemplate: 'MicrosoftUEFICertificateAuthority',
      PreferredNetworkBootProtocol: 'IPv4', ConsoleMode: 'Default', PauseAfterBootFailure: 'Off',
    })
    expect.soft((await ps.one('Get-VM', '-Name', `${name}*`))?.State, 'GetVmStatus').toBe('Running')

    // An update with `state = "Off"`: UpdateVmStatus to Off (Stop-VM -force, wait), then UpdateVm.
    await ps.ok('Stop-VM', '-Name', name, '-force')
    await ps.waitForState(['-name', name], 'Off')
    await ps.ok('Set-Vm', '-Name', name, '-StaticMemory', '-MemoryStartupBytes', '536870912')
    await ps.ok('Set-Vm', '-Name', name, '-DynamicMemory', '-MemoryMinimumBytes', '536870912', '-MemoryMaximumBytes', '1099511627776')
    await ps.ok(...setVmArgs('managed by terraform', '1'))
    expect.soft(await ps.one('Get-VM', '-Name', `${name}*`), 'GetVm after UpdateVm').toMatchObject({
      Notes: 'managed by terraform', ProcessorCount: 1, DynamicMemoryEnabled: false, State: 'Off',
    })

    // resourceHyperVMachineInstanceDelete: DeleteVm, then VmExists
    await ps.ok('Remove-VM', '-Name', name, '-force')
    expect.soft(await ps.json('Get-VM', '-Name', `${name}*`), 'VmExists after delete').toEqual([])
  })
})

describe('minikube (pkg/drivers/hyperv, as docker-machine drivers/hyperv)', () => {
  it('creates, starts, stops and deletes a machine as the driver does', {timeout: SEQUENCE_TIMEOUT}, async () => {
    const store = join(home, '.minikube', 'machines', 'minikube')
    mkdirSync(store, {recursive: true})

    // Create (minikube's fallback memory 3072 MB, 2 CPUs, dynamic memory disabled; switch, DVD and disk left out)
    await ps.ok('New-VM', 'minikube', '-Path', store, '-MemoryStartupBytes', '3072MB', '--guest', 'tinyos-hv')
    await ps.ok('Set-VMMemory', '-VMName', 'minikube', '-DynamicMemoryEnabled', '$false')
    await ps.ok('Set-VMProcessor', 'minikube', '-Count', '2')

    // Start, then GetState (`( Hyper-V\Get-VM minikube ).state`) while it waits for the IP.
    await ps.ok('Start-VM', 'minikube')
    await ps.ok('Wait-VM', '-Name', 'minikube', '-For', 'Heartbeat', '-Timeout', '30')
    const running = await ps.one('Get-VM', 'minikube')
    expect.soft(running, 'GetState').toMatchObject({
      State: 'Running', MemoryStartup: 3072 * MB, MemoryAssigned: 3072 * MB, ProcessorCount: 2, DynamicMemoryEnabled: false, Generation: 1,
    })

    // Stop (graceful, no -Force), then waitStopped polls the state.
    await ps.ok('Stop-VM', 'minikube')
    await ps.waitForState(['minikube'], 'Off')

    // minikube start again, then delete of a running machine: Kill (Stop-VM -TurnOff), waitStopped, Remove-VM -Force.
    await ps.ok('Start-VM', 'minikube')
    expect.soft((await ps.one('Get-VM', 'minikube'))?.State, 'GetState').toBe('Running')
    await ps.ok('Stop-VM', 'minikube', '-TurnOff')
    await ps.waitForState(['minikube'], 'Off')
    await ps.ok('Remove-VM', 'minikube', '-Force')
    await ps.expectCode(3, 'Get-VM', 'minikube')
  })
})

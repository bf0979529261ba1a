import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {InvalidArgumentError, InvalidStateError, NotFoundError} from '../../../src/core/errors.js'
import {checkTransition, type VmOperation} from '../../../src/core/vmms/state-machine.js'
import {Vmms} from '../../../src/core/vmms/vmms.js'
import type {VmRecord, VmState} from '../../../src/core/store/schema.js'
import {tempHome} from '../../helpers/hv.js'

const MB = 1024 * 1024
const GB = 1024 * MB

let vmms: Vmms
let cleanup: () => void

beforeEach(async () => {
  const temp = tempHome('hv-vmms-')
  cleanup = temp.cleanup
  vmms = Vmms.open(temp.home)
  // A fixed emulated host so that limits do not depend on the test machine.
  await vmms.setHost({logicalProcessorCount: 4, memoryCapacity: 8 * GB})
})
afterEach(() => cleanup())

async function setState(id: string, state: VmState): Promise<void> {
  await vmms.store.update((doc) => {
    doc.vms.find((vm) => vm.id === id)!.state = state
  })
}

describe('new VMs', () => {
  it('take the New-VM defaults', async () => {
    const vm = await vmms.newVm({})
    expect(vm).toMatchObject({
      name: 'New Virtual Machine', generation: 1, state: 'Off', status: 'Operating normally', version: '10.0',
      memory: {startup: 512 * MB, dynamicMemoryEnabled: false, buffer: 20, priority: 50},
      processor: {count: 1, reserve: 0, maximum: 100, relativeWeight: 100},
      automaticStartAction: 'StartIfRunning', automaticStopAction: 'Save', checkpointType: 'Production',
    })
    expect(vm.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
  })

  it('may share a name, as in Hyper-V, and are told apart by VMId', async () => {
    const a = await vmms.newVm({name: 'dup'})
    const b = await vmms.newVm({name: 'dup'})
    expect(a.id).not.toBe(b.id)
    expect((await vmms.getVms({names: ['dup']})).map((vm) => vm.id).sort()).toEqual([a.id, b.id].sort())
  })

  it.each([
    [{generation: 3}, /parameter 'Generation'.*maximum allowed range of 2/],
    [{generation: 0}, /parameter 'Generation'.*minimum allowed range of 1/],
    [{memoryStartupBytes: 16 * MB}, /minimum amount of memory .* '32' MB/],
    [{memoryStartupBytes: 33 * MB}, /not a multiple of 2 MB/],
    [{memoryStartupBytes: 16 * GB}, /more than the host's memory capacity/],
    [{name: ''}, /parameter 'Name'. The argument is null or empty/],
    [{name: 'x'.repeat(101)}, /too long/],
    [{name: 'a/b'}, /not valid/],
    [{version: '99.0'}, /not a supported virtual machine configuration version/],
    [{path: 'relative/dir'}, /not an absolute path/],
  ])('refuse %j', async (options, message) => {
    await expect(vmms.newVm(options)).rejects.toThrow(message)
    expect(await vmms.getVms()).toEqual([])
  })
})

describe('configuration changes', () => {
  let vm: VmRecord
  beforeEach(async () => {
    vm = await vmms.newVm({name: 'web01', memoryStartupBytes: GB})
  })

  it('apply processor settings within their ranges', async () => {
    const [after] = await vmms.setProcessor({names: ['web01']}, {count: 2, reserve: 10, maximum: 75, relativeWeight: 200})
    expect(after.processor).toMatchObject({count: 2, reserve: 10, maximum: 75, relativeWeight: 200})
  })

  it.each([
    [{count: 0}, /parameter 'Count'.*minimum allowed range of 1/],
    [{count: 5}, /host has 4 logical processors/],
    [{maximum: 101}, /parameter 'Maximum'.*maximum allowed range of 100/],
    [{reserve: -1}, /parameter 'Reserve'/],
    [{relativeWeight: 10001}, /parameter 'RelativeWeight'/],
    [{reserve: 50, maximum: 40}, /reserve \(50%\) is greater than the maximum \(40%\)/],
  ])('refuse processor settings %j and change nothing', async (changes, message) => {
    await expect(vmms.setProcessor({names: ['web01']}, changes)).rejects.toThrow(message)
    const [after] = await vmms.getVms({names: ['web01']})
    expect(after.processor).toEqual(vm.processor)
  })

  it('check dynamic memory as a whole', async () => {
    await expect(
      vmms.setMemory({ids: [vm.id]}, {dynamicMemoryEnabled: true, minimumBytes: 2 * GB, maximumBytes: GB}),
    ).rejects.toThrow(/minimum memory \(2048 MB\) is greater than the maximum memory \(1024 MB\)/)
    await expect(
      vmms.setMemory({ids: [vm.id]}, {dynamicMemoryEnabled: true, minimumBytes: 256 * MB, maximumBytes: 512 * MB}),
    ).rejects.toThrow(/startup memory \(1024 MB\) must be between/)
    const [after] = await vmms.setMemory(
      {ids: [vm.id]},
      {dynamicMemoryEnabled: true, minimumBytes: 512 * MB, maximumBytes: 2 * GB, buffer: 30, priority: 80},
    )
    expect(after.memory).toEqual({startup: GB, dynamicMemoryEnabled: true, minimum: 512 * MB, maximum: 2 * GB, buffer: 30, priority: 80})
    await expect(vmms.setMemory({ids: [vm.id]}, {buffer: 4})).rejects.toThrow(/parameter 'Buffer'/)
    await expect(vmms.setMemory({ids: [vm.id]}, {priority: 101})).rejects.toThrow(/parameter 'Priority'/)
  })

  it('allow hardware changes only while Off, and other changes in any state', async () => {
    await setState(vm.id, 'Running')
    await expect(vmms.setVm({ids: [vm.id]}, {processorCount: 2})).rejects.toThrow(InvalidStateError)
    await expect(vmms.setMemory({ids: [vm.id]}, {startupBytes: 2 * GB})).rejects.toThrow(
      /'web01' failed to be reconfigured: .* current state \(Running\)/,
    )
    const [after] = await vmms.setVm({ids: [vm.id]}, {notes: 'hello', automaticStopAction: 'ShutDown'})
    expect(after).toMatchObject({notes: 'hello', automaticStopAction: 'ShutDown'})
    const [renamed] = await vmms.renameVm({ids: [vm.id]}, 'web02')
    expect(renamed.name).toBe('web02')
  })

  it('remove only Off or Saved VMs', async () => {
    await setState(vm.id, 'Running')
    await expect(vmms.removeVm({ids: [vm.id]})).rejects.toThrow(/'web01' failed to be deleted/)
    await setState(vm.id, 'Saved')
    await vmms.removeVm({ids: [vm.id]})
    await expect(vmms.getVms({names: ['web01']})).rejects.toThrow(NotFoundError)
  })

  it('log who did what to which VM, newest first', async () => {
    await vmms.setVm({ids: [vm.id]}, {notes: 'x'})
    const events = await vmms.getEvents({vmNames: ['web*']})
    expect(events.map((e) => e.message)).toEqual([
      "Virtual machine 'web01' was reconfigured: Notes.",
      "Virtual machine 'web01' was created (Generation 1, 1024 MB, version 10.0).",
    ])
    expect(events[0]).toMatchObject({vmId: vm.id, vmName: 'web01', level: 'Information'})
    expect(events[0].user.length).toBeGreaterThan(0)
    expect(await vmms.getEvents({maxEvents: 1})).toHaveLength(1)
  })

  it('reject bad host settings', async () => {
    await expect(vmms.setHost({logicalProcessorCount: 0})).rejects.toThrow(InvalidArgumentError)
    await expect(vmms.setHost({macAddressMinimum: 'zz'})).rejects.toThrow(/not a MAC address/)
    await expect(vmms.setHost({macAddressMinimum: '00155D0101FF', macAddressMaximum: '00155D010100'})).rejects.toThrow(
      /minimum 00155D0101FF is greater than the maximum/,
    )
    const host = await vmms.setHost({macAddressMinimum: '00-15-5d-01-01-00', macAddressMaximum: '00155D0101FF'})
    expect(host.macAddressMinimum).toBe('00155D010100')
  })
})

describe('the state machine', () => {
  const table: [VmOperation, VmState[], VmState[]][] = [
    ['start', ['Off', 'Saved', 'Paused', 'OffCritical'], ['Starting', 'Stopping', 'Saving']],
    ['stop', ['Running'], ['Paused', 'Saved', 'Starting']],
    ['turn-off', ['Running', 'Paused', 'Saved'], ['Starting', 'Saving']],
    ['save', ['Running', 'Paused'], ['Off', 'Starting']],
    ['pause', ['Running'], ['Off', 'Saved']],
    ['resume', ['Paused'], ['Off', 'Saved']],
    ['restart', ['Running'], ['Off', 'Paused']],
    ['remove', ['Off', 'Saved'], ['Running', 'Paused', 'Starting']],
  ]
  const vmIn = (state: VmState) => ({name: 'v', state}) as VmRecord

  it.each(table)('%s is allowed from %j and refused from %j', (op, allowed, refused) => {
    for (const state of allowed) expect(checkTransition(vmIn(state), op)).toEqual({allowed: true})
    for (const state of refused) expect(() => checkTransition(vmIn(state), op)).toThrow(InvalidStateError)
  })

  it('reports a request for the state the VM is already in as such, not as an error', () => {
    expect(checkTransition(vmIn('Running'), 'start')).toEqual({allowed: false, alreadyThere: true})
    expect(checkTransition(vmIn('Off'), 'turn-off')).toEqual({allowed: false, alreadyThere: true})
    expect(checkTransition(vmIn('Saved'), 'save')).toEqual({allowed: false, alreadyThere: true})
  })
})

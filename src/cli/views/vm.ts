import type {VmRecord} from '../../core/vmms/index.js'
import {formatTimeSpan, type View} from '../render.js'

const MB = 1024 * 1024

/** Get-VM's VirtualMachine object (the properties scripts use most). */
export function virtualMachineObject(vm: VmRecord) {
  const running = vm.state === 'Running' || vm.state === 'Paused'
  return {
    Name: vm.name,
    VMName: vm.name,
    VMId: vm.id,
    State: vm.state,
    Status: vm.status,
    Generation: vm.generation,
    Version: vm.version,
    ProcessorCount: vm.processor.count,
    CPUUsage: 0,
    MemoryStartup: vm.memory.startup,
    MemoryMinimum: vm.memory.minimum,
    MemoryMaximum: vm.memory.maximum,
    DynamicMemoryEnabled: vm.memory.dynamicMemoryEnabled,
    MemoryAssigned: running ? vm.memory.startup : 0,
    Uptime: formatTimeSpan(0),
    Heartbeat: null,
    IntegrationServicesState: null,
    Path: vm.path,
    Notes: vm.notes,
    CreationTime: vm.creationTime,
    AutomaticStartAction: vm.automaticStartAction,
    AutomaticStopAction: vm.automaticStopAction,
    AutomaticStartDelay: vm.automaticStartDelay,
    CheckpointType: vm.checkpointType,
    AutomaticCheckpointsEnabled: vm.automaticCheckpointsEnabled,
    ParentCheckpointId: null,
    ParentCheckpointName: null,
  }
}

export const vmView: View<VmRecord, ReturnType<typeof virtualMachineObject>> = {
  object: virtualMachineObject,
  columns: [
    {header: 'Name', value: (vm) => vm.name},
    {header: 'State', value: (vm) => vm.state},
    {header: 'CPUUsage(%)', value: () => 0, align: 'right'},
    {header: 'MemoryAssigned(M)', value: (vm) => virtualMachineObject(vm).MemoryAssigned / MB, align: 'right'},
    {header: 'Uptime', value: () => formatTimeSpan(0)},
    {header: 'Status', value: (vm) => vm.status},
    {header: 'Version', value: (vm) => vm.version},
  ],
}

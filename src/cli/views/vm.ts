import type {VmRecord} from '../../core/vmms/index.js'
import type {WorkerStatus} from '../../core/worker/control-protocol.js'
import {formatTimeSpan, type View} from '../render.js'

const MB = 1024 * 1024

/** A VM as get-vm shows it: its configuration and, while it runs, its worker's live figures. */
export interface VmWithStatus {
  vm: VmRecord
  live?: WorkerStatus
}

function bootSourceText(vm: VmRecord): string | null {
  const source = vm.bootSource
  if (!source) return null
  return source.kind === 'guest' ? source.name : source.path
}

/** Get-VM's VirtualMachine object (the properties scripts use most), plus hv's boot settings. */
export function virtualMachineObject({vm, live}: VmWithStatus) {
  return {
    Name: vm.name,
    VMName: vm.name,
    VMId: vm.id,
    State: vm.state,
    Status: vm.status,
    Generation: vm.generation,
    Version: vm.version,
    ProcessorCount: vm.processor.count,
    CPUUsage: live?.cpuUsage ?? 0,
    MemoryStartup: vm.memory.startup,
    MemoryMinimum: vm.memory.minimum,
    MemoryMaximum: vm.memory.maximum,
    DynamicMemoryEnabled: vm.memory.dynamicMemoryEnabled,
    MemoryAssigned: live?.memoryAssigned ?? 0,
    Uptime: formatTimeSpan(live?.uptimeSeconds ?? 0),
    Heartbeat: live?.heartbeat ?? null,
    IntegrationServicesState: live?.integrationServicesState ?? null,
    Path: vm.path,
    Notes: vm.notes,
    CreationTime: vm.creationTime,
    AutomaticStartAction: vm.automaticStartAction,
    AutomaticStopAction: vm.automaticStopAction,
    AutomaticStartDelay: vm.automaticStartDelay,
    CheckpointType: vm.checkpointType,
    AutomaticCheckpointsEnabled: vm.automaticCheckpointsEnabled,
    ParentCheckpointId: vm.parentCheckpointId ?? null,
    ParentCheckpointName: vm.parentCheckpointName ?? null,
    BootSourceType: vm.bootSource?.kind === 'guest' ? 'Guest' : vm.bootSource?.kind === 'kernel' ? 'Kernel' : vm.bootSource?.kind === 'firmware' ? 'Firmware' : 'None',
    BootSource: bootSourceText(vm),
    TimeMode: vm.timeMode,
    TripleFaultAction: vm.tripleFaultAction,
    WorkerProcessId: vm.worker?.pid ?? null,
    Counters: live ? {Instructions: live.instructions, ...live.counters} : null,
  }
}

export const vmView: View<VmWithStatus, ReturnType<typeof virtualMachineObject>> = {
  object: virtualMachineObject,
  columns: [
    {header: 'Name', value: ({vm}) => vm.name},
    {header: 'State', value: ({vm}) => vm.state},
    {header: 'CPUUsage(%)', value: ({live}) => live?.cpuUsage ?? 0, align: 'right'},
    {header: 'MemoryAssigned(M)', value: ({live}) => (live?.memoryAssigned ?? 0) / MB, align: 'right'},
    {header: 'Uptime', value: ({live}) => formatTimeSpan(live?.uptimeSeconds ?? 0)},
    {header: 'Status', value: ({vm}) => vm.status},
    {header: 'Version', value: ({vm}) => vm.version},
  ],
}

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

/**
 * Get-VM's VirtualMachine object: every property of it hv can know, in one
 * place (scripts read them by name: `(Get-VM x).State`, `Select-Object Id`),
 * then hv's own boot settings and live counters. Properties of hardware hv
 * does not have yet (drives, adapters) are empty lists, as on a VM without them.
 */
export function virtualMachineObject({vm, live}: VmWithStatus) {
  const running = live !== undefined
  const uptime = formatTimeSpan(live?.uptimeSeconds ?? 0)
  return {
    Name: vm.name,
    VMName: vm.name,
    Id: vm.id,
    VMId: vm.id,
    State: vm.state,
    Status: vm.status,
    OperationalStatus: [vm.status === 'Operating normally' ? 'Ok' : 'Degraded'],
    PrimaryStatusDescription: vm.status === 'Operating normally' ? 'OK' : vm.status,
    SecondaryStatusDescription: null,
    StatusDescriptions: [vm.status === 'Operating normally' ? 'Operating normally' : vm.status],
    Generation: vm.generation,
    Version: vm.version,
    VirtualMachineType: 'RealizedVirtualMachine',
    VirtualMachineSubType: vm.generation === 2 ? 'Generation2' : 'Generation1',
    IsClustered: false,
    IsDeleted: false,
    ComputerName: 'localhost',
    ProcessorCount: vm.processor.count,
    CPUUsage: live?.cpuUsage ?? 0,
    MemoryStartup: vm.memory.startup,
    MemoryMinimum: vm.memory.minimum,
    MemoryMaximum: vm.memory.maximum,
    DynamicMemoryEnabled: vm.memory.dynamicMemoryEnabled,
    MemoryAssigned: live?.memoryAssigned ?? 0,
    // hv has no memory balloon: what a running VM demands is what it was given.
    MemoryDemand: live?.memoryAssigned ?? 0,
    MemoryStatus: running ? '' : null,
    NumaAligned: running ? true : null,
    NumaNodesCount: 1,
    NumaSocketCount: 1,
    Uptime: uptime,
    Heartbeat: live?.heartbeat ?? null,
    IntegrationServicesState: live?.integrationServicesState ?? null,
    IntegrationServicesVersion: null,
    Path: vm.path,
    ConfigurationLocation: vm.path,
    SnapshotFileLocation: vm.settings.snapshotFileLocation,
    CheckpointFileLocation: vm.settings.snapshotFileLocation,
    SmartPagingFilePath: vm.settings.smartPagingFilePath,
    SmartPagingFileInUse: false,
    SizeOfSystemFiles: 0,
    Notes: vm.notes,
    CreationTime: vm.creationTime,
    AutomaticStartAction: vm.automaticStartAction,
    AutomaticStopAction: vm.automaticStopAction,
    AutomaticStartDelay: vm.automaticStartDelay,
    AutomaticCriticalErrorAction: vm.settings.automaticCriticalErrorAction,
    AutomaticCriticalErrorActionTimeout: vm.settings.automaticCriticalErrorActionTimeout,
    CheckpointType: vm.checkpointType,
    AutomaticCheckpointsEnabled: vm.automaticCheckpointsEnabled,
    ParentCheckpointId: vm.parentCheckpointId ?? null,
    ParentCheckpointName: vm.parentCheckpointName ?? null,
    ParentSnapshotId: vm.parentCheckpointId ?? null,
    ParentSnapshotName: vm.parentCheckpointName ?? null,
    LockOnDisconnect: vm.settings.lockOnDisconnect,
    GuestControlledCacheTypes: vm.settings.guestControlledCacheTypes,
    LowMemoryMappedIoSpace: vm.settings.lowMemoryMappedIoSpace,
    HighMemoryMappedIoSpace: vm.settings.highMemoryMappedIoSpace,
    EnhancedSessionTransportType: vm.settings.enhancedSessionTransportType,
    ReplicationState: 'Disabled',
    ReplicationHealth: 'NotApplicable',
    ReplicationMode: 'None',
    Groups: [],
    HardDrives: [],
    DVDDrives: [],
    NetworkAdapters: [],
    FibreChannelHostBusAdapters: [],
    BatteryPassthroughEnabled: false,
    ResourceMeteringEnabled: (vm.resourceMetering ?? null) !== null,
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

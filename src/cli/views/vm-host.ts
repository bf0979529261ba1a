import {SUPPORTED_VM_VERSIONS, type ResolvedHost} from '../../core/vmms/index.js'
import {formatTimeSpan, type View} from '../render.js'

/** Get-VMHost's VMHost object. */
export function vmHostObject(host: ResolvedHost) {
  return {
    Name: host.computerName,
    ComputerName: host.computerName,
    LogicalProcessorCount: host.logicalProcessorCount,
    MemoryCapacity: host.memoryCapacity,
    VirtualHardDiskPath: host.virtualHardDiskPath,
    VirtualMachinePath: host.virtualMachinePath,
    MacAddressMinimum: host.macAddressMinimum,
    MacAddressMaximum: host.macAddressMaximum,
    ResourceMeteringSaveInterval: formatTimeSpan(host.resourceMeteringSaveIntervalSeconds),
    SupportedVmVersions: [...SUPPORTED_VM_VERSIONS],
    VirtualMachineMigrationEnabled: false,
  }
}

export const vmHostView: View<ResolvedHost, ReturnType<typeof vmHostObject>> = {
  object: vmHostObject,
  columns: [
    {header: 'Name', value: (h) => h.computerName},
    {header: 'LogicalProcessorCount', value: (h) => h.logicalProcessorCount, align: 'right'},
    {header: 'MemoryCapacity', value: (h) => h.memoryCapacity, align: 'right'},
    {header: 'VirtualMachineMigrationEnabled', value: () => false},
  ],
}

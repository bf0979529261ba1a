import type {VmRecord} from '../../core/vmms/index.js'
import type {View} from '../render.js'

const MB = 1024 * 1024

/** Get-VMMemory's VMMemory object. */
export function vmMemoryObject(vm: VmRecord) {
  const m = vm.memory
  return {
    VMName: vm.name,
    VMId: vm.id,
    DynamicMemoryEnabled: m.dynamicMemoryEnabled,
    Minimum: m.minimum,
    Startup: m.startup,
    Maximum: m.maximum,
    Buffer: m.buffer,
    Priority: m.priority,
  }
}

export const vmMemoryView: View<VmRecord, ReturnType<typeof vmMemoryObject>> = {
  object: vmMemoryObject,
  columns: [
    {header: 'VMName', value: (vm) => vm.name},
    {header: 'DynamicMemoryEnabled', value: (vm) => vm.memory.dynamicMemoryEnabled},
    {header: 'Minimum(M)', value: (vm) => vm.memory.minimum / MB, align: 'right'},
    {header: 'Startup(M)', value: (vm) => vm.memory.startup / MB, align: 'right'},
    {header: 'Maximum(M)', value: (vm) => vm.memory.maximum / MB, align: 'right'},
  ],
}

import type {VmRecord} from '../../core/vmms/index.js'
import type {View} from '../render.js'

/** Get-VMProcessor's VMProcessor object. */
export function vmProcessorObject(vm: VmRecord) {
  const p = vm.processor
  return {
    VMName: vm.name,
    VMId: vm.id,
    Count: p.count,
    Reserve: p.reserve,
    Maximum: p.maximum,
    RelativeWeight: p.relativeWeight,
    CompatibilityForMigrationEnabled: p.compatibilityForMigrationEnabled,
    CompatibilityForOlderOperatingSystemsEnabled: p.compatibilityForOlderOperatingSystemsEnabled,
    ExposeVirtualizationExtensions: p.exposeVirtualizationExtensions,
    HwThreadCountPerCore: p.hwThreadCountPerCore,
    MaximumCountPerNumaNode: p.maximumCountPerNumaNode,
    MaximumCountPerNumaSocket: p.maximumCountPerNumaSocket,
    EnableHostResourceProtection: p.enableHostResourceProtection,
  }
}

export const vmProcessorView: View<VmRecord, ReturnType<typeof vmProcessorObject>> = {
  object: vmProcessorObject,
  columns: [
    {header: 'VMName', value: (vm) => vm.name},
    {header: 'Count', value: (vm) => vm.processor.count, align: 'right'},
    {header: 'CompatibilityForMigrationEnabled', value: (vm) => vm.processor.compatibilityForMigrationEnabled},
    {
      header: 'CompatibilityForOlderOperatingSystemsEnabled',
      value: (vm) => vm.processor.compatibilityForOlderOperatingSystemsEnabled,
    },
  ],
}

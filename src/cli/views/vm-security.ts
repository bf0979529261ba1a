import type {VmRecord} from '../../core/vmms/index.js'
import type {View} from '../render.js'

/**
 * Get-VMSecurity's VMSecurity object. hv gives a VM no virtual TPM, no key
 * storage drive and no shielding, so each of these is false, as on a Hyper-V
 * VM that has none of them; scripts read TpmEnabled to decide what to record.
 */
export function vmSecurityObject(vm: VmRecord) {
  return {
    VMName: vm.name,
    VMId: vm.id,
    TpmEnabled: false,
    KsdEnabled: false,
    Shielded: false,
    EncryptStateAndVmMigrationTraffic: false,
    VirtualizationBasedSecurityOptOut: false,
    BindToHostTpm: false,
  }
}

export const vmSecurityView: View<VmRecord, ReturnType<typeof vmSecurityObject>> = {
  object: vmSecurityObject,
  columns: [
    {header: 'VMName', value: (vm) => vm.name},
    {header: 'TpmEnabled', value: () => false},
    {header: 'KsdEnabled', value: () => false},
    {header: 'Shielded', value: () => false},
    {header: 'EncryptStateAndVmMigrationTraffic', value: () => false},
  ],
}

import {biosOf, bootEntriesOf, secureBootTemplateName, uefiOf, type VmRecord} from '../../core/vmms/index.js'
import type {View} from '../render.js'

/** Get-VMFirmware's VMFirmware object (Generation 2), its BootOrder as VMBootSource objects. */
export function vmFirmwareObject(vm: VmRecord) {
  const uefi = uefiOf(vm)
  return {
    VMName: vm.name,
    VMId: vm.id,
    SecureBoot: uefi.secureBoot,
    SecureBootTemplate: secureBootTemplateName(uefi.secureBootTemplateId),
    SecureBootTemplateId: uefi.secureBootTemplateId,
    PreferredNetworkBootProtocol: uefi.preferredNetworkBootProtocol,
    BootOrder: bootEntriesOf(vm).map((entry) => ({
      VMName: vm.name,
      VMId: vm.id,
      BootType: entry.bootType,
      // hv's own boot source lives on no drive of the VM.
      Device: entry.device === 'File' ? null : entry.device,
      Description: entry.description,
      FirmwarePath: entry.firmwarePath,
    })),
    ConsoleMode: uefi.consoleMode,
    PauseAfterBootFailure: uefi.pauseAfterBootFailure,
  }
}

export const vmFirmwareView: View<VmRecord, ReturnType<typeof vmFirmwareObject>> = {
  object: vmFirmwareObject,
  columns: [
    {header: 'VMName', value: (vm) => vm.name},
    {header: 'SecureBoot', value: (vm) => uefiOf(vm).secureBoot},
    {header: 'SecureBootTemplate', value: (vm) => secureBootTemplateName(uefiOf(vm).secureBootTemplateId)},
    {header: 'PreferredNetworkBootProtocol', value: (vm) => uefiOf(vm).preferredNetworkBootProtocol},
    // PowerShell shows a collection of VMBootSource objects by their BootType.
    {header: 'BootOrder', value: (vm) => bootEntriesOf(vm).map((entry) => entry.bootType)},
  ],
}

/** Get-VMBios's VMBios object (Generation 1). */
export function vmBiosObject(vm: VmRecord) {
  const bios = biosOf(vm)
  return {VMName: vm.name, VMId: vm.id, StartupOrder: [...bios.startupOrder], NumLockEnabled: bios.numLockEnabled}
}

export const vmBiosView: View<VmRecord, ReturnType<typeof vmBiosObject>> = {
  object: vmBiosObject,
  columns: [
    {header: 'VMName', value: (vm) => vm.name},
    {header: 'StartupOrder', value: (vm) => biosOf(vm).startupOrder},
    {header: 'NumLockEnabled', value: (vm) => biosOf(vm).numLockEnabled},
  ],
}

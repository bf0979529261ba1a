import {storageOf, type VmRecord} from '../../core/vmms/index.js'
import type {View} from '../render.js'

/** Get-VMFloppyDiskDrive's FloppyDiskDrive object. */
export function floppyDriveObject(vm: VmRecord) {
  return {Name: 'Diskette Drive', VMName: vm.name, VMId: vm.id, Path: storageOf(vm).floppyPath ?? ''}
}

export const floppyDriveView: View<VmRecord, ReturnType<typeof floppyDriveObject>> = {
  object: floppyDriveObject,
  columns: [
    {header: 'VMName', value: (vm) => vm.name},
    {header: 'Path', value: (vm) => storageOf(vm).floppyPath ?? ''},
  ],
}

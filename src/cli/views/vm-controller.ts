import {driveName, type ControllerRow} from '../../core/vmms/index.js'
import type {View} from '../render.js'

/** Get-VMScsiController's and Get-VMIdeController's controller objects. */
export function controllerObject(row: ControllerRow) {
  return {
    Name: `${row.controllerType === 'IDE' ? 'IDE Controller' : 'SCSI Controller'} ${row.number}`,
    VMName: row.vm.name,
    VMId: row.vm.id,
    ControllerNumber: row.number,
    Drives: row.drives.map(driveName),
    IsDeleted: false,
  }
}

export const controllerView: View<ControllerRow, ReturnType<typeof controllerObject>> = {
  object: controllerObject,
  columns: [
    {header: 'VMName', value: (r) => r.vm.name},
    {header: 'ControllerNumber', value: (r) => r.number, align: 'right'},
    {header: 'Drives', value: (r) => `{${r.drives.map(driveName).join(', ')}}`},
  ],
}

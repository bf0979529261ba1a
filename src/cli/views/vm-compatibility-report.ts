import type {CompatibilityReport} from '../../core/vmms/export-import/export-import-service.js'
import type {View} from '../render.js'
import {virtualMachineObject} from './vm.js'

/**
 * Compare-VM's VMCompatibilityReport. Its JSON is what import-vm
 * --compatibility-report reads back: the path and options of the planned
 * import, and the VM it would register (whose Name may be edited first).
 */
export function compatibilityReportObject(report: CompatibilityReport) {
  return {
    OperationType: 'ImportVirtualMachine',
    Destination: 'localhost',
    Path: report.folder,
    Copy: report.copy,
    GenerateNewId: report.generateNewId,
    VirtualMachinePath: report.vm.path,
    SnapshotPath: report.snapshotPath,
    VhdDestinationPath: report.vhdDestinationPath,
    VhdSourcePath: null,
    VM: virtualMachineObject({vm: report.vm}),
    Incompatibilities: report.incompatibilities.map((i) => ({Message: i.message, Source: report.vm.name})),
  }
}

export const compatibilityReportView: View<CompatibilityReport, ReturnType<typeof compatibilityReportObject>> = {
  object: compatibilityReportObject,
  columns: [
    {header: 'VM', value: (r) => r.vm.name},
    {header: 'OperationType', value: () => 'ImportVirtualMachine'},
    {header: 'Destination', value: () => 'localhost'},
    {header: 'Path', value: (r) => r.folder},
    {header: 'Incompatibilities', value: (r) => r.incompatibilities.length},
  ],
}

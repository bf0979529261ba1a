import {integrationServiceInfo, type IntegrationServiceRow, type VmRecord} from '../../core/vmms/index.js'
import type {View} from '../render.js'

/** One integration service of one VM. */
export interface VmIntegrationService {
  vm: VmRecord
  row: IntegrationServiceRow
}

/** Get-VMIntegrationService's VMIntegrationComponent object. */
export function vmIntegrationServiceObject({vm, row}: VmIntegrationService) {
  const componentId = integrationServiceInfo(row.Name)?.componentId
  return {
    VMName: vm.name,
    VMId: vm.id,
    Id: componentId ? `Microsoft:${vm.id.toUpperCase()}\\${componentId}` : null,
    Name: row.Name,
    Enabled: row.Enabled,
    PrimaryStatusDescription: row.PrimaryStatusDescription,
    SecondaryStatusDescription: row.SecondaryStatusDescription,
  }
}

export const vmIntegrationServiceView: View<VmIntegrationService, ReturnType<typeof vmIntegrationServiceObject>> = {
  object: vmIntegrationServiceObject,
  columns: [
    {header: 'VMName', value: ({vm}) => vm.name},
    {header: 'Name', value: ({row}) => row.Name},
    {header: 'Enabled', value: ({row}) => row.Enabled},
    {header: 'PrimaryStatusDescription', value: ({row}) => row.PrimaryStatusDescription},
    {header: 'SecondaryStatusDescription', value: ({row}) => row.SecondaryStatusDescription},
  ],
}

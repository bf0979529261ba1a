import type {HostSupportedVersion} from '../../core/vmms/index.js'
import type {View} from '../render.js'

/** Get-VMHostSupportedVersion's VMHostSupportedVersion object. */
export function hostSupportedVersionObject(v: HostSupportedVersion) {
  return {Name: v.name, Version: v.version, IsDefault: v.isDefault}
}

export const hostSupportedVersionView: View<HostSupportedVersion, ReturnType<typeof hostSupportedVersionObject>> = {
  object: hostSupportedVersionObject,
  columns: [
    {header: 'Name', value: (v) => v.name},
    {header: 'Version', value: (v) => v.version},
    {header: 'IsDefault', value: (v) => v.isDefault},
  ],
}

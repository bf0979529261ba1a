import type {PluginDeviceRow} from '../../core/vmms/index.js'
import type {View} from '../render.js'

/** get-vmplugindevice's object: the plug-in device as the VM's configuration keeps it. */
export function vmPluginDeviceObject({vm, device}: PluginDeviceRow) {
  return {
    VMName: vm.name,
    VMId: vm.id,
    Name: device.name,
    Kind: device.kind,
    Path: device.path,
    Config: device.config,
  }
}

export const vmPluginDeviceView: View<PluginDeviceRow, ReturnType<typeof vmPluginDeviceObject>> = {
  object: vmPluginDeviceObject,
  columns: [
    {header: 'VMName', value: ({vm}) => vm.name},
    {header: 'Name', value: ({device}) => device.name},
    {header: 'Kind', value: ({device}) => device.kind},
    {header: 'Path', value: ({device}) => device.path},
    {header: 'Config', value: ({device}) => JSON.stringify(device.config)},
  ],
}

import {Args, Flags} from '@oclif/core'

import {HvCommand} from '../cli/base-command.js'
import {outputFlags, vmIdFlag} from '../cli/flags.js'
import {vmPluginDeviceView} from '../cli/views/vm-plugin-device.js'

export default class GetVmPluginDevice extends HvCommand {
  static summary = 'List the plug-in devices of VMs.'
  static examples = ['<%= config.bin %> get-vmplugindevice', '<%= config.bin %> get-vmplugindevice web01 --json']
  static strict = false
  static args = {vmName: Args.string({description: 'VM names (wildcards allowed); all VMs when omitted.'})}
  static flags = {...vmIdFlag, name: Flags.string({description: 'Only the device with this name.'}), ...outputFlags}

  async run(): Promise<void> {
    const {argv, flags} = await this.parse(GetVmPluginDevice)
    const vms = await this.vmms.getVms({names: this.names(argv), ids: flags.id ?? []})
    await this.print(this.vmms.pluginDevices.rows(vms, flags.name), vmPluginDeviceView, flags)
  }
}

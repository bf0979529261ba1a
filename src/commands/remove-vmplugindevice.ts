import {Flags} from '@oclif/core'

import {HvCommand} from '../cli/base-command.js'
import {vmIdFlag, vmNameArg, whatIfFlag} from '../cli/flags.js'
import {InvalidArgumentError} from '../core/errors.js'

export default class RemoveVmPluginDevice extends HvCommand {
  static summary = 'Remove a plug-in device from VMs.'
  static description = 'The VM must be off.'
  static examples = ['<%= config.bin %> remove-vmplugindevice web01 -Name countdown-timer']
  static strict = false
  static args = {vmName: vmNameArg('The VM names (wildcards allowed).')}
  static flags = {...vmIdFlag, name: Flags.string({description: 'The device to remove.'}), ...whatIfFlag}

  async run(): Promise<void> {
    const {argv, flags} = await this.parse(RemoveVmPluginDevice)
    const name = flags.name
    if (!name) throw new InvalidArgumentError('Cannot process command because of one or more missing mandatory parameters: Name.')
    await this.actOnVms(this.selector(argv, flags.id, 'VMName'), 'Remove-VMPluginDevice', flags, async (ids) => {
      await this.vmms.pluginDevices.remove({ids}, name)
      return []
    })
  }
}

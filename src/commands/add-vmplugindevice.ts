import {Flags} from '@oclif/core'

import {HvCommand} from '../cli/base-command.js'
import {outputFlags, passthruFlag, vmIdFlag, vmNameArg, whatIfFlag} from '../cli/flags.js'
import {vmPluginDeviceView} from '../cli/views/vm-plugin-device.js'
import {InvalidArgumentError} from '../core/errors.js'
import type {PluginDeviceRow} from '../core/vmms/index.js'

export default class AddVmPluginDevice extends HvCommand {
  static summary = 'Add a plug-in device (a device kind from an ES module outside hv) to VMs.'
  static description =
    'The module is loaded and the configuration checked by the device kind now; the motherboard must take the ports and ranges it claims. ' +
    'The VM must be off. See "Plug-in devices" in the README for the contract.'
  static examples = [
    '<%= config.bin %> add-vmplugindevice web01 -Path examples/vdevs/countdown-timer.mjs',
    `<%= config.bin %> add-vmplugindevice web01 -Path ./timer.mjs -Name timer2 -Config '{"basePort": 800, "irq": 10}'`,
  ]
  static strict = false
  static args = {vmName: vmNameArg('The VM names (wildcards allowed).')}
  static flags = {
    ...vmIdFlag,
    path: Flags.string({description: 'The ES module whose default export is the device kind.'}),
    name: Flags.string({description: 'The device\'s name in the VM (default: the last part of the kind\'s id).'}),
    config: Flags.string({description: 'The device\'s configuration, a JSON object (default {}).'}),
    ...passthruFlag,
    ...whatIfFlag,
    ...outputFlags,
  }

  async run(): Promise<void> {
    const {argv, flags} = await this.parse(AddVmPluginDevice)
    if (!flags.path) throw new InvalidArgumentError('Cannot process command because of one or more missing mandatory parameters: Path.')
    const config = flags.config === undefined ? undefined : parseJson(flags.config)
    const rows: PluginDeviceRow[] = []
    await this.actOnVms(this.selector(argv, flags.id, 'VMName'), 'Add-VMPluginDevice', flags, async (ids) => {
      rows.push(...(await this.vmms.pluginDevices.add({ids}, {path: flags.path!, name: flags.name, config})))
      return []
    })
    if (flags.passthru) await this.print(rows, vmPluginDeviceView, flags)
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch (error) {
    throw new InvalidArgumentError(`Cannot bind parameter 'Config': it is not JSON (${(error as Error).message}).`)
  }
}

import {Args} from '@oclif/core'

import {HvCommand} from '../cli/base-command.js'
import {integerFlag, outputFlags, vmIdFlag} from '../cli/flags.js'
import {controllerView} from '../cli/views/vm-controller.js'

export default class GetVmIdeController extends HvCommand {
  static summary = 'List the IDE controllers of Generation 1 VMs and their drives (Get-VMIdeController).'
  static description = 'Generation 1 VMs have IDE controllers 0 and 1; Generation 2 VMs have none.'
  static examples = ['<%= config.bin %> get-vmidecontroller web01', '<%= config.bin %> get-vmidecontroller --json']
  static strict = false
  static args = {vmName: Args.string({description: 'VM names (wildcards allowed); all VMs when omitted.'})}
  static flags = {...vmIdFlag, 'controller-number': integerFlag('ControllerNumber', 'Only this controller (0 or 1).'), ...outputFlags}

  async run(): Promise<void> {
    const {argv, flags} = await this.parse(GetVmIdeController)
    const vms = await this.vmms.getVms({names: this.names(argv), ids: flags.id ?? []})
    await this.print(this.vmms.drives.controllers(vms, 'IDE', flags['controller-number']), controllerView, flags)
  }
}

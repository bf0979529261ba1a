import {Args} from '@oclif/core'

import {HvCommand} from '../cli/base-command.js'
import {integerFlag, outputFlags, vmIdFlag} from '../cli/flags.js'
import {controllerView} from '../cli/views/vm-controller.js'

export default class GetVmScsiController extends HvCommand {
  static summary = 'List the SCSI controllers of VMs and their drives (Get-VMScsiController).'
  static examples = ['<%= config.bin %> get-vmscsicontroller web01', '<%= config.bin %> get-vmscsicontroller web01 -ControllerNumber 0 --json']
  static strict = false
  static args = {vmName: Args.string({description: 'VM names (wildcards allowed); all VMs when omitted.'})}
  static flags = {...vmIdFlag, 'controller-number': integerFlag('ControllerNumber', 'Only this controller.'), ...outputFlags}

  async run(): Promise<void> {
    const {argv, flags} = await this.parse(GetVmScsiController)
    const vms = await this.vmms.getVms({names: this.names(argv), ids: flags.id ?? []})
    await this.print(this.vmms.drives.controllers(vms, 'SCSI', flags['controller-number']), controllerView, flags)
  }
}

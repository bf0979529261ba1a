import {Args} from '@oclif/core'

import {HvCommand} from '../cli/base-command.js'
import {outputFlags, vmIdFlag} from '../cli/flags.js'
import {floppyDriveView} from '../cli/views/vm-floppy.js'

export default class GetVmFloppyDiskDrive extends HvCommand {
  static summary = 'Show the floppy drive of Generation 1 VMs (Get-VMFloppyDiskDrive).'
  static examples = ['<%= config.bin %> get-vmfloppydiskdrive web01']
  static strict = false
  static args = {vmName: Args.string({description: 'VM names (wildcards allowed); all VMs when omitted.'})}
  static flags = {...vmIdFlag, ...outputFlags}

  async run(): Promise<void> {
    const {argv, flags} = await this.parse(GetVmFloppyDiskDrive)
    const vms = await this.vmms.getVms({names: this.names(argv), ids: flags.id ?? []})
    await this.print(vms.filter((vm) => vm.generation === 1), floppyDriveView, flags)
  }
}

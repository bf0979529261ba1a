import {Args} from '@oclif/core'

import {HvCommand} from '../cli/base-command.js'
import {driveSlotFlags, partialSlot} from '../cli/drive-flags.js'
import {outputFlags, vmIdFlag} from '../cli/flags.js'
import {dvdDriveView} from '../cli/views/vm-drive.js'

export default class GetVmDvdDrive extends HvCommand {
  static summary = 'List the DVD drives of VMs (Get-VMDvdDrive).'
  static examples = ['<%= config.bin %> get-vmdvddrive web01', '<%= config.bin %> get-vmdvddrive --json']
  static strict = false
  static args = {vmName: Args.string({description: 'VM names (wildcards allowed); all VMs when omitted.'})}
  static flags = {...vmIdFlag, ...driveSlotFlags, ...outputFlags}

  async run(): Promise<void> {
    const {argv, flags} = await this.parse(GetVmDvdDrive)
    const vms = await this.vmms.getVms({names: this.names(argv), ids: flags.id ?? []})
    await this.print(this.vmms.drives.drives(vms, 'DvdDrive', partialSlot(flags)), dvdDriveView, flags)
  }
}

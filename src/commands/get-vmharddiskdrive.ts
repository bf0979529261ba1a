import {Args} from '@oclif/core'

import {HvCommand} from '../cli/base-command.js'
import {driveSlotFlags, partialSlot} from '../cli/drive-flags.js'
import {outputFlags, vmIdFlag} from '../cli/flags.js'
import {hardDiskDriveView} from '../cli/views/vm-drive.js'

export default class GetVmHardDiskDrive extends HvCommand {
  static summary = 'List the hard disk drives of VMs (Get-VMHardDiskDrive).'
  static examples = ['<%= config.bin %> get-vmharddiskdrive web01', "<%= config.bin %> get-vmharddiskdrive 'web*' -ControllerType SCSI --json"]
  static strict = false
  static args = {vmName: Args.string({description: 'VM names (wildcards allowed); all VMs when omitted.'})}
  static flags = {...vmIdFlag, ...driveSlotFlags, ...outputFlags}

  async run(): Promise<void> {
    const {argv, flags} = await this.parse(GetVmHardDiskDrive)
    const vms = await this.vmms.getVms({names: this.names(argv), ids: flags.id ?? []})
    await this.print(this.vmms.drives.drives(vms, 'HardDisk', partialSlot(flags)), hardDiskDriveView, flags)
  }
}

import {HvCommand} from '../cli/base-command.js'
import {driveSlotFlags, fullSlot} from '../cli/drive-flags.js'
import {vmIdFlag, vmNameArg, whatIfFlag} from '../cli/flags.js'

export default class RemoveVmHardDiskDrive extends HvCommand {
  static summary = 'Detach a hard disk drive from VMs (Remove-VMHardDiskDrive).'
  static description = 'The drive is named by -ControllerType, -ControllerNumber and -ControllerLocation. The image file stays where it is.'
  static examples = ['<%= config.bin %> remove-vmharddiskdrive web01 -ControllerType SCSI -ControllerNumber 0 -ControllerLocation 1']
  static strict = false
  static args = {vmName: vmNameArg('The VM names (wildcards allowed).')}
  static flags = {...vmIdFlag, ...driveSlotFlags, ...whatIfFlag}

  async run(): Promise<void> {
    const {argv, flags} = await this.parse(RemoveVmHardDiskDrive)
    const slot = fullSlot(flags)
    await this.actOnVms(this.selector(argv, flags.id, 'VMName'), 'Remove-VMHardDiskDrive', flags, async (ids) => {
      await this.vmms.drives.removeDrive({ids}, 'HardDisk', slot)
      return []
    })
  }
}

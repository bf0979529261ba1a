import {HvCommand} from '../cli/base-command.js'
import {driveSlotFlags, fullSlot} from '../cli/drive-flags.js'
import {vmIdFlag, vmNameArg, whatIfFlag} from '../cli/flags.js'

export default class RemoveVmDvdDrive extends HvCommand {
  static summary = 'Remove a DVD drive from VMs (Remove-VMDvdDrive).'
  static examples = ['<%= config.bin %> remove-vmdvddrive web01 -ControllerType IDE -ControllerNumber 1 -ControllerLocation 0']
  static strict = false
  static args = {vmName: vmNameArg('The VM names (wildcards allowed).')}
  static flags = {...vmIdFlag, ...driveSlotFlags, ...whatIfFlag}

  async run(): Promise<void> {
    const {argv, flags} = await this.parse(RemoveVmDvdDrive)
    const slot = fullSlot(flags)
    await this.actOnVms(this.selector(argv, flags.id, 'VMName'), 'Remove-VMDvdDrive', flags, async (ids) => {
      await this.vmms.drives.removeDrive({ids}, 'DvdDrive', slot)
      return []
    })
  }
}

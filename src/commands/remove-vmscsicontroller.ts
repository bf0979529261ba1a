import {HvCommand} from '../cli/base-command.js'
import {integerFlag, vmIdFlag, vmNameArg, whatIfFlag} from '../cli/flags.js'
import {InvalidArgumentError} from '../core/errors.js'

export default class RemoveVmScsiController extends HvCommand {
  static summary = 'Remove a SCSI controller without drives from VMs (Remove-VMScsiController).'
  static description = 'The controllers after it take the numbers one lower, as on Hyper-V.'
  static examples = ['<%= config.bin %> remove-vmscsicontroller web01 -ControllerNumber 1']
  static strict = false
  static args = {vmName: vmNameArg('The VM names (wildcards allowed).')}
  static flags = {...vmIdFlag, 'controller-number': integerFlag('ControllerNumber', 'The controller to remove.'), ...whatIfFlag}

  async run(): Promise<void> {
    const {argv, flags} = await this.parse(RemoveVmScsiController)
    const number = flags['controller-number']
    if (number === undefined) throw new InvalidArgumentError('Cannot process command because of one or more missing mandatory parameters: ControllerNumber.')
    await this.actOnVms(this.selector(argv, flags.id, 'VMName'), 'Remove-VMScsiController', flags, async (ids) => {
      await this.vmms.drives.removeScsiController({ids}, number)
      return []
    })
  }
}

import {HvCommand} from '../cli/base-command.js'
import {outputFlags, passthruFlag, vmIdFlag, vmNameArg, whatIfFlag} from '../cli/flags.js'
import {controllerView} from '../cli/views/vm-controller.js'
import type {ControllerRow} from '../core/vmms/index.js'

export default class AddVmScsiController extends HvCommand {
  static summary = 'Add a SCSI controller to VMs (Add-VMScsiController).'
  static description = 'Up to four per VM; it takes the next number.'
  static examples = ['<%= config.bin %> add-vmscsicontroller web01', '<%= config.bin %> add-vmscsicontroller web01 --passthru']
  static strict = false
  static args = {vmName: vmNameArg('The VM names (wildcards allowed).')}
  static flags = {...vmIdFlag, ...passthruFlag, ...whatIfFlag, ...outputFlags}

  async run(): Promise<void> {
    const {argv, flags} = await this.parse(AddVmScsiController)
    const rows: ControllerRow[] = []
    await this.actOnVms(this.selector(argv, flags.id, 'VMName'), 'Add-VMScsiController', flags, async (ids) => {
      rows.push(...(await this.vmms.drives.addScsiController({ids})))
      return []
    })
    if (flags.passthru) await this.print(rows, controllerView, flags)
  }
}

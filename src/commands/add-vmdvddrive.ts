import {Flags} from '@oclif/core'

import {HvCommand} from '../cli/base-command.js'
import {driveSlotFlags, partialSlot} from '../cli/drive-flags.js'
import {outputFlags, passthruFlag, vmIdFlag, vmNameArg, whatIfFlag} from '../cli/flags.js'
import {dvdDriveView} from '../cli/views/vm-drive.js'
import type {DriveRow} from '../core/vmms/index.js'

export default class AddVmDvdDrive extends HvCommand {
  static summary = 'Add a DVD drive to VMs (Add-VMDvdDrive).'
  static description = 'On IDE for Generation 1, on SCSI for Generation 2, at the slot given or the first free one; empty, or with the ISO image -Path names.'
  static examples = ['<%= config.bin %> add-vmdvddrive web01 -Path /srv/iso/debian.iso', '<%= config.bin %> add-vmdvddrive web02 -ControllerNumber 0 -ControllerLocation 1']
  static strict = false
  static args = {vmName: vmNameArg('The VM names (wildcards allowed).')}
  static flags = {...vmIdFlag, ...driveSlotFlags, path: Flags.string({description: 'An ISO image.'}), ...passthruFlag, ...whatIfFlag, ...outputFlags}

  async run(): Promise<void> {
    const {argv, flags} = await this.parse(AddVmDvdDrive)
    const rows: DriveRow[] = []
    await this.actOnVms(this.selector(argv, flags.id, 'VMName'), 'Add-VMDvdDrive', flags, async (ids) => {
      rows.push(...(await this.vmms.drives.addDvdDrive({ids}, partialSlot(flags), flags.path || null)))
      return []
    })
    if (flags.passthru) await this.print(rows, dvdDriveView, flags)
  }
}

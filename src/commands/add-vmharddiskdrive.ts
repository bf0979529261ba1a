import {Flags} from '@oclif/core'

import {HvCommand} from '../cli/base-command.js'
import {driveSlotFlags, partialSlot} from '../cli/drive-flags.js'
import {outputFlags, passthruFlag, vmIdFlag, vmNameArg, whatIfFlag} from '../cli/flags.js'
import {hardDiskDriveView} from '../cli/views/vm-drive.js'
import {InvalidArgumentError} from '../core/errors.js'
import type {DriveRow} from '../core/vmms/index.js'

export default class AddVmHardDiskDrive extends HvCommand {
  static summary = 'Attach a virtual hard disk to VMs (Add-VMHardDiskDrive).'
  static description = 'The image (VHD or VHDX) must open; it goes on the slot given, or the first free one (Generation 1: IDE, then SCSI; Generation 2: SCSI). One VM per image. hv changes drives while the VM is off.'
  static examples = [
    '<%= config.bin %> add-vmharddiskdrive web01 -Path /srv/vms/data.vhdx',
    '<%= config.bin %> add-vmharddiskdrive web01 -ControllerType SCSI -ControllerNumber 0 -ControllerLocation 1 -Path data.vhdx --passthru',
  ]
  static strict = false
  static args = {vmName: vmNameArg('The VM names (wildcards allowed).')}
  static flags = {...vmIdFlag, ...driveSlotFlags, path: Flags.string({description: 'The VHD or VHDX image.'}), ...passthruFlag, ...whatIfFlag, ...outputFlags}

  async run(): Promise<void> {
    const {argv, flags} = await this.parse(AddVmHardDiskDrive)
    if (!flags.path) throw new InvalidArgumentError('Cannot process command because of one or more missing mandatory parameters: Path.')
    const rows: DriveRow[] = []
    await this.actOnVms(this.selector(argv, flags.id, 'VMName'), 'Add-VMHardDiskDrive', flags, async (ids) => {
      rows.push(...(await this.vmms.drives.addHardDiskDrive({ids}, partialSlot(flags), flags.path!)))
      return []
    })
    if (flags.passthru) await this.print(rows, hardDiskDriveView, flags)
  }
}

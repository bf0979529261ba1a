import {Flags} from '@oclif/core'

import {HvCommand} from '../cli/base-command.js'
import {driveMoveFlags, driveSlotFlags, fullSlot} from '../cli/drive-flags.js'
import {outputFlags, passthruFlag, vmIdFlag, vmNameArg, whatIfFlag} from '../cli/flags.js'
import {hardDiskDriveView} from '../cli/views/vm-drive.js'
import type {DriveRow} from '../core/vmms/index.js'

export default class SetVmHardDiskDrive extends HvCommand {
  static summary = 'Change a hard disk drive of VMs (Set-VMHardDiskDrive).'
  static description = 'The drive is named by -ControllerType, -ControllerNumber and -ControllerLocation; -Path puts another image in it, -ToControllerType/-ToControllerNumber/-ToControllerLocation move it to a free slot.'
  static examples = [
    '<%= config.bin %> set-vmharddiskdrive web01 -ControllerType IDE -ControllerNumber 0 -ControllerLocation 0 -Path /srv/vms/new.vhdx',
    '<%= config.bin %> set-vmharddiskdrive web01 -ControllerType IDE -ControllerNumber 0 -ControllerLocation 1 -ToControllerType SCSI -ToControllerNumber 0 -ToControllerLocation 0',
  ]
  static strict = false
  static args = {vmName: vmNameArg('The VM names (wildcards allowed).')}
  static flags = {...vmIdFlag, ...driveSlotFlags, path: Flags.string({description: 'Another VHD or VHDX image.'}), ...driveMoveFlags, ...passthruFlag, ...whatIfFlag, ...outputFlags}

  async run(): Promise<void> {
    const {argv, flags} = await this.parse(SetVmHardDiskDrive)
    const slot = fullSlot(flags)
    const to = {controllerType: flags['to-controller-type'], controllerNumber: flags['to-controller-number'], controllerLocation: flags['to-controller-location']}
    const rows: DriveRow[] = []
    await this.actOnVms(this.selector(argv, flags.id, 'VMName'), 'Set-VMHardDiskDrive', flags, async (ids) => {
      rows.push(...(await this.vmms.drives.setHardDiskDrive({ids}, slot, {path: flags.path, to})))
      return []
    })
    if (flags.passthru) await this.print(rows, hardDiskDriveView, flags)
  }
}

import {Flags} from '@oclif/core'

import {HvCommand} from '../cli/base-command.js'
import {driveSlotFlags, partialSlot} from '../cli/drive-flags.js'
import {outputFlags, passthruFlag, vmIdFlag, vmNameArg, whatIfFlag} from '../cli/flags.js'
import {dvdDriveView} from '../cli/views/vm-drive.js'
import {InvalidArgumentError} from '../core/errors.js'
import type {DriveRow} from '../core/vmms/index.js'

export default class SetVmDvdDrive extends HvCommand {
  static summary = 'Insert an ISO image into a DVD drive of VMs, or empty it (Set-VMDvdDrive).'
  static description = `The drive is named by -ControllerNumber and -ControllerLocation (the VM's only DVD drive when both are left out); -Path '' (or $null) empties it.`
  static examples = ['<%= config.bin %> set-vmdvddrive web01 -Path /srv/iso/debian.iso', "<%= config.bin %> set-vmdvddrive web01 -ControllerNumber 1 -ControllerLocation 0 -Path ''"]
  static strict = false
  static args = {vmName: vmNameArg('The VM names (wildcards allowed).')}
  static flags = {...vmIdFlag, ...driveSlotFlags, path: Flags.string({description: 'An ISO image; empty to eject.'}), ...passthruFlag, ...whatIfFlag, ...outputFlags}

  async run(): Promise<void> {
    const {argv, flags} = await this.parse(SetVmDvdDrive)
    if (flags.path === undefined) throw new InvalidArgumentError('Cannot process command because of one or more missing mandatory parameters: Path.')
    const path = flags.path === '' || flags.path.toLowerCase() === '$null' ? null : flags.path
    const rows: DriveRow[] = []
    await this.actOnVms(this.selector(argv, flags.id, 'VMName'), 'Set-VMDvdDrive', flags, async (ids) => {
      for (const vm of await this.vmms.getVms({ids})) {
        const [only, ...others] = this.vmms.drives.drives([vm], 'DvdDrive', partialSlot(flags))
        if (!only) throw new InvalidArgumentError(`'${vm.name}' has no DVD drive${flags['controller-number'] === undefined ? '' : ' there'}.`)
        if (others.length) throw new InvalidArgumentError(`'${vm.name}' has ${others.length + 1} DVD drives: name one with -ControllerNumber and -ControllerLocation.`)
        rows.push(...(await this.vmms.drives.setDvdDrive({ids: [vm.id]}, only.drive, path)))
      }
      return []
    })
    if (flags.passthru) await this.print(rows, dvdDriveView, flags)
  }
}

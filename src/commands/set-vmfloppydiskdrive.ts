import {Flags} from '@oclif/core'

import {HvCommand} from '../cli/base-command.js'
import {outputFlags, passthruFlag, vmIdFlag, vmNameArg, whatIfFlag} from '../cli/flags.js'
import {floppyDriveView} from '../cli/views/vm-floppy.js'
import {InvalidArgumentError} from '../core/errors.js'
import type {VmRecord} from '../core/vmms/index.js'

export default class SetVmFloppyDiskDrive extends HvCommand {
  static summary = 'Put a floppy image in the floppy drive of Generation 1 VMs, or empty it (Set-VMFloppyDiskDrive).'
  static description = "-Path names a .vfd image (a multiple of 512 bytes, at most 2.88 MB); -Path '' (or $null) empties the drive."
  static examples = ['<%= config.bin %> set-vmfloppydiskdrive web01 -Path /srv/vfd/drivers.vfd', "<%= config.bin %> set-vmfloppydiskdrive web01 -Path ''"]
  static strict = false
  static args = {vmName: vmNameArg('The VM names (wildcards allowed).')}
  static flags = {...vmIdFlag, path: Flags.string({description: 'A .vfd image; empty to eject.'}), ...passthruFlag, ...whatIfFlag, ...outputFlags}

  async run(): Promise<void> {
    const {argv, flags} = await this.parse(SetVmFloppyDiskDrive)
    if (flags.path === undefined) throw new InvalidArgumentError('Cannot process command because of one or more missing mandatory parameters: Path.')
    const path = flags.path === '' || flags.path.toLowerCase() === '$null' ? null : flags.path
    const vms: VmRecord[] = []
    await this.actOnVms(this.selector(argv, flags.id, 'VMName'), 'Set-VMFloppyDiskDrive', flags, async (ids) => {
      vms.push(...(await this.vmms.drives.setFloppy({ids}, path)))
      return []
    })
    if (flags.passthru) await this.print(vms, floppyDriveView, flags)
  }
}

import {Args, Flags} from '@oclif/core'

import {HvCommand} from '../cli/base-command.js'
import {integerFlag, outputFlags, passthruFlag, whatIfFlag} from '../cli/flags.js'
import {virtualHardDiskView} from '../cli/views/virtual-hard-disk.js'

export default class SetVhd extends HvCommand {
  static summary = 'Change a virtual hard disk\'s parent, identifier or physical sector size (Set-VHD).'
  static description = 'With -ParentPath, points a differencing disk at its moved or copied parent (the disk is opened without looking for the old one); the parent must be the disk it was made from (VHD: its unique identifier; VHDX: its DataWriteGuid) unless -IgnoreIdMismatch. -ResetDiskIdentifier gives the disk a new identifier; -PhysicalSectorSizeBytes sets 512 or 4096 (VHDX; a VHD has 512 only). Refused while a running virtual machine uses the disk or it is mounted.'
  static examples = [
    '<%= config.bin %> set-vhd /srv/vms/web01-child.vhdx -ParentPath /srv/base/web01.vhdx',
    '<%= config.bin %> set-vhd copy.vhdx -ResetDiskIdentifier --passthru',
  ]
  static args = {path: Args.string({description: 'The image file.', required: true})}
  static flags = {
    'parent-path': Flags.string({description: 'The differencing disk\'s new parent.'}),
    'ignore-id-mismatch': Flags.boolean({description: 'Link to -ParentPath even when it is not the disk the child was made from.'}),
    'reset-disk-identifier': Flags.boolean({description: 'Give the disk a new identifier.'}),
    'physical-sector-size-bytes': integerFlag('PhysicalSectorSizeBytes', '512 or 4096 (VHDX only for 4096).'),
    force: Flags.boolean({description: 'Accepted: hv does not ask before changing a disk.'}),
    ...passthruFlag,
    ...whatIfFlag,
    ...outputFlags,
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parse(SetVhd)
    if (!(await this.shouldProcess('Set-VHD', args.path, flags, false))) return
    const disk = await this.vmms.disks.set(args.path, {
      parentPath: flags['parent-path'],
      ignoreIdMismatch: flags['ignore-id-mismatch'],
      resetDiskIdentifier: flags['reset-disk-identifier'],
      physicalSectorSizeBytes: flags['physical-sector-size-bytes'],
    })
    if (flags.passthru) await this.print([disk], virtualHardDiskView, flags)
  }
}

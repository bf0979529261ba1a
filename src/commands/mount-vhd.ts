import {Args, Flags} from '@oclif/core'

import {HvCommand} from '../cli/base-command.js'
import {outputFlags, passthruFlag, whatIfFlag} from '../cli/flags.js'
import {virtualHardDiskView} from '../cli/views/virtual-hard-disk.js'

export default class MountVhd extends HvCommand {
  static summary = 'Attach a virtual hard disk to this host as a block device (Mount-VHD).'
  static description = 'On Linux, as root, a fixed VHD becomes a loop device (/dev/loopN: its data before the footer); get-vhd then reports Attached, DiskNumber N and DevicePath. Dynamic, differencing and VHDX images are refused (they would need a qemu-nbd export, which hv does not set up: convert-vhd to a fixed VHD first), as are hosts without root or losetup; the refusal says which (exit 4). Refused while a running virtual machine uses the disk.'
  static examples = ['<%= config.bin %> mount-vhd /srv/vms/data.vhd --passthru', '<%= config.bin %> mount-vhd /srv/vms/data.vhd -ReadOnly']
  static args = {path: Args.string({description: 'The image file.', required: true})}
  static flags = {
    'read-only': Flags.boolean({description: 'Attach the disk read-only.'}),
    'no-drive-letter': Flags.boolean({description: 'Accepted: Linux gives a disk no drive letter.'}),
    ...passthruFlag,
    ...whatIfFlag,
    ...outputFlags,
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parse(MountVhd)
    if (!(await this.shouldProcess('Mount-VHD', args.path, flags, false))) return
    const disk = await this.vmms.disks.mount(args.path, {readOnly: flags['read-only']})
    if (flags.passthru) await this.print([disk], virtualHardDiskView, flags)
  }
}

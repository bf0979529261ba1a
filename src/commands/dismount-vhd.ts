import {Args} from '@oclif/core'

import {HvCommand} from '../cli/base-command.js'
import {outputFlags, passthruFlag, whatIfFlag} from '../cli/flags.js'
import {virtualHardDiskView} from '../cli/views/virtual-hard-disk.js'

export default class DismountVhd extends HvCommand {
  static summary = 'Detach a virtual hard disk mounted with mount-vhd (Dismount-VHD).'
  static description = 'Detaches the loop device mount-vhd attached the image to; an image that is not mounted is an error (exit 4). Unmount any file system on the device first.'
  static examples = ['<%= config.bin %> dismount-vhd /srv/vms/data.vhd']
  static args = {path: Args.string({description: 'The image file.', required: true})}
  static flags = {...passthruFlag, ...whatIfFlag, ...outputFlags}

  async run(): Promise<void> {
    const {args, flags} = await this.parse(DismountVhd)
    if (!(await this.shouldProcess('Dismount-VHD', args.path, flags, false))) return
    const disk = this.vmms.disks.dismount(args.path)
    if (flags.passthru) await this.print([disk], virtualHardDiskView, flags)
  }
}

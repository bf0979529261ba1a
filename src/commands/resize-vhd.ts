import {Args, Flags} from '@oclif/core'

import {HvCommand} from '../cli/base-command.js'
import {outputFlags, passthruFlag, sizeFlag, whatIfFlag} from '../cli/flags.js'
import {parseSize} from '../cli/sizes.js'
import {virtualHardDiskView} from '../cli/views/virtual-hard-disk.js'

export default class ResizeVhd extends HvCommand {
  static summary = 'Change the virtual size of a virtual hard disk (Resize-VHD).'
  static description = 'Grows a VHD or VHDX (the new space reads as zeros), or shrinks a VHDX, never over data: to -SizeBytes, or -ToMinimumSize to the MinimumSize get-vhd reports (the end of the last partition). A VHD cannot shrink and a differencing disk keeps its parent\'s size, as on Hyper-V. The partitions and file systems inside are not touched. Refused while a running virtual machine uses the disk or it is mounted.'
  static examples = [
    '<%= config.bin %> resize-vhd /srv/vms/web01.vhdx -SizeBytes 40GB',
    '<%= config.bin %> resize-vhd /srv/vms/web01.vhdx -ToMinimumSize --passthru',
  ]
  static args = {
    path: Args.string({description: 'The image file.', required: true}),
    sizeBytes: Args.string({description: 'The new virtual size (as -SizeBytes).'}),
  }
  static flags = {
    'size-bytes': sizeFlag('SizeBytes', 'The new virtual size: 40GB, 512MB, or bytes.'),
    'to-minimum-size': Flags.boolean({description: 'Shrink to the end of the last partition (VHDX).'}),
    ...passthruFlag,
    ...whatIfFlag,
    ...outputFlags,
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parse(ResizeVhd)
    const sizeBytes = flags['size-bytes'] ?? (args.sizeBytes === undefined ? undefined : parseSize(args.sizeBytes, 'SizeBytes'))
    if (!(await this.shouldProcess('Resize-VHD', args.path, flags, false))) return
    const disk = await this.vmms.disks.resize(args.path, {sizeBytes, toMinimumSize: flags['to-minimum-size']})
    if (flags.passthru) await this.print([disk], virtualHardDiskView, flags)
  }
}

import {Args, Flags} from '@oclif/core'

import {HvCommand} from '../cli/base-command.js'
import {enumFlag, outputFlags, passthruFlag, sizeFlag, whatIfFlag} from '../cli/flags.js'
import {virtualHardDiskView} from '../cli/views/virtual-hard-disk.js'
import {VHD_TYPES} from '../core/vmms/index.js'

export default class ConvertVhd extends HvCommand {
  static summary = 'Copy a virtual hard disk into a new file of another format or type (Convert-VHD).'
  static description = 'The destination\'s format follows its name (.vhd or .vhdx); its type is -VHDType, or the source\'s. Only the blocks that can hold data are copied: a dynamic destination stays as small as the data. A differencing destination (-VHDType Differencing -ParentPath P) keeps only what differs from P. -DeleteSource removes the source afterwards.'
  static examples = [
    '<%= config.bin %> convert-vhd old.vhd new.vhdx',
    '<%= config.bin %> convert-vhd web01.vhdx web01-fixed.vhdx -VHDType Fixed --passthru',
    '<%= config.bin %> convert-vhd child.vhdx flat.vhdx -VHDType Dynamic -DeleteSource',
  ]
  static args = {
    path: Args.string({description: 'The source image.', required: true}),
    destinationPath: Args.string({description: 'The new image.', required: true}),
  }
  static flags = {
    'vhd-type': enumFlag('VHDType', VHD_TYPES, 'The destination\'s type'),
    'parent-path': Flags.string({description: 'The parent of a differencing destination.'}),
    'block-size-bytes': sizeFlag('BlockSizeBytes', 'The destination\'s block size.'),
    'delete-source': Flags.boolean({description: 'Delete the source once the copy is complete.'}),
    ...passthruFlag,
    ...whatIfFlag,
    ...outputFlags,
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parse(ConvertVhd)
    if (!(await this.shouldProcess('Convert-VHD', args.path, flags, false))) return
    const progress = this.progress(`Converting '${args.path}'`)
    try {
      const disk = this.vmms.disks.convert({
        path: args.path,
        destinationPath: args.destinationPath,
        vhdType: flags['vhd-type'],
        parentPath: flags['parent-path'],
        blockSizeBytes: flags['block-size-bytes'],
        deleteSource: flags['delete-source'],
        onProgress: (done, total) => progress.update(done, total),
      })
      if (flags.passthru) await this.print([disk], virtualHardDiskView, flags)
    } finally {
      progress.end()
    }
  }
}

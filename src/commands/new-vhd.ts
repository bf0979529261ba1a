import {Args, Flags} from '@oclif/core'

import {HvCommand} from '../cli/base-command.js'
import {integerFlag, outputFlags, sizeFlag, whatIfFlag} from '../cli/flags.js'
import {parseSize} from '../cli/sizes.js'
import {virtualHardDiskView} from '../cli/views/virtual-hard-disk.js'
import {InvalidArgumentError} from '../core/errors.js'

export default class NewVhd extends HvCommand {
  static summary = 'Create a virtual hard disk file (New-VHD).'
  static description = `The format follows the file name: .vhdx (the default of Hyper-V) or .vhd. Dynamic unless -Fixed or -Differencing (with -ParentPath, in the parent's format). VHDX blocks default to 32 MB, sectors to 512 logical and 4096 physical; VHD blocks to 2 MB, sectors to 512. Prints the new disk, as Get-VHD does.`
  static examples = [
    '<%= config.bin %> new-vhd /srv/vms/web01.vhdx -SizeBytes 20GB',
    '<%= config.bin %> new-vhd /srv/vms/data.vhd -SizeBytes 1GB -Fixed',
    '<%= config.bin %> new-vhd /srv/vms/web01-child.vhdx -ParentPath /srv/vms/web01.vhdx -Differencing',
    '<%= config.bin %> new-vhd disk.vhdx -SizeBytes 64GB -LogicalSectorSizeBytes 4096 -BlockSizeBytes 1MB --json',
  ]
  static args = {
    path: Args.string({description: 'The new file.', required: true}),
    sizeBytes: Args.string({description: 'The virtual size (as -SizeBytes).'}),
  }
  static flags = {
    'size-bytes': sizeFlag('SizeBytes', 'The virtual size: 20GB, 512MB, or bytes.'),
    dynamic: Flags.boolean({description: 'A dynamically expanding disk (the default).'}),
    fixed: Flags.boolean({description: 'A fixed-size disk: its file is as large as the disk.'}),
    differencing: Flags.boolean({description: 'A differencing disk over -ParentPath.'}),
    'parent-path': Flags.string({description: 'The parent of a differencing disk.'}),
    'block-size-bytes': sizeFlag('BlockSizeBytes', 'The block size of a dynamic or differencing disk.'),
    'logical-sector-size-bytes': integerFlag('LogicalSectorSizeBytes', '512 or 4096 (VHDX only for 4096).'),
    'physical-sector-size-bytes': integerFlag('PhysicalSectorSizeBytes', '512 or 4096 (VHDX only for 4096).'),
    ...whatIfFlag,
    ...outputFlags,
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parse(NewVhd)
    const kinds = [flags.dynamic && 'Dynamic', flags.fixed && 'Fixed', flags.differencing && 'Differencing'].filter(Boolean)
    if (kinds.length > 1) throw new InvalidArgumentError('Parameter set cannot be resolved using the specified named parameters: give one of -Dynamic, -Fixed and -Differencing.')
    const type = (kinds[0] || 'Dynamic') as 'Dynamic' | 'Fixed' | 'Differencing'
    const sizeBytes = flags['size-bytes'] ?? (args.sizeBytes === undefined ? undefined : parseSize(args.sizeBytes, 'SizeBytes'))
    if (!(await this.shouldProcess('New-VHD', args.path, flags, false))) return
    const disk = this.vmms.disks.create({
      path: args.path,
      type,
      sizeBytes,
      parentPath: flags['parent-path'],
      blockSizeBytes: flags['block-size-bytes'],
      logicalSectorSizeBytes: flags['logical-sector-size-bytes'],
      physicalSectorSizeBytes: flags['physical-sector-size-bytes'],
    })
    await this.print([disk], virtualHardDiskView, flags)
  }
}

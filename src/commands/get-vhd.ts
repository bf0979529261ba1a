import {Args} from '@oclif/core'

import {HvCommand} from '../cli/base-command.js'
import {outputFlags} from '../cli/flags.js'
import {virtualHardDiskView} from '../cli/views/virtual-hard-disk.js'
import {InvalidArgumentError} from '../core/errors.js'

export default class GetVhd extends HvCommand {
  static summary = 'Show virtual hard disk files (Get-VHD).'
  static description = 'Format, type, sizes (FileSize on disk, Size the guest sees, MinimumSize the partitions need), sector and block sizes, parent, identifier and fragmentation of each image. A list by default, as on Hyper-V; --format table for a table. A differencing disk\'s parent must be where it says.'
  static examples = ['<%= config.bin %> get-vhd /srv/vms/web01.vhdx', '<%= config.bin %> get-vhd a.vhdx b.vhd --json', '<%= config.bin %> get-vhd *.vhdx --format table']
  static strict = false
  static args = {path: Args.string({description: 'Image files.'})}
  static flags = {...outputFlags}

  async run(): Promise<void> {
    const {argv, flags} = await this.parse(GetVhd)
    const paths = this.names(argv)
    if (paths.length === 0) throw new InvalidArgumentError('Cannot process command because of one or more missing mandatory parameters: Path.')
    await this.print(paths.map((path) => this.vmms.disks.describe(path)), virtualHardDiskView, flags)
  }
}

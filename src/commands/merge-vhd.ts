import {Args, Flags} from '@oclif/core'

import {HvCommand} from '../cli/base-command.js'
import {outputFlags, passthruFlag, whatIfFlag} from '../cli/flags.js'
import {virtualHardDiskView} from '../cli/views/virtual-hard-disk.js'

export default class MergeVhd extends HvCommand {
  static summary = 'Merge a differencing disk into its parent (Merge-VHD).'
  static description = 'The differencing disk\'s data goes into its parent, or into the ancestor -DestinationPath names (merging every disk between); the merged disks are deleted. Other differencing disks of the same parent no longer match it afterwards, as on Hyper-V.'
  static examples = ['<%= config.bin %> merge-vhd web01-child.vhdx', '<%= config.bin %> merge-vhd c3.vhdx -DestinationPath base.vhdx --passthru']
  static args = {path: Args.string({description: 'The differencing disk.', required: true})}
  static flags = {
    'destination-path': Flags.string({description: 'The ancestor to merge into (default: the parent).'}),
    force: Flags.boolean({description: 'Accepted: hv does not ask before merging.'}),
    ...passthruFlag,
    ...whatIfFlag,
    ...outputFlags,
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parse(MergeVhd)
    if (!(await this.shouldProcess('Merge-VHD', args.path, flags, false))) return
    const progress = this.progress(`Merging '${args.path}'`)
    try {
      const disk = this.vmms.disks.merge(args.path, flags['destination-path'], (done, total) => progress.update(done, total))
      if (flags.passthru) await this.print([disk], virtualHardDiskView, flags)
    } finally {
      progress.end()
    }
  }
}

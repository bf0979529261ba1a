import {Args} from '@oclif/core'

import {HvCommand} from '../cli/base-command.js'
import {enumFlag, outputFlags, passthruFlag, whatIfFlag} from '../cli/flags.js'
import {virtualHardDiskView} from '../cli/views/virtual-hard-disk.js'
import {InvalidArgumentError} from '../core/errors.js'

const MODES = ['Full', 'Quick', 'Retrim', 'Pretrimmed', 'Prezeroed'] as const

export default class OptimizeVhd extends HvCommand {
  static summary = 'Compact dynamic and differencing disks (Optimize-VHD).'
  static description = 'Drops the blocks that hold only zeros (in a differencing disk: only what its parent already holds) and packs the rest, keeping the disk\'s identifier and parent. Every -Mode compacts this way: hv has no mounted file system to trim.'
  static examples = ['<%= config.bin %> optimize-vhd web01.vhdx', "<%= config.bin %> optimize-vhd '/srv/vms/*.vhdx' -Mode Full --passthru"]
  static strict = false
  static args = {path: Args.string({description: 'Image files.'})}
  static flags = {
    mode: enumFlag('Mode', MODES, 'How to compact (every mode does the same here)'),
    ...passthruFlag,
    ...whatIfFlag,
    ...outputFlags,
  }

  async run(): Promise<void> {
    const {argv, flags} = await this.parse(OptimizeVhd)
    const paths = this.names(argv)
    if (paths.length === 0) throw new InvalidArgumentError('Cannot process command because of one or more missing mandatory parameters: Path.')
    const done = []
    for (const path of paths) {
      if (await this.shouldProcess('Optimize-VHD', path, flags, false)) done.push(this.vmms.disks.optimize(path))
    }
    if (flags.passthru) await this.print(done, virtualHardDiskView, flags)
  }
}

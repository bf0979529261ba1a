import {Args, Flags} from '@oclif/core'

import {CheckpointCommand} from '../cli/checkpoint-command.js'
import {outputFlags, passthruFlag, vmIdFlag, whatIfFlag} from '../cli/flags.js'
import {checkpointView} from '../cli/views/vm-checkpoint.js'
import {InvalidArgumentError} from '../core/errors.js'

export default class RenameVmCheckpoint extends CheckpointCommand {
  static summary = 'Rename a checkpoint (Rename-VMCheckpoint, Rename-VMSnapshot).'
  static description = 'The new name must be 1 to 100 characters. Names need not be unique, as in Hyper-V.'
  static aliases = ['rename-vmsnapshot']
  static examples = [
    "<%= config.bin %> rename-vmcheckpoint demo 'demo - (11/23/2026 - 9:15:02 PM)' --new-name baseline",
    '<%= config.bin %> rename-vmsnapshot -VMName demo -Name base -NewName baseline',
  ]
  static args = {
    vmName: Args.string({description: 'The VM whose checkpoint to rename.'}),
    checkpointName: Args.string({description: 'The checkpoint (name or Id).'}),
  }
  static flags = {
    ...vmIdFlag,
    name: Flags.string({description: 'The checkpoint (name or Id).', aliases: ['snapshot-name', 'checkpoint-name']}),
    'new-name': Flags.string({description: 'Its new name.'}),
    ...passthruFlag,
    ...whatIfFlag,
    ...outputFlags,
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parse(RenameVmCheckpoint)
    if (flags['new-name'] === undefined) throw new InvalidArgumentError('Specify the new name with --new-name (-NewName).')
    const target = await this.checkpointTarget(args.vmName, flags.id, flags.name ?? args.checkpointName)
    if (!(await this.shouldProcess('Rename-VMSnapshot', `${target.checkpoint.name} (virtual machine '${target.vm.name}')`, flags, false))) return
    await this.vmms.checkpoints.rename(target.checkpoint.id, flags['new-name'])
    if (flags.passthru) await this.print([await this.vmms.checkpoints.findOne(target.vm.id, target.checkpoint.id)], checkpointView, flags)
  }
}

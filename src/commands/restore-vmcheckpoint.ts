import {Args, Flags} from '@oclif/core'

import {CheckpointCommand} from '../cli/checkpoint-command.js'
import {confirmFlags, outputFlags, passthruFlag, vmIdFlag, whatIfFlag} from '../cli/flags.js'
import {checkpointView} from '../cli/views/vm-checkpoint.js'

export default class RestoreVmCheckpoint extends CheckpointCommand {
  static summary = 'Apply a checkpoint to its virtual machine (Restore-VMCheckpoint, Restore-VMSnapshot).'
  static description =
    'The VM takes the checkpoint\'s configuration and state: after a Standard checkpoint it is Saved with the memory of that moment (start-vm resumes there), after a Production one it is Off. The VM must be Off or Saved. Its current state is lost unless checkpointed first; every checkpoint stays. Asks for confirmation on a terminal; without one, pass --force or --confirm false.'
  static aliases = ['restore-vmsnapshot']
  static examples = [
    "<%= config.bin %> restore-vmcheckpoint demo 'before update' --force",
    "<%= config.bin %> restore-vmsnapshot -VMName demo -Name 'before update' -Confirm:$false",
  ]
  static args = {
    vmName: Args.string({description: 'The VM whose checkpoint to apply.'}),
    checkpointName: Args.string({description: 'The checkpoint (name or Id).'}),
  }
  static flags = {
    ...vmIdFlag,
    name: Flags.string({description: 'The checkpoint (name or Id).', aliases: ['snapshot-name', 'checkpoint-name']}),
    ...confirmFlags,
    ...passthruFlag,
    ...whatIfFlag,
    ...outputFlags,
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parse(RestoreVmCheckpoint)
    const target = await this.checkpointTarget(args.vmName, flags.id, flags.name ?? args.checkpointName)
    const accepted = await this.shouldProcess('Restore-VMSnapshot', `${target.checkpoint.name} (virtual machine '${target.vm.name}')`, {
      ...flags, json: this.outputFormat(flags) === 'json',
    })
    if (!accepted) return
    await this.vmms.checkpoints.restore(target.checkpoint.id)
    if (flags.passthru) await this.print([await this.vmms.checkpoints.findOne(target.vm.id, target.checkpoint.id)], checkpointView, flags)
  }
}

import {Args, Flags} from '@oclif/core'

import {HvCommand} from '../cli/base-command.js'
import {outputFlags, passthruFlag, vmIdFlag, whatIfFlag} from '../cli/flags.js'
import {checkpointView} from '../cli/views/vm-checkpoint.js'
import type {CheckpointView} from '../core/vmms/checkpoints/checkpoint-service.js'

export default class RemoveVmCheckpoint extends HvCommand {
  static summary = 'Delete checkpoints (Remove-VMCheckpoint, Remove-VMSnapshot).'
  static description =
    'Without --name, deletes every checkpoint of the VM, as Remove-VMSnapshot does. Children of a deleted checkpoint move up to its parent and still apply exactly; --include-all-child-checkpoints deletes them too. Pages no remaining checkpoint uses are reclaimed.'
  static aliases = ['remove-vmsnapshot']
  static examples = [
    "<%= config.bin %> remove-vmcheckpoint demo 'before update'",
    "<%= config.bin %> remove-vmsnapshot -VMName demo -Name base -IncludeAllChildSnapshots",
  ]
  static args = {
    vmName: Args.string({description: 'The VM whose checkpoints to delete (wildcards allowed).'}),
    checkpointName: Args.string({description: 'Checkpoint names (comma-separated; wildcards allowed).'}),
  }
  static flags = {
    ...vmIdFlag,
    name: Flags.string({description: 'Checkpoint names (wildcards allowed; repeatable).', multiple: true, aliases: ['snapshot-name', 'checkpoint-name']}),
    'include-all-child-checkpoints': Flags.boolean({description: 'Delete the checkpoints below them too.', aliases: ['include-all-child-snapshots']}),
    ...passthruFlag,
    ...whatIfFlag,
    ...outputFlags,
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parse(RemoveVmCheckpoint)
    const names = [...(flags.name ?? []), ...(args.checkpointName === undefined ? [] : [args.checkpointName])]
      .flatMap((n) => n.split(',')).map((n) => n.trim()).filter((n) => n.length)
    const selector = this.selector(args.vmName === undefined ? [] : [args.vmName], flags.id, 'VMName')
    const views = await this.vmms.checkpoints.list(selector, {names: names.length ? names : undefined})
    const removed: CheckpointView[] = []
    for (const vm of await this.vmms.getVms(selector)) {
      const mine = views.filter((v) => v.vm.id === vm.id)
      const accepted = []
      for (const view of mine) if (await this.shouldProcess('Remove-VMSnapshot', `${view.checkpoint.name} (virtual machine '${vm.name}')`, flags, false)) accepted.push(view)
      if (accepted.length === 0) continue
      const result = await this.vmms.checkpoints.remove(vm.id, accepted.map((v) => v.checkpoint.id), flags['include-all-child-checkpoints'])
      if (result.warning) await this.warning(result.warning)
      removed.push(...accepted)
    }
    if (flags.passthru) await this.print(removed, checkpointView, flags)
  }
}

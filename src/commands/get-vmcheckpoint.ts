import {Args, Flags} from '@oclif/core'

import {HvCommand} from '../cli/base-command.js'
import {enumFlag, outputFlags, vmIdFlag} from '../cli/flags.js'
import {checkpointView} from '../cli/views/vm-checkpoint.js'
import {SNAPSHOT_TYPES} from '../core/store/schema.js'

export default class GetVmCheckpoint extends HvCommand {
  static summary = 'List checkpoints (Get-VMCheckpoint, Get-VMSnapshot).'
  static description =
    'Without a VM name, lists the checkpoints of every VM. --name selects by checkpoint name (wildcards allowed); --child-of lists the children of a checkpoint, --parent-of the parent of one. A plain name that matches nothing is an error.'
  static aliases = ['get-vmsnapshot']
  static examples = [
    '<%= config.bin %> get-vmcheckpoint demo',
    "<%= config.bin %> get-vmcheckpoint demo --name 'before*' --json",
    '<%= config.bin %> get-vmsnapshot -VMName demo -ChildOf base',
  ]
  static strict = false
  static args = {vmName: Args.string({description: 'VM names (several, or comma-separated; wildcards allowed).'})}
  static flags = {
    ...vmIdFlag,
    name: Flags.string({description: 'Checkpoint names (wildcards allowed; repeatable).', multiple: true, aliases: ['snapshot-name', 'checkpoint-name']}),
    'parent-of': Flags.string({description: 'The parent of the checkpoint with this name.'}),
    'child-of': Flags.string({description: 'The children of the checkpoint with this name.'}),
    'snapshot-type': enumFlag('SnapshotType', SNAPSHOT_TYPES, 'Only checkpoints of this type'),
    ...outputFlags,
  }

  async run(): Promise<void> {
    const {argv, flags} = await this.parse(GetVmCheckpoint)
    const checkpoints = await this.vmms.checkpoints.list(
      {names: this.names(argv), ids: flags.id ?? []},
      {
        names: flags.name?.flatMap((n) => n.split(',')).map((n) => n.trim()).filter((n) => n.length),
        parentOf: flags['parent-of'],
        childOf: flags['child-of'],
        snapshotType: flags['snapshot-type'],
      },
    )
    await this.print(checkpoints, checkpointView, flags)
  }
}

import {Args, Flags} from '@oclif/core'

import {CheckpointCommand} from '../cli/checkpoint-command.js'
import {outputFlags, passthruFlag, vmIdFlag, whatIfFlag} from '../cli/flags.js'
import {checkpointView} from '../cli/views/vm-checkpoint.js'
import {InvalidArgumentError} from '../core/errors.js'

export default class ExportVmSnapshot extends CheckpointCommand {
  static summary = 'Export a checkpoint as a virtual machine of its own (Export-VMSnapshot, Export-VMCheckpoint).'
  static description =
    "Writes PATH/<VMName>/ as export-vm does, holding the VM as it was at the checkpoint: the checkpoint's configuration, and for a Standard checkpoint its memory and device state (import-vm then registers a Saved VM that resumes where the checkpoint was taken), with no checkpoints of its own. The VM may be in any state."
  static aliases = ['export-vmcheckpoint']
  static examples = [
    "<%= config.bin %> export-vmsnapshot demo 'before update' --path /backups",
    "<%= config.bin %> Export-VMSnapshot -VMName demo -Name 'before update' -Path /backups",
  ]
  static args = {
    vmName: Args.string({description: 'The VM whose checkpoint to export.'}),
    checkpointName: Args.string({description: 'The checkpoint (name or Id).'}),
  }
  static flags = {
    ...vmIdFlag,
    name: Flags.string({description: 'The checkpoint (name or Id).', aliases: ['snapshot-name', 'checkpoint-name']}),
    path: Flags.string({description: "Folder under which the export folder is created."}),
    ...passthruFlag,
    ...whatIfFlag,
    ...outputFlags,
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parse(ExportVmSnapshot)
    if (flags.path === undefined || flags.path.trim() === '') throw new InvalidArgumentError('Specify where to export with --path (-Path).')
    const target = await this.checkpointTarget(args.vmName, flags.id, flags.name ?? args.checkpointName)
    if (!(await this.shouldProcess('Export-VMSnapshot', `${target.checkpoint.name} (virtual machine '${target.vm.name}')`, flags, false))) return
    const progress = this.progress(`Exporting '${target.checkpoint.name}'`)
    try {
      await this.vmms.transfer.exportCheckpoint(target.checkpoint.id, flags.path, (d, t) => progress.update(d, t))
    } finally {
      progress.end()
    }
    if (flags.passthru) await this.print([await this.vmms.checkpoints.findOne(target.vm.id, target.checkpoint.id)], checkpointView, flags)
  }
}

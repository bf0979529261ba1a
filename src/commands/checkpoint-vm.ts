import {Args, Flags} from '@oclif/core'

import {HvCommand} from '../cli/base-command.js'
import {outputFlags, passthruFlag, vmIdFlag, vmNameArg, whatIfFlag} from '../cli/flags.js'
import {checkpointView} from '../cli/views/vm-checkpoint.js'
import type {CheckpointView} from '../core/vmms/checkpoints/checkpoint-service.js'

export default class CheckpointVm extends HvCommand {
  static summary = 'Create a checkpoint of virtual machines (Checkpoint-VM).'
  static description =
    'Works on an Off, Saved, Running or Paused VM. A Standard checkpoint keeps configuration, device state and memory (a running guest pauses briefly and goes on); a Production checkpoint keeps no memory: hv guests have no VSS, so on a VM with state CheckpointType Production falls back to Standard with a warning and ProductionOnly fails, while an Off VM gets a configuration-only Production checkpoint. Memory is stored incrementally: only pages no other checkpoint of the VM holds. The default name is the VM name and the time.'
  static examples = [
    '<%= config.bin %> checkpoint-vm demo',
    "<%= config.bin %> checkpoint-vm demo 'before update'",
    "<%= config.bin %> checkpoint-vm -Name demo -SnapshotName 'before update' --passthru --json",
  ]
  static args = {
    name: vmNameArg('VM names (comma-separated; wildcards allowed).'),
    snapshotName: Args.string({description: 'Name of the new checkpoint (as -SnapshotName).'}),
  }
  static flags = {
    ...vmIdFlag,
    'snapshot-name': Flags.string({description: 'Name of the new checkpoint (at most 100 characters).', aliases: ['checkpoint-name']}),
    ...passthruFlag,
    ...whatIfFlag,
    ...outputFlags,
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parse(CheckpointVm)
    const snapshotName = flags['snapshot-name'] ?? args.snapshotName
    const targets = await this.vmms.getVms(this.selector(args.name === undefined ? [] : [args.name], flags.id))
    const created: CheckpointView[] = []
    for (const vm of targets) {
      if (!(await this.shouldProcess('Checkpoint-VM', vm.name, flags, false))) continue
      const result = await this.vmms.checkpoints.checkpoint(vm.id, snapshotName)
      if (result.warning) await this.warning(result.warning)
      created.push(await this.vmms.checkpoints.findOne(vm.id, result.checkpoint.id))
    }
    if (flags.passthru) await this.print(created, checkpointView, flags)
  }
}

import {InvalidArgumentError} from '../core/errors.js'
import type {CheckpointView} from '../core/vmms/checkpoints/checkpoint-service.js'
import {HvCommand} from './base-command.js'

/** What the commands acting on one checkpoint share (restore, rename). */
export abstract class CheckpointCommand extends HvCommand {
  /** The one VM (-VMName or --id) and the one checkpoint (-Name, or the second argument) a command names. */
  protected async checkpointTarget(vmName: string | undefined, ids: string[] | undefined, checkpoint: string | undefined): Promise<CheckpointView> {
    const vms = await this.vmms.getVms(this.selector(vmName === undefined ? [] : [vmName], ids, 'VMName'))
    if (checkpoint === undefined) throw new InvalidArgumentError('Specify the checkpoint: give -Name (or its name as the second argument).')
    if (vms.length !== 1) throw new InvalidArgumentError(`-VMName selects ${vms.length} virtual machines; name one.`)
    return this.vmms.checkpoints.findOne(vms[0].id, checkpoint)
  }
}

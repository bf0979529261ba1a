import {Args} from '@oclif/core'

import type {VmRecord} from '../core/vmms/index.js'
import {HvCommand} from './base-command.js'
import {vmIdFlag, whatIfFlag} from './flags.js'

/**
 * Enable-, Disable- and Reset-VMResourceMetering: the same parameters (-VMName
 * with wildcards, several at once, or -VM), ShouldProcess for each VM, one
 * store update for all of them, and nothing printed, as the cmdlets print nothing.
 */
export abstract class ResourceMeteringSwitchCommand extends HvCommand {
  static strict = false
  static args = {vmName: Args.string({description: 'VM names (several, or comma-separated; wildcards allowed).'})}
  static flags = {...vmIdFlag, ...whatIfFlag}

  protected async switchMetering(cmdlet: string, act: (ids: string[]) => Promise<VmRecord[]>): Promise<void> {
    const {argv, flags} = await this.parse(this.constructor as typeof ResourceMeteringSwitchCommand)
    await this.actOnVms(this.selector(argv, flags.id, 'VMName'), cmdlet, flags, act)
  }
}

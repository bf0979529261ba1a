import {Args, Flags} from '@oclif/core'

import {HvCommand} from '../cli/base-command.js'
import {outputFlags, passthruFlag, vmIdFlag, vmNameArg, whatIfFlag} from '../cli/flags.js'
import {vmView} from '../cli/views/vm.js'
import {InvalidArgumentError} from '../core/errors.js'

export default class RenameVm extends HvCommand {
  static summary = 'Rename a virtual machine (Rename-VM).'
  static description = 'Works in any state. The VMId does not change.'
  static examples = ['<%= config.bin %> rename-vm web01 web-frontend', '<%= config.bin %> rename-vm -Name web01 -NewName web-frontend']
  static args = {
    name: vmNameArg('Current name (wildcards allowed).'),
    newName: Args.string({description: 'The new name.'}),
  }
  static flags = {
    ...vmIdFlag,
    'new-name': Flags.string({description: 'The new name (instead of the second argument).'}),
    ...passthruFlag,
    ...whatIfFlag,
    ...outputFlags,
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parse(RenameVm)
    // With --id, a single positional is the new name.
    const byIdOnly = flags.id?.length && args.newName === undefined && flags['new-name'] === undefined
    const newName = flags['new-name'] ?? (byIdOnly ? args.name : args.newName)
    const names = byIdOnly || args.name === undefined ? [] : [args.name]
    const selector = this.selector(names, flags.id)
    if (newName === undefined) {
      throw new InvalidArgumentError('Give the new name: rename-vm NAME NEWNAME, or --new-name.')
    }
    const vms = await this.actOnVms(selector, 'Rename-VM', flags, (ids) => this.vmms.renameVm({ids}, newName))
    if (flags.passthru) await this.print(await this.withStatus(vms, false), vmView, flags)
  }
}

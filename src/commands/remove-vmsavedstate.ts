import {Args} from '@oclif/core'

import {HvCommand} from '../cli/base-command.js'
import {outputFlags, passthruFlag, vmIdFlag, whatIfFlag} from '../cli/flags.js'
import {vmView} from '../cli/views/vm.js'

export default class RemoveVmSavedState extends HvCommand {
  static summary = 'Delete the saved state of Saved VMs (Remove-VMSavedState).'
  static description = 'The VM ends Off, as if turned off; its saved-state files are deleted. A VM that is not Saved is an error.'
  static examples = ['<%= config.bin %> remove-vmsavedstate web01', "<%= config.bin %> remove-vmsavedstate 'lab-*' --passthru --json"]
  static strict = false
  static args = {vmName: Args.string({description: 'VM names (wildcards allowed).'})}
  static flags = {...vmIdFlag, ...passthruFlag, ...whatIfFlag, ...outputFlags}

  async run(): Promise<void> {
    const {argv, flags} = await this.parse(RemoveVmSavedState)
    const vms = await this.lifecycle(this.selector(argv, flags.id, 'VMName'), 'Remove-VMSavedState', flags, (id) =>
      this.vmms.lifecycle.removeSavedState(id),
    )
    if (flags.passthru) await this.print(await this.withStatus(vms, false), vmView, flags)
  }
}


import {HvCommand} from '../cli/base-command.js'
import {confirmFlags, outputFlags, passthruFlag, vmIdFlag, vmNameArg, whatIfFlag} from '../cli/flags.js'
import {vmView} from '../cli/views/vm.js'

export default class RemoveVm extends HvCommand {
  static summary = 'Delete virtual machines (Remove-VM).'
  static description =
    'Only a VM that is Off or Saved can be deleted. Asks for confirmation on a terminal; without one, pass --force or --confirm false.'
  static examples = ['<%= config.bin %> remove-vm web01', "<%= config.bin %> remove-vm 'test-*' --force"]
  static strict = false
  static args = {name: vmNameArg('VM names (wildcards allowed).')}
  static flags = {...vmIdFlag, ...confirmFlags, ...passthruFlag, ...whatIfFlag, ...outputFlags}

  async run(): Promise<void> {
    const {argv, flags} = await this.parse(RemoveVm)
    const vms = await this.actOnVms(
      this.selector(argv, flags.id),
      'Remove-VM',
      {...flags, json: this.outputFormat(flags) === 'json'},
      (ids) => this.vmms.removeVm({ids}),
      true,
    )
    if (flags.passthru) await this.print(await this.withStatus(vms, false), vmView, flags)
  }
}


import {HvCommand} from '../cli/base-command.js'
import {outputFlags, vmIdFlag, vmNameArg} from '../cli/flags.js'
import {vmView} from '../cli/views/vm.js'

export default class GetVm extends HvCommand {
  static summary = 'List virtual machines (Get-VM).'
  static description =
    'Without names, lists every VM. Names accept wildcards (* ? [a-z]); a plain name that matches nothing is an error, a wildcard that matches nothing prints nothing.'
  static examples = [
    '<%= config.bin %> get-vm',
    "<%= config.bin %> get-vm 'web*' --json",
    '<%= config.bin %> get-vm web01,web02 --format list',
  ]
  static strict = false
  static args = {name: vmNameArg('VM names (several, or comma-separated; wildcards allowed).')}
  static flags = {...vmIdFlag, ...outputFlags}

  async run(): Promise<void> {
    const {argv, flags} = await this.parse(GetVm)
    const vms = await this.vmms.getVms({names: this.names(argv), ids: flags.id ?? []})
    await this.print(await this.withStatus(vms), vmView, flags)
  }
}

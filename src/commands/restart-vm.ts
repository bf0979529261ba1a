
import {HvCommand} from '../cli/base-command.js'
import {confirmFlags, outputFlags, passthruFlag, vmIdFlag, vmNameArg, whatIfFlag} from '../cli/flags.js'
import {vmView} from '../cli/views/vm.js'

export default class RestartVm extends HvCommand {
  static summary = 'Restart virtual machines (Restart-VM).'
  static description =
    'A hard reset, as pressing the reset button: the processor and devices return to power-on and the VM boots again; the guest is not asked first. Asks for confirmation on a terminal; without one, pass --force.'
  static examples = ['<%= config.bin %> restart-vm demo --force']
  static strict = false
  static args = {name: vmNameArg('VM names (wildcards allowed).')}
  static flags = {...vmIdFlag, ...confirmFlags, ...passthruFlag, ...whatIfFlag, ...outputFlags}

  async run(): Promise<void> {
    const {argv, flags} = await this.parse(RestartVm)
    const vms = await this.lifecycle(
      this.selector(argv, flags.id),
      'Restart-VM',
      {...flags, json: this.outputFormat(flags) === 'json'},
      (id) => this.vmms.lifecycle.reset(id),
      true,
    )
    if (flags.passthru) await this.print(await this.withStatus(vms), vmView, flags)
  }
}

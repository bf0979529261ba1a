
import {HvCommand} from '../cli/base-command.js'
import {outputFlags, passthruFlag, vmIdFlag, vmNameArg, whatIfFlag} from '../cli/flags.js'
import {vmView} from '../cli/views/vm.js'

export default class SuspendVm extends HvCommand {
  static summary = 'Pause virtual machines (Suspend-VM).'
  static description = 'The guest stops executing and its time stops; resume-vm (or start-vm) continues it.'
  static examples = ['<%= config.bin %> suspend-vm demo']
  static strict = false
  static args = {name: vmNameArg('VM names (wildcards allowed).')}
  static flags = {...vmIdFlag, ...passthruFlag, ...whatIfFlag, ...outputFlags}

  async run(): Promise<void> {
    const {argv, flags} = await this.parse(SuspendVm)
    const vms = await this.lifecycle(this.selector(argv, flags.id), 'Suspend-VM', flags, (id) => this.vmms.lifecycle.pause(id))
    if (flags.passthru) await this.print(await this.withStatus(vms), vmView, flags)
  }
}


import {HvCommand} from '../cli/base-command.js'
import {outputFlags, passthruFlag, vmIdFlag, vmNameArg, whatIfFlag} from '../cli/flags.js'
import {vmView} from '../cli/views/vm.js'

export default class ResumeVm extends HvCommand {
  static summary = 'Resume paused virtual machines (Resume-VM).'
  static description = 'Continues a VM paused by suspend-vm.'
  static examples = ['<%= config.bin %> resume-vm demo']
  static strict = false
  static args = {name: vmNameArg('VM names (wildcards allowed).')}
  static flags = {...vmIdFlag, ...passthruFlag, ...whatIfFlag, ...outputFlags}

  async run(): Promise<void> {
    const {argv, flags} = await this.parse(ResumeVm)
    const vms = await this.lifecycle(this.selector(argv, flags.id), 'Resume-VM', flags, (id) => this.vmms.lifecycle.resume(id))
    if (flags.passthru) await this.print(await this.withStatus(vms), vmView, flags)
  }
}

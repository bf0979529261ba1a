
import {HvCommand} from '../cli/base-command.js'
import {outputFlags, passthruFlag, vmIdFlag, vmNameArg, whatIfFlag} from '../cli/flags.js'
import {vmView} from '../cli/views/vm.js'

export default class SaveVm extends HvCommand {
  static summary = 'Save the state of virtual machines and stop them (Save-VM).'
  static description = 'Writes the processor, device and memory state (memory as a sparse file of non-zero pages) and ends the worker. start-vm resumes exactly there.'
  static examples = ['<%= config.bin %> save-vm demo']
  static strict = false
  static args = {name: vmNameArg('VM names (wildcards allowed).')}
  static flags = {...vmIdFlag, ...passthruFlag, ...whatIfFlag, ...outputFlags}

  async run(): Promise<void> {
    const {argv, flags} = await this.parse(SaveVm)
    const vms = await this.lifecycle(this.selector(argv, flags.id), 'Save-VM', flags, (id) => this.vmms.lifecycle.save(id))
    if (flags.passthru) await this.print(await this.withStatus(vms), vmView, flags)
  }
}

import {Flags} from '@oclif/core'

import {HvCommand} from '../cli/base-command.js'
import {outputFlags, passthruFlag, vmIdFlag, vmNameArg, whatIfFlag} from '../cli/flags.js'
import {vmView} from '../cli/views/vm.js'

export default class StopVm extends HvCommand {
  static summary = 'Shut down, turn off or save virtual machines (Stop-VM).'
  static description = `Without options, asks the guest to shut down through the Shutdown integration service; a guest that does not run it cannot be shut down this way (the command says so and the VM keeps running).
--turn-off pulls the plug (a Saved VM loses its saved state); --save saves the VM instead (as save-vm).`
  static examples = ['<%= config.bin %> stop-vm demo --turn-off', '<%= config.bin %> stop-vm demo --save', '<%= config.bin %> stop-vm demo']
  static strict = false
  static args = {name: vmNameArg('VM names (wildcards allowed).')}
  static flags = {
    ...vmIdFlag,
    'turn-off': Flags.boolean({description: 'Turn the VM off at once, like pulling the power cord.', exclusive: ['save']}),
    save: Flags.boolean({description: 'Save the VM instead of stopping it.'}),
    force: Flags.boolean({description: 'Shut down even if applications in the guest would lose data.'}),
    ...passthruFlag,
    ...whatIfFlag,
    ...outputFlags,
  }

  async run(): Promise<void> {
    const {argv, flags} = await this.parse(StopVm)
    const vms = await this.lifecycle(this.selector(argv, flags.id), 'Stop-VM', flags, (id) =>
      flags['turn-off']
        ? this.vmms.lifecycle.turnOff(id)
        : flags.save
          ? this.vmms.lifecycle.save(id)
          : this.vmms.lifecycle.shutdown(id, flags.force),
    )
    if (flags.passthru) await this.print(await this.withStatus(vms), vmView, flags)
  }
}

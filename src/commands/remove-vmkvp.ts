import {Args, Flags} from '@oclif/core'

import {HvCommand} from '../cli/base-command.js'
import {vmIdFlag, whatIfFlag} from '../cli/flags.js'

export default class RemoveVmKvp extends HvCommand {
  static summary = "Delete a key-value pair the host wrote into a running guest's External pool (an hv command)."
  static description = `As Msvm_VirtualSystemManagementService.RemoveKvpItems does.`
  static examples = ['<%= config.bin %> remove-vmkvp demo --name Environment']
  static strict = false
  static args = {vmName: Args.string({description: 'VM names (wildcards allowed).'})}
  static flags = {
    ...vmIdFlag,
    name: Flags.string({description: 'The key.', required: true}),

    ...whatIfFlag,
  }

  async run(): Promise<void> {
    const {argv, flags} = await this.parse(RemoveVmKvp)
    const vms = await this.vmms.getVms(this.selector(argv, flags.id, 'VMName'))
    for (const vm of vms) {
      if (!(await this.shouldProcess('Remove-VMKvp', `${vm.name}: ${flags.name}`, flags, false))) continue
      const result = await this.vmms.guestServices.kvpDelete(vm, flags.name)
      if (!result.delivered) await this.warning(`The guest in '${vm.name}' has not taken the change yet (${result.detail}); hv sends it again when the guest connects.`)
    }
  }
}

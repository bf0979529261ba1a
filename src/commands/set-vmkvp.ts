import {Args, Flags} from '@oclif/core'

import {HvCommand} from '../cli/base-command.js'
import {vmIdFlag, whatIfFlag} from '../cli/flags.js'

export default class SetVmKvp extends HvCommand {
  static summary = "Write a key-value pair into a running guest's External pool (an hv command)."
  static description = `As Msvm_VirtualSystemManagementService.AddKvpItems does: the pair goes to the guest over the Key-Value Pair Exchange service (pool 0, External). The host keeps it and sends it again when the guest reconnects. Keys hold up to 255 characters, values up to 1023.`
  static examples = ['<%= config.bin %> set-vmkvp demo --name Environment --value staging']
  static strict = false
  static args = {vmName: Args.string({description: 'VM names (wildcards allowed).'})}
  static flags = {
    ...vmIdFlag,
    name: Flags.string({description: 'The key.', required: true}),
    value: Flags.string({description: 'The value.', required: true, aliases: ['data']}),
    ...whatIfFlag,
  }

  async run(): Promise<void> {
    const {argv, flags} = await this.parse(SetVmKvp)
    const vms = await this.vmms.getVms(this.selector(argv, flags.id, 'VMName'))
    for (const vm of vms) {
      if (!(await this.shouldProcess('Set-VMKvp', `${vm.name}: ${flags.name}`, flags, false))) continue
      const result = await this.vmms.guestServices.kvpSet(vm, flags.name, flags.value)
      if (!result.delivered) await this.warning(`The guest in '${vm.name}' has not taken the change yet (${result.detail}); hv sends it again when the guest connects.`)
    }
  }
}

import {Args} from '@oclif/core'

import {HvCommand} from '../cli/base-command.js'
import {outputFlags, vmIdFlag} from '../cli/flags.js'
import {vmMemoryView} from '../cli/views/vm-memory.js'

export default class GetVmMemory extends HvCommand {
  static summary = 'Show the memory settings of VMs (Get-VMMemory).'
  static examples = ['<%= config.bin %> get-vmmemory web01', '<%= config.bin %> get-vmmemory --json']
  static strict = false
  static args = {vmName: Args.string({description: 'VM names (wildcards allowed); all VMs when omitted.'})}
  static flags = {...vmIdFlag, ...outputFlags}

  async run(): Promise<void> {
    const {argv, flags} = await this.parse(GetVmMemory)
    const vms = await this.vmms.getVms({names: this.names(argv), ids: flags.id ?? []})
    await this.print(vms, vmMemoryView, flags)
  }
}

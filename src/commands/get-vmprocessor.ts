import {Args} from '@oclif/core'

import {HvCommand} from '../cli/base-command.js'
import {outputFlags, vmIdFlag} from '../cli/flags.js'
import {vmProcessorView} from '../cli/views/vm-processor.js'

export default class GetVmProcessor extends HvCommand {
  static summary = 'Show the virtual processor settings of VMs (Get-VMProcessor).'
  static examples = ['<%= config.bin %> get-vmprocessor web01', "<%= config.bin %> get-vmprocessor 'web*' --json"]
  static strict = false
  static args = {vmName: Args.string({description: 'VM names (wildcards allowed); all VMs when omitted.'})}
  static flags = {...vmIdFlag, ...outputFlags}

  async run(): Promise<void> {
    const {argv, flags} = await this.parse(GetVmProcessor)
    const vms = await this.vmms.getVms({names: this.names(argv), ids: flags.id ?? []})
    await this.print(vms, vmProcessorView, flags)
  }
}

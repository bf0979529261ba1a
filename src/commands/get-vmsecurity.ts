import {Args} from '@oclif/core'

import {HvCommand} from '../cli/base-command.js'
import {outputFlags, vmIdFlag} from '../cli/flags.js'
import {vmSecurityView} from '../cli/views/vm-security.js'

export default class GetVmSecurity extends HvCommand {
  static summary = 'Show the security settings of VMs (Get-VMSecurity).'
  static description = 'hv gives VMs no virtual TPM, key storage drive or shielding: TpmEnabled, KsdEnabled and Shielded are false.'
  static examples = ['<%= config.bin %> get-vmsecurity web01', '<%= config.bin %> Get-VMSecurity -VMName web01 --json']
  static strict = false
  static args = {vmName: Args.string({description: 'VM names (wildcards allowed); all VMs when omitted.'})}
  static flags = {...vmIdFlag, ...outputFlags}

  async run(): Promise<void> {
    const {argv, flags} = await this.parse(GetVmSecurity)
    const vms = await this.vmms.getVms({names: this.names(argv), ids: flags.id ?? []})
    await this.print(vms, vmSecurityView, flags)
  }
}

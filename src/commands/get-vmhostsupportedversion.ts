import {Flags} from '@oclif/core'

import {HvCommand} from '../cli/base-command.js'
import {outputFlags} from '../cli/flags.js'
import {hostSupportedVersionView} from '../cli/views/vm-host-supported-version.js'
import {hostSupportedVersions} from '../core/vmms/index.js'

export default class GetVmHostSupportedVersion extends HvCommand {
  static summary = 'List the VM configuration versions this host supports (Get-VMHostSupportedVersion).'
  static description = 'new-vm -Version takes any of them; new VMs get the default, and update-vmversion brings older VMs to it.'
  static examples = ['<%= config.bin %> get-vmhostsupportedversion', '<%= config.bin %> get-vmhostsupportedversion -Default --json']
  static flags = {
    default: Flags.boolean({description: 'Only the default version for new VMs.'}),
    ...outputFlags,
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(GetVmHostSupportedVersion)
    await this.print(hostSupportedVersions(flags.default), hostSupportedVersionView, flags)
  }
}

import {Args} from '@oclif/core'

import {HvCommand} from '../cli/base-command.js'
import {outputFlags, vmIdFlag} from '../cli/flags.js'
import {vmBiosView} from '../cli/views/vm-firmware.js'

export default class GetVmBios extends HvCommand {
  static summary = 'Show the BIOS settings of Generation 1 VMs (Get-VMBios).'
  static description = `The startup order of the BIOS boot devices and NumLock, as Get-VMBios shows them. A Generation 2 VM has UEFI firmware instead: get-vmfirmware.
hv's own boot source (--guest, --boot-kernel, --firmware) boots before the startup order is consulted.`
  static examples = ['<%= config.bin %> get-vmbios web01', '<%= config.bin %> get-vmbios web01 --json']
  static strict = false
  static args = {vmName: Args.string({description: 'VM names (wildcards allowed).'})}
  static flags = {...vmIdFlag, ...outputFlags}

  async run(): Promise<void> {
    const {argv, flags} = await this.parse(GetVmBios)
    const vms = await this.vmms.firmware.getBios(this.selector(argv, flags.id, 'VMName'))
    await this.print(vms, vmBiosView, flags)
  }
}

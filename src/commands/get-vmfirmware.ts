import {Args} from '@oclif/core'

import {HvCommand} from '../cli/base-command.js'
import {outputFlags, vmIdFlag} from '../cli/flags.js'
import {vmFirmwareView} from '../cli/views/vm-firmware.js'

export default class GetVmFirmware extends HvCommand {
  static summary = 'Show the UEFI firmware settings of Generation 2 VMs (Get-VMFirmware).'
  static description = `Secure Boot, its template, the boot order (VMBootSource entries), console mode and the rest, as Get-VMFirmware shows them. A Generation 1 VM has a BIOS instead: get-vmbios.
hv's own boot source (--guest or --boot-kernel) is the first boot entry, of type File. Secure Boot is recorded only: hv has no UEFI.`
  static examples = ['<%= config.bin %> get-vmfirmware web01', "<%= config.bin %> get-vmfirmware 'web*' --json"]
  static strict = false
  static args = {vmName: Args.string({description: 'VM names (wildcards allowed).'})}
  static flags = {...vmIdFlag, ...outputFlags}

  async run(): Promise<void> {
    const {argv, flags} = await this.parse(GetVmFirmware)
    const vms = await this.vmms.firmware.getFirmware(this.selector(argv, flags.id, 'VMName'))
    await this.print(vms, vmFirmwareView, flags)
  }
}

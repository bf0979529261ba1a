import {Args, Flags} from '@oclif/core'

import {HvCommand} from '../cli/base-command.js'
import {enumListFlag, outputFlags, passthruFlag, vmIdFlag, whatIfFlag} from '../cli/flags.js'
import {vmBiosView} from '../cli/views/vm-firmware.js'
import {BIOS_BOOT_DEVICES} from '../core/store/schema.js'

export default class SetVmBios extends HvCommand {
  static summary = 'Change the BIOS settings of Generation 1 VMs (Set-VMBios).'
  static description = `Only while the VM is off. The startup order names each of CD, IDE, LegacyNetworkAdapter and Floppy once. A Generation 2 VM has UEFI firmware instead: set-vmfirmware.`
  static examples = [
    '<%= config.bin %> set-vmbios web01 -DisableNumLock',
    '<%= config.bin %> set-vmbios web01 -StartupOrder Floppy,LegacyNetworkAdapter,CD,IDE',
    '<%= config.bin %> set-vmbios web01 --startup-order IDE,CD,LegacyNetworkAdapter,Floppy --enable-num-lock --passthru',
  ]
  static strict = false
  static args = {vmName: Args.string({description: 'VM names (wildcards allowed).'})}
  static flags = {
    ...vmIdFlag,
    'startup-order': enumListFlag('StartupOrder', BIOS_BOOT_DEVICES, 'Boot devices in the order the BIOS tries them'),
    'enable-num-lock': Flags.boolean({description: 'NumLock on at boot.', exclusive: ['disable-num-lock']}),
    'disable-num-lock': Flags.boolean({description: 'NumLock off at boot.'}),
    ...passthruFlag,
    ...whatIfFlag,
    ...outputFlags,
  }

  async run(): Promise<void> {
    const {argv, flags} = await this.parse(SetVmBios)
    const changes = {
      startupOrder: flags['startup-order'],
      numLockEnabled: flags['enable-num-lock'] ? true : flags['disable-num-lock'] ? false : undefined,
    }
    const vms = await this.actOnVms(this.selector(argv, flags.id, 'VMName'), 'Set-VMBios', flags, (ids) =>
      this.vmms.firmware.setBios({ids}, changes),
    )
    if (flags.passthru) await this.print(vms, vmBiosView, flags)
  }
}

import {Args, Flags} from '@oclif/core'

import {HvCommand} from '../cli/base-command.js'
import {enumFlag, outputFlags, passthruFlag, splitList, vmIdFlag, whatIfFlag} from '../cli/flags.js'
import {vmFirmwareView} from '../cli/views/vm-firmware.js'
import {CONSOLE_MODES, NETWORK_BOOT_PROTOCOLS, ON_OFF_STATES} from '../core/store/schema.js'
import {DEVICE_REFERENCE_HELP} from '../core/vmms/index.js'

export default class SetVmFirmware extends HvCommand {
  static summary = 'Change the UEFI firmware settings of Generation 2 VMs (Set-VMFirmware).'
  static description = `Only while the VM is off. A Generation 1 VM has a BIOS instead: set-vmbios.
Boot devices are named ${DEVICE_REFERENCE_HELP}; File is hv's own boot source, which always boots first. -BootOrder keeps exactly the device entries it names.
Secure Boot, console mode, pause after boot failure and the network boot protocol are recorded only: hv has no UEFI.`
  static examples = [
    '<%= config.bin %> set-vmfirmware web01 -EnableSecureBoot Off',
    '<%= config.bin %> set-vmfirmware web01 -EnableSecureBoot On -SecureBootTemplate MicrosoftUEFICertificateAuthority',
    '<%= config.bin %> set-vmfirmware web01 -FirstBootDevice DvdDrive:SCSI:0:1',
    '<%= config.bin %> set-vmfirmware web01 -BootOrder File,HardDiskDrive:SCSI:0:0 --passthru --json',
  ]
  static strict = false
  static args = {vmName: Args.string({description: 'VM names (wildcards allowed).'})}
  static flags = {
    ...vmIdFlag,
    'enable-secure-boot': enumFlag('EnableSecureBoot', ON_OFF_STATES, 'Secure Boot'),
    'secure-boot-template': Flags.string({
      description: 'Secure Boot template by name (MicrosoftWindows, MicrosoftUEFICertificateAuthority, OpenSourceShieldedVM).',
      exclusive: ['secure-boot-template-id'],
    }),
    'secure-boot-template-id': Flags.string({description: 'Secure Boot template by ID (a GUID).'}),
    'first-boot-device': Flags.string({description: 'The boot entry to try first.', exclusive: ['boot-order']}),
    'boot-order': Flags.string({description: 'Every boot entry, in order (comma-separated).'}),
    'console-mode': enumFlag('ConsoleMode', CONSOLE_MODES, 'Firmware console'),
    'pause-after-boot-failure': enumFlag('PauseAfterBootFailure', ON_OFF_STATES, 'Pause the VM when no boot entry boots'),
    'preferred-network-boot-protocol': enumFlag('PreferredNetworkBootProtocol', NETWORK_BOOT_PROTOCOLS, 'IP version of a network boot'),
    ...passthruFlag,
    ...whatIfFlag,
    ...outputFlags,
  }

  async run(): Promise<void> {
    const {argv, flags} = await this.parse(SetVmFirmware)
    const changes = {
      enableSecureBoot: flags['enable-secure-boot'],
      secureBootTemplate: flags['secure-boot-template'],
      secureBootTemplateId: flags['secure-boot-template-id'],
      firstBootDevice: flags['first-boot-device'],
      bootOrder: flags['boot-order'] === undefined ? undefined : splitList(flags['boot-order']),
      consoleMode: flags['console-mode'],
      pauseAfterBootFailure: flags['pause-after-boot-failure'],
      preferredNetworkBootProtocol: flags['preferred-network-boot-protocol'],
    }
    const vms = await this.actOnVms(this.selector(argv, flags.id, 'VMName'), 'Set-VMFirmware', flags, (ids) =>
      this.vmms.firmware.setFirmware({ids}, changes),
    )
    if (flags.passthru) await this.print(vms, vmFirmwareView, flags)
  }
}

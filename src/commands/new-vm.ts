import {resolve} from 'node:path'

import {Flags} from '@oclif/core'

import {HvCommand} from '../cli/base-command.js'
import {bootSourceFlags, bootSourceFrom, enumFlag, integerFlag, outputFlags, sizeFlag, vmNameArg, whatIfFlag} from '../cli/flags.js'
import {vmView} from '../cli/views/vm.js'
import {InvalidArgumentError} from '../core/errors.js'
import {TIME_MODES} from '../core/store/schema.js'
import {DEFAULT_VM_NAME, NEW_VM_BOOT_DEVICES} from '../core/vmms/index.js'

export default class NewVm extends HvCommand {
  static summary = 'Create a virtual machine (New-VM).'
  static description =
    'Creates a VM in the Off state and prints it. Names need not be unique, as in Hyper-V: the VMId (in --json) tells duplicates apart.'
  static examples = [
    '<%= config.bin %> new-vm web01 -MemoryStartupBytes 1GB -Generation 2',
    '<%= config.bin %> new-vm --name web02 --memory-startup-bytes 512MB --json',
    '<%= config.bin %> new-vm demo --guest tinyos',
    '<%= config.bin %> new-vm k --boot-kernel ./prog.bin --memory-startup-bytes 32MB',
    '<%= config.bin %> new-vm VM01 -Generation 1 -BootDevice CD',
    '<%= config.bin %> new-vm web03 -Generation 2 -NewVHDPath web03.vhdx -NewVHDSizeBytes 20GB',
  ]
  static args = {
    name: vmNameArg(`Name of the VM (default "${DEFAULT_VM_NAME}").`),
  }
  static flags = {
    'memory-startup-bytes': sizeFlag('MemoryStartupBytes', 'Memory at start (default 512MB).'),
    generation: integerFlag('Generation', 'Virtual machine generation, 1 or 2 (default 1).'),
    path: Flags.string({description: 'Folder under which a folder named after the VM holds its files.'}),
    version: Flags.string({description: 'Configuration version (default: the host\'s newest).'}),
    'no-vhd': Flags.boolean({description: 'Create the VM without a virtual hard disk (what hv does unless a disk is asked for).'}),
    'new-vhd-path': Flags.string({description: 'Create a dynamic disk here (relative: under the host\'s VirtualHardDiskPath) and attach it to IDE 0:0 (Generation 1) or SCSI 0:0 (Generation 2).'}),
    'new-vhd-size-bytes': sizeFlag('NewVHDSizeBytes', 'The size of the new disk.'),
    'vhd-path': Flags.string({description: 'Attach this existing disk to IDE 0:0 (Generation 1) or SCSI 0:0 (Generation 2).'}),
    ...bootSourceFlags,
    'boot-device': enumFlag('BootDevice', NEW_VM_BOOT_DEVICES, 'The device that boots first: Generation 1 puts it first in the BIOS startup order (VHD means IDE, NetworkAdapter LegacyNetworkAdapter); Generation 2 puts the first such device attached first in the boot order'),
    'time-mode': enumFlag('TimeMode', TIME_MODES, 'Guest time: the host clock, or deterministic (advancing with executed instructions)'),
    ...whatIfFlag,
    ...outputFlags,
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parse(NewVm)
    const name = args.name ?? DEFAULT_VM_NAME
    if (flags['no-vhd'] && (flags['new-vhd-path'] || flags['vhd-path'])) {
      throw new InvalidArgumentError('Parameter set cannot be resolved using the specified named parameters: -NoVHD goes without -NewVHDPath and -VHDPath.')
    }
    if (!(await this.shouldProcess('New-VM', name, flags, false))) return
    const vm = await this.vmms.newVm({
      name,
      memoryStartupBytes: flags['memory-startup-bytes'],
      generation: flags.generation,
      path: flags.path === undefined ? undefined : resolve(flags.path),
      version: flags.version,
      bootSource: bootSourceFrom(flags),
      timeMode: flags['time-mode'],
      bootDevice: flags['boot-device'],
      newVhdPath: flags['new-vhd-path'],
      newVhdSizeBytes: flags['new-vhd-size-bytes'],
      vhdPath: flags['vhd-path'],
    })
    await this.print(await this.withStatus([vm], false), vmView, flags)
  }
}

import {resolve} from 'node:path'

import {Flags} from '@oclif/core'

import {HvCommand} from '../cli/base-command.js'
import {integerFlag, outputFlags, passthruFlag, sizeFlag, timeSpanFlag, whatIfFlag} from '../cli/flags.js'
import {vmHostView} from '../cli/views/vm-host.js'

export default class SetVmHost extends HvCommand {
  static summary = 'Change settings of the emulated host (Set-VMHost).'
  static description =
    'Besides the cmdlet\'s default paths and MAC address range, the emulated host\'s logical processor count and memory capacity can be set; they bound what VMs may be given. -ResourceMeteringSaveInterval is how often running VMs save their resource-metering figures (a running VM takes a new interval at its next save).'
  static examples = [
    '<%= config.bin %> set-vmhost -VirtualMachinePath /srv/vms -MacAddressMinimum 00155D010100 -MacAddressMaximum 00155D0101FF',
    '<%= config.bin %> set-vmhost --logical-processor-count 8 --memory-capacity 32GB',
    '<%= config.bin %> set-vmhost -ResourceMeteringSaveInterval 01:30:00',
  ]
  static flags = {
    'virtual-hard-disk-path': Flags.string({description: 'Default folder for virtual hard disks.'}),
    'virtual-machine-path': Flags.string({description: 'Default folder for VM files.'}),
    'mac-address-minimum': Flags.string({description: 'Lowest dynamic MAC address (12 hex digits).'}),
    'mac-address-maximum': Flags.string({description: 'Highest dynamic MAC address (12 hex digits).'}),
    'logical-processor-count': integerFlag('LogicalProcessorCount', 'Logical processors of the emulated host.'),
    'memory-capacity': sizeFlag('MemoryCapacity', 'Memory of the emulated host.'),
    'resource-metering-save-interval': timeSpanFlag(
      'ResourceMeteringSaveInterval',
      'How often running VMs save their resource-metering figures (hh:mm:ss, 00:00:01 to 24:00:00; default 01:00:00).',
    ),
    ...passthruFlag,
    ...whatIfFlag,
    ...outputFlags,
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(SetVmHost)
    if (!(await this.shouldProcess('Set-VMHost', 'host', flags, false))) return
    const absolute = (path: string | undefined) => (path === undefined ? undefined : resolve(path))
    const host = await this.vmms.setHost({
      virtualHardDiskPath: absolute(flags['virtual-hard-disk-path']),
      virtualMachinePath: absolute(flags['virtual-machine-path']),
      macAddressMinimum: flags['mac-address-minimum'],
      macAddressMaximum: flags['mac-address-maximum'],
      logicalProcessorCount: flags['logical-processor-count'],
      memoryCapacity: flags['memory-capacity'],
      resourceMeteringSaveIntervalSeconds: flags['resource-metering-save-interval'],
    })
    if (flags.passthru) await this.print([host], vmHostView, flags)
  }
}

import {Args} from '@oclif/core'

import {HvCommand} from '../cli/base-command.js'
import {boolFlag, integerFlag, outputFlags, passthruFlag, vmIdFlag, whatIfFlag} from '../cli/flags.js'
import {vmProcessorView} from '../cli/views/vm-processor.js'

export default class SetVmProcessor extends HvCommand {
  static summary = 'Change the virtual processor settings of VMs (Set-VMProcessor).'
  static description = 'The count changes only while the VM is off; reserve, maximum and weight at any time.'
  static examples = [
    '<%= config.bin %> set-vmprocessor web01 -Count 2',
    '<%= config.bin %> set-vmprocessor web01 --reserve 10 --maximum 75 --relative-weight 200',
    '<%= config.bin %> set-vmprocessor -VMName web01 -Count 2 -HwThreadCountPerCore 1 -EnableHostResourceProtection $true',
  ]
  static strict = false
  static args = {vmName: Args.string({description: 'VM names (wildcards allowed).'})}
  static flags = {
    ...vmIdFlag,
    count: integerFlag('Count', 'Number of virtual processors.'),
    reserve: integerFlag('Reserve', 'Percent of a logical processor held for each VP (0-100).'),
    maximum: integerFlag('Maximum', 'Percent of a logical processor each VP may use at most (0-100).'),
    'relative-weight': integerFlag('RelativeWeight', 'Share of processor time against other VMs (0-10000).'),
    'compatibility-for-migration-enabled': boolFlag('CompatibilityForMigrationEnabled', 'Limit features for migration.'),
    'compatibility-for-older-operating-systems-enabled': boolFlag(
      'CompatibilityForOlderOperatingSystemsEnabled',
      'Limit CPUID for older guests.',
    ),
    'expose-virtualization-extensions': boolFlag('ExposeVirtualizationExtensions', 'Nested virtualization.'),
    'hw-thread-count-per-core': integerFlag('HwThreadCountPerCore', 'Threads per core the guest sees, 0 (as the host), 1 or 2 (recorded; VM off).'),
    'maximum-count-per-numa-node': integerFlag('MaximumCountPerNumaNode', 'Most virtual processors per NUMA node, 1-240 (recorded; VM off).'),
    'maximum-count-per-numa-socket': integerFlag('MaximumCountPerNumaSocket', 'Most NUMA nodes per socket, 1-64 (recorded; VM off).'),
    'enable-host-resource-protection': boolFlag('EnableHostResourceProtection', 'Host resource protection (recorded).'),
    ...passthruFlag,
    ...whatIfFlag,
    ...outputFlags,
  }

  async run(): Promise<void> {
    const {argv, flags} = await this.parse(SetVmProcessor)
    const changes = {
      count: flags.count,
      reserve: flags.reserve,
      maximum: flags.maximum,
      relativeWeight: flags['relative-weight'],
      compatibilityForMigrationEnabled: flags['compatibility-for-migration-enabled'],
      compatibilityForOlderOperatingSystemsEnabled: flags['compatibility-for-older-operating-systems-enabled'],
      exposeVirtualizationExtensions: flags['expose-virtualization-extensions'],
      hwThreadCountPerCore: flags['hw-thread-count-per-core'],
      maximumCountPerNumaNode: flags['maximum-count-per-numa-node'],
      maximumCountPerNumaSocket: flags['maximum-count-per-numa-socket'],
      enableHostResourceProtection: flags['enable-host-resource-protection'],
    }
    const vms = await this.actOnVms(this.selector(argv, flags.id, 'VMName'), 'Set-VMProcessor', flags, (ids) =>
      this.vmms.setProcessor({ids}, changes),
    )
    if (flags.passthru) await this.print(vms, vmProcessorView, flags)
  }
}

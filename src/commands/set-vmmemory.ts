import {Args} from '@oclif/core'

import {HvCommand} from '../cli/base-command.js'
import {boolFlag, integerFlag, outputFlags, passthruFlag, sizeFlag, vmIdFlag, whatIfFlag} from '../cli/flags.js'
import {vmMemoryView} from '../cli/views/vm-memory.js'

export default class SetVmMemory extends HvCommand {
  static summary = 'Change the memory settings of VMs (Set-VMMemory).'
  static description =
    'Sizes change only while the VM is off. With dynamic memory, minimum <= startup <= maximum; all sizes are multiples of 2 MB.'
  static examples = [
    '<%= config.bin %> set-vmmemory web01 -StartupBytes 1GB',
    '<%= config.bin %> set-vmmemory web01 -DynamicMemoryEnabled $true -MinimumBytes 512MB -MaximumBytes 2GB',
  ]
  static strict = false
  static args = {vmName: Args.string({description: 'VM names (wildcards allowed).'})}
  static flags = {
    ...vmIdFlag,
    'dynamic-memory-enabled': boolFlag('DynamicMemoryEnabled', 'Turn dynamic memory on or off.'),
    'startup-bytes': sizeFlag('StartupBytes', 'Memory at start.'),
    'minimum-bytes': sizeFlag('MinimumBytes', 'Dynamic memory minimum.'),
    'maximum-bytes': sizeFlag('MaximumBytes', 'Dynamic memory maximum.'),
    buffer: integerFlag('Buffer', 'Percent of extra memory to keep (5-2000).'),
    priority: integerFlag('Priority', 'Memory weight against other VMs (0-100).'),
    ...passthruFlag,
    ...whatIfFlag,
    ...outputFlags,
  }

  async run(): Promise<void> {
    const {argv, flags} = await this.parse(SetVmMemory)
    const changes = {
      dynamicMemoryEnabled: flags['dynamic-memory-enabled'],
      startupBytes: flags['startup-bytes'],
      minimumBytes: flags['minimum-bytes'],
      maximumBytes: flags['maximum-bytes'],
      buffer: flags.buffer,
      priority: flags.priority,
    }
    const vms = await this.actOnVms(this.selector(argv, flags.id, 'VMName'), 'Set-VMMemory', flags, (ids) =>
      this.vmms.setMemory({ids}, changes),
    )
    if (flags.passthru) await this.print(vms, vmMemoryView, flags)
  }
}

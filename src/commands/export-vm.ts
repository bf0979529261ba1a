import {Flags} from '@oclif/core'

import {HvCommand} from '../cli/base-command.js'
import {outputFlags, passthruFlag, vmIdFlag, vmNameArg, whatIfFlag} from '../cli/flags.js'
import {vmView} from '../cli/views/vm.js'
import {InvalidArgumentError} from '../core/errors.js'
import type {VmRecord} from '../core/vmms/index.js'

export default class ExportVm extends HvCommand {
  static summary = 'Export virtual machines with their checkpoints (Export-VM).'
  static description =
    'Writes the folder PATH/<VMName>/: the configuration and checkpoint tree, the checkpoint pages, the saved state and the console log, and hv-export.json listing every file with its size and SHA-256. The VM must be Off or Saved. A folder that exists already is refused. import-vm brings it back.'
  static examples = ['<%= config.bin %> export-vm demo --path /backups', '<%= config.bin %> export-vm -Name demo -Path /backups']
  static strict = false
  static args = {name: vmNameArg('VM names (wildcards allowed).')}
  static flags = {
    ...vmIdFlag,
    path: Flags.string({description: 'Folder under which the VM\'s export folder is created.'}),
    ...passthruFlag,
    ...whatIfFlag,
    ...outputFlags,
  }

  async run(): Promise<void> {
    const {argv, flags} = await this.parse(ExportVm)
    if (flags.path === undefined || flags.path.trim() === '') throw new InvalidArgumentError('Specify where to export with --path (-Path).')
    const targets = await this.vmms.getVms(this.selector(argv, flags.id))
    const done: VmRecord[] = []
    for (const vm of targets) {
      if (!(await this.shouldProcess('Export-VM', vm.name, flags, false))) continue
      const progress = this.progress(`Exporting '${vm.name}'`)
      try {
        await this.vmms.transfer.exportVm(vm.id, flags.path, (d, t) => progress.update(d, t))
      } finally {
        progress.end()
      }
      done.push(vm)
    }
    if (flags.passthru) await this.print(await this.withStatus(done, false), vmView, flags)
  }
}

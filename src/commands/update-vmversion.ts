import {Args} from '@oclif/core'

import {HvCommand} from '../cli/base-command.js'
import {confirmFlags, outputFlags, passthruFlag, vmIdFlag, whatIfFlag} from '../cli/flags.js'
import {vmView} from '../cli/views/vm.js'

export default class UpdateVmVersion extends HvCommand {
  static summary = "Upgrade VMs' configuration version to the host's default (Update-VMVersion)."
  static description = `Only a VM that is off, and not already at the newest version; its checkpoints are upgraded with it. The upgrade cannot be undone, so it asks for confirmation on a terminal; without one, pass --force or --confirm false.`
  static examples = ['<%= config.bin %> update-vmversion old01', "<%= config.bin %> update-vmversion 'lab-*' --force --passthru"]
  static strict = false
  static args = {name: Args.string({description: 'VM names (wildcards allowed).'})}
  static flags = {...vmIdFlag, ...confirmFlags, ...passthruFlag, ...whatIfFlag, ...outputFlags}

  async run(): Promise<void> {
    const {argv, flags} = await this.parse(UpdateVmVersion)
    const vms = await this.actOnVms(
      this.selector(argv, flags.id),
      'Update-VMVersion',
      {...flags, json: this.outputFormat(flags) === 'json'},
      (ids) => this.vmms.updateVmVersion({ids}),
      true,
    )
    if (flags.passthru) await this.print(await this.withStatus(vms, false), vmView, flags)
  }
}

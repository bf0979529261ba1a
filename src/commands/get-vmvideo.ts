import {Args} from '@oclif/core'

import {HvCommand} from '../cli/base-command.js'
import {outputFlags, vmIdFlag} from '../cli/flags.js'
import {vmVideoView} from '../cli/views/vm-video.js'

export default class GetVmVideo extends HvCommand {
  static summary = 'Show the video settings of VMs (Get-VMVideo).'
  static description = 'Recorded only: hv VMs have no display (their console is COM1).'
  static examples = ['<%= config.bin %> get-vmvideo web01', "<%= config.bin %> get-vmvideo 'web*' --json"]
  static strict = false
  static args = {vmName: Args.string({description: 'VM names (wildcards allowed); all VMs when omitted.'})}
  static flags = {...vmIdFlag, ...outputFlags}

  async run(): Promise<void> {
    const {argv, flags} = await this.parse(GetVmVideo)
    const vms = await this.vmms.getVms({names: this.names(argv), ids: flags.id ?? []})
    await this.print(vms, vmVideoView, flags)
  }
}

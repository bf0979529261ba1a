import {Args} from '@oclif/core'

import {HvCommand} from '../cli/base-command.js'
import {integerFlag, outputFlags} from '../cli/flags.js'
import {vmEventView} from '../cli/views/vm-event.js'

export default class GetVmEvent extends HvCommand {
  static summary = 'Show the VMMS event log, newest first.'
  static description =
    'Every change made through hv is logged: when, by whom, to which VM. Filter by VM name (wildcards allowed); events of deleted VMs stay in the log.'
  static examples = [
    '<%= config.bin %> get-vmevent',
    '<%= config.bin %> get-vmevent web01 --max-events 5',
    "<%= config.bin %> get-vmevent 'web*' --json",
  ]
  static strict = false
  static args = {vmName: Args.string({description: 'VM names to filter by (wildcards allowed).'})}
  static flags = {'max-events': integerFlag('MaxEvents', 'Show at most this many events.'), ...outputFlags}

  async run(): Promise<void> {
    const {argv, flags} = await this.parse(GetVmEvent)
    const events = await this.vmms.getEvents({vmNames: this.names(argv), maxEvents: flags['max-events']})
    await this.print(events, vmEventView, flags)
  }
}

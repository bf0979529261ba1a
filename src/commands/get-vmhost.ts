import {HvCommand} from '../cli/base-command.js'
import {outputFlags} from '../cli/flags.js'
import {vmHostView} from '../cli/views/vm-host.js'

export default class GetVmHost extends HvCommand {
  static summary = 'Show the emulated Hyper-V host (Get-VMHost).'
  static description =
    'The host is emulated: its logical processor count and memory capacity default to this machine\'s and can be changed with set-vmhost.'
  static examples = ['<%= config.bin %> get-vmhost', '<%= config.bin %> get-vmhost --format list']
  static flags = {...outputFlags}

  async run(): Promise<void> {
    const {flags} = await this.parse(GetVmHost)
    await this.print([await this.vmms.getHost()], vmHostView, flags)
  }
}

import {ResourceMeteringSwitchCommand} from '../cli/resource-metering-command.js'

export default class ResetVmResourceMetering extends ResourceMeteringSwitchCommand {
  static summary = 'Delete the resource utilization data collected for VMs and go on collecting (Reset-VMResourceMetering).'
  static description = 'The metering duration starts again from zero. A VM whose metering is off is left as it is.'
  static examples = ['<%= config.bin %> reset-vmresourcemetering web01', '<%= config.bin %> Reset-VMResourceMetering -VMName TestVM']
  static strict = ResourceMeteringSwitchCommand.strict
  static args = ResourceMeteringSwitchCommand.args
  static flags = ResourceMeteringSwitchCommand.flags

  async run(): Promise<void> {
    await this.switchMetering('Reset-VMResourceMetering', (ids) => this.vmms.metering.reset(ids))
  }
}

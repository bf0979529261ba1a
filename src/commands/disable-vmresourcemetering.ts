import {ResourceMeteringSwitchCommand} from '../cli/resource-metering-command.js'

export default class DisableVmResourceMetering extends ResourceMeteringSwitchCommand {
  static summary = 'Stop collecting resource utilization data for VMs (Disable-VMResourceMetering).'
  static description = 'The data collected so far is deleted; measure-vm then refuses the VM until metering is enabled again.'
  static examples = ['<%= config.bin %> disable-vmresourcemetering web01', "<%= config.bin %> Disable-VMResourceMetering -VMName 'Test*'"]
  static strict = ResourceMeteringSwitchCommand.strict
  static args = ResourceMeteringSwitchCommand.args
  static flags = ResourceMeteringSwitchCommand.flags

  async run(): Promise<void> {
    await this.switchMetering('Disable-VMResourceMetering', (ids) => this.vmms.metering.disable(ids))
  }
}

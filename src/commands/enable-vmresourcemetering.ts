import {ResourceMeteringSwitchCommand} from '../cli/resource-metering-command.js'

export default class EnableVmResourceMetering extends ResourceMeteringSwitchCommand {
  static summary = 'Start collecting resource utilization data for VMs (Enable-VMResourceMetering).'
  static description =
    'A running VM is metered from now on, a VM that is off from when it next runs; measure-vm reports the figures. A VM already metered keeps what was gathered.'
  static examples = ['<%= config.bin %> enable-vmresourcemetering web01', "<%= config.bin %> Enable-VMResourceMetering -VMName 'web*'"]
  // oclif reads a command's own static properties: the shared ones are named again here.
  static strict = ResourceMeteringSwitchCommand.strict
  static args = ResourceMeteringSwitchCommand.args
  static flags = ResourceMeteringSwitchCommand.flags

  async run(): Promise<void> {
    await this.switchMetering('Enable-VMResourceMetering', (ids) => this.vmms.metering.enable(ids))
  }
}

import {IntegrationServiceSwitchCommand} from '../cli/integration-service-command.js'

export default class EnableVmIntegrationService extends IntegrationServiceSwitchCommand {
  static summary = 'Enable integration services of VMs (Enable-VMIntegrationService).'
  static description = "On a running VM the change is immediate: the service's VMBus channel is offered to the guest."
  static examples = ["<%= config.bin %> enable-vmintegrationservice demo --name 'Guest Service Interface'", '<%= config.bin %> Enable-VMIntegrationService -VMName demo -Name Heartbeat']
  // oclif reads a command's own static properties: the shared ones are named again here.
  static strict = IntegrationServiceSwitchCommand.strict
  static args = IntegrationServiceSwitchCommand.args
  static flags = IntegrationServiceSwitchCommand.flags

  async run(): Promise<void> {
    await this.switchServices(true, 'Enable-VMIntegrationService')
  }
}

import {IntegrationServiceSwitchCommand} from '../cli/integration-service-command.js'

export default class DisableVmIntegrationService extends IntegrationServiceSwitchCommand {
  static summary = 'Disable integration services of VMs (Disable-VMIntegrationService).'
  static description = "On a running VM the change is immediate: the service's VMBus channel is rescinded from the guest."
  static examples = ["<%= config.bin %> disable-vmintegrationservice demo --name 'Guest Service Interface'", '<%= config.bin %> Disable-VMIntegrationService -VMName demo -Name Heartbeat']
  // oclif reads a command's own static properties: the shared ones are named again here.
  static strict = IntegrationServiceSwitchCommand.strict
  static args = IntegrationServiceSwitchCommand.args
  static flags = IntegrationServiceSwitchCommand.flags

  async run(): Promise<void> {
    await this.switchServices(false, 'Disable-VMIntegrationService')
  }
}

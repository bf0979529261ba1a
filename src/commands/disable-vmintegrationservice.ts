import {Args, Flags} from '@oclif/core'

import {HvCommand} from '../cli/base-command.js'
import {outputFlags, passthruFlag, vmIdFlag, whatIfFlag} from '../cli/flags.js'
import {vmIntegrationServiceView} from '../cli/views/vm-integration-service.js'

export default class DisableVmIntegrationService extends HvCommand {
  static summary = 'Disable integration services of VMs (Disable-VMIntegrationService).'
  static description = `On a running VM the change is immediate: the service's VMBus channel is rescinded from the guest.`
  static examples = ["<%= config.bin %> disable-vmintegrationservice demo --name 'Guest Service Interface'", "<%= config.bin %> Disable-VMIntegrationService -VMName demo -Name Heartbeat"]
  static strict = false
  static args = {vmName: Args.string({description: 'VM names (wildcards allowed).'})}
  static flags = {
    ...vmIdFlag,
    name: Flags.string({description: 'Service names: Guest Service Interface, Heartbeat, Key-Value Pair Exchange, Shutdown, Time Synchronization, VSS.', multiple: true, required: true}),
    ...passthruFlag,
    ...whatIfFlag,
    ...outputFlags,
  }

  async run(): Promise<void> {
    const {argv, flags} = await this.parse(DisableVmIntegrationService)
    const changed = await this.actOnVms(this.selector(argv, flags.id, 'VMName'), 'Disable-VMIntegrationService', flags, async (ids) => {
      const vms = []
      for (const id of ids) {
        let vm
        for (const name of flags.name) vm = await this.vmms.guestServices.setEnabled(id, name, false)
        if (vm) vms.push(vm)
      }
      return vms
    })
    if (!flags.passthru) return
    const live = await this.vmms.lifecycle.status(changed)
    const rows = changed.flatMap((vm) =>
      this.vmms.guestServices.rows(vm, live.get(vm.id)).filter((row) => flags.name.some((n) => n.toLowerCase() === row.Name.toLowerCase())).map((row) => ({vm, row})),
    )
    await this.print(rows, vmIntegrationServiceView, flags)
  }
}

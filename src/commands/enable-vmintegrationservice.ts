import {Args, Flags} from '@oclif/core'

import {HvCommand} from '../cli/base-command.js'
import {outputFlags, passthruFlag, vmIdFlag, whatIfFlag} from '../cli/flags.js'
import {vmIntegrationServiceView} from '../cli/views/vm-integration-service.js'

export default class EnableVmIntegrationService extends HvCommand {
  static summary = 'Enable integration services of VMs (Enable-VMIntegrationService).'
  static description = `On a running VM the change is immediate: the service's VMBus channel is offered to the guest.`
  static examples = ["<%= config.bin %> enable-vmintegrationservice demo --name 'Guest Service Interface'", "<%= config.bin %> Enable-VMIntegrationService -VMName demo -Name Heartbeat"]
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
    const {argv, flags} = await this.parse(EnableVmIntegrationService)
    const changed = await this.actOnVms(this.selector(argv, flags.id, 'VMName'), 'Enable-VMIntegrationService', flags, async (ids) => {
      const vms = []
      for (const id of ids) {
        let vm
        for (const name of flags.name) vm = await this.vmms.guestServices.setEnabled(id, name, true)
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

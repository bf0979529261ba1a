import {Args, Flags} from '@oclif/core'

import {HvCommand} from './base-command.js'
import {outputFlags, passthruFlag, vmIdFlag, whatIfFlag} from './flags.js'
import {vmIntegrationServiceView} from './views/vm-integration-service.js'

/**
 * Enable-VMIntegrationService and Disable-VMIntegrationService: the same
 * parameters and the same work, one switching services on, the other off.
 */
export abstract class IntegrationServiceSwitchCommand extends HvCommand {
  static strict = false
  static args = {vmName: Args.string({description: 'VM names (wildcards allowed).'})}
  static flags = {
    ...vmIdFlag,
    name: Flags.string({
      description: 'Service names: Guest Service Interface, Heartbeat, Key-Value Pair Exchange, Shutdown, Time Synchronization, VSS.',
      multiple: true,
      required: true,
    }),
    ...passthruFlag,
    ...whatIfFlag,
    ...outputFlags,
  }

  protected async switchServices(enabled: boolean, cmdlet: string): Promise<void> {
    const {argv, flags} = await this.parse(this.constructor as typeof IntegrationServiceSwitchCommand)
    const changed = await this.actOnVms(this.selector(argv, flags.id, 'VMName'), cmdlet, flags, async (ids) => {
      const vms = []
      for (const id of ids) {
        let vm
        for (const name of flags.name) vm = await this.vmms.guestServices.setEnabled(id, name, enabled)
        if (vm) vms.push(vm)
      }
      return vms
    })
    if (!flags.passthru) return
    const live = await this.vmms.lifecycle.status(changed)
    const wanted = new Set(flags.name.map((name) => name.toLowerCase()))
    const rows = changed.flatMap((vm) =>
      this.vmms.guestServices.rows(vm, live.get(vm.id)).filter((row) => wanted.has(row.Name.toLowerCase())).map((row) => ({vm, row})),
    )
    await this.print(rows, vmIntegrationServiceView, flags)
  }
}

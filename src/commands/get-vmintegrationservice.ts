import {Args, Flags} from '@oclif/core'

import {HvCommand} from '../cli/base-command.js'
import {outputFlags, vmIdFlag} from '../cli/flags.js'
import {vmIntegrationServiceView} from '../cli/views/vm-integration-service.js'
import {nameMatches} from '../core/vmms/index.js'

export default class GetVmIntegrationService extends HvCommand {
  static summary = 'Show the integration services of VMs and how each is doing (Get-VMIntegrationService).'
  static description = `PrimaryStatusDescription is OK, No Contact or Lost Communication while the VM runs, and empty otherwise or when the service is disabled.`
  static examples = ['<%= config.bin %> get-vmintegrationservice demo', "<%= config.bin %> get-vmintegrationservice demo --name Heartbeat --json"]
  static strict = false
  static args = {vmName: Args.string({description: 'VM names (wildcards allowed); all VMs when omitted.'})}
  static flags = {
    ...vmIdFlag,
    name: Flags.string({description: 'Service names (wildcards allowed).', multiple: true}),
    ...outputFlags,
  }

  async run(): Promise<void> {
    const {argv, flags} = await this.parse(GetVmIntegrationService)
    const vms = await this.vmms.getVms({names: this.names(argv), ids: flags.id ?? []})
    const live = await this.vmms.lifecycle.status(vms)
    const wanted = flags.name ?? []
    const rows = vms.flatMap((vm) =>
      this.vmms.guestServices
        .rows(vm, live.get(vm.id))
        .filter((row) => wanted.length === 0 || wanted.some((pattern) => nameMatches(pattern, row.Name)))
        .map((row) => ({vm, row})),
    )
    await this.print(rows, vmIntegrationServiceView, flags)
  }
}

import {Args} from '@oclif/core'

import {HvCommand} from '../cli/base-command.js'
import {outputFlags, vmIdFlag} from '../cli/flags.js'
import {vmBusChannelView, vmBusView} from '../cli/views/vm-bus.js'

export default class GetVmBus extends HvCommand {
  static summary = "Show the VMBus of running VMs: the negotiated version and every channel with its traffic (an hv command)."
  static description = `The table has one row per channel: the device's name, its interface type (class GUID) and instance id, relid, connection id, state (Offered, Open, Closed, Rescinded, Error), ring sizes and the packets, bytes and interrupts each way (out: host to guest, in: guest to host).
--json prints one object per VM: Connected, Version, the Channels with every counter, and the channel-management messages sent and received by type.`
  static examples = ['<%= config.bin %> get-vmbus demo', '<%= config.bin %> get-vmbus demo --json']
  static strict = false
  static args = {vmName: Args.string({description: 'VM names (wildcards allowed); all VMs when omitted.'})}
  static flags = {...vmIdFlag, ...outputFlags}

  async run(): Promise<void> {
    const {argv, flags} = await this.parse(GetVmBus)
    const vms = await this.vmms.getVms({names: this.names(argv), ids: flags.id ?? []})
    const live = await this.vmms.lifecycle.status(vms)
    const buses = vms.map((vm) => ({vm, bus: live.get(vm.id)?.vmbus ?? null}))
    if (this.outputFormat(flags) === 'json') return this.print(buses, vmBusView, flags)
    for (const {vm, bus} of buses) {
      if (!bus) await this.warning(`'${vm.name}' is not running: it has no VMBus.`)
      else if (!bus.Connected) await this.warning(`The guest in '${vm.name}' has not connected to VMBus (it offers ${bus.Channels.length} channels).`)
    }
    await this.print(buses.flatMap(({vm, bus}) => (bus?.Connected ? bus.Channels.map((channel) => ({vm, channel})) : [])), vmBusChannelView, flags)
  }
}

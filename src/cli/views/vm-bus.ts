import type {VmbusChannelStatistics, VmbusStatistics, VmRecord} from '../../core/vmms/index.js'
import type {View} from '../render.js'

/** One VM's VMBus as its worker reports it (null: the VM is not running). */
export interface VmBus {
  vm: VmRecord
  bus: VmbusStatistics | null
}

/** The negotiated VMBus protocol as major.minor ("5.3"). */
function versionText(bus: VmbusStatistics | null): string | null {
  return bus?.Version == null ? null : `${bus.Version >>> 16}.${bus.Version & 0xffff}`
}

/** The whole bus of one VM: what --json prints. */
export function vmBusObject({vm, bus}: VmBus) {
  return {
    VMName: vm.name,
    VMId: vm.id,
    Connected: bus?.Connected ?? false,
    Version: versionText(bus),
    VersionName: bus?.VersionName ?? null,
    VersionNumber: bus?.Version ?? null,
    TargetVp: bus?.TargetVp ?? null,
    MessageSint: bus?.MessageSint ?? null,
    Channels: bus?.Channels ?? [],
    Gpadls: bus?.Gpadls ?? 0,
    MessagesReceived: bus?.MessagesReceived ?? {},
    MessagesSent: bus?.MessagesSent ?? {},
    MalformedMessages: bus?.MalformedMessages ?? 0,
    ProtocolErrors: bus?.ProtocolErrors ?? 0,
    LastProtocolError: bus?.LastProtocolError ?? null,
  }
}

export const vmBusView: View<VmBus, ReturnType<typeof vmBusObject>> = {
  object: vmBusObject,
  columns: [
    {header: 'VMName', value: ({vm}) => vm.name},
    {header: 'Connected', value: ({bus}) => bus?.Connected ?? false},
    {header: 'Version', value: ({bus}) => versionText(bus) ?? ''},
    {header: 'Channels', value: ({bus}) => bus?.Channels.length ?? 0, align: 'right'},
    {header: 'Open', value: ({bus}) => bus?.Channels.filter((c) => c.State === 'Open').length ?? 0, align: 'right'},
  ],
}

/** One channel, for the table view. */
export interface VmBusChannel {
  vm: VmRecord
  channel: VmbusChannelStatistics
}

const kib = (bytes: number) => (bytes >= 1024 ? `${Math.round(bytes / 1024)}K` : String(bytes))

export const vmBusChannelView: View<VmBusChannel, VmbusChannelStatistics & {VMName: string}> = {
  object: ({vm, channel}) => ({VMName: vm.name, ...channel}),
  columns: [
    {header: 'VMName', value: ({vm}) => vm.name},
    {header: 'Name', value: ({channel}) => channel.Name},
    {header: 'InterfaceType', value: ({channel}) => channel.ClassId},
    {header: 'InstanceId', value: ({channel}) => channel.InstanceId},
    {header: 'RelId', value: ({channel}) => channel.RelId, align: 'right'},
    {header: 'ConnId', value: ({channel}) => `0x${channel.ConnectionId.toString(16)}`, align: 'right'},
    {header: 'State', value: ({channel}) => channel.State},
    {header: 'Ring(out/in)', value: ({channel}) => `${kib(channel.RingBytesToGuest)}/${kib(channel.RingBytesToHost)}`, align: 'right'},
    {header: 'Packets(out/in)', value: ({channel}) => `${channel.PacketsToGuest}/${channel.PacketsToHost}`, align: 'right'},
    {header: 'Bytes(out/in)', value: ({channel}) => `${channel.BytesToGuest}/${channel.BytesToHost}`, align: 'right'},
    {header: 'Interrupts(out/in)', value: ({channel}) => `${channel.InterruptsSent}/${channel.InterruptsReceived}`, align: 'right'},
  ],
}

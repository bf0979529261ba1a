/**
 * The root-side VMBus server: the channel manager the guest's VMBus driver
 * talks to. It binds the message connection ids (1, and 4 for
 * INITIATE_CONTACT at >= 5.0) in the child's connection table, negotiates the
 * protocol version, offers one channel per registered device, assembles
 * GPADLs, opens and closes channels, rescinds and adds offers at runtime, and
 * unloads. Each open channel binds its own event connection id
 * (CHANNEL_CONNECTION_ID_BASE + relid) so a guest SignalEvent drains exactly
 * that channel's ring.
 *
 * Everything the guest sends is untrusted: malformed or out-of-place
 * messages are counted and ignored (or answered with a failure status when
 * the guest would otherwise wait forever), never thrown into the host.
 *
 * Owner's duties (the VM worker):
 *   const server = new VmbusServer(link, {devices, log})
 *   - call `server.pump()` when the guest EOMs the VMBus message SINT and from
 *     time to time (e.g. each run-loop slice): host messages the SynIC refused
 *     with INSUFFICIENT_BUFFERS go out then.
 *   - `server.offer(device)` / `server.rescind(device)` to add or remove a
 *     device while the VM runs (integration services on and off).
 *   - `server.reset()` on VM reset, `saveState()` / `restoreState()` with the
 *     VM's saved state, `statistics()` for get-vmbus, `dispose()` at teardown.
 */
import {HV_STATUS} from '../hypervisor/hvdef.js'
import type {EventPort, MessagePort} from '../hypervisor/ports.js'
import {Channel, describe, zeroCounters, type ChannelCounters, type ChannelHost, type ChannelState} from './channel.js'
import {
  CHANNELMSG,
  CHANNELMSG_NAMES,
  CONNECTION_STATE,
  LIMITS,
  MAX_USER_DEFINED_BYTES,
  NT_STATUS,
  OFFER_MONITOR_ID_NONE,
  SUPPORTED_VERSIONS,
  VMBUS_MESSAGE_CONNECTION_ID,
  VMBUS_MESSAGE_CONNECTION_ID_4,
  VMBUS_MESSAGE_SINT,
  VMBUS_MESSAGE_TYPE,
  VMBUS_VERSION,
  VMBUS_CLASS_NAMES,
  VMBUS_VERSION_NAMES,
} from './constants.js'
import {GpadlTable, type GpadlSaved, type GpadlStep, type PendingGpadlSaved} from './gpadl.js'
import {isGuid} from './guid.js'
import {
  decodeChannelMessage,
  encodeChannelMessage,
  messageName,
  type ChannelMessage,
  type GpadlHeaderMessage,
  type InitiateContactMessage,
  type OpenChannelMessage,
} from './messages.js'
import {OutgoingQueue} from './outgoing-queue.js'
import type {VmbusPartitionLink} from './partition-link.js'
import {MIN_RING_PAGES, RING_PAGE_SIZE} from './ring-buffer.js'
import type {VmbusDevice} from './vmbus-device.js'

export const VMBUS_SAVED_STATE_VERSION = 1

export interface VmbusServerOptions {
  /** Devices offered from the start, relids 1, 2, ... in this order. */
  devices?: readonly VmbusDevice[]
  /** Where guest protocol errors and channel failures are reported (default: nowhere). */
  log?: (message: string) => void
}

interface Connection {
  version: number
  targetVp: number
  sint: number
  msgConnId: number
  /** REQUESTOFFERS seen: offers added at runtime go out immediately. */
  offersRequested: boolean
}

export interface VmbusChannelStatistics {
  /** The device's own name (VmbusOffer.name). */
  Name: string
  /** The device class's name, from its class GUID ("Unknown" for classes not in the table). */
  ClassName: string
  ClassId: string
  InstanceId: string
  RelId: number
  ConnectionId: number
  State: ChannelState
  ErrorReason: string | null
  LastError: string | null
  TargetVp: number | null
  RingGpadl: number | null
  /** Data-area bytes of each ring (0 when not open). */
  RingBytesToHost: number
  RingBytesToGuest: number
  BytesToHost: number
  BytesToGuest: number
  PacketsToHost: number
  PacketsToGuest: number
  InterruptsSent: number
  InterruptsReceived: number
  SendsRefused: number
  SignalFailures: number
}

export interface VmbusStatistics {
  Connected: boolean
  Version: number | null
  VersionName: string | null
  TargetVp: number | null
  MessageSint: number | null
  Channels: VmbusChannelStatistics[]
  Gpadls: number
  GpadlsInProgress: number
  MessagesReceived: Record<string, number>
  MessagesSent: Record<string, number>
  MalformedMessages: number
  ProtocolErrors: number
  LastProtocolError: string | null
  MessagesQueued: number
  MessagesDeferred: number
  MessagesDropped: number
}

interface SavedChannel {
  relid: number
  name: string
  classId: string
  instanceId: string
  state: ChannelState
  errorReason: string | null
  lastError: string | null
  ringGpadl: number | null
  downstreamOffset: number
  targetVp: number
  openId: number
  waitingForSpace: boolean
  counters: ChannelCounters
  device: {version: number; [field: string]: unknown} | null
}

export interface VmbusSavedState {
  version: number
  connection: Connection | null
  channels: SavedChannel[]
  gpadls: {complete: GpadlSaved[]; pending: PendingGpadlSaved[]}
  queue: Array<{vp: number; sint: number; payload: string}>
  received: Record<string, number>
  malformed: number
  protocolErrors: number
}

export class VmbusServer {
  private connection: Connection | null = null
  private readonly channels = new Map<number, Channel>()
  private readonly gpadls: GpadlTable
  private readonly outgoing: OutgoingQueue
  private readonly log: (message: string) => void
  private readonly channelHost: ChannelHost
  private received: Record<number, number> = {}
  private malformed = 0
  private protocolErrors = 0
  private lastProtocolError: string | null = null
  private readonly messagePort: MessagePort = {
    kind: 'message',
    deliver: (messageType, payload) => this.deliver(messageType, payload),
  }

  constructor(
    private readonly link: VmbusPartitionLink,
    options: VmbusServerOptions = {},
  ) {
    this.log = options.log ?? (() => {})
    this.gpadls = new GpadlTable(link.memory)
    this.outgoing = new OutgoingQueue(link)
    this.channelHost = {
      memory: link.memory,
      signalGuest: (channel: Channel): number => {
        // >= WIN8: the channel's relid bit in the message SINT's event flags page.
        const sint = this.connection?.sint ?? VMBUS_MESSAGE_SINT
        return this.link.signalEvent(channel.targetVp, sint, channel.relid)
      },
      log: (message: string) => this.log(`VMBus: ${message}`),
    }
    for (const device of options.devices ?? []) this.register(device)
    link.connect(VMBUS_MESSAGE_CONNECTION_ID, this.messagePort)
    link.connect(VMBUS_MESSAGE_CONNECTION_ID_4, this.messagePort)
  }

  /** The negotiated protocol version, or null before INITIATE_CONTACT succeeded. */
  get version(): number | null {
    return this.connection?.version ?? null
  }

  get connected(): boolean {
    return this.connection !== null
  }

  /** Relid of a device's channel (null if not registered). */
  relidOf(device: VmbusDevice): number | null {
    for (const channel of this.channels.values()) if (channel.device === device) return channel.relid
    return null
  }

  /**
   * Add a device. While the guest is connected (and has asked for offers) its
   * OFFERCHANNEL goes out at once; otherwise it is offered on the next
   * REQUESTOFFERS. Returns the channel's relid. Throws on host misuse
   * (malformed GUIDs, a device or instance id registered twice).
   */
  offer(device: VmbusDevice): number {
    const channel = this.register(device)
    if (this.connection?.offersRequested) this.sendOffer(channel)
    return channel.relid
  }

  /**
   * Withdraw a device at runtime. An open channel is closed (device.closed()),
   * the guest gets RESCIND_CHANNELOFFER, and the relid stays taken until the
   * guest answers RELID_RELEASED. False when the device is not registered.
   */
  rescind(device: VmbusDevice): boolean {
    const channel = [...this.channels.values()].find((c) => c.device === device)
    if (!channel) return false
    if (channel.state === 'NotOffered' || !this.connection) {
      // The guest never saw it: nothing to tell.
      this.closeChannelPort(channel)
      if (channel.isOpen) channel.close('Closed')
      this.gpadls.removeForChannel(channel.relid)
      this.channels.delete(channel.relid)
      return true
    }
    this.closeChannelPort(channel)
    channel.close('Rescinded')
    channel.device = null
    this.post({type: CHANNELMSG.RESCIND_CHANNELOFFER, childRelid: channel.relid})
    return true
  }

  /**
   * Retry host messages the guest's SynIC refused with INSUFFICIENT_BUFFERS.
   * Call on the guest's EOM of the VMBus SINT and periodically. Returns how
   * many messages still wait.
   */
  pump(): number {
    return this.outgoing.pump()
  }

  /** VM reset: back to not connected, every open channel closed (devices told), GPADLs and queued messages gone. */
  reset(): void {
    this.disconnectAll()
    this.outgoing.clear()
  }

  /** Unbind every connection id (the partition is going away). */
  dispose(): void {
    this.reset()
    this.link.disconnect(VMBUS_MESSAGE_CONNECTION_ID)
    this.link.disconnect(VMBUS_MESSAGE_CONNECTION_ID_4)
  }

  // ---- guest messages --------------------------------------------------------------

  /** The MessagePort behind connection ids 1 and 4. Always SUCCESS: the hypercall itself worked. */
  private deliver(messageType: number, payload: Uint8Array): number {
    try {
      this.outgoing.pump()
      this.handle(messageType, payload)
    } catch (error) {
      // A host bug must not become a guest-visible hypercall failure or a crash.
      this.protocolError(`internal error handling a guest message: ${describe(error)}`)
    }
    return HV_STATUS.SUCCESS
  }

  private handle(messageType: number, payload: Uint8Array): void {
    if (messageType !== VMBUS_MESSAGE_TYPE) {
      this.malformed++
      this.protocolError(`SynIC message type ${messageType} on the VMBus connection (expected ${VMBUS_MESSAGE_TYPE})`)
      return
    }
    const decoded = decodeChannelMessage(payload)
    if (!decoded.ok) {
      this.malformed++
      this.protocolError(decoded.error)
      return
    }
    const message = decoded.message
    this.received[message.type] = (this.received[message.type] ?? 0) + 1
    if (message.type === CHANNELMSG.INITIATE_CONTACT) return this.initiateContact(message)
    if (message.type === CHANNELMSG.UNLOAD) return this.unload()
    if (!this.connection) {
      this.protocolError(`${messageName(message.type)} before INITIATE_CONTACT`)
      return
    }
    switch (message.type) {
      case CHANNELMSG.REQUESTOFFERS:
        return this.requestOffers()
      case CHANNELMSG.OPENCHANNEL:
        return this.openChannel(message)
      case CHANNELMSG.CLOSECHANNEL:
        return this.closeChannel(message.childRelid)
      case CHANNELMSG.GPADL_HEADER:
        return this.gpadlHeader(message)
      case CHANNELMSG.GPADL_BODY:
        return this.gpadlStep(this.gpadls.body(message.gpadl, message.pfnData))
      case CHANNELMSG.GPADL_TEARDOWN:
        return this.gpadlTeardown(message.childRelid, message.gpadl)
      case CHANNELMSG.RELID_RELEASED:
        return this.relidReleased(message.childRelid)
      default:
        this.protocolError(`${messageName(message.type)} is a host-to-guest message`)
    }
  }

  private initiateContact(m: InitiateContactMessage): void {
    // A guest that reconnects without UNLOAD (a crashed or kexec'd kernel)
    // starts from a clean bus, as after UNLOAD.
    if (this.connection) this.disconnectAll()
    const v = m.versionRequested >>> 0
    const v5 = v >= VMBUS_VERSION.WIN10_V5
    const sint = v5 ? m.msgSint : VMBUS_MESSAGE_SINT
    const refuse = (why: string) => {
      this.log(`VMBus: refused version 0x${v.toString(16)}: ${why}`)
      this.outgoing.post(
        m.targetVcpu,
        sint < 16 ? sint : VMBUS_MESSAGE_SINT,
        encodeChannelMessage({type: CHANNELMSG.VERSION_RESPONSE, versionSupported: false, connectionState: 0, msgConnId: 0}),
      )
    }
    if (!SUPPORTED_VERSIONS.includes(v)) return refuse('not supported')
    if (sint >= 16) return refuse(`message SINT ${sint} does not exist`)
    if (v5 && m.msgVtl !== 0) return refuse(`VTL ${m.msgVtl} is not supported`)
    this.connection = {version: v, targetVp: m.targetVcpu, sint, msgConnId: VMBUS_MESSAGE_CONNECTION_ID, offersRequested: false}
    this.post({
      type: CHANNELMSG.VERSION_RESPONSE,
      versionSupported: true,
      connectionState: CONNECTION_STATE.SUCCESSFUL,
      msgConnId: VMBUS_MESSAGE_CONNECTION_ID,
    })
  }

  private requestOffers(): void {
    const connection = this.connection!
    connection.offersRequested = true
    for (const channel of this.sortedChannels()) if (channel.state === 'NotOffered') this.sendOffer(channel)
    this.post({type: CHANNELMSG.ALLOFFERS_DELIVERED})
  }

  private openChannel(m: OpenChannelMessage): void {
    const channel = this.channels.get(m.childRelid)
    const result = (status: number) =>
      this.post({type: CHANNELMSG.OPENCHANNEL_RESULT, childRelid: m.childRelid, openId: m.openId, status})
    const refuse = (why: string, status: number = NT_STATUS.UNSUCCESSFUL) => {
      this.protocolError(`OPENCHANNEL relid ${m.childRelid}: ${why}`)
      result(status)
    }
    if (!channel) return refuse('no such channel')
    if (channel.state !== 'Offered' && channel.state !== 'Closed') return refuse(`channel is ${channel.state}`)
    const gpadl = this.gpadls.get(m.ringBufferGpadl)
    if (!gpadl) return refuse(`ring GPADL 0x${m.ringBufferGpadl.toString(16)} does not exist`, NT_STATUS.INVALID_PARAMETER)
    if (gpadl.childRelid !== channel.relid) return refuse('ring GPADL belongs to another channel', NT_STATUS.INVALID_PARAMETER)
    if (gpadl.teardownPending) return refuse('ring GPADL is being torn down', NT_STATUS.INVALID_PARAMETER)
    if (!gpadl.ranges.every((r) => r.byteOffset === 0 && r.byteCount === r.pfns.length * RING_PAGE_SIZE)) {
      return refuse('ring GPADL ranges are not whole pages', NT_STATUS.INVALID_PARAMETER)
    }
    const total = gpadl.pfns.length
    const offset = m.downstreamPageOffset
    if (offset === 0 || offset >= total) {
      return refuse(`downstream page offset ${offset} outside the GPADL's ${total} pages`, NT_STATUS.INVALID_PARAMETER)
    }
    if (offset < MIN_RING_PAGES || total - offset < MIN_RING_PAGES) {
      return refuse(`each ring needs ${MIN_RING_PAGES} pages (control page + data), got ${offset} and ${total - offset}`, NT_STATUS.INVALID_PARAMETER)
    }
    if (!channel.device) return refuse('channel has no device')
    channel.state = 'Opening'
    channel.open({ringGpadl: gpadl.handle, pfns: gpadl.pfns, downstreamOffset: offset, targetVp: m.targetVp, openId: m.openId})
    this.link.connect(channel.connectionId, this.eventPort(channel))
    result(NT_STATUS.SUCCESS)
    channel.announceOpen()
  }

  private closeChannel(relid: number): void {
    const channel = this.channels.get(relid)
    if (!channel) return this.protocolError(`CLOSECHANNEL for unknown relid ${relid}`)
    // Linux closes rescinded channels too; that is not an error.
    if (channel.state === 'Rescinded') return
    if (channel.state !== 'Open' && channel.state !== 'Error') {
      return this.protocolError(`CLOSECHANNEL relid ${relid} in state ${channel.state}`)
    }
    this.closeChannelPort(channel)
    const ringGpadl = channel.ringGpadl
    channel.close('Closed')
    if (ringGpadl !== null) this.finishDeferredTeardown(ringGpadl)
  }

  private gpadlHeader(m: GpadlHeaderMessage): void {
    const channel = this.channels.get(m.childRelid)
    const known = channel !== undefined && channel.state !== 'NotOffered' && channel.state !== 'Rescinded'
    this.gpadlStep(this.gpadls.header(m.childRelid, m.gpadl, m.rangeBufLen, m.rangeCount, m.rangeData, known))
  }

  private gpadlStep(step: GpadlStep): void {
    switch (step.kind) {
      case 'incomplete':
        return
      case 'ignored':
        return this.protocolError(step.error)
      case 'created':
        return this.post({type: CHANNELMSG.GPADL_CREATED, childRelid: step.gpadl.childRelid, gpadl: step.gpadl.handle, status: 0})
      case 'failed':
        this.protocolError(`GPADL 0x${step.handle.toString(16)}: ${step.error}`)
        return this.post({type: CHANNELMSG.GPADL_CREATED, childRelid: step.childRelid, gpadl: step.handle, status: NT_STATUS.UNSUCCESSFUL})
    }
  }

  private gpadlTeardown(relid: number, handle: number): void {
    const gpadl = this.gpadls.get(handle)
    if (!gpadl) {
      // A GPADL still being assembled may be abandoned: drop it and confirm.
      if (this.gpadls.remove(handle)) return this.post({type: CHANNELMSG.GPADL_TORNDOWN, gpadl: handle})
      return this.protocolError(`GPADL_TEARDOWN for unknown GPADL 0x${handle.toString(16)}`)
    }
    if (gpadl.childRelid !== relid) this.protocolError(`GPADL_TEARDOWN 0x${handle.toString(16)} names relid ${relid}, GPADL is of ${gpadl.childRelid}`)
    const user = [...this.channels.values()].find((c) => c.isOpen && c.ringGpadl === handle)
    if (user) {
      // Hyper-V keeps ring pages until the channel closes; confirm then.
      gpadl.teardownPending = true
      return
    }
    this.gpadls.remove(handle)
    this.post({type: CHANNELMSG.GPADL_TORNDOWN, gpadl: handle})
  }

  private finishDeferredTeardown(handle: number): void {
    const gpadl = this.gpadls.get(handle)
    if (gpadl?.teardownPending) {
      this.gpadls.remove(handle)
      this.post({type: CHANNELMSG.GPADL_TORNDOWN, gpadl: handle})
    }
  }

  private relidReleased(relid: number): void {
    const channel = this.channels.get(relid)
    if (!channel || channel.state !== 'Rescinded') {
      return this.protocolError(`RELID_RELEASED for relid ${relid}, which is not rescinded`)
    }
    this.closeChannelPort(channel)
    this.gpadls.removeForChannel(relid)
    this.channels.delete(relid)
  }

  private unload(): void {
    const target = this.connection ? {vp: this.connection.targetVp, sint: this.connection.sint} : {vp: 0, sint: VMBUS_MESSAGE_SINT}
    this.disconnectAll()
    // Nothing queued for the old connection may arrive after UNLOAD_RESPONSE.
    this.outgoing.clear()
    this.outgoing.post(target.vp, target.sint, encodeChannelMessage({type: CHANNELMSG.UNLOAD_RESPONSE}))
  }

  // ---- helpers -------------------------------------------------------------------

  private register(device: VmbusDevice): Channel {
    const o = device.offer
    if (!isGuid(o.classId) || !isGuid(o.instanceId)) throw new Error(`device "${o.name}" has a malformed class or instance GUID`)
    if (o.userDefined && o.userDefined.length > MAX_USER_DEFINED_BYTES) throw new Error(`device "${o.name}": user_def longer than ${MAX_USER_DEFINED_BYTES} bytes`)
    for (const c of this.channels.values()) {
      if (c.device === device) throw new Error(`device "${o.name}" is already on the bus`)
      if (c.device && c.offer.instanceId.toLowerCase() === o.instanceId.toLowerCase()) {
        throw new Error(`a device with instance id ${o.instanceId} is already on the bus`)
      }
    }
    const channel = new Channel(this.channelHost, device, o, this.freeRelid())
    this.channels.set(channel.relid, channel)
    return channel
  }

  private freeRelid(): number {
    for (let relid = 1; relid <= LIMITS.MAX_CHANNELS; relid++) if (!this.channels.has(relid)) return relid
    throw new Error(`more than ${LIMITS.MAX_CHANNELS} VMBus channels`)
  }

  private eventPort(channel: Channel): EventPort {
    return {
      kind: 'event',
      signal: () => {
        try {
          this.outgoing.pump()
          if (this.channels.get(channel.relid) === channel) channel.onGuestSignal()
        } catch (error) {
          channel.fail(`internal error: ${describe(error)}`)
        }
        return HV_STATUS.SUCCESS
      },
    }
  }

  private closeChannelPort(channel: Channel): void {
    this.link.disconnect(channel.connectionId)
  }

  private sendOffer(channel: Channel): void {
    const o = channel.offer
    const userDefined = new Uint8Array(MAX_USER_DEFINED_BYTES)
    if (o.userDefined) userDefined.set(o.userDefined)
    channel.state = 'Offered'
    this.post({
      type: CHANNELMSG.OFFERCHANNEL,
      classId: o.classId,
      instanceId: o.instanceId,
      chnFlags: 0,
      mmioMegabytes: o.mmioMegabytes ?? 0,
      userDefined,
      subChannelIndex: 0,
      childRelid: channel.relid,
      // No monitor pages: the guest signals through HvSignalEvent on connection_id.
      monitorId: OFFER_MONITOR_ID_NONE,
      monitorAllocated: false,
      dedicatedInterrupt: true,
      connectionId: channel.connectionId,
    })
  }

  /** Close every channel and forget the connection (UNLOAD, reset, reconnect). */
  private disconnectAll(): void {
    for (const channel of [...this.channels.values()]) {
      this.closeChannelPort(channel)
      if (!channel.device) {
        this.channels.delete(channel.relid)
        continue
      }
      channel.close('NotOffered')
    }
    this.gpadls.clear()
    this.connection = null
  }

  private post(message: ChannelMessage): void {
    const target = this.connection ?? {targetVp: 0, sint: VMBUS_MESSAGE_SINT}
    this.outgoing.post(target.targetVp, target.sint, encodeChannelMessage(message))
  }

  private protocolError(message: string): void {
    this.protocolErrors++
    this.lastProtocolError = message
    this.log(`VMBus: ${message}`)
  }

  private sortedChannels(): Channel[] {
    return [...this.channels.values()].sort((a, b) => a.relid - b.relid)
  }

  // ---- statistics ---------------------------------------------------------------------

  statistics(): VmbusStatistics {
    const byName = (counts: Record<number, number>) =>
      Object.fromEntries(Object.entries(counts).map(([type, n]) => [CHANNELMSG_NAMES[Number(type)] ?? `UNKNOWN_${type}`, n]))
    return {
      Connected: this.connection !== null,
      Version: this.connection?.version ?? null,
      VersionName: this.connection ? (VMBUS_VERSION_NAMES[this.connection.version] ?? null) : null,
      TargetVp: this.connection?.targetVp ?? null,
      MessageSint: this.connection?.sint ?? null,
      Channels: this.sortedChannels().map((c) => ({
        Name: c.offer.name,
        ClassName: VMBUS_CLASS_NAMES[c.offer.classId.toLowerCase()] ?? 'Unknown',
        ClassId: c.offer.classId,
        InstanceId: c.offer.instanceId,
        RelId: c.relid,
        ConnectionId: c.connectionId,
        State: c.state,
        ErrorReason: c.errorReason,
        LastError: c.lastError,
        TargetVp: c.isOpen ? c.targetVp : null,
        RingGpadl: c.isOpen ? c.ringGpadl : null,
        RingBytesToHost: c.inbound?.dataSize ?? 0,
        RingBytesToGuest: c.outbound?.dataSize ?? 0,
        BytesToHost: c.counters.bytesToHost,
        BytesToGuest: c.counters.bytesToGuest,
        PacketsToHost: c.counters.packetsToHost,
        PacketsToGuest: c.counters.packetsToGuest,
        InterruptsSent: c.counters.interruptsSent,
        InterruptsReceived: c.counters.interruptsReceived,
        SendsRefused: c.counters.sendsRefused,
        SignalFailures: c.counters.signalFailures,
      })),
      Gpadls: this.gpadls.size,
      GpadlsInProgress: this.gpadls.pendingCount,
      MessagesReceived: byName(this.received),
      MessagesSent: byName(this.outgoing.counters.sent),
      MalformedMessages: this.malformed,
      ProtocolErrors: this.protocolErrors,
      LastProtocolError: this.lastProtocolError,
      MessagesQueued: this.outgoing.length,
      MessagesDeferred: this.outgoing.counters.deferred,
      MessagesDropped: this.outgoing.counters.dropped,
    }
  }

  // ---- saved state -----------------------------------------------------------------------

  saveState(): VmbusSavedState {
    return {
      version: VMBUS_SAVED_STATE_VERSION,
      connection: this.connection ? {...this.connection} : null,
      channels: this.sortedChannels().map((c) => ({
        relid: c.relid,
        name: c.offer.name,
        classId: c.offer.classId,
        instanceId: c.offer.instanceId,
        state: c.state,
        errorReason: c.errorReason,
        lastError: c.lastError,
        ringGpadl: c.ringGpadl,
        downstreamOffset: c.downstreamOffset,
        targetVp: c.targetVp,
        openId: c.openId,
        waitingForSpace: c.waitingForSpace,
        counters: {...c.counters},
        device: c.device ? c.device.saveState() : null,
      })),
      gpadls: this.gpadls.save(),
      queue: this.outgoing.save(),
      received: {...this.received},
      malformed: this.malformed,
      protocolErrors: this.protocolErrors,
    }
  }

  /**
   * Restore a saved bus onto this server, whose registered devices are the
   * VM's devices now. Channels are matched to devices by instance id. A saved
   * channel whose device is gone is rescinded (if the guest knew it); a
   * device that was not in the saved state is offered as if added at runtime.
   * Open channels get their rings back (the indices live in guest memory)
   * and their devices get `restoreState(state, endpoint)`; `opened` is not
   * called again. Throws (leaving the server reset) on a malformed state.
   */
  restoreState(state: unknown): void {
    const saved = checkSavedState(state)
    const devices = this.sortedChannels()
      .map((c) => c.device)
      .filter((d): d is VmbusDevice => d !== null)
    this.reset()
    this.channels.clear()
    try {
      this.connection = saved.connection ? {...saved.connection} : null
      this.gpadls.restore(saved.gpadls)
      this.outgoing.restore(saved.queue)
      this.received = {...saved.received}
      this.malformed = saved.malformed
      this.protocolErrors = saved.protocolErrors
      const unmatched = new Set(devices)
      const reopen: Array<{channel: Channel; savedDevice: SavedChannel['device']}> = []
      for (const s of saved.channels) {
        // A rescinded channel has no device any more; a device with its
        // instance id in today's configuration is a new offer (below).
        const device =
          s.state === 'Rescinded'
            ? null
            : (devices.find((d) => unmatched.has(d) && d.offer.instanceId.toLowerCase() === s.instanceId.toLowerCase()) ?? null)
        if (device) unmatched.delete(device)
        const offer = device?.offer ?? {name: s.name, classId: s.classId, instanceId: s.instanceId}
        const channel = new Channel(this.channelHost, device, offer, s.relid)
        channel.counters = {...zeroCounters(), ...s.counters}
        channel.lastError = s.lastError
        this.channels.set(s.relid, channel)
        if (!device && s.state !== 'Rescinded') {
          // The device was removed while the VM was saved.
          if (s.state === 'NotOffered' || !this.connection) this.channels.delete(s.relid)
          else {
            channel.state = 'Rescinded'
            this.post({type: CHANNELMSG.RESCIND_CHANNELOFFER, childRelid: s.relid})
          }
          continue
        }
        if (s.state === 'Open' || s.state === 'Opening') {
          const gpadl = s.ringGpadl === null ? undefined : this.gpadls.get(s.ringGpadl)
          if (!gpadl) throw new Error(`saved channel ${s.relid} is open on a missing GPADL`)
          channel.restoreOpen(
            {ringGpadl: gpadl.handle, pfns: gpadl.pfns, downstreamOffset: s.downstreamOffset, targetVp: s.targetVp, openId: s.openId},
            s.waitingForSpace,
          )
          this.link.connect(channel.connectionId, this.eventPort(channel))
          reopen.push({channel, savedDevice: s.device})
        } else {
          channel.state = s.state
          channel.errorReason = s.errorReason
          channel.ringGpadl = s.ringGpadl
          channel.downstreamOffset = s.downstreamOffset
          channel.targetVp = s.targetVp
          channel.openId = s.openId
          if (device && s.device) device.restoreState(s.device, null)
        }
      }
      for (const {channel, savedDevice} of reopen) {
        const endpoint = channel.currentEndpoint()
        if (channel.device && savedDevice) channel.device.restoreState(savedDevice, endpoint)
      }
      // Devices the saved VM did not have: offer them now.
      for (const device of unmatched) {
        const channel = new Channel(this.channelHost, device, device.offer, this.freeRelid())
        this.channels.set(channel.relid, channel)
        if (this.connection?.offersRequested) this.sendOffer(channel)
      }
    } catch (error) {
      // Leave a clean, usable bus with the same devices rather than half a restore.
      for (const c of this.channels.values()) this.closeChannelPort(c)
      this.channels.clear()
      this.gpadls.clear()
      this.outgoing.clear()
      this.connection = null
      for (const device of devices) this.register(device)
      throw new Error(`VMBus saved state is not usable: ${describe(error)}`)
    }
  }
}

/** Shape check of a saved state from disk: clear errors for corrupt files. */
function checkSavedState(state: unknown): VmbusSavedState {
  const fail = (why: string): never => {
    throw new Error(`VMBus saved state is not usable: ${why}`)
  }
  if (typeof state !== 'object' || state === null) return fail('not an object')
  const s = state as Partial<VmbusSavedState>
  if (s.version !== VMBUS_SAVED_STATE_VERSION) return fail(`version ${String(s.version)}, expected ${VMBUS_SAVED_STATE_VERSION}`)
  if (!Array.isArray(s.channels)) return fail('channels missing')
  if (!s.gpadls || !Array.isArray(s.gpadls.complete) || !Array.isArray(s.gpadls.pending)) return fail('gpadls missing')
  if (!Array.isArray(s.queue)) return fail('queue missing')
  const states: ChannelState[] = ['NotOffered', 'Offered', 'Opening', 'Open', 'Closed', 'Rescinded', 'Error']
  const relids = new Set<number>()
  for (const c of s.channels) {
    if (typeof c !== 'object' || c === null) return fail('a channel is not an object')
    if (!Number.isInteger(c.relid) || c.relid < 1 || c.relid > LIMITS.MAX_CHANNELS || relids.has(c.relid)) return fail(`bad relid ${String(c.relid)}`)
    relids.add(c.relid)
    if (!states.includes(c.state)) return fail(`channel ${c.relid} has state ${String(c.state)}`)
    if (typeof c.instanceId !== 'string' || !isGuid(c.instanceId) || typeof c.classId !== 'string' || !isGuid(c.classId)) {
      return fail(`channel ${c.relid} has bad GUIDs`)
    }
  }
  if (s.connection !== null && (typeof s.connection !== 'object' || !SUPPORTED_VERSIONS.includes(s.connection!.version))) {
    return fail('connection is malformed')
  }
  return {
    version: s.version,
    connection: s.connection ?? null,
    channels: s.channels,
    gpadls: s.gpadls,
    queue: s.queue,
    received: s.received ?? {},
    malformed: s.malformed ?? 0,
    protocolErrors: s.protocolErrors ?? 0,
  }
}

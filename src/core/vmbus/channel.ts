/**
 * One offered channel: its identity (relid, connection id, the device's
 * offer), its state, its rings once open, and its counters. The channel owns
 * the packet path (guest signal -> drain the inbound ring -> device.receive;
 * device.send -> outbound ring -> signal the guest when the rules say so) so
 * that nothing the guest puts in a ring, and nothing a device throws, can get
 * past it: both end in the Error state with a reason.
 */
import {CHANNEL_CONNECTION_ID_BASE, VMBUS_DATA_PACKET_FLAG_COMPLETION_REQUESTED, VMBUS_PACKET} from './constants.js'
import {GuestDataBuffer} from './gpa-direct.js'
import {InboundRing, OutboundRing, RingError, RingPages} from './ring-buffer.js'
import type {GuestMemoryWindow} from './partition-link.js'
import type {ChannelEndpoint, VmbusDevice, VmbusOffer} from './vmbus-device.js'

/**
 * NotOffered: registered, the guest has not been told (bus not connected yet).
 * Offered: OFFERCHANNEL sent. Opening: OPENCHANNEL accepted, result not yet
 * out. Open: rings live. Closed: the guest closed it (may reopen). Rescinded:
 * the host withdrew it, waiting for RELID_RELEASED. Error: a ring or device
 * failure; unusable until the guest closes it.
 */
export type ChannelState = 'NotOffered' | 'Offered' | 'Opening' | 'Open' | 'Closed' | 'Rescinded' | 'Error'

export interface ChannelCounters {
  bytesToHost: number
  bytesToGuest: number
  packetsToHost: number
  packetsToGuest: number
  /** Signals the host raised in the guest (SIEFP relid bit). */
  interruptsSent: number
  /** SignalEvent calls the guest made on this channel's connection id. */
  interruptsReceived: number
  /** device.send calls refused for lack of ring space. */
  sendsRefused: number
  /** Signals the guest's SynIC would not take (bad target VP, SynIC off). */
  signalFailures: number
}

export function zeroCounters(): ChannelCounters {
  return {
    bytesToHost: 0,
    bytesToGuest: 0,
    packetsToHost: 0,
    packetsToGuest: 0,
    interruptsSent: 0,
    interruptsReceived: 0,
    sendsRefused: 0,
    signalFailures: 0,
  }
}

/** What a channel needs from its server. */
export interface ChannelHost {
  readonly memory: GuestMemoryWindow
  /** Raise the channel's event in the guest; returns an HV_STATUS. */
  signalGuest(channel: Channel): number
  /** Something went wrong that an operator should see. */
  log(message: string): void
}

export interface OpenParameters {
  ringGpadl: number
  /** The GPADL's pages: [0, downstreamOffset) guest-to-host ring, the rest host-to-guest. */
  pfns: readonly number[]
  downstreamOffset: number
  targetVp: number
  openId: number
}

export class Channel {
  state: ChannelState = 'NotOffered'
  errorReason: string | null = null
  /** Why the channel last went to Error, kept after a close for `get-vmbus`. */
  lastError: string | null = null
  ringGpadl: number | null = null
  downstreamOffset = 0
  targetVp = 0
  openId = 0
  inbound: InboundRing | null = null
  outbound: OutboundRing | null = null
  /** A send was refused; pending_send_sz is set and the device waits for `writable`. */
  waitingForSpace = false
  counters: ChannelCounters = zeroCounters()
  /** Bumped on every open and close so a stale endpoint cannot write into a later open. */
  private generation = 0
  private endpoint: ChannelEndpoint | null = null
  /** Guards against a device re-entering the drain from its own receive. */
  private draining = false

  constructor(
    private readonly host: ChannelHost,
    /** Null once rescinded: the record stays until the guest releases the relid. */
    public device: VmbusDevice | null,
    readonly offer: VmbusOffer,
    readonly relid: number,
  ) {}

  get connectionId(): number {
    return CHANNEL_CONNECTION_ID_BASE + this.relid
  }

  get isOpen(): boolean {
    return this.state === 'Open'
  }

  /**
   * Build the rings over the GPADL's pages. Does not tell the device: the
   * server first posts OPENCHANNEL_RESULT, then calls `announceOpen`, so the
   * guest knows the channel before any packet arrives on it.
   */
  open(params: OpenParameters): void {
    this.ringGpadl = params.ringGpadl
    this.downstreamOffset = params.downstreamOffset
    this.targetVp = params.targetVp
    this.openId = params.openId
    this.inbound = new InboundRing(new RingPages(this.host.memory, params.pfns.slice(0, params.downstreamOffset)))
    this.outbound = new OutboundRing(new RingPages(this.host.memory, params.pfns.slice(params.downstreamOffset)))
    this.waitingForSpace = false
    this.errorReason = null
    this.state = 'Open'
    this.generation++
    this.endpoint = this.makeEndpoint(this.generation)
  }

  /** Tell the device (after OPENCHANNEL_RESULT went out). */
  announceOpen(): void {
    const endpoint = this.endpoint
    if (!endpoint || !this.device) return
    this.callDevice('opened', (d) => d.opened(endpoint))
  }

  /** Endpoint for restoring an open channel's device. */
  currentEndpoint(): ChannelEndpoint | null {
    return this.endpoint
  }

  /** Close (guest CLOSECHANNEL, rescind, unload, reset). Tells the device if it had an endpoint. */
  close(nextState: ChannelState): void {
    const hadEndpoint = this.endpoint !== null
    this.dropRings()
    this.state = nextState
    this.errorReason = null
    if (hadEndpoint && this.device) {
      try {
        this.device.closed()
      } catch (error) {
        // The channel is going away regardless; record the device's failure.
        this.lastError = `device closed() threw: ${describe(error)}`
        this.host.log(`channel ${this.relid} (${this.offer.name}): ${this.lastError}`)
      }
    }
  }

  /** The channel broke: unusable (and the device told it is closed) until the guest closes it. */
  fail(reason: string): void {
    if (this.state === 'Error') return
    const hadEndpoint = this.endpoint !== null
    this.dropRings()
    this.state = 'Error'
    this.errorReason = reason
    this.lastError = reason
    this.host.log(`channel ${this.relid} (${this.offer.name}): ${reason}`)
    if (hadEndpoint && this.device) {
      const device = this.device
      try {
        device.closed()
      } catch {
        // Already failing; the reason recorded above is the one that matters.
      }
    }
  }

  /** The guest signalled the channel's connection id: read what it wrote, then see if the device may write again. */
  onGuestSignal(): void {
    this.counters.interruptsReceived++
    if (this.state !== 'Open' || this.draining) return
    this.draining = true
    try {
      this.drain()
    } finally {
      this.draining = false
    }
  }

  private drain(): void {
    const generation = this.generation
    let bytesRead = 0
    try {
      while (this.state === 'Open' && this.generation === generation && this.inbound) {
        const read = this.inbound.readOne()
        if (!read) break
        bytesRead += read.ringBytes
        this.counters.packetsToHost++
        this.counters.bytesToHost += read.ringBytes
        const {ranges, ...packet} = read.packet
        const buffer = ranges ? new GuestDataBuffer(this.host.memory, ranges) : null
        if (this.device) this.callDevice('receive', (d) => d.receive({...packet, buffer}))
      }
      if (this.state !== 'Open' || this.generation !== generation || !this.inbound || !this.outbound) return
      // The guest may be waiting for room to write: signal it once enough is free.
      if (this.inbound.writerWantsSignal(bytesRead)) this.signal()
      // The guest read some of what we wrote: let a waiting device try again.
      if (this.waitingForSpace && this.outbound.space() > this.outbound.pendingSend()) {
        this.waitingForSpace = false
        this.outbound.setPendingSend(0)
        if (this.device?.writable) this.callDevice('writable', (d) => d.writable?.())
      }
    } catch (error) {
      if (error instanceof RingError) this.fail(`guest-to-host ring: ${error.message}`)
      else this.fail(`internal error: ${describe(error)}`)
    }
  }

  private send(
    generation: number,
    payload: Uint8Array,
    options?: {type?: number; transactionId?: bigint; completionRequested?: boolean},
  ): boolean {
    if (this.state !== 'Open' || this.generation !== generation || !this.outbound) return false
    const flags = options?.completionRequested ? VMBUS_DATA_PACKET_FLAG_COMPLETION_REQUESTED : 0
    const type = options?.type ?? VMBUS_PACKET.DATA_INBAND
    try {
      const result = this.outbound.write(type, flags, options?.transactionId ?? 0n, payload)
      if (result === 'full') {
        this.counters.sendsRefused++
        const needed = OutboundRing.packetBytes(payload.length)
        // Only ask the guest to tell us about space if the packet can ever fit.
        if (this.outbound.couldEverFit(needed)) {
          this.waitingForSpace = true
          this.outbound.setPendingSend(needed)
        }
        return false
      }
      const ringBytes = OutboundRing.packetBytes(payload.length)
      this.counters.packetsToGuest++
      this.counters.bytesToGuest += ringBytes
      if (result === 'written-signal') this.signal()
      return true
    } catch (error) {
      if (error instanceof RingError) this.fail(`host-to-guest ring: ${error.message}`)
      else this.fail(`internal error: ${describe(error)}`)
      return false
    }
  }

  private signal(): void {
    const status = this.host.signalGuest(this)
    if (status === 0) this.counters.interruptsSent++
    else this.counters.signalFailures++
  }

  private makeEndpoint(generation: number): ChannelEndpoint {
    const relid = this.relid
    return {
      relid,
      send: (payload, options) => this.send(generation, payload, options),
    }
  }

  private dropRings(): void {
    this.inbound = null
    this.outbound = null
    this.endpoint = null
    this.waitingForSpace = false
    this.generation++
  }

  /** A device that throws breaks its own channel, never the host. */
  private callDevice(what: string, call: (device: VmbusDevice) => void): void {
    if (!this.device) return
    try {
      call(this.device)
    } catch (error) {
      this.fail(`device ${what}() threw: ${describe(error)}`)
    }
  }

  /** Re-create the rings of a restored open channel without telling the device `opened`. */
  restoreOpen(params: OpenParameters, waitingForSpace: boolean): void {
    this.open(params)
    this.waitingForSpace = waitingForSpace
  }
}

export function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

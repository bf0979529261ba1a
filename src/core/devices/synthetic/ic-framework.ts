/**
 * The integration-component (IC) framework shared by the root-side
 * integration-service VSPs: heartbeat, shutdown, time synchronization,
 * key-value pair exchange, guest service interface and VSS.
 *
 * Wire format of every IC packet (the payload after the VMBus packet
 * descriptor), as Linux hv_util.c reads it (`recv_buffer[sizeof(struct
 * vmbuspipe_hdr)]`) and as Hyper-V's message-mode pipe writes it:
 *
 *   vmbuspipe_hdr  u32 flags (1 = VmPipeMessageData), u32 msgsize (bytes after this header)
 *   icmsg_hdr      u16 icverframe.major, u16 icverframe.minor, u16 icmsgtype,
 *                  u16 icvermsg.major, u16 icvermsg.minor, u16 icmsgsize,
 *                  u32 status, u8 ictransaction_id, u8 icflags, u8 reserved[2]
 *   body           icmsgsize bytes
 *
 * Negotiation is host-initiated: when the guest opens the channel the host
 * sends a NEGOTIATE request (icmsg_negotiate: u16 icframe_vercnt, u16
 * icmsg_vercnt, u32 reserved, then the framework versions followed by the
 * message versions). The guest answers in place (Linux
 * vmbus_prep_negotiate_resp): both counts set to 1 and the chosen framework and
 * message versions in the first two slots, or both counts 0 when nothing fits.
 * The guest echoes the VMBus transaction id, so responses are matched on it.
 */
import type {TimerHandle, VirtualClock} from '../device.js'
import type {ChannelEndpoint, IncomingPacket, VmbusDevice, VmbusOffer} from '../../vmbus/vmbus-device.js'

export const PIPE_HEADER_SIZE = 8
export const IC_HEADER_SIZE = 20
/** Offset of the message body in an IC packet. */
export const IC_BODY_OFFSET = PIPE_HEADER_SIZE + IC_HEADER_SIZE
/** VMPIPE_PROTOCOL_MESSAGE_TYPE VmPipeMessageData. */
export const PIPE_MESSAGE_DATA = 1
/** VMBUS_PACKET type DATA_INBAND. */
export const VMBUS_PACKET_DATA_INBAND = 6

export const IcMessageType = {
  Negotiate: 0,
  Heartbeat: 1,
  KvpExchange: 2,
  Shutdown: 3,
  TimeSync: 4,
  Vss: 5,
  /** OpenVMM's GUEST_INTERFACE; Linux ICMSGTYPE_FCOPY. */
  GuestInterface: 7,
} as const

export const IcFlags = {
  Transaction: 1,
  Request: 2,
  Response: 4,
} as const

/** HRESULTs the IC protocol carries in icmsg_hdr.status. */
export const IcStatus = {
  S_OK: 0,
  E_FAIL: 0x80004005,
  /** HRESULT_FROM_WIN32(ERROR_NO_MORE_ITEMS): KVP enumeration is past the last item. */
  NO_MORE_ITEMS: 0x80070103,
  /** HRESULT_FROM_WIN32(ERROR_NOT_CONNECTED): used here when no channel is negotiated. */
  NOT_CONNECTED: 0x800708ca,
  /** HRESULT_FROM_WIN32(ERROR_TIMEOUT): used here when the guest never answered. */
  TIMEOUT: 0x800705b4,
} as const

export interface IcVersion {
  readonly major: number
  readonly minor: number
}

export function v(major: number, minor: number): IcVersion {
  return {major, minor}
}

export function formatVersion(version: IcVersion): string {
  return `${version.major}.${version.minor}`
}

export function sameVersion(a: IcVersion, b: IcVersion): boolean {
  return a.major === b.major && a.minor === b.minor
}

/** IC framework versions the host offers (OpenVMM hyperv_ic FRAMEWORK_VERSIONS). */
export const FRAMEWORK_VERSIONS: readonly IcVersion[] = [v(1, 0), v(3, 0)]

export function hex32(value: number): string {
  return `0x${(value >>> 0).toString(16).padStart(8, '0')}`
}

export interface IcHeader {
  readonly frameworkVersion: IcVersion
  readonly messageType: number
  readonly messageVersion: IcVersion
  readonly messageSize: number
  readonly status: number
  readonly icTransactionId: number
  readonly flags: number
}

export interface IcPacket {
  readonly pipeFlags: number
  readonly pipeSize: number
  readonly header: IcHeader
  /** Exactly icmsgsize bytes. */
  readonly body: Uint8Array
  /** Everything after the IC header (a guest answering in place may echo more than icmsgsize). */
  readonly rest: Uint8Array
}

export function encodeIcPacket(header: Omit<IcHeader, 'messageSize'>, body: Uint8Array): Uint8Array {
  if (body.length > 0xffff) throw new Error(`IC message body of ${body.length} bytes does not fit icmsgsize (u16)`)
  const out = new Uint8Array(IC_BODY_OFFSET + body.length)
  const view = new DataView(out.buffer)
  view.setUint32(0, PIPE_MESSAGE_DATA, true)
  view.setUint32(4, IC_HEADER_SIZE + body.length, true)
  view.setUint16(8, header.frameworkVersion.major, true)
  view.setUint16(10, header.frameworkVersion.minor, true)
  view.setUint16(12, header.messageType, true)
  view.setUint16(14, header.messageVersion.major, true)
  view.setUint16(16, header.messageVersion.minor, true)
  view.setUint16(18, body.length, true)
  view.setUint32(20, header.status >>> 0, true)
  out[24] = header.icTransactionId & 0xff
  out[25] = header.flags & 0xff
  out.set(body, IC_BODY_OFFSET)
  return out
}

/** Parses an IC packet; returns a reason string for anything malformed. */
export function decodeIcPacket(payload: Uint8Array): IcPacket | string {
  if (payload.length < IC_BODY_OFFSET) return `packet of ${payload.length} bytes is shorter than the ${IC_BODY_OFFSET}-byte pipe + IC header`
  const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength)
  const pipeFlags = view.getUint32(0, true)
  const pipeSize = view.getUint32(4, true)
  if (pipeSize > payload.length - PIPE_HEADER_SIZE) return `pipe header msgsize ${pipeSize} exceeds the ${payload.length - PIPE_HEADER_SIZE} bytes present`
  const messageSize = view.getUint16(18, true)
  const rest = payload.subarray(IC_BODY_OFFSET)
  if (messageSize > rest.length) return `icmsgsize ${messageSize} exceeds the ${rest.length} body bytes present`
  return {
    pipeFlags,
    pipeSize,
    header: {
      frameworkVersion: v(view.getUint16(8, true), view.getUint16(10, true)),
      messageType: view.getUint16(12, true),
      messageVersion: v(view.getUint16(14, true), view.getUint16(16, true)),
      messageSize,
      status: view.getUint32(20, true),
      icTransactionId: payload[24]!,
      flags: payload[25]!,
    },
    body: rest.subarray(0, messageSize),
    rest,
  }
}

/** icmsg_negotiate with the version table (framework versions first). */
export function encodeNegotiateBody(framework: readonly IcVersion[], message: readonly IcVersion[]): Uint8Array {
  const out = new Uint8Array(8 + 4 * (framework.length + message.length))
  const view = new DataView(out.buffer)
  view.setUint16(0, framework.length, true)
  view.setUint16(2, message.length, true)
  let offset = 8
  for (const version of [...framework, ...message]) {
    view.setUint16(offset, version.major, true)
    view.setUint16(offset + 2, version.minor, true)
    offset += 4
  }
  return out
}

export type NegotiateResult =
  | {readonly ok: true; readonly framework: IcVersion; readonly message: IcVersion}
  | {readonly ok: false; readonly reason: string}

/**
 * Reads the guest's answer to the host's NEGOTIATE. Looks at everything after
 * the IC header because Linux answers in place and sets icmsgsize to 0x10 while
 * the packet keeps its original length.
 */
export function decodeNegotiateResponse(
  packet: IcPacket,
  offeredFramework: readonly IcVersion[],
  offeredMessage: readonly IcVersion[],
): NegotiateResult {
  const bytes = packet.rest
  if (bytes.length < 8) return {ok: false, reason: `negotiate response body of ${bytes.length} bytes is too short`}
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const frameworkCount = view.getUint16(0, true)
  const messageCount = view.getUint16(2, true)
  if (packet.header.status !== IcStatus.S_OK) return {ok: false, reason: `guest refused version negotiation (status ${hex32(packet.header.status)})`}
  if (frameworkCount === 0 || messageCount === 0) return {ok: false, reason: 'guest supports none of the offered versions'}
  if (frameworkCount !== 1 || messageCount !== 1) return {ok: false, reason: `negotiate response must choose one version of each kind, got ${frameworkCount} framework and ${messageCount} message versions`}
  if (bytes.length < 16) return {ok: false, reason: 'negotiate response lacks its version table'}
  const framework = v(view.getUint16(8, true), view.getUint16(10, true))
  const message = v(view.getUint16(12, true), view.getUint16(14, true))
  if (!offeredFramework.some((o) => sameVersion(o, framework))) return {ok: false, reason: `guest chose framework version ${formatVersion(framework)}, which the host did not offer`}
  if (!offeredMessage.some((o) => sameVersion(o, message))) return {ok: false, reason: `guest chose message version ${formatVersion(message)}, which the host did not offer`}
  return {ok: true, framework, message}
}

export type NegotiationState = 'NotStarted' | 'Negotiating' | 'Negotiated' | 'Failed'

export interface IcCounters {
  /** Packets handed to the endpoint (including ones queued for a full ring). */
  sent: number
  /** Packets received from the guest. */
  received: number
  /** Packets that could not be parsed or violate the protocol; ignored. */
  malformed: number
  /** Well-formed packets that answer nothing outstanding (stale, duplicate, wrong type); ignored. */
  unexpected: number
  /** Requests the guest never answered within the response timeout. */
  timeouts: number
  /** Sends the ring refused; they are retried when the ring has room. */
  ringFull: number
}

/** The status every IC reports. */
export interface IcServiceStatus {
  /** Cmdlet name ("Heartbeat"). */
  readonly name: string
  readonly channelOpen: boolean
  /** True once the guest has opened the channel at least once since the VM started. */
  readonly everOpened: boolean
  readonly negotiation: NegotiationState
  readonly frameworkVersion: string | null
  readonly messageVersion: string | null
  /** Guest time (clock ns) of the last valid response, or null. */
  readonly lastResponseNs: number | null
  readonly lastError: string | null
  readonly counters: Readonly<IcCounters>
}

export interface IcSavedCommon {
  negotiation: NegotiationState
  framework: [number, number] | null
  message: [number, number] | null
  everOpened: boolean
  lastResponseNs: number | null
  lastError: string | null
  nextTransactionId: string
  counters: IcCounters
}

export interface IcServiceOptions {
  readonly offer: VmbusOffer
  readonly clock: VirtualClock
  /** Message versions the host offers, in the order they go on the wire. */
  readonly messageVersions: readonly IcVersion[]
  /** The icmsgtype this service's messages carry. */
  readonly messageType: number
  /** How long to wait for an answer to a request, in ns (default 10 s). */
  readonly responseTimeoutNs?: number
}

interface Outstanding {
  readonly messageType: number
  readonly sentNs: number
  readonly timer: TimerHandle | null
  readonly onResponse: (packet: IcPacket) => boolean | void
  readonly onAbandon: (reason: string, status: number) => void
}

const SAVED_VERSION = 1

/**
 * Base class of every IC VSP: channel bookkeeping, host-initiated negotiation,
 * request/response matching by VMBus transaction id with timeouts, a send
 * queue for a full ring, counters and the common part of saved state.
 * Subclasses get `onNegotiated`, `onChannelLost` and `sendRequest`.
 */
export abstract class IcService implements VmbusDevice {
  readonly offer: VmbusOffer
  protected readonly clock: VirtualClock
  protected readonly messageVersions: readonly IcVersion[]
  protected readonly messageType: number
  protected readonly responseTimeoutNs: number

  protected endpoint: ChannelEndpoint | null = null
  protected negotiation: NegotiationState = 'NotStarted'
  /** Negotiation failed only for want of an answer: a late one is still taken. */
  private negotiationTimedOut = false
  protected framework: IcVersion | null = null
  protected message: IcVersion | null = null
  protected everOpened = false
  protected lastResponseNs: number | null = null
  protected lastError: string | null = null
  protected readonly counters: IcCounters = {sent: 0, received: 0, malformed: 0, unexpected: 0, timeouts: 0, ringFull: 0}

  private nextTransactionId = 1n
  private readonly outstanding = new Map<bigint, Outstanding>()
  private readonly sendQueue: {payload: Uint8Array; transactionId: bigint}[] = []

  constructor(options: IcServiceOptions) {
    this.offer = options.offer
    this.clock = options.clock
    this.messageVersions = options.messageVersions
    this.messageType = options.messageType
    this.responseTimeoutNs = options.responseTimeoutNs ?? 10_000_000_000
  }

  // ---- VmbusDevice ---------------------------------------------------------

  opened(endpoint: ChannelEndpoint): void {
    this.endpoint = null
    this.dropChannelState('channel reopened')
    this.endpoint = endpoint
    this.everOpened = true
    this.lastError = null
    this.startNegotiation()
  }

  closed(): void {
    this.endpoint = null
    this.dropChannelState('the guest closed the channel')
    if (this.negotiation === 'Negotiating') this.negotiation = 'NotStarted'
  }

  receive(packet: IncomingPacket): void {
    this.counters.received++
    try {
      this.handlePacket(packet)
    } catch (error) {
      // A guest must never be able to crash the host side.
      this.malformed(`internal error handling a packet: ${(error as Error).message}`)
    }
  }

  writable(): void {
    while (this.sendQueue.length && this.endpoint) {
      const next = this.sendQueue[0]!
      if (!this.endpoint.send(next.payload, {transactionId: next.transactionId, completionRequested: false})) {
        this.counters.ringFull++
        return
      }
      this.sendQueue.shift()
    }
  }

  saveState(): {version: number; [field: string]: unknown} {
    const common: IcSavedCommon = {
      negotiation: this.negotiation,
      framework: this.framework ? [this.framework.major, this.framework.minor] : null,
      message: this.message ? [this.message.major, this.message.minor] : null,
      everOpened: this.everOpened,
      lastResponseNs: this.lastResponseNs,
      lastError: this.lastError,
      nextTransactionId: this.nextTransactionId.toString(),
      counters: {...this.counters},
    }
    return {version: SAVED_VERSION, service: this.offer.name, common, service_state: this.saveServiceState()}
  }

  restoreState(state: {version: number; [field: string]: unknown}, endpoint: ChannelEndpoint | null): void {
    if (!state || typeof state !== 'object') throw new Error(`${this.offer.name} saved state is not an object`)
    if (state.version !== SAVED_VERSION) throw new Error(`${this.offer.name} saved state version ${String(state.version)} is not supported (expected ${SAVED_VERSION})`)
    if (state.service !== this.offer.name) throw new Error(`saved state for "${String(state.service)}" cannot be restored into the ${this.offer.name} service`)
    const common = parseCommon(state.common, this.offer.name)
    // Validate the service part before changing anything.
    const applyService = this.parseServiceState(state.service_state)
    this.endpoint = null
    this.dropChannelState('state restored')
    this.endpoint = endpoint
    this.negotiation = common.negotiation
    this.framework = common.framework ? v(common.framework[0], common.framework[1]) : null
    this.message = common.message ? v(common.message[0], common.message[1]) : null
    this.everOpened = common.everOpened
    this.lastResponseNs = common.lastResponseNs
    this.lastError = common.lastError
    this.nextTransactionId = BigInt(common.nextTransactionId)
    Object.assign(this.counters, common.counters)
    if (!endpoint && this.negotiation === 'Negotiating') this.negotiation = 'NotStarted'
    applyService()
    if (endpoint && this.negotiation === 'Negotiated') this.onNegotiated(true)
    // Negotiation was in flight at save time: ask again. An answer to the old
    // request is accepted too (negotiate answers are matched by message type).
    else if (endpoint && this.negotiation === 'Negotiating') this.startNegotiation()
  }

  // ---- status --------------------------------------------------------------

  baseStatus(): IcServiceStatus {
    return {
      name: this.offer.name,
      channelOpen: this.endpoint !== null,
      everOpened: this.everOpened,
      negotiation: this.negotiation,
      frameworkVersion: this.framework ? formatVersion(this.framework) : null,
      messageVersion: this.message ? formatVersion(this.message) : null,
      lastResponseNs: this.lastResponseNs,
      lastError: this.lastError,
      counters: {...this.counters},
    }
  }

  /** The service's status; services extend it with their own fields. */
  status(): IcServiceStatus {
    return this.baseStatus()
  }

  /** True when the channel is open and versions are agreed: requests can be sent. */
  get ready(): boolean {
    return this.endpoint !== null && this.negotiation === 'Negotiated'
  }

  get negotiatedMessageVersion(): IcVersion | null {
    return this.message
  }

  get pendingRequests(): number {
    return this.outstanding.size
  }

  // ---- for subclasses ------------------------------------------------------

  /** Versions were agreed (or restored as agreed with an open channel). */
  protected abstract onNegotiated(restored: boolean): void
  /** The channel went away or was reset: stop timers. Outstanding requests are abandoned by the base. */
  protected abstract onChannelLost(): void
  protected saveServiceState(): unknown {
    return null
  }
  /** Validates the service part of saved state and returns a function that applies it. */
  protected parseServiceState(_state: unknown): () => void {
    return () => {}
  }

  /**
   * Sends one request of this service's message type with TRANSACTION|REQUEST.
   * Returns false (calling nothing) when the channel is not ready.
   */
  protected sendRequest(
    body: Uint8Array,
    handlers: {onResponse: (packet: IcPacket) => boolean | void; onAbandon: (reason: string, status: number) => void},
    timeoutNs = this.responseTimeoutNs,
  ): boolean {
    if (!this.ready || !this.framework || !this.message) return false
    this.send(this.messageType, this.framework, this.message, body, handlers, timeoutNs)
    return true
  }

  protected malformed(reason: string): void {
    this.counters.malformed++
    this.lastError = reason
  }

  protected unexpected(reason: string): void {
    this.counters.unexpected++
    this.lastError = reason
  }

  // ---- internals -----------------------------------------------------------

  private startNegotiation(): void {
    this.negotiation = 'Negotiating'
    this.negotiationTimedOut = false
    this.framework = null
    this.message = null
    const body = encodeNegotiateBody(FRAMEWORK_VERSIONS, this.messageVersions)
    // Like OpenVMM, the negotiate request carries zero versions in its header.
    this.send(IcMessageType.Negotiate, v(0, 0), v(0, 0), body, {
      onResponse: (packet) => this.finishNegotiation(packet),
      onAbandon: (reason, status) => {
        if (this.negotiation !== 'Negotiating') return
        if (status === IcStatus.TIMEOUT) {
          this.negotiation = 'Failed'
          this.negotiationTimedOut = true
          this.lastError = `version negotiation failed: ${reason}`
        } else {
          this.negotiation = 'NotStarted'
        }
      },
    }, this.responseTimeoutNs)
  }

  private finishNegotiation(packet: IcPacket): void {
    this.negotiationTimedOut = false
    const result = decodeNegotiateResponse(packet, FRAMEWORK_VERSIONS, this.messageVersions)
    if (!result.ok) {
      this.negotiation = 'Failed'
      this.lastError = `version negotiation failed: ${result.reason}`
      return
    }
    this.negotiation = 'Negotiated'
    this.framework = result.framework
    this.message = result.message
    this.lastResponseNs = this.clock.nowNs()
    this.onNegotiated(false)
  }

  private send(
    messageType: number,
    framework: IcVersion,
    message: IcVersion,
    body: Uint8Array,
    handlers: {onResponse: (packet: IcPacket) => boolean | void; onAbandon: (reason: string, status: number) => void},
    timeoutNs: number,
  ): void {
    const transactionId = this.nextTransactionId++
    const payload = encodeIcPacket(
      {
        frameworkVersion: framework,
        messageType,
        messageVersion: message,
        status: IcStatus.S_OK,
        icTransactionId: Number(transactionId & 0xffn),
        flags: IcFlags.Transaction | IcFlags.Request,
      },
      body,
    )
    const timer = timeoutNs > 0
      ? this.clock.setTimer(this.clock.nowNs() + timeoutNs, () => {
          const entry = this.outstanding.get(transactionId)
          if (!entry) return
          this.outstanding.delete(transactionId)
          this.counters.timeouts++
          this.lastError = `the guest did not answer ${messageTypeName(messageType)} transaction ${transactionId} within ${timeoutNs / 1e9} s`
          entry.onAbandon('the guest did not answer in time', IcStatus.TIMEOUT)
        })
      : null
    this.outstanding.set(transactionId, {messageType, sentNs: this.clock.nowNs(), timer, ...handlers})
    this.counters.sent++
    if (this.sendQueue.length || !this.endpoint!.send(payload, {transactionId, completionRequested: false})) {
      if (!this.sendQueue.length) this.counters.ringFull++
      this.sendQueue.push({payload, transactionId})
    }
  }

  private handlePacket(packet: IncomingPacket): void {
    if (packet.type !== VMBUS_PACKET_DATA_INBAND) return this.malformed(`unexpected VMBus packet type ${packet.type} (IC channels carry DATA_INBAND only)`)
    const decoded = decodeIcPacket(packet.payload)
    if (typeof decoded === 'string') return this.malformed(decoded)
    const {header} = decoded
    if (!(header.flags & IcFlags.Response) || header.flags & IcFlags.Request) {
      return this.malformed(`icflags ${hex32(header.flags)} is not a response (the host sends every request; guests only answer)`)
    }
    let entry = this.outstanding.get(packet.transactionId)
    let transactionId = packet.transactionId
    // A negotiate answer is accepted by type while negotiating (it may predate a restore), and
    // after the wait for it timed out: Linux holds the KVP negotiation until its daemon runs.
    if (!entry && header.messageType === IcMessageType.Negotiate && (this.negotiation === 'Negotiating' || this.negotiationTimedOut)) {
      for (const [id, candidate] of this.outstanding) {
        if (candidate.messageType === IcMessageType.Negotiate) {
          entry = candidate
          transactionId = id
          break
        }
      }
      if (!entry) {
        this.finishNegotiation(decoded)
        return
      }
    }
    if (!entry) return this.unexpected(`response with transaction id ${packet.transactionId} answers no outstanding request`)
    if (entry.messageType !== header.messageType) {
      return this.malformed(`response to a ${messageTypeName(entry.messageType)} request carries icmsgtype ${header.messageType}`)
    }
    this.outstanding.delete(transactionId)
    // A handler returning false found the answer unusable: the request stays outstanding.
    if (entry.onResponse(decoded) === false) this.outstanding.set(transactionId, entry)
    else entry.timer?.cancel()
  }

  /** Abandons outstanding requests, cancels timers, forgets queued sends. */
  private dropChannelState(reason: string): void {
    this.onChannelLost()
    const entries = [...this.outstanding.values()]
    this.outstanding.clear()
    this.sendQueue.length = 0
    for (const entry of entries) {
      entry.timer?.cancel()
      entry.onAbandon(reason, IcStatus.NOT_CONNECTED)
    }
  }
}

export function messageTypeName(type: number): string {
  for (const [name, value] of Object.entries(IcMessageType)) if (value === type) return name
  return `type ${type}`
}

function parseVersionPair(value: unknown, what: string): [number, number] | null {
  if (value === null) return null
  if (!Array.isArray(value) || value.length !== 2 || !value.every((n) => Number.isInteger(n) && n >= 0 && n <= 0xffff)) {
    throw new Error(`${what} must be null or [major, minor]`)
  }
  return [value[0] as number, value[1] as number]
}

function parseCommon(value: unknown, name: string): IcSavedCommon {
  if (!value || typeof value !== 'object') throw new Error(`${name} saved state lacks its common part`)
  const c = value as Record<string, unknown>
  const negotiation = c.negotiation
  if (negotiation !== 'NotStarted' && negotiation !== 'Negotiating' && negotiation !== 'Negotiated' && negotiation !== 'Failed') {
    throw new Error(`${name} saved state has an invalid negotiation state ${JSON.stringify(negotiation)}`)
  }
  const framework = parseVersionPair(c.framework, `${name} saved framework version`)
  const message = parseVersionPair(c.message, `${name} saved message version`)
  if (negotiation === 'Negotiated' && (!framework || !message)) throw new Error(`${name} saved state is negotiated but lacks its versions`)
  if (typeof c.nextTransactionId !== 'string' || !/^[0-9]+$/.test(c.nextTransactionId)) throw new Error(`${name} saved state has an invalid transaction id`)
  if (c.lastResponseNs !== null && typeof c.lastResponseNs !== 'number') throw new Error(`${name} saved lastResponseNs must be a number or null`)
  const counters = c.counters as Record<string, unknown> | undefined
  const names: (keyof IcCounters)[] = ['sent', 'received', 'malformed', 'unexpected', 'timeouts', 'ringFull']
  if (!counters || typeof counters !== 'object' || !names.every((k) => typeof counters[k] === 'number')) {
    throw new Error(`${name} saved state has invalid counters`)
  }
  return {
    negotiation,
    framework,
    message,
    everOpened: c.everOpened === true,
    lastResponseNs: c.lastResponseNs as number | null,
    lastError: typeof c.lastError === 'string' ? c.lastError : null,
    nextTransactionId: c.nextTransactionId,
    counters: Object.fromEntries(names.map((k) => [k, counters[k] as number])) as unknown as IcCounters,
  }
}

/**
 * Heartbeat integration service (class 57164f39-9115-4e78-ab55-382f3bd5422d).
 *
 * After negotiation the host sends a heartbeat request every interval; its body
 * is heartbeat_msg_data (Linux include/linux/hyperv.h): u64 seq_num then
 * u32 reserved[8]. The first reserved word is the guest's application state in
 * version 3 (OpenVMM hyperv_ic_protocol heartbeat::ApplicationState: 0 unknown,
 * 1 healthy, 2 critical, 3 stopped). The guest answers in place with seq_num + 1.
 *
 * Status, in Hyper-V's Heartbeat enum names:
 * - NoContact: the guest has never answered a heartbeat since the VM started.
 * - OkApplicationsUnknown / OkApplicationsHealthy / OkApplicationsCritical: it
 *   answered within the last `lostAfterIntervals` intervals; which one follows
 *   the application state the guest put in its answer (Linux leaves it 0, so a
 *   Linux-style guest reads OkApplicationsUnknown, as Linux VMs do on Hyper-V).
 * - LostCommunication: it had answered before but nothing valid came for
 *   `lostAfterIntervals` intervals, or the channel closed after contact.
 * Paused and Disabled are the caller's business (the VM's state, the setting).
 */
import type {TimerHandle, VirtualClock} from '../device.js'
import type {VmbusOffer} from '../../vmbus/vmbus-device.js'
import {IcMessageType, IcService, type IcPacket, type IcServiceStatus, v} from './ic-framework.js'

export const HEARTBEAT_CLASS_ID = '57164f39-9115-4e78-ab55-382f3bd5422d'
export const HEARTBEAT_VERSIONS = [v(1, 0), v(3, 0)] as const
/** sizeof(struct heartbeat_msg_data). */
export const HEARTBEAT_BODY_SIZE = 40

export type HeartbeatStatus =
  | 'NoContact'
  | 'OkApplicationsUnknown'
  | 'OkApplicationsHealthy'
  | 'OkApplicationsCritical'
  | 'LostCommunication'

export const HeartbeatApplicationState = {Unknown: 0, Healthy: 1, Critical: 2, Stopped: 3} as const

export interface HeartbeatOptions {
  readonly offer: VmbusOffer
  readonly clock: VirtualClock
  /** Interval between heartbeat requests, in ns (default 1 s). */
  readonly intervalNs?: number
  /** Intervals without a valid answer, after contact, before LostCommunication (default 3). */
  readonly lostAfterIntervals?: number
}

export interface HeartbeatServiceStatus extends IcServiceStatus {
  readonly heartbeat: HeartbeatStatus
  /** The next sequence number the host will send. */
  readonly sequence: string
  readonly heartbeatsSent: number
  readonly heartbeatsAnswered: number
  /** Answers whose seq_num was not the request's + 1. */
  readonly sequenceErrors: number
  /** The application state of the last answer (0 unknown, 1 healthy, 2 critical, 3 stopped). */
  readonly applicationState: number
}

export class HeartbeatService extends IcService {
  readonly intervalNs: number
  readonly lostAfterIntervals: number
  private sequence = 0n
  private hadContact = false
  private applicationState = 0
  private heartbeatsSent = 0
  private heartbeatsAnswered = 0
  private sequenceErrors = 0
  private timer: TimerHandle | null = null

  constructor(options: HeartbeatOptions) {
    const intervalNs = options.intervalNs ?? 1_000_000_000
    if (!(intervalNs > 0)) throw new Error(`Heartbeat interval must be positive, got ${intervalNs} ns`)
    super({
      offer: options.offer,
      clock: options.clock,
      messageVersions: HEARTBEAT_VERSIONS,
      messageType: IcMessageType.Heartbeat,
      // An answer later than the lost threshold is useless; stop waiting then.
      responseTimeoutNs: intervalNs * (options.lostAfterIntervals ?? 3),
    })
    this.intervalNs = intervalNs
    this.lostAfterIntervals = options.lostAfterIntervals ?? 3
  }

  /** The Hyper-V Heartbeat status at the clock's current time. */
  heartbeatStatus(): HeartbeatStatus {
    if (!this.hadContact || this.lastResponseNs === null) return 'NoContact'
    if (!this.ready) return 'LostCommunication'
    if (this.clock.nowNs() - this.lastResponseNs > this.intervalNs * this.lostAfterIntervals) return 'LostCommunication'
    switch (this.applicationState) {
      case HeartbeatApplicationState.Healthy:
        return 'OkApplicationsHealthy'
      case HeartbeatApplicationState.Critical:
        return 'OkApplicationsCritical'
      default:
        return 'OkApplicationsUnknown'
    }
  }

  status(): HeartbeatServiceStatus {
    return {
      ...this.baseStatus(),
      heartbeat: this.heartbeatStatus(),
      sequence: this.sequence.toString(),
      heartbeatsSent: this.heartbeatsSent,
      heartbeatsAnswered: this.heartbeatsAnswered,
      sequenceErrors: this.sequenceErrors,
      applicationState: this.applicationState,
    }
  }

  protected onNegotiated(): void {
    this.cancelTimer()
    this.beat()
  }

  protected onChannelLost(): void {
    this.cancelTimer()
  }

  private cancelTimer(): void {
    this.timer?.cancel()
    this.timer = null
  }

  private beat(): void {
    this.timer = null
    if (!this.ready) return
    const seq = this.sequence
    const body = new Uint8Array(HEARTBEAT_BODY_SIZE)
    new DataView(body.buffer).setBigUint64(0, seq, true)
    const sent = this.sendRequest(body, {
      onResponse: (packet) => this.answered(packet, seq),
      onAbandon: () => {},
    })
    if (sent) this.heartbeatsSent++
    this.timer = this.clock.setTimer(this.clock.nowNs() + this.intervalNs, () => this.beat())
  }

  private answered(packet: IcPacket, seq: bigint): boolean {
    if (packet.body.length < 8) {
      this.malformed(`heartbeat answer body of ${packet.body.length} bytes lacks seq_num`)
      return false
    }
    const view = new DataView(packet.body.buffer, packet.body.byteOffset, packet.body.byteLength)
    const echoed = view.getBigUint64(0, true)
    const expected = (seq + 1n) & 0xffffffffffffffffn
    if (echoed !== expected) {
      this.sequenceErrors++
      this.malformed(`heartbeat answer carries seq_num ${echoed}, expected ${expected}`)
      return true
    }
    this.heartbeatsAnswered++
    this.hadContact = true
    this.lastResponseNs = this.clock.nowNs()
    this.applicationState = packet.body.length >= 12 ? view.getUint32(8, true) : 0
    // The next request continues from the guest's number.
    if (echoed >= this.sequence) this.sequence = echoed
    return true
  }

  protected saveServiceState(): unknown {
    return {sequence: this.sequence.toString(), hadContact: this.hadContact, applicationState: this.applicationState, heartbeatsSent: this.heartbeatsSent, heartbeatsAnswered: this.heartbeatsAnswered, sequenceErrors: this.sequenceErrors}
  }

  protected parseServiceState(state: unknown): () => void {
    if (!state || typeof state !== 'object') throw new Error('Heartbeat saved state lacks its service part')
    const s = state as Record<string, unknown>
    if (typeof s.sequence !== 'string' || !/^[0-9]+$/.test(s.sequence)) throw new Error('Heartbeat saved sequence must be a decimal string')
    for (const key of ['applicationState', 'heartbeatsSent', 'heartbeatsAnswered', 'sequenceErrors']) {
      if (!Number.isInteger(s[key])) throw new Error(`Heartbeat saved ${key} must be an integer`)
    }
    return () => {
      this.sequence = BigInt(s.sequence as string)
      this.hadContact = s.hadContact === true
      this.applicationState = s.applicationState as number
      this.heartbeatsSent = s.heartbeatsSent as number
      this.heartbeatsAnswered = s.heartbeatsAnswered as number
      this.sequenceErrors = s.sequenceErrors as number
    }
  }
}

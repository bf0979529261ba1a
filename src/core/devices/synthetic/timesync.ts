/**
 * Time Synchronization integration service (class 9527e630-d0ae-497b-adce-e80ab0175caf).
 *
 * After negotiation the host sends one SYNC message (the guest sets its clock
 * outright) and then a SAMPLE every period (the guest may discipline its
 * clock). Layouts per Linux include/linux/hyperv.h (packed):
 *   before 4.0  ictimesync_data:     u64 parenttime, u64 childtime, u64 roundtriptime, u8 flags   (25 bytes)
 *   4.0         ictimesync_ref_data: u64 parenttime, u64 vmreferencetime, u8 flags,
 *                                    i8 leapflags, i8 stratum, u8 reserved[3]                  (22 bytes)
 * parenttime is host UTC in 100 ns units since 1601-01-01; vmreferencetime is
 * the partition reference time (100 ns units of guest time, here the VM clock's
 * nowNs / 100) at the moment parenttime was taken. flags: 0 probe, 1 sync, 2 sample.
 * childtime and roundtriptime are zero from the host.
 */
import type {TimerHandle, VirtualClock} from '../device.js'
import type {VmbusOffer} from '../../vmbus/vmbus-device.js'
import {IcMessageType, IcService, IcStatus, type IcServiceStatus, v} from './ic-framework.js'

export const TIMESYNC_CLASS_ID = '9527e630-d0ae-497b-adce-e80ab0175caf'
export const TIMESYNC_VERSIONS = [v(1, 0), v(3, 0), v(4, 0)] as const
export const ICTIMESYNCFLAG_PROBE = 0
export const ICTIMESYNCFLAG_SYNC = 1
export const ICTIMESYNCFLAG_SAMPLE = 2
export const TIMESYNC_V3_BODY_SIZE = 25
export const TIMESYNC_V4_BODY_SIZE = 22
/** 100 ns intervals between 1601-01-01 and 1970-01-01 (Linux WLTIMEDELTA). */
export const WLTIMEDELTA = 116444736000000000n

/** Host UTC (ns since the Unix epoch) to Windows FILETIME units. */
export function unixNsToFiletime(unixNs: bigint): bigint {
  return unixNs / 100n + WLTIMEDELTA
}

export interface TimeSyncOptions {
  readonly offer: VmbusOffer
  readonly clock: VirtualClock
  /** Period between samples, in ns (default 5 s). */
  readonly samplePeriodNs?: number
  /** Host UTC in ns since 1970-01-01 (default: Date.now()). */
  readonly hostTimeNs?: () => bigint
}

export interface TimeSyncServiceStatus extends IcServiceStatus {
  readonly samplesSent: number
  readonly syncsSent: number
  readonly samplesAnswered: number
  /** parenttime of the last message sent (FILETIME units, decimal), or null. */
  readonly lastParentTime: string | null
}

export class TimeSyncService extends IcService {
  readonly samplePeriodNs: number
  private readonly hostTimeNs: () => bigint
  private timer: TimerHandle | null = null
  private samplesSent = 0
  private syncsSent = 0
  private samplesAnswered = 0
  private lastParentTime: bigint | null = null

  constructor(options: TimeSyncOptions) {
    super({offer: options.offer, clock: options.clock, messageVersions: TIMESYNC_VERSIONS, messageType: IcMessageType.TimeSync})
    const period = options.samplePeriodNs ?? 5_000_000_000
    if (!(period > 0)) throw new Error(`Time synchronization sample period must be positive, got ${period} ns`)
    this.samplePeriodNs = period
    this.hostTimeNs = options.hostTimeNs ?? (() => BigInt(Date.now()) * 1_000_000n)
  }

  /** Sends a SYNC now (after restore, or on demand) and restarts the sample period. False when not connected. */
  sync(): boolean {
    if (!this.ready) return false
    this.cancelTimer()
    this.sendTime(ICTIMESYNCFLAG_SYNC)
    this.schedule()
    return true
  }

  status(): TimeSyncServiceStatus {
    return {
      ...this.baseStatus(),
      samplesSent: this.samplesSent,
      syncsSent: this.syncsSent,
      samplesAnswered: this.samplesAnswered,
      lastParentTime: this.lastParentTime === null ? null : this.lastParentTime.toString(),
    }
  }

  /** The body for one message at the negotiated version (exported logic for tests and tools). */
  buildBody(flags: number): Uint8Array {
    const parentTime = unixNsToFiletime(this.hostTimeNs())
    this.lastParentTime = parentTime
    const version = this.negotiatedMessageVersion
    if (version && version.major >= 4) {
      const body = new Uint8Array(TIMESYNC_V4_BODY_SIZE)
      const view = new DataView(body.buffer)
      view.setBigUint64(0, parentTime, true)
      view.setBigUint64(8, BigInt(Math.max(0, Math.floor(this.clock.nowNs() / 100))), true)
      body[16] = flags
      // leapflags, stratum and reserved stay zero, as in OpenVMM.
      return body
    }
    const body = new Uint8Array(TIMESYNC_V3_BODY_SIZE)
    const view = new DataView(body.buffer)
    view.setBigUint64(0, parentTime, true)
    body[24] = flags
    return body
  }

  protected onNegotiated(restored: boolean): void {
    this.cancelTimer()
    if (restored) {
      // The caller decides whether to sync() after a restore; keep sampling.
      this.schedule()
      return
    }
    this.sendTime(ICTIMESYNCFLAG_SYNC)
    this.schedule()
  }

  protected onChannelLost(): void {
    this.cancelTimer()
  }

  private cancelTimer(): void {
    this.timer?.cancel()
    this.timer = null
  }

  private schedule(): void {
    this.timer = this.clock.setTimer(this.clock.nowNs() + this.samplePeriodNs, () => {
      this.timer = null
      if (!this.ready) return
      this.sendTime(ICTIMESYNCFLAG_SAMPLE)
      this.schedule()
    })
  }

  private sendTime(flags: number): void {
    const sent = this.sendRequest(this.buildBody(flags), {
      onResponse: (packet) => {
        if (packet.header.status !== IcStatus.S_OK) {
          this.lastError = `the guest answered a time sample with status 0x${packet.header.status.toString(16)}`
          return
        }
        this.samplesAnswered++
        this.lastResponseNs = this.clock.nowNs()
      },
      onAbandon: () => {},
    })
    if (!sent) return
    if (flags === ICTIMESYNCFLAG_SYNC) this.syncsSent++
    else this.samplesSent++
  }

  protected saveServiceState(): unknown {
    return {samplesSent: this.samplesSent, syncsSent: this.syncsSent, samplesAnswered: this.samplesAnswered}
  }

  protected parseServiceState(state: unknown): () => void {
    if (!state || typeof state !== 'object') throw new Error('Time Synchronization saved state lacks its service part')
    const s = state as Record<string, unknown>
    for (const key of ['samplesSent', 'syncsSent', 'samplesAnswered']) if (!Number.isInteger(s[key])) throw new Error(`Time Synchronization saved ${key} must be an integer`)
    return () => {
      this.samplesSent = s.samplesSent as number
      this.syncsSent = s.syncsSent as number
      this.samplesAnswered = s.samplesAnswered as number
    }
  }
}

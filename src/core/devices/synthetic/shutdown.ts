/**
 * Shutdown integration service (class 0e0b6031-5213-4934-818b-38d90ced39db).
 *
 * The host asks the guest to shut down or restart with shutdown_msg_data
 * (Linux include/linux/hyperv.h, OpenVMM hyperv_ic_protocol shutdown):
 *   u32 reason_code, u32 timeout_seconds, u32 flags (bit 0 force, bit 1 restart,
 *   bit 2 hibernate), u8 display_message[2048].
 * The guest answers in place with status S_OK (it will power itself off) or
 * E_FAIL (it refuses, e.g. an old Linux refusing a restart). Neither Linux nor
 * OpenVMM reads or writes the display message; this implementation writes it
 * as NUL-terminated UTF-16LE (1023 code units at most), the Windows convention
 * for text in IC messages.
 *
 * The power-off itself is the guest's doing; the worker sees it through the
 * emulated power-management device.
 */
import type {VirtualClock} from '../device.js'
import type {VmbusOffer} from '../../vmbus/vmbus-device.js'
import {IcMessageType, IcService, IcStatus, type IcServiceStatus, hex32, v} from './ic-framework.js'

export const SHUTDOWN_CLASS_ID = '0e0b6031-5213-4934-818b-38d90ced39db'
export const SHUTDOWN_VERSIONS = [v(1, 0), v(3, 0), v(3, 1), v(3, 2)] as const
export const SHUTDOWN_BODY_SIZE = 12 + 2048
export const SHUTDOWN_FLAG_FORCE = 1
export const SHUTDOWN_FLAG_RESTART = 2
/** SHTDN_REASON_FLAG_PLANNED, the reason OpenVMM sends. */
export const SHTDN_REASON_FLAG_PLANNED = 0x80000000

export interface ShutdownRequest {
  /** Restart instead of power off. */
  readonly restart: boolean
  /** Ask the guest not to wait for applications. */
  readonly force: boolean
  /** reason_code (default SHTDN_REASON_FLAG_PLANNED). */
  readonly reason?: number
  /** timeout_seconds (default 0). */
  readonly timeoutSeconds?: number
  /** Shown to guest users by guests that display it. */
  readonly message?: string
}

export interface ShutdownResult {
  /** The guest said it will shut down (status S_OK). */
  readonly accepted: boolean
  /** The HRESULT: the guest's answer, or NOT_CONNECTED / TIMEOUT when it could not answer. */
  readonly status: number
  readonly detail: string
}

export interface ShutdownOptions {
  readonly offer: VmbusOffer
  readonly clock: VirtualClock
  /** How long to wait for the guest's answer, in ns (default 30 s). */
  readonly responseTimeoutNs?: number
}

export interface ShutdownServiceStatus extends IcServiceStatus {
  readonly requestsSent: number
  readonly accepted: number
  readonly refused: number
  readonly lastResult: ShutdownResult | null
}

export function encodeShutdownBody(request: ShutdownRequest): Uint8Array {
  const body = new Uint8Array(SHUTDOWN_BODY_SIZE)
  const view = new DataView(body.buffer)
  const reason = request.reason ?? SHTDN_REASON_FLAG_PLANNED
  const timeout = request.timeoutSeconds ?? 0
  if (!Number.isInteger(reason) || reason < 0 || reason > 0xffffffff) throw new Error(`Shutdown reason code must be a 32-bit unsigned integer, got ${reason}`)
  if (!Number.isInteger(timeout) || timeout < 0 || timeout > 0xffffffff) throw new Error(`Shutdown timeout must be a whole number of seconds, got ${timeout}`)
  view.setUint32(0, reason, true)
  view.setUint32(4, timeout, true)
  view.setUint32(8, (request.force ? SHUTDOWN_FLAG_FORCE : 0) | (request.restart ? SHUTDOWN_FLAG_RESTART : 0), true)
  const text = request.message ?? ''
  const units = Math.min(text.length, 1023)
  for (let i = 0; i < units; i++) view.setUint16(12 + 2 * i, text.charCodeAt(i), true)
  return body
}

export class ShutdownService extends IcService {
  private requestsSent = 0
  private acceptedCount = 0
  private refusedCount = 0
  private lastResult: ShutdownResult | null = null

  constructor(options: ShutdownOptions) {
    super({
      offer: options.offer,
      clock: options.clock,
      messageVersions: SHUTDOWN_VERSIONS,
      messageType: IcMessageType.Shutdown,
      responseTimeoutNs: options.responseTimeoutNs ?? 30_000_000_000,
    })
  }

  /** Sends the shutdown request and resolves with the guest's answer. Never rejects for guest behaviour. */
  requestShutdown(request: ShutdownRequest): Promise<ShutdownResult> {
    const body = encodeShutdownBody(request)
    const what = request.restart ? 'restart' : 'shut down'
    if (!this.ready) {
      const detail = this.endpoint === null
        ? `The guest has not opened the Shutdown integration service channel, so it cannot be asked to ${what}.`
        : this.negotiation === 'Failed'
          ? `The Shutdown integration service could not agree on a protocol version with the guest (${this.lastError ?? 'no detail'}).`
          : 'The Shutdown integration service is still negotiating its protocol version with the guest.'
      return Promise.resolve(this.record({accepted: false, status: IcStatus.NOT_CONNECTED, detail}))
    }
    return new Promise((resolve) => {
      this.sendRequest(body, {
        onResponse: (packet) => {
          const status = packet.header.status >>> 0
          if (status === IcStatus.S_OK) {
            resolve(this.record({accepted: true, status, detail: `The guest accepted the request to ${what}.`}))
          } else {
            resolve(this.record({accepted: false, status, detail: `The guest refused the request to ${what} (status ${hex32(status)}${status === IcStatus.E_FAIL ? ' E_FAIL' : ''}).`}))
          }
        },
        onAbandon: (reason, status) => resolve(this.record({accepted: false, status, detail: `No answer to the request to ${what}: ${reason}.`})),
      })
      this.requestsSent++
    })
  }

  status(): ShutdownServiceStatus {
    return {...this.baseStatus(), requestsSent: this.requestsSent, accepted: this.acceptedCount, refused: this.refusedCount, lastResult: this.lastResult}
  }

  private record(result: ShutdownResult): ShutdownResult {
    this.lastResult = result
    if (result.accepted) this.acceptedCount++
    else this.refusedCount++
    return result
  }

  protected onNegotiated(): void {}
  protected onChannelLost(): void {}

  protected saveServiceState(): unknown {
    return {requestsSent: this.requestsSent, accepted: this.acceptedCount, refused: this.refusedCount}
  }

  protected parseServiceState(state: unknown): () => void {
    if (!state || typeof state !== 'object') throw new Error('Shutdown saved state lacks its service part')
    const s = state as Record<string, unknown>
    for (const key of ['requestsSent', 'accepted', 'refused']) if (!Number.isInteger(s[key])) throw new Error(`Shutdown saved ${key} must be an integer`)
    return () => {
      this.requestsSent = s.requestsSent as number
      this.acceptedCount = s.accepted as number
      this.refusedCount = s.refused as number
    }
  }
}

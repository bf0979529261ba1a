import {
  HV_MESSAGE, HV_MSR, HV_STATUS, HV_SYNTHETIC_TIMER_COUNT, HV_TIMER_MESSAGE_PAYLOAD_SIZE, STIMER_CONFIG as C,
} from './hvdef.js'
import {StateFields} from './saved-state-fields.js'
import type {Synic} from './synic.js'
import type {MsrValue} from './synthetic-msrs.js'
import type {TimerHandle, TimeSource} from './time-source.js'

/** The shortest period a periodic synthetic timer runs at: 100 µs, in 100 ns units. */
export const STIMER_MIN_PERIOD_100NS = 1000

export interface SyntheticTimerHost {
  readonly time: TimeSource
  readonly synic: Synic
  /** Partition reference time, 100 ns units. */
  referenceTime100ns(): number
  /** The partition clock's ns at which reference time reaches `time100ns`. */
  referenceTimeToNs(time100ns: number): number
}

export interface SyntheticTimersSavedState {
  config: number[]
  count: number[]
  /** Absolute reference time (100 ns) of each armed timer's next expiry, or null. */
  expiration: (number | null)[]
  /** Expirations each timer has signalled. */
  expirations: number[]
}

/**
 * A VP's four synthetic timers (STIMER0-3). CONFIG: enable, periodic, lazy,
 * auto-enable (a non-zero COUNT write enables), SINT 19:16; COUNT in 100 ns
 * reference-time units: the absolute expiration for one-shot timers, the
 * period for periodic ones. An expiry posts HVMSG_TIMER_EXPIRED to the SINT
 * (payload: u32 timer index, u32 reserved, u64 expiration time, u64 delivery
 * time, as Linux's hv_timer_message_payload), at most one waiting per timer;
 * a one-shot timer then disables itself. A periodic timer that falls behind
 * skips the expirations it missed rather than catching up. Direct mode is not
 * offered (CPUID does not advertise it): setting CONFIG bit 12 is a #GP.
 */
export class SyntheticTimers {
  private readonly config = new Uint32Array(HV_SYNTHETIC_TIMER_COUNT)
  private readonly count = new Float64Array(HV_SYNTHETIC_TIMER_COUNT)
  private readonly expiration: (number | null)[] = new Array(HV_SYNTHETIC_TIMER_COUNT).fill(null)
  private readonly handles: (TimerHandle | null)[] = new Array(HV_SYNTHETIC_TIMER_COUNT).fill(null)
  readonly expirations = new Float64Array(HV_SYNTHETIC_TIMER_COUNT)

  constructor(private readonly host: SyntheticTimerHost) {}

  reset(): void {
    for (let i = 0; i < HV_SYNTHETIC_TIMER_COUNT; i++) this.stop(i)
    this.config.fill(0)
    this.count.fill(0)
    this.expirations.fill(0)
  }

  static owns(msr: number): boolean {
    return msr >= HV_MSR.STIMER0_CONFIG && msr <= HV_MSR.STIMER3_COUNT
  }

  readMsr(msr: number): MsrValue | null {
    const index = (msr - HV_MSR.STIMER0_CONFIG) >>> 1
    if ((msr - HV_MSR.STIMER0_CONFIG) & 1) return split64(this.count[index])
    return [this.config[index], 0]
  }

  /** False means #GP. */
  writeMsr(msr: number, lo: number, hi: number): boolean {
    const index = (msr - HV_MSR.STIMER0_CONFIG) >>> 1
    if ((msr - HV_MSR.STIMER0_CONFIG) & 1) return this.writeCount(index, lo >>> 0, hi >>> 0)
    return this.writeConfig(index, lo >>> 0, hi >>> 0)
  }

  private writeConfig(index: number, lo: number, hi: number): boolean {
    if (!this.host.synic.enabled && (lo | hi) !== 0) return false // as KVM: no timers without an enabled SynIC
    if (hi !== 0 || (lo & C.DIRECT_MODE) !== 0) return false
    this.stop(index)
    let value = lo & C.WRITABLE
    // A timer aimed at SINT 0 (the intercept SINT) stays disabled.
    if (((value >>> C.SINT_SHIFT) & C.SINT_MASK) === 0) value &= ~C.ENABLE
    this.config[index] = value
    if (value & C.ENABLE) this.arm(index)
    return true
  }

  private writeCount(index: number, lo: number, hi: number): boolean {
    this.stop(index)
    const count = hi * 0x100000000 + lo
    if (count > Number.MAX_SAFE_INTEGER) return false
    this.count[index] = count
    if (count === 0) this.config[index] &= ~C.ENABLE
    else if ((this.config[index] & C.AUTO_ENABLE) !== 0 && ((this.config[index] >>> C.SINT_SHIFT) & C.SINT_MASK) !== 0) {
      this.config[index] |= C.ENABLE
    }
    if (this.config[index] & C.ENABLE) this.arm(index)
    return true
  }

  private periodic(index: number): boolean {
    return (this.config[index] & C.PERIODIC) !== 0
  }

  private arm(index: number): void {
    const count = this.count[index]
    if (count === 0) return
    const expiration = this.periodic(index)
      ? this.host.referenceTime100ns() + Math.max(count, STIMER_MIN_PERIOD_100NS)
      : count
    this.schedule(index, expiration)
  }

  private schedule(index: number, expiration: number): void {
    this.handles[index]?.cancel()
    this.expiration[index] = expiration
    this.handles[index] = this.host.time.setTimer(this.host.referenceTimeToNs(expiration), () => this.expire(index))
  }

  private stop(index: number): void {
    this.handles[index]?.cancel()
    this.handles[index] = null
    this.expiration[index] = null
  }

  private expire(index: number): void {
    const expiration = this.expiration[index]
    this.handles[index] = null
    this.expiration[index] = null
    if (expiration === null || (this.config[index] & C.ENABLE) === 0) return
    const now = Math.max(this.host.referenceTime100ns(), expiration)
    this.signal(index, expiration, now)
    if (this.periodic(index)) {
      const period = Math.max(this.count[index], STIMER_MIN_PERIOD_100NS)
      let next = expiration + period
      if (next <= now) next = now + period - ((now - expiration) % period)
      this.schedule(index, next)
    } else {
      this.config[index] &= ~C.ENABLE
    }
  }

  /** Post TIMER_EXPIRED, unless this timer's previous message still waits in the SINT's queue. */
  private signal(index: number, expiration: number, delivery: number): void {
    const sint = (this.config[index] >>> C.SINT_SHIFT) & C.SINT_MASK
    const synic = this.host.synic
    const mine = (m: {type: number; payload: Uint8Array}) => m.type === HV_MESSAGE.TIMER_EXPIRED && m.payload[0] === index
    if (synic.hasQueued(sint, mine)) return
    const payload = new Uint8Array(HV_TIMER_MESSAGE_PAYLOAD_SIZE)
    const view = new DataView(payload.buffer)
    view.setUint32(0, index, true)
    view.setUint32(4, 0, true)
    setU64(view, 8, expiration)
    setU64(view, 16, delivery)
    const status = synic.postMessage(sint, {type: HV_MESSAGE.TIMER_EXPIRED, sender: 0, payload})
    if (status === HV_STATUS.SUCCESS) this.expirations[index]++
  }

  saveState(): SyntheticTimersSavedState {
    return {
      config: [...this.config],
      count: [...this.count],
      expiration: [...this.expiration],
      expirations: [...this.expirations],
    }
  }

  restoreState(state: SyntheticTimersSavedState, where: string): void {
    const f = StateFields.open(state, where)
    const config = f.integers('config', HV_SYNTHETIC_TIMER_COUNT)
    const count = f.integers('count', HV_SYNTHETIC_TIMER_COUNT, Number.MAX_SAFE_INTEGER)
    const expirations = f.integers('expirations', HV_SYNTHETIC_TIMER_COUNT, Number.MAX_SAFE_INTEGER)
    const expiration = f.array('expiration', HV_SYNTHETIC_TIMER_COUNT)
    if (expiration.length !== HV_SYNTHETIC_TIMER_COUNT || !expiration.every((e) => e === null || (typeof e === 'number' && Number.isFinite(e)))) {
      throw new Error(`${where}: saved field "expiration" must hold ${HV_SYNTHETIC_TIMER_COUNT} numbers or nulls`)
    }
    this.reset()
    this.config.set(config)
    this.count.set(count)
    this.expirations.set(expirations)
    expiration.forEach((e, index) => {
      if (e !== null && (this.config[index] & C.ENABLE) !== 0) this.schedule(index, e as number)
    })
  }
}

function split64(value: number): MsrValue {
  return [value % 0x100000000 >>> 0, Math.floor(value / 0x100000000) >>> 0]
}

function setU64(view: DataView, offset: number, value: number): void {
  view.setUint32(offset, value % 0x100000000 >>> 0, true)
  view.setUint32(offset + 4, Math.floor(value / 0x100000000) >>> 0, true)
}

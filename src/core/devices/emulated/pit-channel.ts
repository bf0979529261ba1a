import type {TimerHandle, VirtualClock} from '../device.js'
import type {SavedStateReader} from '../saved-state.js'
import {nsForTicks, ticksIn} from '../time-base.js'

/** The 8254's input clock on a PC: 14.31818 MHz / 12. */
export const PIT_INPUT_HZ = 1_193_182

/** Counter access modes from the control word's RW field. */
export const enum Access {
  LowByte = 1,
  HighByte = 2,
  LowThenHigh = 3,
}

export interface PitChannelState {
  mode: number
  bcd: boolean
  access: number
  /** Count register: the last complete count written, raw. */
  countRegister: number
  /** The count the counting element is working with, as a tick count (1-65536, or 1-10000 in BCD). */
  activeCount: number
  /** The counting element holds a count and its counting sequence has begun. */
  loaded: boolean
  /** Ticks are advancing: loaded and not held by the gate. */
  running: boolean
  /**
   * Ticks counted before `sinceNs`; elapsed ticks are baseTicks + ticksIn(now - sinceNs) while running.
   * Negative after a count change, which restarts the tick count mid-run.
   */
  baseTicks: number
  sinceNs: number
  /** Modes 2 and 3: a count written while counting takes over at this tick (0 when none is waiting). */
  pendingCount: number
  pendingAtTick: number
  /** LSB-then-MSB access: the low byte is written and the high byte awaited. */
  lowBytePending: boolean
  lowByte: number
  /** LSB-then-MSB access: the next read returns the high byte. */
  readHighNext: boolean
  countLatched: boolean
  latchedCount: number
  statusLatched: boolean
  latchedStatus: number
  gate: boolean
  nullCount: boolean
  /** A complete count has been written since the last control word. */
  hasCount: boolean
  /** Mode 0 without ticks running still has a visible count: the value the element holds. */
  heldCount: number
}

function fromBcd(value: number): number {
  // Invalid BCD digits are taken at face value; the chip would count through them, and no guest relies on it.
  return ((value >> 12) & 0xf) * 1000 + ((value >> 8) & 0xf) * 100 + ((value >> 4) & 0xf) * 10 + (value & 0xf)
}

function toBcd(value: number): number {
  return (
    (Math.floor(value / 1000) % 10) * 0x1000 +
    (Math.floor(value / 100) % 10) * 0x100 +
    (Math.floor(value / 10) % 10) * 0x10 +
    (value % 10)
  )
}

/**
 * One 8254 counter. Rather than decrementing on every input clock, it keeps
 * the time at which counting began and derives the count and the OUT pin from
 * elapsed ticks when asked; the only timer it sets is for the next rising edge
 * of OUT, and only when someone listens to OUT (channel 0's IRQ 0).
 */
/** How far behind a periodic channel's interrupts may fall before the backlog is dropped. */
const MAX_CATCH_UP_NS = 1_000_000_000

/** An edge that was scheduled, with the counting sequence it belonged to. */
interface FiredEdge {
  tick: number
  baseTicks: number
  sinceNs: number
  count: number
}

export class PitChannel {
  state: PitChannelState = PitChannel.powerOnState()
  private edgeTimer: TimerHandle | null = null

  constructor(
    private readonly clock: VirtualClock,
    /** Gate level at reset: wired high for channels 0 and 1, from port 0x61 for channel 2. */
    private readonly gateAtReset: boolean,
    private readonly onRisingEdge: (() => void) | null,
  ) {
    this.state.gate = gateAtReset
  }

  static powerOnState(): PitChannelState {
    return {
      mode: 0,
      bcd: false,
      access: Access.LowThenHigh,
      countRegister: 0,
      activeCount: 0x10000,
      loaded: false,
      running: false,
      baseTicks: 0,
      sinceNs: 0,
      pendingCount: 0,
      pendingAtTick: 0,
      lowBytePending: false,
      lowByte: 0,
      readHighNext: false,
      countLatched: false,
      latchedCount: 0,
      statusLatched: false,
      latchedStatus: 0,
      gate: true,
      nullCount: true,
      hasCount: false,
      heldCount: 0,
    }
  }

  reset(): void {
    this.cancelEdgeTimer()
    this.state = PitChannel.powerOnState()
    this.state.gate = this.gateAtReset
  }

  private get modulus(): number {
    return this.state.bcd ? 10000 : 0x10000
  }

  private effectiveCount(raw: number): number {
    const value = this.state.bcd ? fromBcd(raw) : raw
    return value === 0 ? this.modulus : value
  }

  /** Ticks since the counting element was loaded, with any count change due by now applied. */
  private elapsedTicks(): number {
    const s = this.state
    if (!s.running) return s.baseTicks
    let ticks = s.baseTicks + ticksIn(this.clock.nowNs() - s.sinceNs, PIT_INPUT_HZ)
    if (s.pendingCount && ticks >= s.pendingAtTick) {
      // The period in progress when the new count was written has ended: continue
      // with the new count from there. Moving the tick origin rather than the
      // time origin keeps every later edge on an exact input clock tick.
      s.baseTicks -= s.pendingAtTick
      ticks -= s.pendingAtTick
      s.activeCount = s.pendingCount
      s.pendingCount = 0
      s.nullCount = false
    }
    return ticks
  }

  /** The value of the counting element, in binary. */
  private currentCount(): number {
    const s = this.state
    if (!s.loaded) return s.heldCount
    const ticks = this.elapsedTicks()
    const n = s.activeCount
    switch (s.mode) {
      case 2:
        return n - (ticks % n)
      case 3:
        return n - ((2 * ticks) % n)
      default:
        return (((n - ticks) % this.modulus) + this.modulus) % this.modulus
    }
  }

  /** The OUT pin. */
  output(): boolean {
    const s = this.state
    if (!s.loaded) return s.mode !== 0
    const ticks = this.elapsedTicks()
    const n = s.activeCount
    switch (s.mode) {
      case 0:
      case 1:
        return ticks >= n
      case 2:
        return !s.gate || ticks % n !== n - 1
      case 3:
        return !s.gate || ticks % n < Math.ceil(n / 2)
      default:
        return ticks !== n
    }
  }

  /** The tick (as elapsedTicks counts) of OUT's next rising edge, or -1 if none will come without guest action. */
  private nextRisingEdgeTick(): number {
    const s = this.state
    if (!s.loaded || !s.running) return -1
    const ticks = this.elapsedTicks()
    const n = s.activeCount
    switch (s.mode) {
      case 0:
      case 1:
        return ticks < n ? n : -1
      case 2:
      case 3:
        return (Math.floor(ticks / n) + 1) * n
      default:
        return ticks <= n ? n + 1 : -1
    }
  }

  /**
   * Re-arms the edge timer after any change to the counting sequence, or after
   * the edge at `firedTick` was delivered. In the periodic modes the next edge
   * follows the one delivered, not the present: when the host ran late (it
   * slept through an idle guest's ticks, or was starved), every interrupt
   * still reaches the guest, back to back, so its tick count stays right. A
   * host that fell more than MAX_CATCH_UP_NS behind (a suspended laptop)
   * drops the backlog instead.
   */
  private scheduleEdge(fired: FiredEdge | null = null): void {
    this.cancelEdgeTimer()
    if (!this.onRisingEdge) return
    const s = this.state
    let edge = this.nextRisingEdgeTick() // applies a count change that fell due
    if (edge < 0) return
    const sameSequence = fired && s.baseTicks === fired.baseTicks && s.sinceNs === fired.sinceNs && s.activeCount === fired.count
    if (sameSequence && (s.mode === 2 || s.mode === 3)) {
      const following = fired.tick + s.activeCount
      const lateNs = this.clock.nowNs() - (s.sinceNs + nsForTicks(following - s.baseTicks, PIT_INPUT_HZ))
      if (lateNs < MAX_CATCH_UP_NS) edge = following
    }
    const deadline = s.sinceNs + nsForTicks(edge - s.baseTicks, PIT_INPUT_HZ)
    const scheduled: FiredEdge = {tick: edge, baseTicks: s.baseTicks, sinceNs: s.sinceNs, count: s.activeCount}
    this.edgeTimer = this.clock.setTimer(deadline, () => {
      this.edgeTimer = null
      this.onRisingEdge!()
      this.scheduleEdge(scheduled)
    })
  }

  private cancelEdgeTimer(): void {
    this.edgeTimer?.cancel()
    this.edgeTimer = null
  }

  /** Starts the counting sequence from tick 0 now, if the gate allows. */
  private startCounting(count: number): void {
    const s = this.state
    s.activeCount = count
    s.loaded = true
    s.baseTicks = 0
    s.sinceNs = this.clock.nowNs()
    s.pendingCount = 0
    s.nullCount = false
    // Modes 0, 2, 3 and 4 count only while the gate is high; 1 and 5 are started by the gate and ignore its level.
    s.running = s.mode === 1 || s.mode === 5 || s.gate
    this.scheduleEdge()
  }

  /** Stops ticks, keeping the count reached. */
  private suspend(): void {
    const s = this.state
    if (!s.running) return
    s.baseTicks = this.elapsedTicks()
    s.running = false
    this.cancelEdgeTimer()
  }

  private resume(): void {
    const s = this.state
    if (s.running || !s.loaded) return
    s.sinceNs = this.clock.nowNs()
    s.running = true
    this.scheduleEdge()
  }

  writeControlWord(mode: number, access: number, bcd: boolean): void {
    const s = this.state
    this.cancelEdgeTimer()
    s.heldCount = s.loaded ? this.currentCount() : s.heldCount
    s.mode = mode > 5 ? mode - 4 : mode // modes 6 and 7 are aliases of 2 and 3
    s.access = access
    s.bcd = bcd
    s.loaded = false
    s.running = false
    s.pendingCount = 0
    s.lowBytePending = false
    s.readHighNext = false
    s.countLatched = false
    s.nullCount = true
    s.hasCount = false
  }

  writeCount(byte: number): void {
    const s = this.state
    switch (s.access) {
      case Access.LowByte:
        this.loadCount(byte)
        break
      case Access.HighByte:
        this.loadCount(byte << 8)
        break
      default:
        if (!s.lowBytePending) {
          s.lowByte = byte
          s.lowBytePending = true
          // Mode 0: writing the first byte of a two-byte count stops counting and drives OUT low.
          if (s.mode === 0 && s.loaded) {
            s.heldCount = this.currentCount()
            this.cancelEdgeTimer()
            s.loaded = false
            s.running = false
          }
        } else {
          s.lowBytePending = false
          this.loadCount(s.lowByte | (byte << 8))
        }
    }
  }

  private loadCount(raw: number): void {
    const s = this.state
    s.countRegister = raw
    s.nullCount = true
    s.hasCount = true
    const count = this.effectiveCount(raw)
    switch (s.mode) {
      case 1:
      case 5:
        // Loaded into the counting element only by the next gate trigger.
        s.heldCount = s.loaded ? s.heldCount : count % this.modulus
        break
      case 2:
      case 3:
        if (s.loaded && s.running) {
          // A new count while counting takes effect when the current period ends.
          const ticks = this.elapsedTicks()
          s.pendingCount = count
          s.pendingAtTick = (Math.floor(ticks / s.activeCount) + 1) * s.activeCount
        } else {
          this.startCounting(count)
        }
        break
      default:
        this.startCounting(count)
    }
  }

  setGate(high: boolean): void {
    const s = this.state
    if (high === s.gate) return
    s.gate = high
    switch (s.mode) {
      case 0:
      case 4:
        if (high) this.resume()
        else this.suspend()
        break
      case 1:
      case 5:
        // A rising gate (re)triggers the one-shot with the count register's value.
        if (high && s.hasCount) this.startCounting(this.effectiveCount(s.countRegister))
        break
      default:
        // Modes 2 and 3: gate low forces OUT high and stops; a rising gate reloads and restarts.
        if (!s.loaded) break
        if (high) this.startCounting(s.pendingCount || s.activeCount)
        else this.suspend()
    }
  }

  latchCount(): void {
    const s = this.state
    if (s.countLatched) return
    s.countLatched = true
    s.latchedCount = this.readableCount()
  }

  latchStatus(): void {
    const s = this.state
    if (s.statusLatched) return
    s.statusLatched = true
    s.latchedStatus =
      (this.output() ? 0x80 : 0) | (s.nullCount ? 0x40 : 0) | (s.access << 4) | (s.mode << 1) | (s.bcd ? 1 : 0)
  }

  private readableCount(): number {
    const count = this.currentCount() % this.modulus
    return this.state.bcd ? toBcd(count) : count
  }

  readByte(): number {
    const s = this.state
    if (s.statusLatched) {
      s.statusLatched = false
      return s.latchedStatus
    }
    const value = s.countLatched ? s.latchedCount : this.readableCount()
    let byte: number
    switch (s.access) {
      case Access.LowByte:
        byte = value & 0xff
        s.countLatched = false
        break
      case Access.HighByte:
        byte = value >> 8
        s.countLatched = false
        break
      default:
        byte = s.readHighNext ? value >> 8 : value & 0xff
        if (s.readHighNext) s.countLatched = false
        s.readHighNext = !s.readHighNext
    }
    return byte
  }

  /** The state for saving, with times made relative to now so a restore may run on another clock. */
  save(): Record<string, unknown> {
    if (this.state.running) this.elapsedTicks() // apply any due count change first
    const {sinceNs, ...rest} = this.state
    return {...rest, sinceAgeNs: this.clock.nowNs() - sinceNs}
  }

  static read(reader: SavedStateReader, nowNs: number): PitChannelState {
    const word = (field: string) => reader.integer(field, 0, 0xffff)
    return {
      mode: reader.integer('mode', 0, 5),
      bcd: reader.boolean('bcd'),
      access: reader.integer('access', 1, 3),
      countRegister: word('countRegister'),
      activeCount: reader.integer('activeCount', 1, 0x10000),
      loaded: reader.boolean('loaded'),
      running: reader.boolean('running'),
      baseTicks: reader.integer('baseTicks', -Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER),
      sinceNs: nowNs - reader.number('sinceAgeNs'),
      pendingCount: reader.integer('pendingCount', 0, 0x10000),
      pendingAtTick: reader.integer('pendingAtTick', 0, Number.MAX_SAFE_INTEGER),
      lowBytePending: reader.boolean('lowBytePending'),
      lowByte: reader.integer('lowByte', 0, 0xff),
      readHighNext: reader.boolean('readHighNext'),
      countLatched: reader.boolean('countLatched'),
      latchedCount: word('latchedCount'),
      statusLatched: reader.boolean('statusLatched'),
      latchedStatus: reader.integer('latchedStatus', 0, 0xff),
      gate: reader.boolean('gate'),
      nullCount: reader.boolean('nullCount'),
      hasCount: reader.boolean('hasCount'),
      heldCount: reader.integer('heldCount', 0, 0x10000),
    }
  }

  restore(state: PitChannelState): void {
    this.cancelEdgeTimer()
    this.state = state
    this.scheduleEdge()
  }
}

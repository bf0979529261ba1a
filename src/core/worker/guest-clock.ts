import type {TimeMode} from '../store/schema.js'

/** Nominal guest time per instruction in deterministic mode: a 100 MIPS machine. */
export const NS_PER_INSTRUCTION = 10

export interface TimerHandle {
  cancel(): void
}

/** A pending timer is its own handle: one allocation per timer (guest ticks set one each). */
class Timer implements TimerHandle {
  cancelled = false

  constructor(
    readonly deadlineNs: number,
    readonly callback: () => void,
    /** Order of creation, so timers due at the same time fire in a stable order. */
    readonly sequence: number,
  ) {}

  cancel(): void {
    this.cancelled = true
  }
}

/**
 * The VM's time. In Host mode it follows the host's monotonic clock. In
 * Deterministic mode it advances only with executed instructions (and jumps
 * to the next timer when the guest idles), so a run replays identically. Both
 * continue from the saved value after a restore. Timers fire from `runDue`,
 * which the run loop calls between slices; the loop also sizes its slices so
 * that in deterministic mode no slice runs past the next deadline.
 */
export class GuestClock {
  private readonly timers: Timer[] = []
  private sequence = 0
  private baseNs = 0
  private hostBase = 0
  private instructionBase = 0

  constructor(
    readonly mode: TimeMode,
    private readonly instructions: () => number,
    startNs = 0,
  ) {
    this.restore(startNs)
  }

  nowNs(): number {
    if (this.mode === 'Deterministic') return this.baseNs + (this.instructions() - this.instructionBase) * NS_PER_INSTRUCTION
    return this.baseNs + (hostNs() - this.hostBase)
  }

  setTimer(deadlineNs: number, callback: () => void): TimerHandle {
    const timer = new Timer(deadlineNs, callback, this.sequence++)
    this.timers.push(timer)
    return timer
  }

  /** The earliest pending deadline, or null. */
  nextDeadline(): number | null {
    this.prune()
    let next: number | null = null
    for (const timer of this.timers) if (next === null || timer.deadlineNs < next) next = timer.deadlineNs
    return next
  }

  /**
   * Fire the timers that are due, earliest first (a callback may set new
   * timers), at most `limit` of them: the run loop fires one at a time and
   * lets the guest run in between, so that late timer interrupts (after the
   * worker slept, or was starved) each reach the guest instead of merging.
   */
  runDue(limit = 10_000): void {
    for (let guard = 0; guard < limit; guard++) {
      this.prune()
      const now = this.nowNs()
      let due: Timer | null = null
      for (const timer of this.timers) {
        if (timer.deadlineNs <= now && (!due || timer.deadlineNs < due.deadlineNs || (timer.deadlineNs === due.deadlineNs && timer.sequence < due.sequence))) due = timer
      }
      if (!due) return
      due.cancelled = true
      due.callback()
    }
  }

  /** Deterministic mode: the guest idles, so its time jumps to `ns`. Host time moves by itself. */
  advanceTo(ns: number): void {
    if (this.mode !== 'Deterministic' || ns <= this.nowNs()) return
    this.baseNs = ns
    this.instructionBase = this.instructions()
  }

  /** Instructions until `deadlineNs` in deterministic mode (at least 1), or Infinity in host mode. */
  instructionsUntil(deadlineNs: number): number {
    if (this.mode !== 'Deterministic') return Infinity
    return Math.max(1, Math.ceil((deadlineNs - this.nowNs()) / NS_PER_INSTRUCTION))
  }

  /** Continue from `ns` (after a restore) with the timers the restored devices set again. */
  restore(ns: number): void {
    this.baseNs = ns
    this.hostBase = hostNs()
    this.instructionBase = this.instructions()
  }

  private prune(): void {
    for (let i = this.timers.length - 1; i >= 0; i--) if (this.timers[i].cancelled) this.timers.splice(i, 1)
  }
}

/**
 * The host's monotonic clock in nanoseconds. performance.now() has microsecond
 * resolution and allocates nothing; devices read the time on most port
 * accesses, where hrtime.bigint()'s allocation showed up.
 */
function hostNs(): number {
  return Math.round(performance.now() * 1e6)
}

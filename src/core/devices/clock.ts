import type {TimerHandle, VirtualClock} from './device.js'
import {TimerQueue} from './timer-queue.js'

/**
 * A clock that moves only when told to: for tests and for any deterministic
 * driver. Advancing fires every timer that falls due, in deadline order, with
 * the clock standing at each timer's deadline while its callback runs, so a
 * device rescheduling itself from inside a callback sees exact time.
 */
export class ManualClock implements VirtualClock {
  private readonly timers = new TimerQueue()
  private now: number

  constructor(startNs = 0) {
    this.now = startNs
  }

  nowNs(): number {
    return this.now
  }

  setTimer(deadlineNs: number, callback: () => void): TimerHandle {
    if (!Number.isFinite(deadlineNs)) throw new Error(`Timer deadline must be a finite number of nanoseconds, got ${deadlineNs}`)
    return this.timers.add(deadlineNs, callback)
  }

  /** The earliest pending deadline, or null. */
  nextDeadline(): number | null {
    return this.timers.nextDeadline()
  }

  get pendingTimers(): number {
    return this.timers.size
  }

  advanceBy(deltaNs: number): void {
    this.advanceTo(this.now + deltaNs)
  }

  /** Moves time forward to `targetNs`, firing due timers (including ones set by callbacks). */
  advanceTo(targetNs: number): void {
    if (!(targetNs >= this.now)) throw new Error(`ManualClock cannot go backwards (now ${this.now} ns, asked for ${targetNs} ns)`)
    for (;;) {
      const due = this.timers.takeDue(targetNs)
      if (!due) break
      // A timer set in the past fires at the current time: time never goes backwards.
      this.now = Math.max(this.now, due.deadlineNs)
      due.callback()
    }
    this.now = targetNs
  }
}

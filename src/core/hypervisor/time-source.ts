/** A scheduled timer; cancelling one that already fired or was cancelled does nothing. */
export interface TimerHandle {
  cancel(): void
}

/**
 * Where a partition's time comes from. The worker supplies host time for normal
 * running, or virtual time that advances with executed instructions, so that
 * tests and checkpoints replay identically. The hypervisor's own timers (the
 * local APIC timer, the synthetic timers) are scheduled on it.
 */
export interface TimeSource {
  /** Monotonic nanoseconds. */
  nowNs(): number
  /** Run `callback` once `nowNs()` reaches `deadlineNs` (as soon as possible if it already has). */
  setTimer(deadlineNs: number, callback: () => void): TimerHandle
}

/** The host's monotonic clock; timers are host timeouts that do not keep the process alive. */
export const hostTime: TimeSource = {
  nowNs: () => Number(process.hrtime.bigint()),
  setTimer(deadlineNs, callback) {
    const delayMs = Math.max(0, (deadlineNs - hostTime.nowNs()) / 1e6)
    const timeout = setTimeout(callback, Math.min(delayMs, 2 ** 31 - 1))
    timeout.unref?.()
    return {cancel: () => clearTimeout(timeout)}
  },
}

/**
 * Where a partition's time comes from. The worker supplies host time for normal
 * running, or virtual time that advances with executed instructions, so that
 * tests and checkpoints replay identically.
 */
export interface TimeSource {
  /** Monotonic nanoseconds. */
  nowNs(): number
}

export const hostTime: TimeSource = {
  nowNs: () => Number(process.hrtime.bigint()),
}

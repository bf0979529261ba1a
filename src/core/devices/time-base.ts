/**
 * Conversions between guest nanoseconds and ticks of a device's input clock,
 * done in integers so that results are exact however long the VM has run:
 * a plain `ns * hz / 1e9` loses precision past 2^53 after a few seconds.
 */

const NS_PER_SECOND = 1_000_000_000

/** Whole ticks of a `hz` clock that have elapsed in `elapsedNs` (>= 0). */
export function ticksIn(elapsedNs: number, hz: number): number {
  const seconds = Math.floor(elapsedNs / NS_PER_SECOND)
  const remainderNs = elapsedNs - seconds * NS_PER_SECOND
  return seconds * hz + Math.floor((remainderNs * hz) / NS_PER_SECOND)
}

/** The earliest whole nanosecond by which `ticks` ticks of a `hz` clock have elapsed. */
export function nsForTicks(ticks: number, hz: number): number {
  const seconds = Math.floor(ticks / hz)
  const remainderTicks = ticks - seconds * hz
  return seconds * NS_PER_SECOND + Math.ceil((remainderTicks * NS_PER_SECOND) / hz)
}

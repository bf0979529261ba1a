/**
 * VHD time stamps: unsigned 32-bit counts of seconds since
 * 2000-01-01T00:00:00Z (the footer's creation time, the dynamic header's
 * parent modification time). They run out in 2136.
 */

const VHD_EPOCH_MS = Date.UTC(2000, 0, 1)

/** `date` as a VHD time stamp, clamped into the field's range. */
export function toVhdTimestamp(date: Date): number {
  const seconds = Math.floor((date.getTime() - VHD_EPOCH_MS) / 1000)
  return Math.min(Math.max(seconds, 0), 0xffffffff)
}

export function fromVhdTimestamp(timestamp: number): Date {
  return new Date(VHD_EPOCH_MS + timestamp * 1000)
}

/**
 * The commonest step of a Set-* change: a setting given on the command line is
 * stored, and the event that records the change names it (`Label value`).
 * Settings without a value (undefined) are left as they are.
 */
export function applyGiven<T extends object, K extends keyof T>(
  record: T,
  key: K,
  value: T[K] | undefined,
  label: string,
  described: string[],
): void {
  if (value === undefined) return
  record[key] = value
  described.push(`${label} ${String(value)}`)
}

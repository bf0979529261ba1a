import type {DeviceSavedState} from './device.js'

/**
 * Reads a saved state that came from disk and may be damaged or from another
 * version. Every accessor checks the field's type and range and throws an Error
 * naming the device and the field, so a corrupt file is refused with a clear
 * message before any device state is touched: devices read everything first and
 * apply it only once reading succeeded.
 */
export class SavedStateReader {
  private constructor(
    private readonly fields: Record<string, unknown>,
    private readonly where: string,
  ) {}

  /** Checks that `state` is an object of the expected version. */
  static open(state: unknown, deviceName: string, expectedVersion: number): SavedStateReader {
    if (typeof state !== 'object' || state === null || Array.isArray(state)) {
      throw new Error(`Cannot restore ${deviceName}: saved state is not an object`)
    }
    const version = (state as DeviceSavedState).version
    if (version !== expectedVersion) {
      const found = JSON.stringify(version)
      throw new Error(`Cannot restore ${deviceName}: saved state version ${found} is not supported (expected ${expectedVersion})`)
    }
    return new SavedStateReader(state as Record<string, unknown>, deviceName)
  }

  private fail(field: string, expectation: string): never {
    throw new Error(`Cannot restore ${this.where}: field "${field}" must be ${expectation}`)
  }

  integer(field: string, min: number, max: number): number {
    const value = this.fields[field]
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      this.fail(field, `an integer from ${min} to ${max}`)
    }
    return value
  }

  /** Any finite number (times, possibly negative offsets). */
  number(field: string): number {
    const value = this.fields[field]
    if (typeof value !== 'number' || !Number.isFinite(value)) this.fail(field, 'a finite number')
    return value
  }

  boolean(field: string): boolean {
    const value = this.fields[field]
    if (typeof value !== 'boolean') this.fail(field, 'true or false')
    return value
  }

  /** An array of integers in [0, max], of exactly `length` entries, or at most `maxLength` when `length` is null. */
  integers(field: string, max: number, length: number | null, maxLength = Infinity): number[] {
    const value = this.fields[field]
    const ok =
      Array.isArray(value) &&
      (length === null ? value.length <= maxLength : value.length === length) &&
      value.every((entry) => typeof entry === 'number' && Number.isInteger(entry) && entry >= 0 && entry <= max)
    if (!ok) {
      const count = length === null ? `at most ${maxLength}` : `${length}`
      this.fail(field, `an array of ${count} integers from 0 to ${max}`)
    }
    return [...(value as number[])]
  }

  /** A nested object, read with the same checks. */
  object(field: string): SavedStateReader {
    const value = this.fields[field]
    if (typeof value !== 'object' || value === null || Array.isArray(value)) this.fail(field, 'an object')
    return new SavedStateReader(value as Record<string, unknown>, `${this.where} (${field})`)
  }

  /** An array of nested objects of exactly `length` entries. */
  objects(field: string, length: number): SavedStateReader[] {
    const value = this.fields[field]
    if (!Array.isArray(value) || value.length !== length) this.fail(field, `an array of ${length} objects`)
    return (value as unknown[]).map((entry, index) => {
      if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) this.fail(`${field}[${index}]`, 'an object')
      return new SavedStateReader(entry as Record<string, unknown>, `${this.where} (${field}[${index}])`)
    })
  }
}

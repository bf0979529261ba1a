/**
 * Checks for the hypervisor's saved state as it comes back from disk: every
 * field is read through one of these, which throw an Error naming the field,
 * so a damaged or foreign state is refused before anything is applied.
 */
export class StateFields {
  constructor(
    private readonly fields: Record<string, unknown>,
    private readonly where: string,
  ) {}

  static open(state: unknown, where: string): StateFields {
    if (typeof state !== 'object' || state === null || Array.isArray(state)) throw new Error(`${where}: saved state is not an object`)
    return new StateFields(state as Record<string, unknown>, where)
  }

  private fail(field: string, expectation: string): never {
    throw new Error(`${this.where}: saved field "${field}" must be ${expectation}`)
  }

  integer(field: string, min = 0, max = 0xffffffff): number {
    const value = this.fields[field]
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) this.fail(field, `an integer from ${min} to ${max}`)
    return value
  }

  /** An integer, or null. */
  optionalInteger(field: string, min = 0, max = Number.MAX_SAFE_INTEGER): number | null {
    return this.fields[field] === null ? null : this.integer(field, min, max)
  }

  number(field: string): number {
    const value = this.fields[field]
    if (typeof value !== 'number' || !Number.isFinite(value)) this.fail(field, 'a finite number')
    return value
  }

  optionalNumber(field: string): number | null {
    return this.fields[field] === null ? null : this.number(field)
  }

  integers(field: string, length: number, max = 0xffffffff): number[] {
    const value = this.fields[field]
    if (!Array.isArray(value) || value.length !== length || !value.every((v) => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= max)) {
      this.fail(field, `an array of ${length} integers from 0 to ${max}`)
    }
    return [...(value as number[])]
  }

  /** Bytes saved as base64, of exactly `length` bytes, or null. */
  optionalBytes(field: string, length: number): Uint8Array | null {
    const value = this.fields[field]
    if (value === null) return null
    if (typeof value !== 'string') this.fail(field, `base64 of ${length} bytes, or null`)
    const bytes = new Uint8Array(Buffer.from(value, 'base64'))
    if (bytes.length !== length) this.fail(field, `base64 of ${length} bytes, or null`)
    return bytes
  }

  array(field: string, maxLength: number): unknown[] {
    const value = this.fields[field]
    if (!Array.isArray(value) || value.length > maxLength) this.fail(field, `an array of at most ${maxLength} entries`)
    return value
  }

  object(field: string): StateFields {
    return StateFields.open(this.fields[field], `${this.where} (${field})`)
  }
}

/** Page bytes for saved state: base64, or null when all zero. */
export function savePage(bytes: Uint8Array | null): string | null {
  if (!bytes || bytes.every((b) => b === 0)) return null
  return Buffer.from(bytes).toString('base64')
}

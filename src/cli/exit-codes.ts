import type {ErrorKind} from '../core/errors.js'

/**
 * Exit codes, one per class of failure, the same with and without --json.
 * Documented in the README; scripts may rely on them.
 */
export const EXIT_CODES: Record<ErrorKind | 'ok' | 'usage', number> = {
  ok: 0,
  /** An unexpected failure inside hv. */
  internal: 1,
  /** Malformed command line: unknown flag or command, missing value (oclif's parse errors). */
  usage: 2,
  /** A value out of range or of the wrong form; also a confirmation needed where no prompt can be shown. */
  'invalid-argument': 2,
  /** No VM (or other object) with that name or id. */
  'not-found': 3,
  /** The VM is not in a state that allows the operation. */
  'invalid-state': 4,
  /** Another operation holds what this one needs (the store lock, an id already taken). */
  conflict: 5,
  /** The store cannot be read or written: corrupt, from a newer hv, or an unwritable HV_HOME. */
  store: 6,
  /** The user answered no at a confirmation prompt. */
  cancelled: 7,
  /** A wait (--wait, wait-vm) ran out of time; the VM is left as it is. */
  timeout: 8,
}

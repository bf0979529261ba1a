/**
 * The classes of failure every layer reports. The command line maps each kind to
 * a documented exit code (src/cli/exit-codes.ts); messages use the cmdlets' words
 * where the cmdlets have them.
 */
export type ErrorKind =
  | 'invalid-argument'
  | 'not-found'
  | 'invalid-state'
  | 'conflict'
  | 'store'
  | 'cancelled'
  | 'timeout'
  | 'internal'

export class HvError extends Error {
  /** The message as raised; `message` itself may be decorated by the layers it passes through. */
  readonly reason: string

  constructor(
    readonly kind: ErrorKind,
    message: string,
  ) {
    super(message)
    this.name = 'HvError'
    this.reason = message
  }
}

export class InvalidArgumentError extends HvError {
  constructor(message: string) {
    super('invalid-argument', message)
  }
}

export class NotFoundError extends HvError {
  constructor(message: string) {
    super('not-found', message)
  }
}

export class InvalidStateError extends HvError {
  constructor(message: string) {
    super('invalid-state', message)
  }
}

export class ConflictError extends HvError {
  constructor(message: string) {
    super('conflict', message)
  }
}

/** The store cannot be read or written: corrupt, newer schema, or an unwritable HV_HOME. */
export class StoreError extends HvError {
  constructor(message: string) {
    super('store', message)
  }
}

/** Waited as long as the user allowed (--timeout) and the awaited thing did not happen. */
export class TimeoutError extends HvError {
  constructor(message: string) {
    super('timeout', message)
  }
}

export class CancelledError extends HvError {
  constructor(message: string) {
    super('cancelled', message)
  }
}

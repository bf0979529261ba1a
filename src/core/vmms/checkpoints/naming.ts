import {InvalidArgumentError} from '../../errors.js'

/** Hyper-V's limit on checkpoint names, as on VM names. */
export const MAX_CHECKPOINT_NAME = 100

/**
 * The name Hyper-V gives a checkpoint when none is given: the VM's name and the
 * local time, "demo - (11/23/2026 - 9:15:02 PM)", cut to 100 characters by
 * shortening the VM's name.
 */
export function defaultCheckpointName(vmName: string, at: Date = new Date()): string {
  const hours = at.getHours()
  const two = (n: number) => String(n).padStart(2, '0')
  const stamp = ` - (${at.getMonth() + 1}/${at.getDate()}/${at.getFullYear()} - ${hours % 12 || 12}:${two(at.getMinutes())}:${two(at.getSeconds())} ${hours < 12 ? 'AM' : 'PM'})`
  return vmName.slice(0, Math.max(0, MAX_CHECKPOINT_NAME - stamp.length)) + stamp
}

export function validateCheckpointName(name: string, parameter = 'SnapshotName'): void {
  if (name.trim().length === 0) {
    throw new InvalidArgumentError(`Cannot validate argument on parameter '${parameter}'. The argument is null or empty.`)
  }
  if (name.length > MAX_CHECKPOINT_NAME) {
    throw new InvalidArgumentError(
      `The checkpoint name '${name.slice(0, 20)}...' is too long: it has ${name.length} characters; the maximum is ${MAX_CHECKPOINT_NAME}.`,
    )
  }
  if (/[\u0000-\u001f]/.test(name)) {
    throw new InvalidArgumentError(`The checkpoint name '${name.replace(/[\u0000-\u001f]/g, '?')}' is not valid: it cannot contain control characters.`)
  }
}

import {InvalidArgumentError} from '../core/errors.js'
import {lazyImport} from './lazy-import.js'

export interface ConfirmOptions {
  force?: boolean
  /** --confirm true|false; undefined means the command's default (ask). */
  confirm?: boolean
  json?: boolean
}

/**
 * ShouldProcess for destructive commands. True means go ahead. No prompt ever
 * appears without a terminal or with --json: the command fails instead, naming
 * the flag that would let it proceed.
 */
export async function confirmAction(
  operation: string,
  target: string,
  options: ConfirmOptions,
  remedy = 'pass --force (or --confirm false) to proceed',
): Promise<boolean> {
  if (options.force || options.confirm === false) return true
  if (options.json || !process.stdin.isTTY || !process.stdout.isTTY) {
    throw new InvalidArgumentError(`${operation} on "${target}" needs confirmation and no prompt can be shown here: ${remedy}.`)
  }
  const {confirm} = await lazyImport<typeof import('@inquirer/prompts')>('@inquirer/prompts')
  return confirm({
    message: `Are you sure you want to perform this action? Performing the operation "${operation}" on target "${target}".`,
    default: false,
  })
}

export function whatIfLine(operation: string, target: string): string {
  return `What if: Performing the operation "${operation}" on target "${target}".\n`
}

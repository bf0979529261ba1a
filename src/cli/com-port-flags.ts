import {Args, Flags} from '@oclif/core'

import {InvalidArgumentError} from '../core/errors.js'
import type {VmSelector} from '../core/vmms/index.js'
import {integerFlag} from './flags.js'

/**
 * The parameters Get-VMComPort and Set-VMComPort share: the VM (by name as
 * the first positional, by --id, or as -VM given a name or VMId), and the
 * port number, named (-Number 2) or as the second positional, as the cmdlets
 * bind `Set-VMComPort TestVM 2 \\.\pipe\TestPipe`.
 */
export const comPortArgs = {
  vmName: Args.string({description: 'The VM names (comma-separated; wildcards allowed).'}),
  position2: Args.string({description: 'The COM port number (1 or 2), as -Number.', hidden: true}),
}

export const comPortFlags = {
  number: integerFlag('Number', 'The COM port: 1 or 2.'),
  vm: Flags.string({description: 'A VM by name or VMId, as the cmdlet\'s -VM (repeatable).', multiple: true}),
}

const VMID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** Names from the positional and -VM values that are not VMIds; VMIds from --id and -VM. */
export function comPortSelector(names: string[], ids: string[] | undefined, vm: string[] | undefined): VmSelector {
  const given = vm ?? []
  return {
    names: [...names, ...given.filter((value) => !VMID.test(value))],
    ids: [...(ids ?? []), ...given.filter((value) => VMID.test(value))],
  }
}

/** -Number, or the number given in its position. */
export function comPortNumber(named: number | undefined, positional: string | undefined, required: boolean): number | undefined {
  if (named !== undefined && positional !== undefined) {
    throw new InvalidArgumentError(`A positional parameter cannot be found that accepts argument '${positional}': -Number is given as well.`)
  }
  if (positional !== undefined) {
    if (!/^\s*-?\d+\s*$/.test(positional)) {
      throw new InvalidArgumentError(`Cannot bind parameter 'Number'. Cannot convert value "${positional}" to type "System.Int32": it is not a whole number.`)
    }
    return Number(positional)
  }
  if (named === undefined && required) throw new InvalidArgumentError('Specify the COM port with -Number 1 or -Number 2.')
  return named
}

import type {Hook} from '@oclif/core'

import {EXIT_CODES} from './exit-codes.js'

/**
 * oclif's command_not_found hook. Accepts the cmdlet spelling (`hv Get-VM`,
 * `hv get-VMMemory`), since command ids are the cmdlet names in lower case;
 * anything else gets one line naming the nearest command.
 */
export const commandNotFound: Hook<'command_not_found'> = async function (options) {
  const lower = options.id.toLowerCase()
  if (lower !== options.id && options.config.findCommand(lower)) {
    return options.config.runCommand(lower, options.argv ?? [])
  }
  const ids = options.config.commandIDs
  const nearest = ids.map((id) => ({id, distance: editDistance(lower, id)})).sort((a, b) => a.distance - b.distance)[0]
  const hint = nearest && nearest.distance <= 3 ? ` Did you mean '${nearest.id}'?` : ''
  process.stderr.write(`hv: '${options.id}' is not an hv command.${hint} Run 'hv help' for the list.\n`)
  process.exitCode = EXIT_CODES.usage
  return true
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({length: b.length + 1}, (_, i) => i)
  for (let i = 1; i <= a.length; i++) {
    const current = [i]
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1))
    }
    previous = current
  }
  return previous[b.length]
}

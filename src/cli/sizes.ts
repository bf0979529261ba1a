import {InvalidArgumentError} from '../core/errors.js'

/** PowerShell's numeric multipliers are binary: 1KB = 1024. */
const MULTIPLIERS: Record<string, number> = {
  '': 1, B: 1, KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3, TB: 1024 ** 4, PB: 1024 ** 5,
}

/**
 * Parse a size the way PowerShell reads `512MB`, `1GB`, `1.5GB` or plain bytes.
 * The result must be a whole, non-negative number of bytes.
 */
export function parseSize(text: string, parameter: string): number {
  const match = /^\s*(\d+(?:\.\d+)?|\.\d+)\s*([kmgtp]?b)?\s*$/i.exec(text)
  if (!match) {
    throw new InvalidArgumentError(
      `Cannot bind parameter '${parameter}'. Cannot convert value "${text}" to a size: use bytes or a number with KB, MB, GB or TB (for example 512MB or 1.5GB).`,
    )
  }
  const bytes = Number(match[1]) * MULTIPLIERS[(match[2] ?? '').toUpperCase()]
  if (!Number.isSafeInteger(bytes)) {
    throw new InvalidArgumentError(
      `Cannot bind parameter '${parameter}'. The value "${text}" is not a whole number of bytes.`,
    )
  }
  return bytes
}

/**
 * Comparing what guests/images/floatdemo.bin printed with its golden output
 * (guests/floatdemo/expected.txt, recorded from QEMU). Every line must be the
 * same, except those the program marks with "~": results of the x87's
 * transcendental instructions, whose last bits depend on how an
 * implementation approximates the function (QEMU's FSIN, FCOS and FPTAN are
 * good to a double's 53 bits, not to 64). Those lines must name the same
 * thing and carry values within 2^-48 of each other, relatively, taken from
 * the 80-bit pattern in brackets.
 */
import {readFileSync} from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

export const FLOATDEMO_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../guests/floatdemo')
export const FLOATDEMO_IMAGE = path.resolve(FLOATDEMO_DIR, '../images/floatdemo.bin')

/** The golden output, bytes as COM1 carried them (CR LF line ends). */
export function floatdemoExpected(): string {
  return readFileSync(path.join(FLOATDEMO_DIR, 'expected.txt'), 'latin1')
}

const TRANSCENDENTAL_TOLERANCE = 2 ** -48

/** `~ label  decimal [eeee:mmmmmmmmmmmmmmmm]`: the label and the 80-bit value, or null. */
function approximateLine(line: string): {label: string; value: number} | null {
  const m = /^(~ .*?)\s+\S+ \[([0-9a-f]{4}):([0-9a-f]{16})\]$/.exec(line)
  if (!m) return null
  const signExponent = parseInt(m[2], 16)
  const significand = BigInt(`0x${m[3]}`)
  const exponent = (signExponent & 0x7fff) - 16383 - 63
  const magnitude = Number(significand) * 2 ** exponent
  return {label: m[1], value: signExponent & 0x8000 ? -magnitude : magnitude}
}

/**
 * The differences between `actual` and `expected`, one message per line that
 * differs (at most `limit`), or none when they agree.
 */
export function floatdemoDifferences(actual: string, expected: string, limit = 20): string[] {
  const a = actual.split('\r\n')
  const e = expected.split('\r\n')
  const problems: string[] = []
  const n = Math.max(a.length, e.length)
  for (let i = 0; i < n && problems.length < limit; i++) {
    const got = a[i]
    const want = e[i]
    if (got === want) continue
    const wantApprox = want === undefined ? null : approximateLine(want)
    const gotApprox = got === undefined ? null : approximateLine(got)
    if (wantApprox && gotApprox && wantApprox.label === gotApprox.label) {
      const scale = Math.max(Math.abs(wantApprox.value), Math.abs(gotApprox.value))
      if (Math.abs(wantApprox.value - gotApprox.value) <= TRANSCENDENTAL_TOLERANCE * scale) continue
    }
    problems.push(`line ${i + 1}:\n  expected ${JSON.stringify(want)}\n  got      ${JSON.stringify(got)}`)
  }
  return problems
}

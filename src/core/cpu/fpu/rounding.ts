/**
 * Rounding an exact value to a destination format, with the exception flags
 * and the masked and unmasked responses of the x87 (SDM Vol. 1 §4.8.4, §4.9.1,
 * §8.1.8).
 *
 * An exact value arrives as `sign`, an unsigned bigint magnitude and the
 * exponent of its least significant bit (value = magnitude × 2^lsb), so that
 * no arithmetic before this point rounds. Formats are given by precision (bits
 * of significand, including the integer bit) and the exponent range of their
 * normal numbers: the x87 registers keep the extended exponent range at every
 * precision-control setting, memory formats have their own.
 *
 * Underflow: tininess is detected after rounding (the result rounded to the
 * precision with an unbounded exponent is below the smallest normal), as the
 * x87 does. Masked, underflow is reported only when the tiny result is also
 * inexact; unmasked, whenever the result is tiny.
 */
import {bitLength, EMAX, EMIN, Ext80, EXP_BIAS, EXP_MAX, infinity, J_BIT, zero} from './ext80.js'

// Status-word exception flags, in their status-word positions.
export const IE = 0x01
export const DE = 0x02
export const ZE = 0x04
export const OE = 0x08
export const UE = 0x10
export const PE = 0x20
export const EXCEPTION_FLAGS = 0x3f

/** Rounding control (control word bits 10-11). */
export const RC_NEAREST = 0
export const RC_DOWN = 1
export const RC_UP = 2
export const RC_CHOP = 3

/** Exponent adjustment of an unmasked overflow or underflow result delivered to a register (SDM Vol. 1 §4.9.1.4). */
export const BIAS_ADJUST = 24576

/**
 * What an operation runs under and what it reports: the rounding control, the
 * exception masks (control word bits 0-5) and the flags and C1 it raises.
 * The executing instruction fills the first two from the control word, runs
 * the operation and then merges `flags` and `c1` into the status word.
 */
export class ArithEnv {
  rc = RC_NEAREST
  masks = EXCEPTION_FLAGS
  flags = 0
  /** C1 after a rounded result: 1 when the result was rounded up in magnitude. */
  c1 = false

  reset(controlWord: number): void {
    this.rc = (controlWord >> 10) & 3
    this.masks = controlWord & EXCEPTION_FLAGS
    this.flags = 0
    this.c1 = false
  }

  masked(flag: number): boolean {
    return (this.masks & flag) !== 0
  }
}

export interface Format {
  precision: number
  /** Exponent (unbiased, of the leading bit) of the smallest normal number. */
  emin: number
  /** Exponent of the largest finite number. */
  emax: number
}

export const EXTENDED: Format = {precision: 64, emin: EMIN, emax: EMAX}
export const EXTENDED_53: Format = {precision: 53, emin: EMIN, emax: EMAX}
export const EXTENDED_24: Format = {precision: 24, emin: EMIN, emax: EMAX}
export const DOUBLE: Format = {precision: 53, emin: -1022, emax: 1023}
export const SINGLE: Format = {precision: 24, emin: -126, emax: 127}

/**
 * The register format for precision control (control word bits 8-9). The
 * reserved setting 01 has no documented meaning (SDM Vol. 1 Table 8-2); it
 * acts as 64 bits here, as on the QEMU oracle. The reference model in
 * test/property leaves 01 undefined and its properties never generate it.
 */
export function precisionFormat(controlWord: number): Format {
  const pc = (controlWord >> 8) & 3
  return pc === 0 ? EXTENDED_24 : pc === 2 ? EXTENDED_53 : EXTENDED
}

/**
 * The rounded result: value = sig × 2^lsb (sig < 2^precision), or an infinity.
 * A module-level record so that rounding allocates only its bigints.
 */
export const rounded = {sign: 0, sig: 0n, lsb: 0, infinite: false}

/** Round `mag` (exact, value = mag × 2^lsb) at bit position `at`; sets rounded.sig/lsb, returns [inexact, increment] packed. */
function roundAt(env: ArithEnv, sign: number, mag: bigint, lsb: number, at: number): number {
  const shift = at - lsb
  if (shift <= 0) {
    rounded.sig = mag << BigInt(-shift)
    rounded.lsb = at
    return 0
  }
  const s = BigInt(shift)
  let q = mag >> s
  const rem = mag & ((1n << s) - 1n)
  rounded.lsb = at
  if (rem === 0n) {
    rounded.sig = q
    return 0
  }
  let up: boolean
  switch (env.rc) {
    case RC_NEAREST: {
      const half = 1n << (s - 1n)
      up = rem > half || (rem === half && (q & 1n) === 1n)
      break
    }
    case RC_DOWN: up = sign === 1; break
    case RC_UP: up = sign === 0; break
    default: up = false
  }
  if (up) q += 1n
  rounded.sig = q
  return up ? 3 : 1
}

const INEXACT = 1
const INCREMENTED = 2

/**
 * Round sign × mag × 2^lsb (mag > 0) to `format`. `registerDestination` selects
 * the unmasked overflow/underflow response: a register receives the result
 * with its exponent adjusted by 24576; memory receives nothing. Returns false
 * when nothing may be stored; otherwise the result is in `rounded`.
 */
export function roundExact(env: ArithEnv, sign: number, mag: bigint, lsb: number, format: Format, registerDestination: boolean): boolean {
  const p = format.precision
  rounded.sign = sign
  rounded.infinite = false
  const msb = lsb + bitLength(mag) - 1
  const normalAt = msb - (p - 1)
  if (msb < format.emin) {
    // Possibly tiny. Rounded with an unbounded exponent, does it reach the smallest normal?
    let tiny = true
    if (msb === format.emin - 1) {
      roundAt(env, sign, mag, lsb, normalAt)
      tiny = bitLength(rounded.sig) === p
    }
    if (tiny) {
      if (!env.masked(UE)) {
        env.flags |= UE
        if (!registerDestination) return false
        const r = roundAt(env, sign, mag, lsb + BIAS_ADJUST, normalAt + BIAS_ADJUST)
        renormalize(p)
        reportRounding(env, r)
        return true
      }
      const r = roundAt(env, sign, mag, lsb, format.emin - (p - 1))
      if ((r & INEXACT) !== 0) env.flags |= UE | PE
      env.c1 = (r & INCREMENTED) !== 0
      // Rounding up may carry into the smallest normal: sig then has p bits at the same lsb.
      return true
    }
  }
  const r = roundAt(env, sign, mag, lsb, normalAt)
  renormalize(p)
  const top = rounded.lsb + p - 1
  if (top > format.emax) {
    env.flags |= OE
    if (!env.masked(OE)) {
      // A memory destination receives nothing, so nothing was rounded into it: OE alone, no PE, C1 clear. SDM
      // Vol. 1 §4.9.1.6 and §8.5.6 set PE with an unmasked OE/UE only for a register destination and treat memory
      // apart (§8.5.4 names only OE there); AMD's x87 exception table says in so many words that PE is not set.
      if (!registerDestination) return false
      rounded.lsb -= BIAS_ADJUST
      reportRounding(env, r)
      return true
    }
    env.flags |= PE
    const toInfinity = env.rc === RC_NEAREST || (env.rc === RC_UP && sign === 0) || (env.rc === RC_DOWN && sign === 1)
    if (toInfinity) {
      rounded.infinite = true
      env.c1 = true
    } else {
      rounded.sig = (1n << BigInt(p)) - 1n
      rounded.lsb = format.emax - (p - 1)
      env.c1 = false
    }
    return true
  }
  reportRounding(env, r)
  return true
}

/** After rounding a normal result: a carry out of the top bit leaves p + 1 bits; shift it back to p. */
function renormalize(p: number): void {
  if (rounded.sig >> BigInt(p) !== 0n) {
    rounded.sig >>= 1n
    rounded.lsb += 1
  }
}

/** A result rounded into its destination: PE when inexact, C1 when rounded up in magnitude. */
function reportRounding(env: ArithEnv, r: number): void {
  if ((r & INEXACT) !== 0) env.flags |= PE
  env.c1 = (r & INCREMENTED) !== 0
}

/** `rounded` as an 80-bit register value (for results of the extended exponent range). */
export function packRounded(): Ext80 {
  const sign = rounded.sign
  if (rounded.infinite) return infinity(sign)
  const sig = rounded.sig
  if (sig === 0n) return zero(sign)
  const n = bitLength(sig)
  const msb = rounded.lsb + n - 1
  if (msb >= EMIN) {
    // Unmasked overflow/underflow results may lie outside the range: their exponent wraps as the hardware's does.
    const biased = (((msb + EXP_BIAS) % EXP_MAX) + EXP_MAX) % EXP_MAX
    return new Ext80(sign, biased, sig << BigInt(63 - (n - 1)))
  }
  // Denormal: the exponent field is 0 and the least significant bit is worth 2^(EMIN - 63).
  return new Ext80(sign, 0, sig << BigInt(rounded.lsb - (EMIN - 63)))
}

/** Round an exact value to a register at the given precision and pack it; null when nothing may be stored. */
export function roundToRegister(env: ArithEnv, sign: number, mag: bigint, lsb: number, format: Format): Ext80 | null {
  if (mag === 0n) return zero(sign)
  if (!roundExact(env, sign, mag, lsb, format, true)) return null
  return packRounded()
}

export {J_BIT}

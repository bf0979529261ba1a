/**
 * FSQRT, FSCALE, FXTRACT, FPREM, FPREM1, FRNDINT and the transcendental
 * instructions F2XM1, FYL2X, FYL2XP1, FPATAN, FPTAN, FSIN, FCOS, FSINCOS,
 * with their special operands as the SDM's tables for each give them.
 */
import type {Instr} from '../../decoder/instr.js'
import type {CpuCore} from '../../state.js'
import {extract, invalid, propagateNaN, remainder, remainderResult, roundToInteger, scale, squareRoot} from '../arithmetic.js'
import {fastSquareRoot} from '../fast-arithmetic.js'
import {type Ext80, infinity, isDenormalOperand, Kind, kindOf, negate, ONE, unbiasedLsbExponent, zero} from '../ext80.js'
import {SW_C0, SW_C1, SW_C2, SW_C3} from '../fpu-state.js'
import {beginNumeric, finish, stackFault} from '../instruction-context.js'
import {type ArithEnv, DE, EXTENDED, precisionFormat, roundToRegister, ZE} from '../rounding.js'
import {
  type Approximation, arctangent, leadingExponent, log2, log2OnePlus, piFixed, sineCosine, tangent, twoToXMinusOne,
} from '../transcendental.js'

type Unary = (env: ArithEnv, a: Ext80) => Ext80 | null

/** ST(0) = f(ST(0)). */
function unaryOnTop(cpu: CpuCore, i: Instr, f: Unary): void {
  if (!beginNumeric(cpu, i)) return
  const fpu = cpu.fpu
  const r = fpu.isEmpty(0) ? stackFault(cpu, false) : f(fpu.env, fpu.st(0))
  if (r !== null) fpu.setSt(0, r)
  finish(cpu)
}

/** FSQRT (D9 FA), rounded to the precision control. */
export function squareRootInstruction(cpu: CpuCore, i: Instr): void {
  unaryOnTop(cpu, i, (env, a) => {
    const format = precisionFormat(cpu.fpu.controlWord)
    return fastSquareRoot(env, a, format) ?? squareRoot(env, a, format)
  })
}

/** FRNDINT (D9 FC). */
export function roundInstruction(cpu: CpuCore, i: Instr): void {
  unaryOnTop(cpu, i, roundToInteger)
}

/** FSCALE (D9 FD): ST(0) × 2^trunc(ST(1)). */
export function scaleInstruction(cpu: CpuCore, i: Instr): void {
  if (!beginNumeric(cpu, i)) return
  const fpu = cpu.fpu
  const r = fpu.isEmpty(0) || fpu.isEmpty(1) ? stackFault(cpu, false) : scale(fpu.env, fpu.st(0), fpu.st(1))
  if (r !== null) fpu.setSt(0, r)
  finish(cpu)
}

/** FXTRACT (D9 F4): ST(0) becomes the exponent, then the significand is pushed. */
export function extractInstruction(cpu: CpuCore, i: Instr): void {
  if (!beginNumeric(cpu, i)) return
  const fpu = cpu.fpu
  if (fpu.isEmpty(0) || !fpu.isEmpty(7)) {
    const r = stackFault(cpu, !fpu.isEmpty(0))
    if (r !== null) {
      fpu.setSt(0, r)
      fpu.push(r)
    }
    finish(cpu)
    return
  }
  const parts = extract(fpu.env, fpu.st(0))
  if (parts !== null) {
    fpu.setSt(0, parts[0])
    fpu.push(parts[1])
  }
  finish(cpu)
}

/** FPREM (D9 F8) and FPREM1 (D9 F5): C2 = partial; a complete remainder puts quotient bits 2, 1, 0 in C0, C3, C1. */
export function remainderInstruction(cpu: CpuCore, i: Instr): void {
  if (!beginNumeric(cpu, i)) return
  const fpu = cpu.fpu
  const r = fpu.isEmpty(0) || fpu.isEmpty(1) ? stackFault(cpu, false) : remainder(fpu.env, fpu.st(0), fpu.st(1), i.rm === 5)
  if (r !== null) fpu.setSt(0, r)
  finish(cpu)
  fpu.status &= ~(SW_C0 | SW_C1 | SW_C2 | SW_C3)
  if (r === null) return
  if (remainderResult.partial) fpu.status |= SW_C2
  const q = remainderResult.quotientLow
  if ((q & 4) !== 0) fpu.status |= SW_C0
  if ((q & 2) !== 0) fpu.status |= SW_C3
  if ((q & 1) !== 0) fpu.status |= SW_C1
}

// ---------------------------------------------------------------------------
// Transcendental instructions
// ---------------------------------------------------------------------------

function rounded(env: ArithEnv, a: Approximation): Ext80 | null {
  const [sign, magnitude, f] = a
  return roundToRegister(env, sign, magnitude, -f, EXTENDED)
}

/** Checks shared by the one-operand functions: returns a result for NaN/unsupported operands, undefined to go on. */
function specialUnary(env: ArithEnv, a: Ext80): Ext80 | null | undefined {
  const k = kindOf(a)
  if (k === Kind.Unsupported) return invalid(env)
  if (k === Kind.SNaN || k === Kind.QNaN) return propagateNaN(env, a, null)
  if (isDenormalOperand(a)) {
    env.flags |= DE
    if (!env.masked(DE)) return null
  }
  return undefined
}

function specialBinary(env: ArithEnv, a: Ext80, b: Ext80): Ext80 | null | undefined {
  const ka = kindOf(a)
  const kb = kindOf(b)
  if (ka === Kind.Unsupported || kb === Kind.Unsupported) return invalid(env)
  if (ka === Kind.SNaN || ka === Kind.QNaN || kb === Kind.SNaN || kb === Kind.QNaN) return propagateNaN(env, a, b)
  if (isDenormalOperand(a) || isDenormalOperand(b)) {
    env.flags |= DE
    if (!env.masked(DE)) return null
  }
  return undefined
}

/** F2XM1 (D9 F0): 2^ST(0) - 1. */
export function twoToXMinusOneInstruction(cpu: CpuCore, i: Instr): void {
  unaryOnTop(cpu, i, (env, a) => {
    const special = specialUnary(env, a)
    if (special !== undefined) return special
    const k = kindOf(a)
    if (k === Kind.Zero) return a
    if (k === Kind.Infinity) return a.sign === 0 ? a : negate(ONE)
    // Beyond |x| = 2^14 the result is an overflow (x > 0) or -1 rounded (x < 0) whatever the exact value.
    if (leadingExponent(a) > 14) {
      return a.sign === 0 ? roundToRegister(env, 0, 1n, 1 << 15, EXTENDED) : roundToRegister(env, 1, (1n << 200n) - 1n, -200, EXTENDED)
    }
    return rounded(env, twoToXMinusOne(a))
  })
}

/** Store into ST(1) and pop: FYL2X, FYL2XP1, FPATAN. */
function binaryIntoSt1(cpu: CpuCore, i: Instr, f: (env: ArithEnv, st0: Ext80, st1: Ext80) => Ext80 | null): void {
  if (!beginNumeric(cpu, i)) return
  const fpu = cpu.fpu
  const r = fpu.isEmpty(0) || fpu.isEmpty(1) ? stackFault(cpu, false) : f(fpu.env, fpu.st(0), fpu.st(1))
  if (r !== null) {
    fpu.setSt(1, r)
    fpu.pop()
  }
  finish(cpu)
}

/** y × an approximation of a logarithm (magnitude × 2^-f), multiplied exactly, then rounded once. */
function timesY(env: ArithEnv, y: Ext80, log: Approximation): Ext80 | null {
  const [sign, magnitude, f] = log
  if (magnitude === 0n) return zero(sign ^ y.sign)
  return roundToRegister(env, sign ^ y.sign, magnitude * y.sig, unbiasedLsbExponent(y) - f, EXTENDED)
}

/** FYL2X (D9 F1): ST(1) × log2(ST(0)), popped. */
export function yLog2XInstruction(cpu: CpuCore, i: Instr): void {
  binaryIntoSt1(cpu, i, (env, x, y) => {
    const special = specialBinary(env, x, y)
    if (special !== undefined) return special
    const kx = kindOf(x)
    const ky = kindOf(y)
    if (x.sign === 1 && kx !== Kind.Zero) return invalid(env)
    if (kx === Kind.Zero) {
      if (ky === Kind.Zero) return invalid(env)
      if (ky !== Kind.Infinity) {
        env.flags |= ZE
        if (!env.masked(ZE)) return null
      }
      return infinity(y.sign ^ 1)
    }
    if (kx === Kind.Infinity) return ky === Kind.Zero ? invalid(env) : infinity(y.sign)
    const isOne = x.exp === ONE.exp && x.sig === ONE.sig
    if (ky === Kind.Infinity) {
      if (isOne) return invalid(env)
      return infinity(y.sign ^ (leadingExponent(x) < 0 ? 1 : 0))
    }
    if (isOne) return zero(y.sign)
    if (ky === Kind.Zero) return zero(y.sign ^ (leadingExponent(x) < 0 ? 1 : 0))
    return timesY(env, y, log2(x))
  })
}

/** FYL2XP1 (D9 F9): ST(1) × log2(ST(0) + 1), popped; meant for |ST(0)| < 1 - √2/2. */
export function yLog2XPlusOneInstruction(cpu: CpuCore, i: Instr): void {
  binaryIntoSt1(cpu, i, (env, x, y) => {
    const special = specialBinary(env, x, y)
    if (special !== undefined) return special
    const kx = kindOf(x)
    const ky = kindOf(y)
    if (kx === Kind.Infinity) return invalid(env)
    if (kx === Kind.Zero) return ky === Kind.Infinity ? invalid(env) : zero(x.sign ^ y.sign)
    if (leadingExponent(x) >= 0) return invalid(env)
    if (ky === Kind.Infinity) return infinity(y.sign ^ x.sign)
    if (ky === Kind.Zero) return zero(y.sign ^ x.sign)
    return timesY(env, y, log2OnePlus(x))
  })
}

/** π × numerator / 4, rounded, with a sign (for FPATAN's exact-angle cases). */
function piQuarters(env: ArithEnv, sign: number, numerator: number): Ext80 | null {
  const f = 200
  return roundToRegister(env, sign, piFixed(f) * BigInt(numerator), -(f + 2), EXTENDED)
}

/** FPATAN (D9 F3): ST(1) = atan2(ST(1), ST(0)), popped. */
export function arctangentInstruction(cpu: CpuCore, i: Instr): void {
  binaryIntoSt1(cpu, i, (env, x, y) => {
    const special = specialBinary(env, x, y)
    if (special !== undefined) return special
    const kx = kindOf(x)
    const ky = kindOf(y)
    const xInf = kx === Kind.Infinity
    const yInf = ky === Kind.Infinity
    if (yInf) return piQuarters(env, y.sign, xInf ? (x.sign === 0 ? 1 : 3) : 2)
    if (xInf) return x.sign === 0 ? zero(y.sign) : piQuarters(env, y.sign, 4)
    if (ky === Kind.Zero) return x.sign === 0 ? zero(y.sign) : piQuarters(env, y.sign, 4)
    return rounded(env, arctangent(y, false, x, kx === Kind.Zero))
  })
}

/** The trigonometric instructions take |x| < 2^63; beyond, C2 = 1 and nothing changes. */
function outOfRange(a: Ext80): boolean {
  const k = kindOf(a)
  return (k === Kind.Normal || k === Kind.Denormal || k === Kind.PseudoDenormal) && leadingExponent(a) >= 63
}

function trigonometricSpecial(env: ArithEnv, a: Ext80): Ext80 | null | undefined {
  const special = specialUnary(env, a)
  if (special !== undefined) return special
  if (kindOf(a) === Kind.Infinity) return invalid(env)
  return undefined
}

/**
 * FSIN (D9 FE), FCOS (D9 FF): ST(0) = f(ST(0)). FPTAN (D9 F2): ST(0) = tan,
 * then 1.0 pushed. FSINCOS (D9 FB): ST(0) = sin, then cos pushed.
 */
export function trigonometricInstruction(cpu: CpuCore, i: Instr): void {
  if (!beginNumeric(cpu, i)) return
  const fpu = cpu.fpu
  const env = fpu.env
  const pushes = i.rm === 2 || i.rm === 3
  if (fpu.isEmpty(0) || (pushes && !fpu.isEmpty(7))) {
    const r = stackFault(cpu, !fpu.isEmpty(0))
    if (r !== null) {
      fpu.setSt(0, r)
      if (pushes) fpu.push(r)
    }
    finish(cpu)
    return
  }
  const a = fpu.st(0)
  if (outOfRange(a)) {
    finish(cpu)
    fpu.status |= SW_C2
    return
  }
  const special = trigonometricSpecial(env, a)
  let first: Ext80 | null
  let second: Ext80 | null = null
  if (special !== undefined) {
    // FPTAN pushes 1.0 whatever its result; FSINCOS pushes the same NaN or indefinite.
    first = special
    second = i.rm === 2 ? ONE : special
  } else if (kindOf(a) === Kind.Zero) {
    first = i.rm === 7 ? ONE : a
    second = ONE
  } else if (i.rm === 2) {
    first = rounded(env, tangent(a))
    second = ONE
  } else {
    const [s, c] = sineCosine(a)
    first = i.rm === 7 ? rounded(env, c) : rounded(env, s)
    if (i.rm === 3) second = rounded(env, c)
  }
  if (first !== null && (!pushes || second !== null)) {
    fpu.setSt(0, first)
    if (pushes) fpu.push(second!)
  }
  finish(cpu)
  fpu.status &= ~SW_C2
}

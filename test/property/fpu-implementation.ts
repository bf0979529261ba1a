/**
 * hv's x87 arithmetic seen through the reference model's interface
 * (fpu-reference.ts: raw encodings as bigint in, {value, flags, c1} out), so
 * that properties can compare the two. The implementation's API works on Ext80
 * records with an ArithEnv collecting flags and C1, and returns null for
 * "nothing stored"; this adapter converts both ways and reproduces only what
 * the instruction handlers around these functions add: the precision-control
 * format handed to add/mul/div/sqrt, and FLD's rule that an unmasked IE or DE
 * loads nothing (execute/load-store.ts).
 */
import {add, divide, multiply, roundToInteger, squareRoot} from '../../src/core/cpu/fpu/arithmetic.js'
import {fromDouble, fromSingle, toDouble, toInt, toSingle} from '../../src/core/cpu/fpu/conversions.js'
import {Ext80} from '../../src/core/cpu/fpu/ext80.js'
import {ArithEnv, DE, EXCEPTION_FLAGS, IE, precisionFormat} from '../../src/core/cpu/fpu/rounding.js'
import type {RefOp, RefResult} from './fpu-reference.js'

const toExt80 = (bits: bigint): Ext80 => new Ext80(Number(bits >> 79n) & 1, Number((bits >> 64n) & 0x7fffn), bits & ((1n << 64n) - 1n))
const fromExt80 = (v: Ext80): bigint => (BigInt(v.sign) << 79n) | (BigInt(v.exp) << 64n) | v.sig

/** One operation of the implementation under controlWord, as the model reports it. */
export function implementation(op: RefOp, a: bigint, b: bigint, controlWord: number): RefResult {
  const env = new ArithEnv()
  env.reset(controlWord)
  const format = precisionFormat(controlWord)
  const x = toExt80(a)
  const y = toExt80(b)
  const stopped = (flag: number): boolean => (env.flags & flag) !== 0 && !env.masked(flag)
  let value: bigint | null
  switch (op) {
    case 'add':
    case 'sub':
    case 'mul':
    case 'div':
    case 'sqrt':
    case 'round': {
      const r = op === 'add' ? add(env, x, y, false, format)
        : op === 'sub' ? add(env, x, y, true, format)
        : op === 'mul' ? multiply(env, x, y, format)
        : op === 'div' ? divide(env, x, y, format)
        : op === 'sqrt' ? squareRoot(env, x, format)
        : roundToInteger(env, x)
      value = r === null ? null : fromExt80(r)
      break
    }
    case 'toF32': {
      const r = toSingle(env, x)
      value = r === null ? null : BigInt(r >>> 0)
      break
    }
    case 'toF64':
      value = toDouble(env, x)
      break
    case 'toI16':
    case 'toI32':
    case 'toI64':
      value = toInt(env, x, op === 'toI16' ? 16 : op === 'toI32' ? 32 : 64)
      break
    case 'fromF32':
    case 'fromF64': {
      const r = op === 'fromF32' ? fromSingle(env, Number(a), true) : fromDouble(env, Number(a & 0xffffffffn), Number(a >> 32n), true)
      // As FLD does (execute/load-store.ts): an unmasked invalid (SNaN) or denormal operand loads nothing.
      value = stopped(IE) || stopped(DE) ? null : fromExt80(r)
      break
    }
  }
  return {value, flags: env.flags & EXCEPTION_FLAGS, c1: env.c1}
}

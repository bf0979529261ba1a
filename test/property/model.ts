/**
 * A plain reference model of the integer arithmetic instructions, written
 * from the instruction descriptions in the Intel SDM (volume 2). Slow and
 * obvious on purpose: BigInt for wide products, no lazy flags. Each function
 * returns the result and the EFLAGS that the SDM defines for that case; the
 * `defined` mask says which flag bits are architecturally defined (the others
 * are undefined and must not be compared).
 */

export const CF = 0x001
export const PF = 0x004
export const AF = 0x010
export const ZF = 0x040
export const SF = 0x080
export const OF = 0x800
export const ARITH = CF | PF | AF | ZF | SF | OF

export type Width = 8 | 16 | 32

export function mask(w: Width): number {
  return w === 32 ? 0xffffffff : (1 << w) - 1
}
export function signBit(w: Width): number {
  return w === 32 ? 0x80000000 : 1 << (w - 1)
}
/** Two's complement value of the low w bits. */
export function signed(v: number, w: Width): number {
  v = (v & mask(w)) >>> 0
  return v & signBit(w) ? v - 2 ** w : v
}

function parityEven(v: number): boolean {
  let b = v & 0xff
  let n = 0
  while (b) {
    n += b & 1
    b >>= 1
  }
  return n % 2 === 0
}

/** SF, ZF and PF of a result. */
export function szp(r: number, w: Width): number {
  r = (r & mask(w)) >>> 0
  let f = 0
  if (r === 0) f |= ZF
  if (r & signBit(w)) f |= SF
  if (parityEven(r)) f |= PF
  return f
}

export interface FlagResult {
  /** Destination value (low w bits). */
  result: number
  /** Expected EFLAGS (only the `defined` bits are meaningful). */
  flags: number
  /** Flag bits defined by the SDM for this case. */
  defined: number
  /** False when the instruction does not write its destination (CMP, TEST). */
  writes: boolean
}

export type AluOp = 'add' | 'adc' | 'sub' | 'sbb' | 'and' | 'or' | 'xor' | 'cmp' | 'test'

export function alu(op: AluOp, a: number, b: number, flagsIn: number, w: Width): FlagResult {
  const m = mask(w)
  const sb = signBit(w)
  a = (a & m) >>> 0
  b = (b & m) >>> 0
  const cin = flagsIn & CF ? 1 : 0
  switch (op) {
    case 'add':
    case 'adc': {
      const c = op === 'adc' ? cin : 0
      const full = a + b + c
      const r = (full & m) >>> 0
      let f = szp(r, w)
      if (full > m) f |= CF
      if ((a ^ r) & (b ^ r) & sb) f |= OF
      if ((a ^ b ^ r) & 0x10) f |= AF
      return {result: r, flags: f, defined: ARITH, writes: true}
    }
    case 'sub':
    case 'sbb':
    case 'cmp': {
      const c = op === 'sbb' ? cin : 0
      const r = ((a - b - c) & m) >>> 0
      let f = szp(r, w)
      if (a < b + c) f |= CF
      if ((a ^ b) & (a ^ r) & sb) f |= OF
      if ((a ^ b ^ r) & 0x10) f |= AF
      return {result: r, flags: f, defined: ARITH, writes: op !== 'cmp'}
    }
    case 'and':
    case 'or':
    case 'xor':
    case 'test': {
      const r = (op === 'or' ? a | b : op === 'xor' ? a ^ b : a & b) >>> 0
      // CF and OF cleared; AF undefined
      return {result: (r & m) >>> 0, flags: szp(r, w), defined: ARITH & ~AF, writes: op !== 'test'}
    }
  }
}

export type UnaryOp = 'inc' | 'dec' | 'neg' | 'not'

export function unary(op: UnaryOp, a: number, flagsIn: number, w: Width): FlagResult {
  const m = mask(w)
  const sb = signBit(w)
  a = (a & m) >>> 0
  switch (op) {
    case 'inc': {
      const r = ((a + 1) & m) >>> 0
      let f = szp(r, w) | (flagsIn & CF) // CF is not affected
      if (r === sb) f |= OF
      if ((a ^ 1 ^ r) & 0x10) f |= AF
      return {result: r, flags: f, defined: ARITH, writes: true}
    }
    case 'dec': {
      const r = ((a - 1) & m) >>> 0
      let f = szp(r, w) | (flagsIn & CF)
      if (a === sb) f |= OF
      if ((a ^ 1 ^ r) & 0x10) f |= AF
      return {result: r, flags: f, defined: ARITH, writes: true}
    }
    case 'neg': {
      const r = ((0 - a) & m) >>> 0
      let f = szp(r, w)
      if (a !== 0) f |= CF
      if (a === sb) f |= OF
      if ((a ^ r) & 0x10) f |= AF
      return {result: r, flags: f, defined: ARITH, writes: true}
    }
    case 'not':
      // no flags affected: all are defined as unchanged
      return {result: (~a & m) >>> 0, flags: flagsIn, defined: ARITH, writes: true}
  }
}

export type ShiftOp = 'rol' | 'ror' | 'rcl' | 'rcr' | 'shl' | 'shr' | 'sar'

/** Shifts and rotates by a count (as in CL); the count is masked to 5 bits. */
export function shift(op: ShiftOp, a: number, countIn: number, flagsIn: number, w: Width): FlagResult {
  const m = mask(w)
  const sb = signBit(w)
  a = (a & m) >>> 0
  const count = countIn & 0x1f
  if (count === 0) return {result: a, flags: flagsIn, defined: ARITH, writes: true}
  const msb = (v: number): number => (v & sb ? 1 : 0)
  const cin = flagsIn & CF ? 1 : 0
  switch (op) {
    case 'shl':
    case 'shr':
    case 'sar': {
      let r: number
      let cf: number
      if (op === 'shl') {
        r = count >= w ? 0 : Number((BigInt(a) << BigInt(count)) & BigInt(m))
        cf = count > w ? 0 : (a >>> (w - count)) & 1
        if (count === w) cf = a & 1
      } else if (op === 'shr') {
        r = count >= w ? 0 : a >>> count
        cf = count > w ? 0 : count === w ? msb(a) : (a >>> (count - 1)) & 1
      } else {
        const s = signed(a, w)
        const k = Math.min(count, w - 1)
        r = ((s >> k) & m) >>> 0
        cf = count >= w ? msb(a) : (s >> (count - 1)) & 1
      }
      let f = szp(r, w)
      if (cf) f |= CF
      let defined = SF | ZF | PF | CF
      // CF is undefined for SHL/SHR counts of at least the operand size
      if (op !== 'sar' && count >= w) defined &= ~CF
      if (count === 1) {
        defined |= OF
        if (op === 'shl' && (msb(r) ^ cf)) f |= OF
        if (op === 'shr' && msb(a)) f |= OF
        // SAR by 1: OF cleared
      }
      return {result: r, flags: f, defined, writes: true}
    }
    case 'rol':
    case 'ror': {
      const t = count % w
      const r = t === 0 ? a : op === 'rol'
        ? (((a << t) | (a >>> (w - t))) & m) >>> 0
        : (((a >>> t) | (a << (w - t))) & m) >>> 0
      const cf = op === 'rol' ? r & 1 : msb(r)
      let f = (flagsIn & (SF | ZF | AF | PF)) | (cf ? CF : 0)
      let defined = ARITH & ~OF
      if (count === 1) {
        defined = ARITH
        const of = op === 'rol' ? msb(r) ^ cf : msb(r) ^ ((r >>> (w - 2)) & 1)
        if (of) f |= OF
      }
      return {result: r, flags: f, defined, writes: true}
    }
    case 'rcl':
    case 'rcr': {
      const t = count % (w + 1)
      // rotate the (w+1)-bit value CF:a
      const big = (BigInt(cin) << BigInt(w)) | BigInt(a)
      const W = BigInt(w + 1)
      const full = (1n << W) - 1n
      const T = BigInt(t)
      const rot = t === 0 ? big : op === 'rcl'
        ? ((big << T) | (big >> (W - T))) & full
        : ((big >> T) | (big << (W - T))) & full
      const r = Number(rot & BigInt(m))
      const cf = Number(rot >> BigInt(w)) & 1
      let f = (flagsIn & (SF | ZF | AF | PF)) | (cf ? CF : 0)
      let defined = ARITH & ~OF
      if (count === 1) {
        defined = ARITH
        // RCL: OF = MSB(result) XOR CF(after); RCR: OF = MSB(dest) XOR CF, both before the rotation
        const of = op === 'rcl' ? msb(r) ^ cf : msb(a) ^ cin
        if (of) f |= OF
      }
      return {result: r, flags: f, defined, writes: true}
    }
  }
}

export interface MulResult {
  /** Low half (AL/AX/EAX part) and high half (AH/DX/EDX part) for one-operand forms. */
  lo: number
  hi: number
  /** CF and OF (set together); the other flags are undefined. */
  flags: number
  defined: number
}

/** MUL / IMUL with one operand: acc * src at width w. */
export function mul1(signedMul: boolean, acc: number, src: number, w: Width): MulResult {
  const m = BigInt(mask(w))
  const W = BigInt(w)
  const x = signedMul ? BigInt(signed(acc, w)) : BigInt((acc & mask(w)) >>> 0)
  const y = signedMul ? BigInt(signed(src, w)) : BigInt((src & mask(w)) >>> 0)
  const p = x * y
  const pu = p & ((1n << (2n * W)) - 1n)
  const lo = Number(pu & m)
  const hi = Number((pu >> W) & m)
  const overflow = signedMul ? BigInt(signed(lo, w)) !== p : hi !== 0
  return {lo, hi, flags: overflow ? CF | OF : 0, defined: CF | OF}
}

/** IMUL with two or three operands: the truncated product; CF=OF when it does not fit. */
export function imulTrunc(a: number, b: number, w: Width): {result: number; flags: number; defined: number} {
  const p = BigInt(signed(a, w)) * BigInt(signed(b, w))
  const r = Number(p & BigInt(mask(w)))
  const overflow = BigInt(signed(r, w)) !== p
  return {result: r, flags: overflow ? CF | OF : 0, defined: CF | OF}
}

export type DivResult = {fault: 'DE'} | {fault: null; quotient: number; remainder: number}

/** DIV / IDIV of the double-width dividend hi:lo by src at width w. */
export function div(signedDiv: boolean, hi: number, lo: number, src: number, w: Width): DivResult {
  const W = BigInt(w)
  const m = BigInt(mask(w))
  const dividendU = ((BigInt(hi >>> 0) & m) << W) | (BigInt(lo >>> 0) & m)
  const divisorU = BigInt(src >>> 0) & m
  if (divisorU === 0n) return {fault: 'DE'}
  if (!signedDiv) {
    const q = dividendU / divisorU
    if (q > m) return {fault: 'DE'}
    return {fault: null, quotient: Number(q), remainder: Number(dividendU % divisorU)}
  }
  const dividend = dividendU >= 1n << (2n * W - 1n) ? dividendU - (1n << (2n * W)) : dividendU
  const divisor = divisorU >= 1n << (W - 1n) ? divisorU - (1n << W) : divisorU
  const q = dividend / divisor // BigInt division truncates toward zero
  const r = dividend % divisor // and the remainder takes the dividend's sign
  if (q > (1n << (W - 1n)) - 1n || q < -(1n << (W - 1n))) return {fault: 'DE'}
  return {fault: null, quotient: Number(q & m), remainder: Number(r & m)}
}

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

export type DoubleShiftOp = 'shld' | 'shrd'

/**
 * SHLD/SHRD dest, src, count at 16 or 32 bits. Returns null when the SDM
 * leaves the result undefined (masked count above the operand size).
 */
export function doubleShift(op: DoubleShiftOp, dest: number, src: number, countIn: number, flagsIn: number, w: 16 | 32): FlagResult | null {
  const m = BigInt(mask(w))
  const W = BigInt(w)
  const d = BigInt((dest & mask(w)) >>> 0)
  const s = BigInt((src & mask(w)) >>> 0)
  const count = countIn & 0x1f
  if (count === 0) return {result: Number(d), flags: flagsIn, defined: ARITH, writes: true}
  if (count > w) return null
  const c = BigInt(count)
  let r: bigint
  let cf: number
  if (op === 'shld') {
    r = ((d << c) | (s >> (W - c))) & m
    cf = Number((d >> (W - c)) & 1n)
  } else {
    r = ((d >> c) | (s << (W - c))) & m
    cf = Number((d >> (c - 1n)) & 1n)
  }
  const result = Number(r)
  let f = szp(result, w) | (cf ? CF : 0)
  let defined = CF | SF | ZF | PF
  if (count === 1) {
    defined |= OF
    if ((result ^ Number(d)) & signBit(w)) f |= OF
  }
  return {result, flags: f, defined, writes: true}
}

export type BitTestOp = 'bt' | 'bts' | 'btr' | 'btc'

/** BT/BTS/BTR/BTC with a register bit base: the offset is taken modulo the operand size. */
export function bitTest(op: BitTestOp, base: number, offset: number, flagsIn: number, w: 16 | 32): FlagResult {
  const bit = offset & (w - 1)
  const b = (base & mask(w)) >>> 0
  const set = (b >>> bit) & 1
  let r = b
  if (op === 'bts') r = (b | (1 << bit)) >>> 0
  else if (op === 'btr') r = (b & ~(1 << bit)) >>> 0
  else if (op === 'btc') r = (b ^ (1 << bit)) >>> 0
  // CF is the bit; ZF is unaffected; OF SF AF PF are undefined
  return {result: (r & mask(w)) >>> 0, flags: (flagsIn & ZF) | (set ? CF : 0), defined: CF | ZF, writes: op !== 'bt'}
}

/** BSF/BSR: ZF, and the index of the lowest/highest set bit when the source is not zero. */
export function bitScan(reverse: boolean, src: number, w: 16 | 32): {zero: boolean; index: number; flags: number; defined: number} {
  const v = (src & mask(w)) >>> 0
  if (v === 0) return {zero: true, index: 0, flags: ZF, defined: ZF}
  let index = 0
  if (reverse) index = 31 - Math.clz32(v)
  else while (!((v >>> index) & 1)) index++
  return {zero: false, index, flags: 0, defined: ZF}
}

export type BcdOp = 'daa' | 'das' | 'aaa' | 'aas'

/** DAA/DAS (on AL) and AAA/AAS (on AX): the new AX and the defined flags. */
export function bcd(op: BcdOp, ax: number, flagsIn: number): {ax: number; flags: number; defined: number} {
  let al = ax & 0xff
  let ah = (ax >>> 8) & 0xff
  const af = (flagsIn & AF) !== 0
  const cf = (flagsIn & CF) !== 0
  if (op === 'daa' || op === 'das') {
    const oldAl = al
    let newCf = false
    let newAf = false
    if ((al & 0x0f) > 9 || af) {
      if (op === 'daa') {
        newCf = cf || al + 6 > 0xff
        al = (al + 6) & 0xff
      } else {
        newCf = cf || al < 6
        al = (al - 6) & 0xff
      }
      newAf = true
    }
    if (oldAl > 0x99 || cf) {
      al = op === 'daa' ? (al + 0x60) & 0xff : (al - 0x60) & 0xff
      newCf = true
    } else if (op === 'daa') {
      newCf = false
    }
    const f = szp(al, 8) | (newCf ? CF : 0) | (newAf ? AF : 0)
    return {ax: (ah << 8) | al, flags: f, defined: CF | AF | SF | ZF | PF}
  }
  let adjust = false
  if ((al & 0x0f) > 9 || af) {
    adjust = true
    if (op === 'aaa') {
      const v = ((ah << 8) | al) + 0x106
      ah = (v >>> 8) & 0xff
      al = v & 0xff
    } else {
      const v = (((ah << 8) | al) - 6) & 0xffff
      ah = ((v >>> 8) - 1) & 0xff
      al = v & 0xff
    }
  }
  al &= 0x0f
  return {ax: (ah << 8) | al, flags: adjust ? CF | AF : 0, defined: CF | AF}
}

/** AAM imm8 (null: #DE for a zero base) and AAD imm8. */
export function aam(ax: number, base: number): {ax: number; flags: number; defined: number} | null {
  if ((base & 0xff) === 0) return null
  const al = ax & 0xff
  const q = Math.floor(al / (base & 0xff))
  const r = al % (base & 0xff)
  return {ax: (q << 8) | r, flags: szp(r, 8), defined: SF | ZF | PF}
}

export function aad(ax: number, base: number): {ax: number; flags: number; defined: number} {
  const al = ((ax & 0xff) + ((ax >>> 8) & 0xff) * (base & 0xff)) & 0xff
  return {ax: al, flags: szp(al, 8), defined: SF | ZF | PF}
}

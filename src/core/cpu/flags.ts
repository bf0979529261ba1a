/**
 * Lazy arithmetic flags. Most instructions that set flags have them overwritten by
 * the next one before anything reads them, so an operation only records its
 * operands, result and width, and the six status flags are computed on demand.
 * `cpu.lazyMask` lists the flags that are pending; every other bit lives in
 * `cpu.flags`.
 */
import {AF, ARITH_FLAGS, CF, EFLAGS_FIXED, OF, PF, SF, SIGN_BIT, WIDTH_MASK, ZF} from './constants.js'
import type {CpuCore} from './state.js'

/** PARITY[b] is PF for a result whose low byte is b (set when the count of 1 bits is even). */
export const PARITY = new Uint8Array(256)
for (let b = 0; b < 256; b++) {
  let bits = 0
  for (let i = 0; i < 8; i++) bits += (b >> i) & 1
  PARITY[b] = bits & 1 ? 0 : 1
}

/** Results of ADD/ADC/INC (SUB-like when `sub`): all six flags pending, or those in `mask`. */
export function setLazyArith(cpu: CpuCore, a: number, b: number, result: number, size: number, sub: boolean, mask: number): void {
  cpu.lazyA = a
  cpu.lazyB = b
  cpu.lazyResult = result & WIDTH_MASK[size]!
  cpu.lazySize = size
  cpu.lazySub = sub
  cpu.flags &= ~mask
  cpu.lazyMask = mask
}

/**
 * Results whose CF, OF and AF are known now (`eagerFlags` holds them): only ZF,
 * SF and PF are left to compute from the result.
 */
export function setLazyResult(cpu: CpuCore, result: number, size: number, eagerFlags: number): void {
  cpu.lazyResult = result & WIDTH_MASK[size]!
  cpu.lazySize = size
  cpu.flags = (cpu.flags & ~ARITH_FLAGS) | eagerFlags
  cpu.lazyMask = ZF | SF | PF
}

export function getCF(cpu: CpuCore): boolean {
  if ((cpu.lazyMask & CF) === 0) return (cpu.flags & CF) !== 0
  const m = WIDTH_MASK[cpu.lazySize]!
  if (cpu.lazySub) return ((cpu.lazyA & m) >>> 0) < ((cpu.lazyB & m) >>> 0)
  return (cpu.lazyResult >>> 0) < ((cpu.lazyA & m) >>> 0)
}

export function getZF(cpu: CpuCore): boolean {
  if ((cpu.lazyMask & ZF) === 0) return (cpu.flags & ZF) !== 0
  return cpu.lazyResult === 0
}

export function getSF(cpu: CpuCore): boolean {
  if ((cpu.lazyMask & SF) === 0) return (cpu.flags & SF) !== 0
  return (cpu.lazyResult & SIGN_BIT[cpu.lazySize]!) !== 0
}

export function getPF(cpu: CpuCore): boolean {
  if ((cpu.lazyMask & PF) === 0) return (cpu.flags & PF) !== 0
  return PARITY[cpu.lazyResult & 0xff] === 1
}

export function getAF(cpu: CpuCore): boolean {
  if ((cpu.lazyMask & AF) === 0) return (cpu.flags & AF) !== 0
  return ((cpu.lazyA ^ cpu.lazyB ^ cpu.lazyResult) & 0x10) !== 0
}

export function getOF(cpu: CpuCore): boolean {
  if ((cpu.lazyMask & OF) === 0) return (cpu.flags & OF) !== 0
  const sign = SIGN_BIT[cpu.lazySize]!
  const a = cpu.lazyA
  const b = cpu.lazyB
  const r = cpu.lazyResult
  if (cpu.lazySub) return ((a ^ b) & (a ^ r) & sign) !== 0
  return ((a ^ r) & (b ^ r) & sign) !== 0
}

/** Compute the pending flags into `cpu.flags`; afterwards nothing is lazy. */
export function materializeFlags(cpu: CpuCore): number {
  const mask = cpu.lazyMask
  if (mask !== 0) {
    let f = cpu.flags & ~mask
    if (mask & CF && getCF(cpu)) f |= CF
    if (mask & PF && getPF(cpu)) f |= PF
    if (mask & AF && getAF(cpu)) f |= AF
    if (mask & ZF && getZF(cpu)) f |= ZF
    if (mask & SF && getSF(cpu)) f |= SF
    if (mask & OF && getOF(cpu)) f |= OF
    cpu.lazyMask = 0
    cpu.flags = f
  }
  return cpu.flags
}

/** Overwrite the arithmetic flags selected by `mask` with the bits of `value`. */
export function setArithFlags(cpu: CpuCore, value: number, mask: number): void {
  materializeFlags(cpu)
  cpu.flags = (cpu.flags & ~mask) | (value & mask & ARITH_FLAGS) | EFLAGS_FIXED
}

export function setCF(cpu: CpuCore, on: boolean): void {
  materializeFlags(cpu)
  cpu.flags = on ? cpu.flags | CF : cpu.flags & ~CF
}

/**
 * Evaluate condition code `cc` (the low nibble of Jcc/SETcc opcodes):
 * O, NO, B, AE, E, NE, BE, A, S, NS, P, NP, L, GE, LE, G.
 */
export function testCondition(cpu: CpuCore, cc: number): boolean {
  let r: boolean
  switch (cc >> 1) {
    case 0: r = getOF(cpu); break
    case 1: r = getCF(cpu); break
    case 2: r = getZF(cpu); break
    case 3: r = getCF(cpu) || getZF(cpu); break
    case 4: r = getSF(cpu); break
    case 5: r = getPF(cpu); break
    case 6: r = getSF(cpu) !== getOF(cpu); break
    default: r = getZF(cpu) || getSF(cpu) !== getOF(cpu); break
  }
  return (cc & 1) === 0 ? r : !r
}

/**
 * Short sequences of flag-producing and flag-consuming instructions run in
 * one go, so that flags computed lazily by one instruction are consumed by
 * the next (ADC/SBB, INC/DEC keeping CF, rotates keeping SF/ZF/PF, SETcc,
 * CMP followed by anything). Every instruction here defines CF, OF, SF, ZF
 * and PF or passes them through; AF is tracked and compared only while known.
 */
import {describe, it} from 'vitest'
import fc from 'fast-check'
import {SingleStepper, CODE_ADDRESS, REG_ORDER, type RegisterFile} from './harness.js'
import {alu, shift, unary, ARITH, AF, CF, OF, PF, SF, ZF, type AluOp, type ShiftOp, type UnaryOp, type Width} from './model.js'
import {edgeOrAny, NUM_RUNS} from './arbitraries.js'
import {compare, part, withPart} from './check.js'

const cpu = new SingleStepper()
const USABLE = [0, 1, 2, 3, 6, 7] // EAX ECX EDX EBX ESI EDI

type Insn =
  | {kind: 'alu'; op: AluOp; w: Width; dst: number; src: number}
  | {kind: 'unary'; op: UnaryOp; w: Width; dst: number}
  | {kind: 'shift1'; op: ShiftOp; w: Width; dst: number}
  | {kind: 'setcc'; cc: number; dst: number}

const ALU_BASE: Record<AluOp, number> = {add: 0x00, or: 0x08, adc: 0x10, sbb: 0x18, and: 0x20, sub: 0x28, xor: 0x30, cmp: 0x38, test: 0x84}
const UNARY_EXT: Record<UnaryOp, number> = {inc: 0, dec: 1, not: 2, neg: 3}
const SHIFT_EXT: Record<ShiftOp, number> = {rol: 0, ror: 1, rcl: 2, rcr: 3, shl: 4, shr: 5, sar: 7}

const widthArb = fc.constantFrom(8 as const, 16 as const, 32 as const)
const regFor = (w: Width): fc.Arbitrary<number> => (w === 8 ? fc.integer({min: 0, max: 3}) : fc.constantFrom(...USABLE))

const insnArb: fc.Arbitrary<Insn> = fc.oneof(
  {weight: 4, arbitrary: widthArb.chain((w) => fc.record({
    kind: fc.constant('alu' as const), op: fc.constantFrom<AluOp>('add', 'adc', 'sub', 'sbb', 'and', 'or', 'xor', 'cmp', 'test'),
    w: fc.constant(w), dst: regFor(w), src: regFor(w),
  }))},
  {weight: 2, arbitrary: widthArb.chain((w) => fc.record({
    kind: fc.constant('unary' as const), op: fc.constantFrom<UnaryOp>('inc', 'dec', 'neg', 'not'), w: fc.constant(w), dst: regFor(w),
  }))},
  {weight: 2, arbitrary: widthArb.chain((w) => fc.record({
    kind: fc.constant('shift1' as const), op: fc.constantFrom<ShiftOp>('shl', 'shr', 'sar', 'rol', 'ror', 'rcl', 'rcr'), w: fc.constant(w), dst: regFor(w),
  }))},
  {weight: 1, arbitrary: fc.record({kind: fc.constant('setcc' as const), cc: fc.integer({min: 0, max: 15}), dst: fc.integer({min: 0, max: 3})})},
)

function encode(i: Insn): number[] {
  const p = 'w' in i && i.w === 16 ? [0x66] : []
  switch (i.kind) {
    case 'alu': return [...p, ALU_BASE[i.op] + (i.w === 8 ? 0 : 1), 0xc0 | (i.src << 3) | i.dst]
    case 'unary': return [...p, i.w === 8 ? (i.op === 'inc' || i.op === 'dec' ? 0xfe : 0xf6) : (i.op === 'inc' || i.op === 'dec' ? 0xff : 0xf7), 0xc0 | (UNARY_EXT[i.op] << 3) | i.dst]
    case 'shift1': return [...p, i.w === 8 ? 0xd0 : 0xd1, 0xc0 | (SHIFT_EXT[i.op] << 3) | i.dst]
    case 'setcc': return [0x0f, 0x90 + i.cc, 0xc0 | i.dst]
  }
}

function condition(cc: number, f: number): boolean {
  const cf = !!(f & CF), zf = !!(f & ZF), sf = !!(f & SF), of = !!(f & OF), pf = !!(f & PF)
  const base = [of, cf, zf, cf || zf, sf, pf, sf !== of, zf || sf !== of][cc >> 1]!
  return cc & 1 ? !base : base
}

const NAMES = REG_ORDER

describe('instruction sequences sharing flags', () => {
  it('2 to 6 instructions: registers and flags at the end', () => {
    fc.assert(
      fc.property(fc.array(insnArb, {minLength: 2, maxLength: 6}), fc.array(edgeOrAny, {minLength: 8, maxLength: 8}), fc.integer({min: 0, max: 63}),
        (insns, values, flagBits) => {
          const regs: RegisterFile = {eax: values[0]!, ecx: values[1]!, edx: values[2]!, ebx: values[3]!, esp: 0x8000, ebp: values[5]!, esi: values[6]!, edi: values[7]!}
          let flags = 0x2
          ;[CF, PF, AF, ZF, SF, OF].forEach((bit, k) => {
            if (flagBits & (1 << k)) flags |= bit
          })
          const flagsIn = flags
          const model = {...regs}
          let afKnown = true
          const bytes: number[] = []
          for (const i of insns) {
            bytes.push(...encode(i))
            const get = (r: number, w: Width): number => part(model[NAMES[r]!], w, w === 8 && r >= 4)
            const put = (r: number, w: Width, v: number): void => {
              model[NAMES[r]!] = withPart(model[NAMES[r]!], v, w)
            }
            if (i.kind === 'alu') {
              const r = alu(i.op, get(i.dst, i.w), get(i.src, i.w), flags, i.w)
              if (r.writes) put(i.dst, i.w, r.result)
              flags = (flags & ~ARITH) | (r.flags & ARITH)
              afKnown = (r.defined & AF) !== 0
            } else if (i.kind === 'unary') {
              const r = unary(i.op, get(i.dst, i.w), flags, i.w)
              put(i.dst, i.w, r.result)
              flags = (flags & ~ARITH) | (r.flags & ARITH)
              if (i.op !== 'not') afKnown = true
            } else if (i.kind === 'shift1') {
              const r = shift(i.op, get(i.dst, i.w), 1, flags, i.w)
              put(i.dst, i.w, r.result)
              flags = (flags & ~ARITH) | (r.flags & ARITH)
              // AF is undefined after a shift and left alone by a rotate
              if (i.op === 'shl' || i.op === 'shr' || i.op === 'sar') afKnown = false
            } else {
              put(i.dst, 8, condition(i.cc, flags) ? 1 : 0)
            }
          }
          const got = cpu.step(bytes, regs, flagsIn, insns.length)
          compare(`sequence of ${insns.length}`, bytes, regs, flagsIn, got, {
            regs: model, flags, defined: afKnown ? ARITH : ARITH & ~AF, exception: null, eip: CODE_ADDRESS + bytes.length,
          })
        }),
      {numRuns: NUM_RUNS * 3},
    )
  })
})

/**
 * SHLD/SHRD, BT/BTS/BTR/BTC and BSF/BSR against the reference model, at 16
 * and 32 bits, register forms and the immediate forms. Results the SDM leaves
 * undefined (SHLD/SHRD counts above 16 at 16 bits, the BSF/BSR destination
 * for a zero source) and undefined flags are not compared.
 */
import {describe, it} from 'vitest'
import fc from 'fast-check'
import {SingleStepper, CODE_ADDRESS} from './harness.js'
import {bitScan, bitTest, doubleShift, type BitTestOp, type DoubleShiftOp} from './model.js'
import {arithFlags, edgeOrAny, NUM_RUNS, shiftCount} from './arbitraries.js'
import {compare, part, withPart} from './check.js'

const cpu = new SingleStepper()
const w1632 = fc.constantFrom(16 as const, 32 as const)
const base = {ecx: 0, edx: 0x44444444, esp: 0x8000, ebp: 0x11111111, esi: 0x22222222, edi: 0x33333333}

describe('double-precision shifts (destination EAX, source EBX)', () => {
  for (const op of ['shld', 'shrd'] as DoubleShiftOp[]) {
    it(`${op} by CL and by imm8`, () => {
      fc.assert(
        fc.property(w1632, edgeOrAny, edgeOrAny, shiftCount, arithFlags, fc.boolean(), (w, a, b, count, flagsIn, byCl) => {
          const opcode = (op === 'shld' ? 0xa4 : 0xac) + (byCl ? 1 : 0)
          const bytes = [...(w === 16 ? [0x66] : []), 0x0f, opcode, 0xd8, ...(byCl ? [] : [count & 0xff])]
          const input = {...base, eax: a, ebx: b, ecx: (0xabcdef00 | (count & 0xff)) >>> 0}
          const r = doubleShift(op, part(a, w), part(b, w), count, flagsIn, w)
          const got = cpu.step(bytes, input, flagsIn)
          if (r === null) {
            // result and flags undefined: only the other registers are checked
            compare(`${op}${w} count ${count & 31}`, bytes, input, flagsIn, got, {
              regs: {...input, eax: got.regs.eax}, flags: 0, defined: 0, exception: null, eip: CODE_ADDRESS + bytes.length,
            })
            return
          }
          compare(`${op}${w} count ${count & 31}`, bytes, input, flagsIn, got, {
            regs: {...input, eax: withPart(a, r.result, w)}, flags: r.flags, defined: r.defined, exception: null, eip: CODE_ADDRESS + bytes.length,
          })
        }),
        {numRuns: NUM_RUNS},
      )
    })
  }
})

describe('bit test instructions (base EAX, offset EBX or imm8)', () => {
  const REG_OPCODE: Record<BitTestOp, number> = {bt: 0xa3, bts: 0xab, btr: 0xb3, btc: 0xbb}
  const IMM_EXT: Record<BitTestOp, number> = {bt: 4, bts: 5, btr: 6, btc: 7}
  for (const op of ['bt', 'bts', 'btr', 'btc'] as BitTestOp[]) {
    it(op, () => {
      fc.assert(
        fc.property(w1632, edgeOrAny, edgeOrAny, arithFlags, fc.boolean(), (w, a, offset, flagsIn, byReg) => {
          const bytes = byReg
            ? [...(w === 16 ? [0x66] : []), 0x0f, REG_OPCODE[op], 0xd8]
            : [...(w === 16 ? [0x66] : []), 0x0f, 0xba, 0xc0 | (IMM_EXT[op] << 3), offset & 0xff]
          const input = {...base, eax: a, ebx: offset}
          const r = bitTest(op, part(a, w), byReg ? offset : offset & 0xff, flagsIn, w)
          const got = cpu.step(bytes, input, flagsIn)
          compare(`${op}${w} ${byReg ? 'reg' : 'imm'}`, bytes, input, flagsIn, got, {
            regs: {...input, eax: r.writes ? withPart(a, r.result, w) : a}, flags: r.flags, defined: r.defined, exception: null, eip: CODE_ADDRESS + bytes.length,
          })
        }),
        {numRuns: NUM_RUNS},
      )
    })
  }
})

describe('bit scans (destination EAX, source EBX)', () => {
  for (const reverse of [false, true]) {
    const name = reverse ? 'bsr' : 'bsf'
    it(name, () => {
      const src = fc.oneof(edgeOrAny, fc.integer({min: 0, max: 31}).map((k) => (1 << k) >>> 0), fc.constant(0))
      fc.assert(
        fc.property(w1632, edgeOrAny, src, arithFlags, (w, a, b, flagsIn) => {
          const bytes = [...(w === 16 ? [0x66] : []), 0x0f, reverse ? 0xbd : 0xbc, 0xc3]
          const input = {...base, eax: a, ebx: b}
          const r = bitScan(reverse, part(b, w), w)
          const got = cpu.step(bytes, input, flagsIn)
          compare(`${name}${w}`, bytes, input, flagsIn, got, {
            // a zero source leaves the destination undefined
            regs: {...input, eax: r.zero ? got.regs.eax : withPart(a, r.index, w)},
            flags: r.flags, defined: r.defined, exception: null, eip: CODE_ADDRESS + bytes.length,
          })
        }),
        {numRuns: NUM_RUNS},
      )
    })
  }
})

/**
 * Decimal adjustment against the reference model: DAA, DAS, AAA, AAS over
 * random AX and input flags, AAM and AAD with random bases (AAM 0 is #DE).
 * Only the flags the SDM defines for each are compared.
 */
import {describe, it} from 'vitest'
import fc from 'fast-check'
import {SingleStepper, CODE_ADDRESS, VECTOR_DE} from './harness.js'
import {aad, aam, bcd, type BcdOp} from './model.js'
import {arithFlags, edgeOrAny, NUM_RUNS} from './arbitraries.js'
import {compare, withPart} from './check.js'

const cpu = new SingleStepper()
const OPCODE: Record<BcdOp, number> = {daa: 0x27, das: 0x2f, aaa: 0x37, aas: 0x3f}
const base = {ebx: 0x5555aaaa, ecx: 0x12345678, edx: 0x44444444, esp: 0x8000, ebp: 0x11111111, esi: 0x22222222, edi: 0x33333333}

describe('decimal adjust', () => {
  for (const op of ['daa', 'das', 'aaa', 'aas'] as BcdOp[]) {
    it(op, () => {
      fc.assert(
        fc.property(edgeOrAny, fc.integer({min: 0, max: 0xffff}), arithFlags, (high, ax, flagsIn) => {
          const eax = ((high & 0xffff0000) | ax) >>> 0
          const bytes = [OPCODE[op]]
          const input = {...base, eax}
          const r = bcd(op, ax, flagsIn)
          const got = cpu.step(bytes, input, flagsIn)
          compare(op, bytes, input, flagsIn, got, {
            regs: {...input, eax: withPart(eax, r.ax, 16)}, flags: r.flags, defined: r.defined, exception: null, eip: CODE_ADDRESS + 1,
          })
        }),
        {numRuns: NUM_RUNS},
      )
    })
  }

  it('aam and aad with any base', () => {
    fc.assert(
      fc.property(edgeOrAny, fc.integer({min: 0, max: 0xffff}), fc.oneof(fc.constantFrom(0, 1, 10, 16, 255), fc.integer({min: 0, max: 255})), arithFlags, fc.boolean(),
        (high, ax, imm, flagsIn, isAam) => {
          const eax = ((high & 0xffff0000) | ax) >>> 0
          const bytes = [isAam ? 0xd4 : 0xd5, imm]
          const input = {...base, eax}
          const got = cpu.step(bytes, input, flagsIn)
          const r = isAam ? aam(ax, imm) : aad(ax, imm)
          if (r === null) {
            compare('aam 0', bytes, input, flagsIn, got, {regs: input, flags: 0, defined: 0, exception: VECTOR_DE, eip: CODE_ADDRESS})
            return
          }
          compare(isAam ? `aam ${imm}` : `aad ${imm}`, bytes, input, flagsIn, got, {
            regs: {...input, eax: withPart(eax, r.ax, 16)}, flags: r.flags, defined: r.defined, exception: null, eip: CODE_ADDRESS + 2,
          })
        }),
      {numRuns: NUM_RUNS},
    )
  })
})

/**
 * Shifts and rotates against the reference model: SHL SHR SAR ROL ROR RCL RCR
 * by CL (counts 0, 1, around the width, above 31), by an immediate and by 1,
 * at 8, 16 and 32 bits. Only flags defined for the masked count are compared.
 */
import {describe, it} from 'vitest'
import fc from 'fast-check'
import {SingleStepper, CODE_ADDRESS} from './harness.js'
import {shift, type ShiftOp, type Width} from './model.js'
import {arithFlags, edgeOrAny, NUM_RUNS, shiftCount, width} from './arbitraries.js'
import {compare, part, withPart} from './check.js'

const EXT: Record<ShiftOp, number> = {rol: 0, ror: 1, rcl: 2, rcr: 3, shl: 4, shr: 5, sar: 7}

const cpu = new SingleStepper()

type Form = 'cl' | 'imm' | 'one'

describe('shifts and rotates of EAX/AX/AL', () => {
  for (const op of Object.keys(EXT) as ShiftOp[]) {
    it(`${op} by CL, by imm8 and by 1`, () => {
      fc.assert(
        fc.property(width, edgeOrAny, shiftCount, edgeOrAny, arithFlags, fc.constantFrom<Form>('cl', 'cl', 'imm', 'one'),
          (w: Width, a, count, cHigh, flagsIn, form) => {
            const modrm = 0xc0 | (EXT[op] << 3) // r/m = EAX
            const prefix = w === 16 ? [0x66] : []
            let bytes: number[]
            let effectiveCount = count
            if (form === 'cl') bytes = [...prefix, w === 8 ? 0xd2 : 0xd3, modrm]
            else if (form === 'imm') bytes = [...prefix, w === 8 ? 0xc0 : 0xc1, modrm, count & 0xff]
            else {
              bytes = [...prefix, w === 8 ? 0xd0 : 0xd1, modrm]
              effectiveCount = 1
            }
            const ecx = ((cHigh & ~0xff) | (count & 0xff)) >>> 0
            const input = {eax: a, ebx: 0x01234567, ecx, edx: 0x89abcdef, esp: 0x8000, ebp: 0, esi: 0, edi: 0}
            const r = shift(op, part(a, w), effectiveCount, flagsIn, w)
            const got = cpu.step(bytes, input, flagsIn)
            compare(`${op}${w} (${form}, count ${effectiveCount & 0xff})`, bytes, input, flagsIn, got, {
              regs: {...input, eax: withPart(a, r.result, w)},
              flags: r.flags, defined: r.defined, exception: null, eip: CODE_ADDRESS + bytes.length,
            })
          }),
        {numRuns: NUM_RUNS},
      )
    })
  }
})

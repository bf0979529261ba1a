/**
 * CPUID reports what the processor implements and nothing more, and each
 * advertised feature is there: the signature of a Pentium Pro (family 6,
 * model 1), the x87 (fpu), debugging extensions (de: CR4.DE makes DR4/DR5
 * #UD), pse, tsc, msr, cx8 and cmov (with the FPU: FCMOVcc and FCOMI).
 */
import {describe, expect, it} from 'vitest'
import {nativeCpuid} from '../../../src/core/cpu/cpuid.js'
import {ExitReason, flatMachine} from './machine.js'

const bit = (n: number): number => (1 << n) >>> 0

describe('CPUID', () => {
  it('leaf 1: family 6 model 1, EDX = fpu de pse tsc msr cx8 cmov only', () => {
    const [eax, ebx, ecx, edx] = nativeCpuid(1, 0)
    expect({family: (eax >> 8) & 15, model: (eax >> 4) & 15}).toEqual({family: 6, model: 1})
    expect(ebx).toBe(0)
    expect(ecx).toBe(0)
    expect(edx >>> 0).toBe((bit(0) | bit(2) | bit(3) | bit(4) | bit(5) | bit(8) | bit(15)) >>> 0)
  })

  it('the reset EDX carries the same signature', () => {
    const {cpu} = flatMachine([0xf4])
    cpu.reset()
    expect(cpu.getReg(2)).toBe(nativeCpuid(1, 0)[0])
  })

  it('de: with CR4.DE, MOV from DR4 is #UD; without, it reads DR6', () => {
    const code = [0x0f, 0x21, 0xe0, 0xf4] // mov eax, dr4; hlt
    const plain = flatMachine(code, {exceptionBitmap: 1 << 6})
    expect(plain.cpu.run(10).reason).toBe(ExitReason.Hlt)
    const strict = flatMachine(code, {exceptionBitmap: 1 << 6})
    strict.cpu.setCr(4, strict.cpu.getCr(4) | 8)
    const exit = strict.cpu.run(10)
    expect([exit.reason, exit.vector]).toEqual([ExitReason.Exception, 6])
  })

  it('fpu with cmov: FCOMI and FCMOV execute', () => {
    // fninit; fld1; fldz; fcomi st0, st1 (0 < 1: CF=1); fcmovb st0, st1; hlt
    const {cpu} = flatMachine([0xdb, 0xe3, 0xd9, 0xe8, 0xd9, 0xee, 0xdb, 0xf1, 0xda, 0xc1, 0xf4])
    cpu.setCr(0, cpu.getCr(0) | 0x22)
    expect(cpu.run(10).reason).toBe(ExitReason.Hlt)
    expect(cpu.getEflags() & 1).toBe(1)
    expect(cpu.fpu.st(0)).toEqual(cpu.fpu.st(1))
  })
})

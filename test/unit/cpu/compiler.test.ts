/**
 * The block compiler must be invisible: random programs built from the
 * instructions it inlines (and some it does not) end in exactly the same state
 * compiled and interpreted, including flags, memory, faults and exits.
 */
import {describe, expect, it} from 'vitest'
import {ExitReason, flatMachine, le32, movImm, Reg, Seg} from './machine.js'

function prng(seed: number): () => number {
  let x = seed | 1
  return () => {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    return x >>> 0
  }
}

const FREE = [Reg.EAX, Reg.ECX, Reg.EDX, Reg.EBX, Reg.EDI]

/** One random instruction; ESI (data pointer), EBP (loop counter) and ESP are never written. */
function randomInstruction(rand: () => number): number[] {
  const r1 = FREE[rand() % FREE.length]!
  const r2 = FREE[rand() % FREE.length]!
  const op = [0, 1, 2, 3, 4, 5, 6, 7][rand() % 8]!
  const disp = (rand() % 32) * 4 + (rand() % 8 === 0 ? 1 : 0) // mostly aligned
  const imm = rand()
  const b1 = rand() % 8 // any byte register, AH..BH included
  const b2 = rand() % 8
  switch (rand() % 54) {
    case 22: return [0x38, 0xc0 | (b2 << 3) | b1]
    case 23: return [0x3a, 0x46 | (b1 << 3), disp]
    case 24: return [0x80, 0xf8 | b1, imm & 0xff]
    case 25: return [0x84, 0xc0 | (b2 << 3) | b1]
    case 26: return [0xf6, 0x46, disp, imm & 0xff]
    case 27: return [0x8a, 0xc0 | (b1 << 3) | b2]
    case 28: return [0x88, 0x46 | (b1 << 3), disp]
    case 29: return [0xc6, 0x46, disp, imm & 0xff]
    case 30: return [0x0f, 0xb6 + (rand() & 1), 0x46 | (r1 << 3), disp]
    case 31: return [0x3c, imm & 0xff, 0x70 + (rand() % 16), 2, 0x89, 0xc0 | (r2 << 3) | r1]
    case 0: return [op * 8 + 1, 0xc0 | (r2 << 3) | r1]
    case 1: return [op * 8 + 3, 0xc0 | (r1 << 3) | r2]
    case 2: return [op * 8 + 3, 0x46 | (r1 << 3), disp]
    case 3: return [op * 8 + 1, 0x46 | (r1 << 3), disp]
    case 4: return [0x83, 0xc0 | (op << 3) | r1, imm & 0xff]
    case 5: return [0x81, 0xc0 | (op << 3) | r1, ...le32(imm)]
    case 6: return [0x40 + r1 + (rand() & 8)]
    case 7: return [0x89, 0xc0 | (r2 << 3) | r1]
    case 8: return movImm(r1, imm)
    case 9: return [0x8b, 0x46 | (r1 << 3), disp]
    case 10: return [0x89, 0x46 | (r1 << 3), disp]
    case 11: return [0x8d, 0x44 | (r1 << 3), (2 << 6) | (r2 << 3) | r1, imm & 0xff]
    case 12: return [0xc1, 0xc0 | ([0, 1, 2, 3, 4, 5, 7][rand() % 7]! << 3) | r1, imm & 0x3f]
    case 13: return [0xd1, 0xc0 | ([0, 1, 4, 5, 7][rand() % 5]! << 3) | r1]
    case 14: return [0x85, 0xc0 | (r2 << 3) | r1]
    case 15: return [0x0f, 0x90 + (rand() % 16), 0xc0 | r1] // setcc r8
    case 16: return [0x70 + (rand() % 16), 2, 0x89, 0xc0 | (r2 << 3) | r1] // jcc over a mov
    case 17: return [0x50 + r1, 0x58 + r2]
    case 18: return [0x00 + (op << 3), 0xc0 | (r2 << 3) | r1] // 8-bit ALU (handler)
    case 19: return [0xf7, 0xc0 | (r1), ...le32(imm)] // test r, imm32
    case 20: return [0x0f, 0xaf, 0xc0 | (r1 << 3) | r2] // imul r, r/m
    case 32: return [0x0f, 0xaf, 0x46 | (r1 << 3), disp] // imul r, m
    case 33: return [0x6b, 0xc0 | (r1 << 3) | r2, imm & 0xff] // imul r, r/m, imm8
    case 34: return [0x69, 0x46 | (r1 << 3), disp, ...le32(imm)] // imul r, m, imm32
    case 35: return [0xf7, 0xe0 | r1] // mul r
    case 36: return [0xf7, 0x66, disp, 0x70 + (rand() % 16), 2, 0x89, 0xc0 | (r2 << 3) | r1] // mul m; jcc on its flags
    case 37: return [[0x11, 0x19][rand() % 2]!, 0xc0 | (r2 << 3) | r1] // adc/sbb r/m, r
    case 38: return [[0x13, 0x1b][rand() % 2]!, 0x46 | (r1 << 3), disp] // adc/sbb r, m
    case 39: return [0x83, 0xc0 | ((2 + (rand() % 2)) << 3) | r1, imm & 0xff, 0x70 + (rand() % 16), 2, 0x89, 0xc0 | (r2 << 3) | r1] // adc/sbb r, imm8; jcc
    case 40: return [[0x11, 0x19][rand() % 2]!, 0x46 | (r1 << 3), disp] // adc/sbb m, r
    case 41: return [0x0f, 0x90 + (rand() % 16), 0x46, disp] // setcc m8
    case 42: return [0x0f, 0x40 + (rand() % 16), 0xc0 | (r1 << 3) | r2] // cmovcc r, r
    case 43: return [0x0f, 0x40 + (rand() % 16), 0x46 | (r1 << 3), disp] // cmovcc r, m
    case 44: return [0xff, 0x46 | ((rand() % 2) << 3), disp] // inc/dec m32
    case 45: return [0xf7, 0xc0 | ((2 + (rand() % 2)) << 3) | r1] // not/neg r
    case 46: return [0xd3, 0xc0 | ([4, 5, 7][rand() % 3]! << 3) | r1, 0x70 + (rand() % 16), 2, 0x89, 0xc0 | (r2 << 3) | r1] // shift r, cl; jcc
    case 47: return rand() % 2 ? [0x66, [0x89, 0x8b][rand() % 2]!, 0x46 | (r1 << 3), disp] : [0x66, [0x89, 0x8b][rand() % 2]!, 0xc0 | (r1 << 3) | r2] // 16-bit mov
    case 48: return [0x66, 0xc7, 0x46, disp, imm & 0xff, (imm >> 8) & 0xff] // mov m16, imm16
    // ADC and SBB where the carry-in decides the carry out: all ones plus 0 and 1, 0 minus 0 and 1.
    case 49: return [0x83, 0xc8 | r1, 0xff, 0xf8 + (rand() % 2), 0x83, 0xd0 | r1, 0x00, 0x0f, 0x92, 0xc0 | r2]
    case 50: return [0x31, 0xc0 | (r1 << 3) | r1, 0xf8 + (rand() % 2), 0x83, 0xd8 | r1, 0x00, 0x0f, 0x92, 0xc0 | r2]
    case 51: return [[0x08, 0x0a, 0x20, 0x22, 0x28, 0x2a, 0x30, 0x32][rand() % 8]!, 0x46 | (b1 << 3), disp, 0x70 + (rand() % 16), 2, 0x89, 0xc0 | (r2 << 3) | r1] // byte ALU with memory; jcc
    case 52: return [[0x08, 0x0a, 0x20, 0x22, 0x28, 0x2a, 0x30, 0x32][rand() % 8]!, 0xc0 | (b1 << 3) | b2, 0x0f, 0x90 + (rand() % 16), 0xc0 | r2] // byte ALU on registers; setcc
    case 53: return [0x66, [0xc1, 0xd1][rand() % 2]!, 0xc0 | ([4, 5, 7][rand() % 3]! << 3) | r1, imm & 0x1f, 0x0f, 0x90 + (rand() % 16), 0xc0 | r2].filter((_, n, all) => all[1] === 0xc1 || n !== 3) // 16-bit shift; setcc
    default: return [0xc1, 0x46 | ((rand() % 2 ? 4 : 5) << 3), disp, imm & 31] // shift memory
  }
}

/** ModRM bytes of randomInstruction's memory forms: [ESI + disp8] with any reg field. */
const isEsiDisp8 = (modrm: number) => (modrm & 0xc7) === 0x46

/**
 * `segmentPrefixes`: put an FS or GS override (64, 65) on some memory operands,
 * as Linux's per-CPU accesses (%fs:) and stack canary (%gs:) have them.
 */
function program(rand: () => number, segmentPrefixes = false): number[] {
  const body: number[] = []
  const count = 5 + (rand() % 40)
  for (let n = 0; n < count; n++) {
    const instruction = randomInstruction(rand)
    const modrm = instruction[0] === 0x0f ? instruction[2]! : instruction[1]!
    if (segmentPrefixes && isEsiDisp8(modrm) && rand() % 2 === 0) body.push(rand() % 2 ? 0x64 : 0x65)
    body.push(...instruction)
  }
  const loop = [0x4d, 0x0f, 0x85, ...le32(-(body.length + 1 + 6))] // dec ebp; jnz body
  return [...movImm(Reg.ESI, 0x20000), ...movImm(Reg.EBP, 6), ...body, ...loop, 0xf4]
}

function runBoth(code: number[], seedRegs: number[], setUp: (m: ReturnType<typeof flatMachine>) => void = () => {}) {
  const results = [true, false].map((compile) => {
    const m = flatMachine(code, {exceptionBitmap: 0xffffffff})
    m.cpu.codeCache.compile = compile
    m.cpu.codeCache.compileThreshold = 1
    FREE.forEach((r, n) => m.cpu.setReg(r, seedRegs[n]!))
    for (let k = 0; k < 0x300; k++) m.mem.ram[0x20000 + k] = (k * 37 + seedRegs[0]!) & 0xff
    setUp(m)
    const exit = m.cpu.run(100_000)
    return {
      reason: exit.reason,
      vector: exit.vector,
      regs: [0, 1, 2, 3, 4, 5, 6, 7].map((r) => m.cpu.getReg(r)),
      eflags: m.cpu.getEflags(),
      eip: m.cpu.eip,
      count: m.cpu.instructionCount,
      data: Array.from(m.mem.ram.subarray(0x20000, 0x20300)),
    }
  })
  return results
}

describe('compiled blocks behave like the interpreter', () => {
  it('on 300 random loops', () => {
    const rand = prng(2024)
    for (let n = 0; n < 300; n++) {
      const code = program(rand)
      const [compiled, interpreted] = runBoth(code, FREE.map(() => rand()))
      expect(compiled!.reason).toBe(ExitReason.Hlt)
      expect(compiled).toEqual(interpreted)
    }
  })

  it('with FS and GS spanning 4 GiB from a base (Linux\'s per-CPU segment): the base is added', () => {
    const rand = prng(4096)
    for (let n = 0; n < 150; n++) {
      const code = program(rand, true)
      const [compiled, interpreted] = runBoth(code, FREE.map(() => rand()), ({cpu}) => {
        cpu.setSegment(Seg.FS, {selector: 0x10, base: 0x100, limit: 0xffffffff, access: 0xc093})
        cpu.setSegment(Seg.GS, {selector: 0x10, base: 0x200, limit: 0xffffffff, access: 0xc093})
      })
      expect(compiled!.reason).toBe(ExitReason.Hlt)
      expect(compiled).toEqual(interpreted)
    }
  })

  it('with an FS that does not span 4 GiB: limits fault as in the interpreter', () => {
    const rand = prng(31337)
    let faults = 0
    for (let n = 0; n < 100; n++) {
      const code = program(rand, true)
      const [compiled, interpreted] = runBoth(code, FREE.map(() => rand()), ({cpu}) => {
        cpu.setSegment(Seg.FS, {selector: 0x10, base: 0x100, limit: 0x20040, access: 0x4093})
        cpu.setSegment(Seg.GS, {selector: 0x10, base: 0x200, limit: 0xffffffff, access: 0xc093})
      })
      if (compiled!.reason === ExitReason.Exception) faults++
      expect(compiled).toEqual(interpreted)
    }
    expect(faults).toBeGreaterThan(10)
  })

  it('at every stop of a run cut into small budgets (the state a host sees between runs)', () => {
    // Compiled code loops inside one function and leaves it when the budget ends:
    // wherever that is, registers, flags, EIP and the count must be the interpreter's.
    const rand = prng(77)
    for (let n = 0; n < 60; n++) {
      const code = program(rand)
      const seed = FREE.map(() => rand())
      const slices = Array.from({length: 400}, () => 1 + (rand() % 40))
      const machines = [true, false].map((compile) => {
        const m = flatMachine(code, {exceptionBitmap: 0xffffffff})
        m.cpu.codeCache.compile = compile
        m.cpu.codeCache.compileThreshold = 1
        FREE.forEach((r, k) => m.cpu.setReg(r, seed[k]!))
        for (let k = 0; k < 0x100; k++) m.mem.ram[0x20000 + k] = (k * 37 + seed[0]!) & 0xff
        return m
      })
      const state = (m: (typeof machines)[number]) => ({
        regs: [0, 1, 2, 3, 4, 5, 6, 7].map((r) => m.cpu.getReg(r)),
        eflags: m.cpu.getEflags(),
        eip: m.cpu.eip,
        count: m.cpu.instructionCount,
      })
      for (const budget of slices) {
        const reasons = machines.map((m) => m.cpu.run(budget).reason)
        expect(reasons[0]).toBe(reasons[1])
        expect(state(machines[0]!)).toEqual(state(machines[1]!))
        if (reasons[0] !== ExitReason.BudgetExhausted) break
      }
    }
  })

  it('when an instruction in the middle of a block exits (MMIO) or faults (#DE)', () => {
    // Loop that walks mov eax, [esi + ecx*4] from RAM into the MMIO hole above it.
    const code = [...movImm(Reg.ESI, 0x3ffff0), ...movImm(Reg.ECX, 0), 0x01, 0xc3, 0x8b, 0x04, 0x8e, 0x41, 0xeb, 0x100 - 8]
    const [compiled, interpreted] = runBoth(code, [1, 2, 3, 4, 5])
    expect(compiled!.reason).toBe(ExitReason.MemoryAccess)
    expect(compiled).toEqual(interpreted)
    // add ebx, eax; xor edx, edx; div ecx; dec ecx; jmp back (ECX reaches 0: #DE)
    const divide = [...movImm(Reg.ECX, 5), 0x01, 0xc3, 0x31, 0xd2, 0xf7, 0xf1, 0x49, 0xeb, 0x100 - 9]
    const [c2, i2] = runBoth(divide, [100, 2, 3, 4, 5])
    expect(c2!.reason).toBe(ExitReason.Exception)
    expect(c2!.vector).toBe(0)
    expect(c2).toEqual(i2)
  })

  it('when a block stores into its own code', () => {
    // mov dword [here+?] patches the immediate of the mov eax that the loop runs next.
    const code = [
      ...movImm(Reg.ECX, 3), //                                0
      ...movImm(Reg.EAX, 1), //                                5 (imm at 6)
      0x01, 0xc3, //                                           10: add ebx, eax
      0xc7, 0x05, ...le32(0x10006), ...le32(0x100), //         12: mov [0x10006], 0x100
      0x49, //                                                 22: dec ecx
      0x75, 0x100 - 20, //                                     23: jnz 5
      0xf4,
    ]
    const [compiled, interpreted] = runBoth(code, [0, 0, 0, 0, 0])
    expect(compiled!.regs[Reg.EBX]).toBe(0x201 + 0) // 1 + 0x100 + 0x100
    expect(compiled).toEqual(interpreted)
  })
})

describe('compiled blocks and segment bases', () => {
  it('code run through a non-flat CS and then a flat CS uses the right EIPs', () => {
    // A based code segment (base 0x10000) runs the loop at offset 0x100, then a far jump to the flat CS runs it again.
    const m = flatMachine([])
    m.cpu.codeCache.compileThreshold = 1
    const ram = m.mem.ram
    // at 0x10100: l: dec ecx; jnz l; hlt
    ram.set([0x49, 0x75, 0x100 - 3, 0xf4], 0x10100)
    m.cpu.setSegment(1, {selector: 0x08, base: 0x10000, limit: 0xffff, access: 0x409b})
    m.cpu.eip = 0x100
    m.cpu.setReg(Reg.ECX, 5)
    expect(m.cpu.run(100).reason).toBe(ExitReason.Hlt)
    expect(m.cpu.eip).toBe(0x104)
    m.cpu.setSegment(1, {selector: 0x08, base: 0, limit: 0xffffffff, access: 0xc09b})
    m.cpu.eip = 0x10100
    m.cpu.setReg(Reg.ECX, 5)
    ;(m.cpu as unknown as {halted: boolean}).halted = false
    expect(m.cpu.run(100).reason).toBe(ExitReason.Hlt)
    expect(m.cpu.eip).toBe(0x10104)
  })
})

describe('compiled code shared by several linear addresses', () => {
  it('runs a physical page compiled at one linear address correctly at another (a vDSO in two processes)', () => {
    // main: call the subroutine at 0x20000 twenty times (it compiles), then once through the
    // alias at 0x40020000. The subroutine returns the linear address of its own `pop`.
    const main = [
      0xb9, ...le32(20), // mov ecx, 20
      0xbb, ...le32(0x20000), // mov ebx, 0x20000
      0xff, 0xd3, // call ebx
      0xe2, 0xf7, // loop back to mov ebx
      0x89, 0xc6, // mov esi, eax
      0xbb, ...le32(0x40020000), // mov ebx, 0x40020000
      0xff, 0xd3, // call ebx
      0xf4, // hlt
    ]
    const {cpu, mem} = flatMachine(main)
    mem.ram.set([0x90, 0x90, 0x90, 0xe8, 0, 0, 0, 0, 0x58, 0xc3], 0x20000) // nop x3; call $+5; pop eax; ret
    // One 4 MiB page at 0 seen at linear 0 and at 0x40000000.
    const directory = 0x5000
    const entry = 0x83 // present, writable, 4 MiB
    mem.ram.set(le32(entry), directory)
    mem.ram.set(le32(entry), directory + (0x40000000 >>> 22) * 4)
    cpu.setCr(4, cpu.getCr(4) | 0x10)
    cpu.setCr(3, directory)
    cpu.setCr(0, cpu.getCr(0) | 0x80000000)
    const exit = cpu.run(10_000)
    expect(exit.reason).toBe(ExitReason.Hlt)
    expect(cpu.getReg(Reg.ESI)).toBe(0x20008)
    expect(cpu.getReg(Reg.EAX)).toBe(0x40020008)
  })
})

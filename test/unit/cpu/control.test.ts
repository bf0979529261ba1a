/** Control transfers: near and far JMP/CALL/RET, call gates with a stack switch and parameters, RETF outward, LOOP/JCXZ. */
import {describe, expect, it} from 'vitest'
import {
  CODE, enterRing3, ExitReason, flatMachine, GDT, get32, KERNEL_CS, le32, movImm, putGate, Reg, run32, STACK_TOP, USER_CS, USER_DS,
} from './machine.js'

const GATE = 0x30

function callGateMachine(ring0: number[]) {
  const user = [...movImm(Reg.ESP, 0x70000), 0x68, ...le32(0x11111111), 0x68, ...le32(0x22222222), 0x9a, 0, 0, 0, 0, GATE | 3, 0, 0x0f, 0x0b]
  const m = flatMachine(user, {exceptionBitmap: 1 << 6})
  putGate(m.mem.ram, GDT + GATE, KERNEL_CS, 0x11000, 0xec, 2)
  m.mem.ram.set(ring0, 0x11000)
  enterRing3(m.cpu)
  return m
}

describe('call gates', () => {
  it('a CALL through a DPL 3 call gate enters ring 0 on the TSS stack and copies the parameters', () => {
    const m = callGateMachine([0xf4])
    expect(m.cpu.run(100).reason).toBe(ExitReason.Hlt)
    const ram = m.mem.ram
    expect(m.cpu.cpl).toBe(0)
    expect(m.cpu.getReg(Reg.ESP)).toBe(STACK_TOP - 24)
    expect([STACK_TOP - 4, STACK_TOP - 8, STACK_TOP - 12, STACK_TOP - 16, STACK_TOP - 20, STACK_TOP - 24].map((a) => get32(ram, a)))
      .toEqual([USER_DS, 0x70000 - 8, 0x11111111, 0x22222222, USER_CS, CODE + 22])
  })

  it('RETF imm16 returns to ring 3, releasing the parameters on both stacks', () => {
    const m = callGateMachine([0xca, 0x08, 0x00])
    const exit = m.cpu.run(100)
    expect([exit.reason, exit.vector]).toEqual([ExitReason.Exception, 6])
    expect(m.cpu.cpl).toBe(3)
    expect(m.cpu.getReg(Reg.ESP)).toBe(0x70000)
    expect(m.cpu.eip).toBe(CODE + 22)
  })

  it('a call gate whose DPL is below CPL is #GP(gate selector)', () => {
    const m = callGateMachine([0xf4])
    m.mem.ram[GDT + GATE + 5] = 0x8c // DPL 0
    m.cpu.intercepts.exceptionBitmap = 1 << 13
    const exit = m.cpu.run(100)
    expect([exit.vector, exit.errorCode]).toEqual([13, GATE])
  })
})

describe('near and far transfers', () => {
  it('CALL/RET near and RET imm16', () => {
    // push 0; call +1; hlt; target: ret 4 (drops the pushed 0 on return)
    const code = [0x6a, 0x00, 0xe8, 0x01, 0x00, 0x00, 0x00, 0xf4, 0xc2, 0x04, 0x00]
    const {cpu, exit} = run32(code)
    expect(exit.reason).toBe(ExitReason.Hlt)
    expect(cpu.getReg(Reg.ESP)).toBe(STACK_TOP)
  })

  it('far JMP to the same privilege reloads CS', () => {
    const {cpu, exit} = run32([0xea, ...le32(CODE + 7), KERNEL_CS, 0])
    expect(exit.reason).toBe(ExitReason.Hlt)
    expect(cpu.getSegment(1).selector).toBe(KERNEL_CS)
  })

  it('far JMP to a non-present code segment is #NP(selector)', () => {
    const {exit} = run32([0xea, 0, 0, 0, 0, 0x38, 0], (c) => {
      ;(c['ram'] as Uint8Array).set([0xff, 0xff, 0, 0, 0, 0x1b, 0xcf, 0], GDT + 0x38)
    })
    expect([exit.vector, exit.errorCode]).toEqual([11, 0x38])
  })

  it('LOOP counts ECX down; JECXZ jumps on zero', () => {
    // mov ecx, 5; l: inc eax; loop l; jecxz +1; hlt; hlt
    const {cpu} = run32([...movImm(Reg.ECX, 5), 0x40, 0xe2, 0xfd, 0xe3, 0x01, 0xf4, 0xf4])
    expect(cpu.getReg(Reg.EAX)).toBe(5)
    expect(cpu.eip).toBe(CODE + 5 + 3 + 2 + 1 + 1)
  })

  it('INTO traps only with OF set; INT3 goes to vector 3', () => {
    const a = run32([0xce, 0xcc])
    expect([a.exit.reason, a.exit.vector]).toEqual([ExitReason.Exception, 3])
    expect(a.cpu.eip).toBe(CODE + 1)
    const b = run32([...movImm(Reg.EAX, 0x7fffffff), 0x40, 0xce])
    expect(b.exit.vector).toBe(4)
  })
})


describe('hint NOPs', () => {
  it('ENDBR32, PREFETCHh and the 0F 19-1F hint NOPs do nothing, with register or memory operands, as on a P6', () => {
    const code = [
      0xf3, 0x0f, 0x1e, 0xfb, // endbr32
      0x0f, 0x18, 0x06, // prefetchnta [esi]
      0x0f, 0x19, 0xc0, // hint nop eax
      0x0f, 0x1d, 0x44, 0x24, 0x08, // hint nop [esp+8]
      0x0f, 0x1f, 0x80, 0, 0, 0, 0, // nop dword [eax+0]
      ...movImm(Reg.EAX, 0x1234),
    ]
    const {cpu, exit} = run32(code)
    expect(exit.reason).toBe(ExitReason.Hlt)
    expect(cpu.getReg(Reg.EAX)).toBe(0x1234)
  })
})

/**
 * Stacks by their descriptor's B bit in protected mode (SDM Vol. 3, 5.3 and 6.12;
 * Vol. 2, PUSH/POP/ENTER/IRET/RET): a 16-bit SS addresses and moves SP only;
 * the limit checks of expand-up and expand-down stacks (B also sets the upper
 * bound of an expand-down one: 0xFFFF or 0xFFFFFFFF); POP SS between stacks of
 * different widths; ENTER's check at its final stack pointer; stack switches
 * into and out of 16-bit stacks; and compiled blocks whose segments stop being
 * flat in their middle.
 */
import {describe, expect, it} from 'vitest'
import type {Cpu} from '../../../src/core/cpu/index.js'
import {
  CODE, enablePaging, enterRing3, ExitReason, flatMachine, get16, get32, GDT, IDT, KERNEL_CS, le32, put16, put32,
  putDescriptor, putGate, pte, Reg, Seg, STACK_TOP, TSS, USER_CS, USER_DS,
} from './machine.js'

const SS_VECTOR = 12
const STACK_BASE = 0x20000
const S16 = 0x30 // 16-bit stack, limit 0xFFFF
const S32 = 0x38 // 32-bit stack, limit 0xFFFFF (not flat)
const ED16 = 0x40 // expand-down, B=0, limit 0x0FFF: offsets 0x1000..0xFFFF
const ED32 = 0x48 // expand-down, B=1, limit 0x0FFF: offsets 0x1000..0xFFFFFFFF
const U16 = 0x50 | 3 // ring-3 16-bit stack at U16_BASE
const K16 = 0x58 // ring-0 16-bit stack at K16_BASE
const DSB = 0x60 // data segment based at DSB_BASE
const S16_SMALL = 0x68 // 16-bit stack, limit 0x7FFF
const U16_BASE = 0x40000
const K16_BASE = 0x50000
const DSB_BASE = 0x60000

/** The flat fixture plus the stack segments above; every exception ends the run. */
function stackMachine(code: number[]): {cpu: Cpu; ram: Uint8Array} {
  const m = flatMachine(code, {exceptionBitmap: 0xffffffff})
  const ram = m.mem.ram
  putDescriptor(ram, GDT + S16, STACK_BASE, 0xffff, 0x92, 0x0)
  putDescriptor(ram, GDT + S32, STACK_BASE, 0xfffff, 0x92, 0x4)
  putDescriptor(ram, GDT + ED16, STACK_BASE, 0x0fff, 0x96, 0x0)
  putDescriptor(ram, GDT + ED32, STACK_BASE, 0x0fff, 0x96, 0x4)
  putDescriptor(ram, GDT + (U16 & ~3), U16_BASE, 0xffff, 0xf2, 0x0)
  putDescriptor(ram, GDT + K16, K16_BASE, 0xffff, 0x92, 0x0)
  putDescriptor(ram, GDT + DSB, DSB_BASE, 0xfffff, 0x92, 0xc)
  putDescriptor(ram, GDT + S16_SMALL, STACK_BASE, 0x7fff, 0x92, 0x0)
  return {cpu: m.cpu, ram}
}

// mov ss, ax; mov esp, ebx; <op>; hlt
const PUSH_ECX_AT = [0x8e, 0xd0, 0x89, 0xdc, 0x51, 0xf4]
const POP_ECX_AT = [0x8e, 0xd0, 0x89, 0xdc, 0x59, 0xf4]
const ENTER_200_AT = [0x8e, 0xd0, 0x89, 0xdc, 0xc8, 0x00, 0x02, 0x00, 0xf4]
const ENTER_F0_AT = [0x8e, 0xd0, 0x89, 0xdc, 0xc8, 0xf0, 0x00, 0x00, 0xf4]
const OP_AT = 4 // offset of <op> in the sequences above

/** Run one of the sequences above with SS = `ss` and ESP = `esp`. */
function runAt(code: number[], ss: number, esp: number, setup?: (cpu: Cpu, ram: Uint8Array) => void) {
  const m = stackMachine(code)
  m.cpu.setReg(Reg.EAX, ss)
  m.cpu.setReg(Reg.EBX, esp)
  m.cpu.setReg(Reg.ECX, 0x11223344)
  setup?.(m.cpu, m.ram)
  const exit = m.cpu.run(100)
  return {...m, exit}
}

function expectStackFault(r: ReturnType<typeof runAt>, esp: number): void {
  expect(r.exit.reason).toBe(ExitReason.Exception)
  expect([r.exit.vector, r.exit.errorCode]).toEqual([SS_VECTOR, 0])
  expect(r.cpu.getReg(Reg.ESP)).toBe(esp) // unchanged by the faulting instruction
  expect(r.cpu.eip).toBe(CODE + OP_AT)
}

describe('a 16-bit stack segment (B=0) uses and changes SP only', () => {
  it('PUSH at SP 0 wraps to 0xFFFC and keeps the upper half of ESP', () => {
    const r = runAt(PUSH_ECX_AT, S16, 0xdead0000)
    expect(r.exit.reason).toBe(ExitReason.Hlt)
    expect(r.cpu.getReg(Reg.ESP)).toBe(0xdeadfffc)
    expect(get32(r.ram, STACK_BASE + 0xfffc)).toBe(0x11223344)
  })

  it('POP from SP 0xFFFC wraps to 0', () => {
    const r = runAt(POP_ECX_AT, S16, 0x1234fffc, (_c, ram) => put32(ram, STACK_BASE + 0xfffc, 0xcafef00d))
    expect(r.cpu.getReg(Reg.ECX)).toBe(0xcafef00d)
    expect(r.cpu.getReg(Reg.ESP)).toBe(0x12340000)
  })

  it('the same push on a 32-bit stack uses all of ESP', () => {
    const r = runAt(PUSH_ECX_AT, S32, 0x00010000)
    expect(r.cpu.getReg(Reg.ESP)).toBe(0x0000fffc)
    expect(get32(r.ram, STACK_BASE + 0xfffc)).toBe(0x11223344)
  })
})

describe('POP SS between a 16-bit and a 32-bit stack', () => {
  it('from a 16-bit stack, SP moves (the stack popped from), not ESP', () => {
    // mov ax, S16; mov ss, ax; mov esp, 0x0001FFFC; pop ss; hlt
    const {cpu, ram} = stackMachine([0x66, 0xb8, S16, 0x00, 0x8e, 0xd0, 0xbc, ...le32(0x0001fffc), 0x17, 0xf4])
    put32(ram, STACK_BASE + 0xfffc, 0xeeee0000 | S32)
    expect(cpu.run(100).reason).toBe(ExitReason.Hlt)
    expect(cpu.getSegment(Seg.SS).selector).toBe(S32)
    expect(cpu.getReg(Reg.ESP)).toBe(0x00010000)
  })

  it('from a 32-bit stack, ESP moves as a whole', () => {
    // mov ax, S32; mov ss, ax; mov esp, 0x0001FFFE; o16 pop ss; hlt
    const {cpu, ram} = stackMachine([0x66, 0xb8, S32, 0x00, 0x8e, 0xd0, 0xbc, ...le32(0x0001fffe), 0x66, 0x17, 0xf4])
    put16(ram, STACK_BASE + 0x1fffe, S16)
    expect(cpu.run(100).reason).toBe(ExitReason.Hlt)
    expect(cpu.getSegment(Seg.SS).selector).toBe(S16)
    expect(cpu.getReg(Reg.ESP)).toBe(0x00020000)
  })
})

describe('stack limits', () => {
  it('a push above the limit of an expand-up 16-bit stack is #SS(0)', () => {
    expectStackFault(runAt(PUSH_ECX_AT, S16_SMALL, 0xabcd0000), 0xabcd0000)
  })

  it('expand-down with B=0: valid offsets are limit+1..0xFFFF', () => {
    const top = runAt(PUSH_ECX_AT, ED16, 0x55550000)
    expect(top.exit.reason).toBe(ExitReason.Hlt)
    expect(top.cpu.getReg(Reg.ESP)).toBe(0x5555fffc)
    const lowest = runAt(PUSH_ECX_AT, ED16, 0x1004)
    expect(lowest.exit.reason).toBe(ExitReason.Hlt)
    expect(get32(lowest.ram, STACK_BASE + 0x1000)).toBe(0x11223344)
    expectStackFault(runAt(PUSH_ECX_AT, ED16, 0x1002), 0x1002) // would write at 0x0FFE
    expectStackFault(runAt(PUSH_ECX_AT, ED16, 0x0002), 0x0002) // wraps to 0xFFFE: its last byte is past 0xFFFF
    expectStackFault(runAt(POP_ECX_AT, ED16, 0xfffe), 0xfffe)
  })

  it('expand-down with B=1: valid offsets are limit+1..0xFFFFFFFF', () => {
    const r = runAt(PUSH_ECX_AT, ED32, 0x10002)
    expect(r.exit.reason).toBe(ExitReason.Hlt)
    expect(r.cpu.getReg(Reg.ESP)).toBe(0xfffe) // 0xFFFE..0x10001 is above 0xFFFF and valid here
    expectStackFault(runAt(PUSH_ECX_AT, ED32, 0x1002), 0x1002)
  })
})

describe('ENTER checks a write at its final stack pointer', () => {
  it('an allocation reaching below an expand-down limit is #SS(0), with ESP and EBP unchanged', () => {
    const r = runAt(ENTER_200_AT, ED16, 0x1100, (c) => c.setReg(Reg.EBP, 0x12345678))
    expectStackFault(r, 0x1100)
    expect(r.cpu.getReg(Reg.EBP)).toBe(0x12345678)
  })

  it('an allocation that stays inside the segment succeeds', () => {
    const r = runAt(ENTER_F0_AT, ED16, 0x1100, (c) => c.setReg(Reg.EBP, 0x12345678))
    expect(r.exit.reason).toBe(ExitReason.Hlt)
    expect(r.cpu.getReg(Reg.EBP)).toBe(0x10fc)
    expect(r.cpu.getReg(Reg.ESP)).toBe(0x10fc - 0xf0)
    expect(get32(r.ram, STACK_BASE + 0x10fc)).toBe(0x12345678)
  })

  it('a final stack pointer on a not-present page is #PF there, though the pushes were on a present page', () => {
    const {cpu, ram} = stackMachine([0xc8, 0x08, 0x00, 0x00, 0xf4]) // enter 8, 0; hlt
    enablePaging(cpu, ram)
    put32(ram, pte(0x30), 0) // 0x30000-0x30FFF not present
    cpu.setReg(Reg.ESP, 0x31004)
    cpu.setReg(Reg.EBP, 0x12345678)
    const exit = cpu.run(100)
    expect([exit.reason, exit.vector]).toEqual([ExitReason.Exception, 14])
    expect(cpu.getCr(2)).toBe(0x30ff8) // 0x31000 after the push, minus 8
    expect(cpu.getReg(Reg.ESP)).toBe(0x31004)
    expect(cpu.getReg(Reg.EBP)).toBe(0x12345678)
  })
})

describe('returns and interrupts into and out of 16-bit stacks', () => {
  const USER_CODE = 0x8000

  /** A ring-0 machine with `code` at CODE, ring-3 `ud2` at USER_CODE and a return frame at ESP. */
  function returnMachine(code: number[], frame: number[], width: 2 | 4) {
    const m = stackMachine(code)
    m.cpu.intercepts.exceptionBitmap = 1 << 6
    const esp = STACK_TOP - frame.length * width
    frame.forEach((v, k) => (width === 4 ? put32 : put16)(m.ram, esp + k * width, v))
    m.ram.set([0x0f, 0x0b], USER_CODE)
    m.cpu.setReg(Reg.ESP, esp)
    return {...m, esp}
  }

  it('IRETD to ring 3 with a 16-bit SS loads SP only: the upper half of ESP stays the kernel one', () => {
    const m = returnMachine([0xcf], [USER_CODE, USER_CS, 0x2, 0x5678e000, U16], 4)
    const exit = m.cpu.run(100)
    expect([exit.reason, exit.vector]).toEqual([ExitReason.Exception, 6])
    expect(m.cpu.cpl).toBe(3)
    expect(m.cpu.getSegment(Seg.SS).selector).toBe(U16)
    expect(m.cpu.getReg(Reg.ESP)).toBe(((m.esp & 0xffff0000) | 0xe000) >>> 0)
  })

  it('a 16-bit IRET to ring 3 with a 32-bit SS zero-extends the popped SP', () => {
    const m = returnMachine([0x66, 0xcf], [USER_CODE, USER_CS, 0x2, 0xe000, USER_DS], 2)
    expect(m.cpu.run(100).vector).toBe(6)
    expect(m.cpu.getReg(Reg.ESP)).toBe(0xe000)
  })

  it('RETF imm16 to ring 3 with a 16-bit SS releases the parameters from SP', () => {
    const m = returnMachine([0xca, 0x08, 0x00], [USER_CODE, USER_CS, 0, 0, 0x5678e010, U16], 4)
    expect(m.cpu.run(100).vector).toBe(6)
    expect(m.cpu.getSegment(Seg.SS).selector).toBe(U16)
    expect(m.cpu.getReg(Reg.ESP)).toBe(((m.esp & 0xffff0000) | 0xe018) >>> 0)
  })

  it('INT from a ring-3 16-bit stack to a ring-0 16-bit stack from the TSS builds the frame at SS0:SP0', () => {
    // ring 3: mov esp, 0x9ABCE000; int 0x40
    const m = stackMachine([0xbc, ...le32(0x9abce000), 0xcd, 0x40])
    putGate(m.ram, IDT + 0x40 * 8, KERNEL_CS, 0x11000, 0xee)
    m.ram[0x11000] = 0xf4
    put32(m.ram, TSS + 4, 0x1234f000)
    put32(m.ram, TSS + 8, K16)
    enterRing3(m.cpu)
    m.cpu.setSegment(Seg.SS, {selector: U16, base: U16_BASE, limit: 0xffff, access: 0xf2})
    expect(m.cpu.run(100).reason).toBe(ExitReason.Hlt)
    expect(m.cpu.getSegment(Seg.SS).selector).toBe(K16)
    expect(m.cpu.getReg(Reg.ESP)).toBe(0x9abcefec)
    const frame = [0, 4, 8, 12, 16].map((o) => get32(m.ram, K16_BASE + 0xefec + o))
    expect(frame).toEqual([CODE + 7, USER_CS, 0x2, 0x9abce000, U16])
  })

  it('a 16-bit inner stack too small for the frame is #SS(SS0 selector)', () => {
    const m = stackMachine([0xcd, 0x40])
    putGate(m.ram, IDT + 0x40 * 8, KERNEL_CS, 0x11000, 0xee)
    // SS0:SP0 = ED16:0 with ED16 expand-down from 0xFFF4: 12 bytes for a 20-byte frame
    putDescriptor(m.ram, GDT + ED16, STACK_BASE, 0xfff3, 0x96, 0x0)
    put32(m.ram, TSS + 4, 0)
    put32(m.ram, TSS + 8, ED16)
    enterRing3(m.cpu)
    const exit = m.cpu.run(100)
    expect([exit.reason, exit.vector, exit.errorCode]).toEqual([ExitReason.Exception, SS_VECTOR, ED16])
    expect(m.cpu.cpl).toBe(3)
  })
})

describe('compiled blocks', () => {
  it('a MOV DS to a based segment in the middle of a hot block sends the stores after it through that base', () => {
    // mov [0x104], eax (puts page 0 in the TLB for flat writes); mov ecx, 20; mov bx, DSB; mov dx, 0x10;
    // l: mov ds, bx; mov [0x100], ecx; mov ds, dx; dec ecx; jnz l; hlt
    const code = [0x89, 0x05, ...le32(0x104), 0xb9, ...le32(20), 0x66, 0xbb, DSB, 0x00, 0x66, 0xba, 0x10, 0x00,
      0x8e, 0xdb, 0x89, 0x0d, ...le32(0x100), 0x8e, 0xda, 0x49, 0x75, 0xf3, 0xf4]
    const {cpu, ram} = stackMachine(code)
    expect(cpu.run(1000).reason).toBe(ExitReason.Hlt)
    expect(get32(ram, DSB_BASE + 0x100)).toBe(1)
    expect(get32(ram, 0x100)).toBe(0)
  })

  it('hot pushes on a 16-bit stack wrap SP like the interpreter', () => {
    // mov ax, S16; mov ss, ax; mov esp, 0x11110000; mov edi, 20; l: push eax; push ebx; pop ecx; dec edi; jnz l; hlt
    const code = [0x66, 0xb8, S16, 0x00, 0x8e, 0xd0, 0xbc, ...le32(0x11110000), 0xbf, ...le32(20),
      0x50, 0x53, 0x59, 0x4f, 0x75, 0xfa, 0xf4]
    const {cpu, ram} = stackMachine(code)
    expect(cpu.run(1000).reason).toBe(ExitReason.Hlt)
    expect(cpu.getReg(Reg.ESP)).toBe(0x1111ffb0)
    expect(get16(ram, STACK_BASE + 0xffb0)).toBe(S16) // EAX: the low word holds the selector
  })
})

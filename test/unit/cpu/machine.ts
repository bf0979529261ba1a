/**
 * Test fixtures for the processor: guest memory with RAM pages at the bottom and
 * nothing above, descriptor builders, and a machine that starts in flat 32-bit
 * protected mode or in real mode with a program at a given address.
 */
import {Cpu} from '../../../src/core/cpu/index.js'
import {ExitReason, type GuestPhysicalMemory, type InterceptControls, Reg, Seg, type VmExit} from '../../../src/core/cpu/api.js'

/** RAM pages 0..ramPages-1 (pageOffset[i] = i * 4096), nothing elsewhere. */
export function createMemory(ramPages = 1024): GuestPhysicalMemory {
  const ram = new Uint8Array(ramPages * 4096)
  const pageOffset = new Float64Array(1 << 20).fill(-1)
  for (let i = 0; i < ramPages; i++) pageOffset[i] = i * 4096
  return {ram, pageOffset, pageReadOnly: new Uint8Array(1 << 20)}
}

export function put8(ram: Uint8Array, at: number, v: number): void {
  ram[at] = v & 0xff
}
export function put16(ram: Uint8Array, at: number, v: number): void {
  ram[at] = v & 0xff
  ram[at + 1] = (v >>> 8) & 0xff
}
export function put32(ram: Uint8Array, at: number, v: number): void {
  for (let k = 0; k < 4; k++) ram[at + k] = (v >>> (8 * k)) & 0xff
}
export function get32(ram: Uint8Array, at: number): number {
  return (ram[at]! | (ram[at + 1]! << 8) | (ram[at + 2]! << 16) | (ram[at + 3]! << 24)) >>> 0
}
export function get16(ram: Uint8Array, at: number): number {
  return ram[at]! | (ram[at + 1]! << 8)
}

/** Write an 8-byte segment descriptor. `access` is byte 5; `flags` the high nibble of byte 6 (G, D/B, L, AVL). */
export function putDescriptor(ram: Uint8Array, at: number, base: number, limit: number, access: number, flags: number): void {
  put16(ram, at, limit & 0xffff)
  put16(ram, at + 2, base & 0xffff)
  ram[at + 4] = (base >>> 16) & 0xff
  ram[at + 5] = access
  ram[at + 6] = ((limit >>> 16) & 0x0f) | (flags << 4)
  ram[at + 7] = (base >>> 24) & 0xff
}

/** Write a gate descriptor (interrupt 0x8E, trap 0x8F, call 0x8C, task 0x85 - with DPL bits added by the caller). */
export function putGate(ram: Uint8Array, at: number, selector: number, offset: number, access: number, paramCount = 0): void {
  put16(ram, at, offset & 0xffff)
  put16(ram, at + 2, selector)
  ram[at + 4] = paramCount
  ram[at + 5] = access
  put16(ram, at + 6, (offset >>> 16) & 0xffff)
}

// Standard layout of the protected-mode fixture.
export const GDT = 0x1000
export const IDT = 0x2000
export const TSS = 0x3000
export const CODE = 0x10000
export const STACK_TOP = 0x80000
export const KERNEL_CS = 0x08
export const KERNEL_DS = 0x10
export const USER_CS = 0x1b
export const USER_DS = 0x23
export const TSS_SEL = 0x28

/**
 * A processor in flat 32-bit protected mode, ring 0, with a GDT (kernel and user
 * flat segments, a TSS whose SS0:ESP0 is KERNEL_DS:STACK_TOP), an empty IDT of 256
 * gates, IOPL 0, and `code` at CODE.
 */
export function flatMachine(code: number[] | Uint8Array, intercepts?: Partial<InterceptControls>, ramPages = 1024): {cpu: Cpu; mem: GuestPhysicalMemory} {
  const mem = createMemory(ramPages)
  const ram = mem.ram
  putDescriptor(ram, GDT + 0x08, 0, 0xfffff, 0x9b, 0xc)
  putDescriptor(ram, GDT + 0x10, 0, 0xfffff, 0x93, 0xc)
  putDescriptor(ram, GDT + 0x18, 0, 0xfffff, 0xfb, 0xc)
  putDescriptor(ram, GDT + 0x20, 0, 0xfffff, 0xf3, 0xc)
  putDescriptor(ram, GDT + 0x28, TSS, 0x67 + 0x2000, 0x89, 0)
  put32(ram, TSS + 4, STACK_TOP)
  put32(ram, TSS + 8, KERNEL_DS)
  put16(ram, TSS + 0x66, 0x68) // I/O bitmap right after the TSS
  ram.set(code, CODE)
  const cpu = new Cpu(mem, intercepts)
  cpu.enterMultibootState(CODE, 0, 0)
  cpu.gdtr = {base: GDT, limit: 0x7f}
  cpu.idtr = {base: IDT, limit: 0x7ff}
  cpu.setSegment(Seg.CS, {selector: KERNEL_CS, base: 0, limit: 0xffffffff, access: 0xc09b})
  for (const s of [Seg.DS, Seg.ES, Seg.SS, Seg.FS, Seg.GS]) cpu.setSegment(s, {selector: KERNEL_DS, base: 0, limit: 0xffffffff, access: 0xc093})
  // Load TR the way a kernel does: run `mov ax, TSS_SEL; ltr ax` from a scratch page.
  ram.set([0x66, 0xb8, TSS_SEL, 0x00, 0x0f, 0x00, 0xd8], 0x9000)
  cpu.eip = 0x9000
  cpu.run(2)
  ram.fill(0, 0x9000, 0x9007)
  cpu.invalidateCode(0x9000, 7)
  cpu.eip = CODE
  cpu.setReg(Reg.EAX, 0)
  cpu.setReg(Reg.ESP, STACK_TOP)
  return {cpu, mem}
}

/** A processor in real mode with `code` at 0000:7C00 and SP = 0x7000. */
export function realMachine(code: number[] | Uint8Array, intercepts?: Partial<InterceptControls>): {cpu: Cpu; mem: GuestPhysicalMemory} {
  const mem = createMemory(1024)
  mem.ram.set(code, 0x7c00)
  const cpu = new Cpu(mem, intercepts)
  cpu.setSegment(Seg.CS, {selector: 0, base: 0, limit: 0xffff, access: 0x9b})
  cpu.eip = 0x7c00
  cpu.setReg(Reg.ESP, 0x7000)
  return {cpu, mem}
}

/** Run until HLT (or another exit), with a generous budget; fails on BudgetExhausted. */
export function runToHlt(cpu: Cpu, budget = 1_000_000): VmExit {
  const exit = cpu.run(budget)
  if (exit.reason === ExitReason.BudgetExhausted) throw new Error('program did not halt')
  return exit
}

export {ExitReason, Reg, Seg}

/** Arithmetic status flags, for comparing EFLAGS. */
export const OSZAPC = 0x8d5
export const CF = 0x1
export const PF = 0x4
export const AF = 0x10
export const ZF = 0x40
export const SF = 0x80
export const OF = 0x800

export function le32(v: number): number[] {
  return [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff]
}
export function le16(v: number): number[] {
  return [v & 0xff, (v >>> 8) & 0xff]
}
/** mov r32, imm32 */
export function movImm(reg: number, v: number): number[] {
  return [0xb8 + reg, ...le32(v)]
}

/**
 * Run `code` (followed by HLT) in flat 32-bit ring 0 with every exception
 * intercepted, so that a fault ends the run as an Exception exit.
 */
export function run32(code: number[], setup?: (cpu: import('../../../src/core/cpu/index.js').Cpu) => void) {
  const m = flatMachine([...code, 0xf4], {exceptionBitmap: 0xffffffff})
  setup?.(m.cpu)
  const exit = m.cpu.run(100_000)
  return {cpu: m.cpu, mem: m.mem, exit}
}

export const PAGE_DIR = 0x40000
export const PAGE_TABLE = 0x41000
/** PTE bits */
export const P = 1, RW = 2, US = 4, ACCESSED = 0x20, DIRTY = 0x40, PS = 0x80

/** Identity-map the first 4 MiB with `flags` in every PTE (and P|RW|US in the PDE), and turn paging on. */
export function enablePaging(cpu: import('../../../src/core/cpu/index.js').Cpu, ram: Uint8Array, flags = P | RW | US): void {
  put32(ram, PAGE_DIR, PAGE_TABLE | P | RW | US)
  for (let i = 0; i < 1024; i++) put32(ram, PAGE_TABLE + i * 4, (i << 12) | flags)
  cpu.setCr(3, PAGE_DIR)
  cpu.setCr(0, cpu.getCr(0) | 0x80000000)
}

export function pte(page: number): number {
  return PAGE_TABLE + page * 4
}

/** Switch the flat fixture to ring 3 (user code and stack segments). */
export function enterRing3(cpu: import('../../../src/core/cpu/index.js').Cpu): void {
  cpu.setSegment(Seg.CS, {selector: USER_CS, base: 0, limit: 0xffffffff, access: 0xc0fb})
  for (const s of [Seg.DS, Seg.ES, Seg.SS, Seg.FS, Seg.GS]) cpu.setSegment(s, {selector: USER_DS, base: 0, limit: 0xffffffff, access: 0xc0f3})
}

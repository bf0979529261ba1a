/**
 * Runs single instructions on the processor for property tests: flat 32-bit
 * protected mode (the Multiboot entry state), the instruction's bytes at a
 * fixed address, registers and EFLAGS set through the public API, one
 * instruction retired, the state read back.
 */
import {ExitReason, Reg} from '../../src/core/cpu/api.js'
import {createMemory, type MultibootCpu} from '../helpers/cpu-machine.js'
import {Cpu} from '../../src/core/cpu/index.js'

export const CODE_ADDRESS = 0x10000
const EFLAGS_FIXED = 0x2
export const VECTOR_DE = 0

export interface RegisterFile {
  eax: number
  ecx: number
  edx: number
  ebx: number
  esp: number
  ebp: number
  esi: number
  edi: number
}

export const REG_ORDER = ['eax', 'ecx', 'edx', 'ebx', 'esp', 'ebp', 'esi', 'edi'] as const

export interface StepResult {
  regs: RegisterFile
  eflags: number
  eip: number
  /** Set when the instruction raised an exception (all vectors exit to the host). */
  exception: number | null
}

export class SingleStepper {
  readonly cpu: MultibootCpu
  readonly ram: Uint8Array

  constructor() {
    const memory = createMemory(1024 * 1024)
    this.ram = memory.ram
    this.cpu = new Cpu(memory) as unknown as MultibootCpu
    this.cpu.intercepts.hlt = true
    this.cpu.intercepts.exceptionBitmap = 0xffffffff // every exception exits, nothing is delivered
    this.cpu.enterMultibootState(CODE_ADDRESS, 0x2badb002, 0)
  }

  /** Execute `bytes` as `count` instructions (one by default) with the given registers and EFLAGS. */
  step(bytes: number[], regs: Partial<RegisterFile>, eflags: number, count = 1): StepResult {
    const cpu = this.cpu
    const span = bytes.length + 32
    this.ram.fill(0x90, CODE_ADDRESS, CODE_ADDRESS + span) // NOPs after the instructions
    this.ram.set(bytes, CODE_ADDRESS)
    cpu.invalidateCode(CODE_ADDRESS, span)
    REG_ORDER.forEach((name, i) => {
      cpu.setReg(i as Reg, (regs[name] ?? (name === 'esp' ? 0x8000 : 0)) >>> 0)
    })
    cpu.setEflags((eflags & ~0x28) | EFLAGS_FIXED)
    cpu.eip = CODE_ADDRESS
    const exit = cpu.run(count)
    let exception: number | null = null
    if (exit.reason === ExitReason.Exception) exception = exit.vector
    else if (exit.reason !== ExitReason.BudgetExhausted) {
      throw new Error(`unexpected exit ${ExitReason[exit.reason]} for ${hex(bytes)}`)
    }
    const out = {} as RegisterFile
    REG_ORDER.forEach((name, i) => {
      out[name] = cpu.getReg(i as Reg) >>> 0
    })
    return {regs: out, eflags: cpu.getEflags() >>> 0, eip: cpu.eip >>> 0, exception}
  }
}

export function hex(bytes: number[]): string {
  return bytes.map((b) => b.toString(16).padStart(2, '0')).join(' ')
}

export function h32(v: number): string {
  return '0x' + (v >>> 0).toString(16).padStart(8, '0')
}

/** Flag names of an EFLAGS mask, for messages. */
export function flagNames(v: number): string {
  const names: Array<[number, string]> = [[0x800, 'OF'], [0x80, 'SF'], [0x40, 'ZF'], [0x10, 'AF'], [0x4, 'PF'], [0x1, 'CF']]
  return names.filter(([bit]) => v & bit).map(([, n]) => n).join('|') || '-'
}

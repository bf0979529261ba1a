/**
 * A flat 32-bit machine for x87 unit tests: the program runs with the FPU set
 * up as an operating system does (CR0.EM = 0, MP = 1, NE = 1), data at DATA,
 * and the encodings of the instructions the tests use.
 */
import type {Cpu} from '../../../../src/core/cpu/index.js'
import {fromWords, type Ext80, toHex} from '../../../../src/core/cpu/fpu/ext80.js'
import type {VmExit} from '../../../../src/core/cpu/api.js'
import {ExitReason, flatMachine, IDT, putGate, KERNEL_CS} from '../machine.js'

export const DATA = 0x20000
/** A #MF/#NM/#UD handler at HANDLER records the vector through its gate and halts. */
const HANDLER = 0x30000

const le32 = (v: number): number[] => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff]
/** ModRM for [disp32] with the given reg field. */
const abs = (reg: number, offset: number): number[] => [(reg << 3) | 5, ...le32(DATA + offset)]

export const X = {
  fninit: [0xdb, 0xe3],
  fnclex: [0xdb, 0xe2],
  fwait: [0x9b],
  hlt: [0xf4],
  fld1: [0xd9, 0xe8],
  fldz: [0xd9, 0xee],
  fsqrt: [0xd9, 0xfa],
  fsin: [0xd9, 0xfe],
  fcos: [0xd9, 0xff],
  fptan: [0xd9, 0xf2],
  fpatan: [0xd9, 0xf3],
  fyl2x: [0xd9, 0xf1],
  f2xm1: [0xd9, 0xf0],
  fnstswAx: [0xdf, 0xe0],
  faddSt0St1: [0xd8, 0xc1],
  fmulSt0St0: [0xd8, 0xc8],
  fdivpSt1: [0xde, 0xf9],
  fldcw: (offset: number) => [0xd9, ...abs(5, offset)],
  fldM32: (offset: number) => [0xd9, ...abs(0, offset)],
  fldM64: (offset: number) => [0xdd, ...abs(0, offset)],
  fldM80: (offset: number) => [0xdb, ...abs(5, offset)],
  fstM64: (offset: number) => [0xdd, ...abs(2, offset)],
  fstpM64: (offset: number) => [0xdd, ...abs(3, offset)],
  fstpM80: (offset: number) => [0xdb, ...abs(7, offset)],
  fdivM64: (offset: number) => [0xdc, ...abs(6, offset)],
  fnstenv: (offset: number) => [0xd9, ...abs(6, offset)],
}

export interface X87Run {
  cpu: Cpu
  exit: VmExit
  /** The vector delivered to the fault handler, or -1. */
  vector: number
  /** EIP pushed for that fault. */
  faultEip: number
  ram: Uint8Array
}

/** Run `program` (then HLT) with `data` at DATA; exceptions 0-31 go to a handler that records them and halts. */
export function runX87(program: number[][], data: Array<[offset: number, bytes: number[]]> = []): X87Run {
  const code = [...X.fninit, ...program.flat(), ...X.hlt]
  const {cpu, mem} = flatMachine(code)
  const ram = mem.ram
  for (const [offset, bytes] of data) ram.set(bytes, DATA + offset)
  // Handler: mov eax, vector stored by its stub; mov ebx, [esp]; hlt. One stub per vector pushes nothing.
  for (let v = 0; v < 32; v++) {
    const stub = HANDLER + v * 32
    // mov dword [DATA + 0xff0], v ; mov eax, [esp] (or [esp+4] with an error code) ; mov [DATA + 0xff4], eax ; hlt
    const withCode = v === 8 || (v >= 10 && v <= 14) || v === 17
    ram.set([0xc7, 0x05, ...le32(DATA + 0xff0), ...le32(v), 0x8b, 0x44, 0x24, withCode ? 4 : 0, 0xa3, ...le32(DATA + 0xff4), 0xf4], stub)
    putGate(ram, IDT + v * 8, KERNEL_CS, stub, 0x8e)
  }
  ram.set(le32(0xffffffff), DATA + 0xff0)
  cpu.setCr(0, (cpu.getCr(0) & ~(4 | 8)) | 2 | 32)
  const exit = cpu.run(1_000_000)
  if (exit.reason === ExitReason.BudgetExhausted) throw new Error('program did not halt')
  const u32 = (at: number): number => (ram[at]! | (ram[at + 1]! << 8) | (ram[at + 2]! << 16) | (ram[at + 3]! << 24)) >>> 0
  const vector = u32(DATA + 0xff0)
  return {cpu, exit, vector: vector === 0xffffffff ? -1 : vector, faultEip: u32(DATA + 0xff4), ram}
}

/** Ten bytes of an 80-bit value given as sign|exponent and significand. */
export function bytes80(signExp: number, sig: bigint): number[] {
  const out: number[] = []
  for (let k = 0n; k < 8n; k++) out.push(Number((sig >> (8n * k)) & 0xffn))
  return [...out, signExp & 0xff, signExp >> 8]
}

export function bytes64(bits: bigint): number[] {
  const out: number[] = []
  for (let k = 0n; k < 8n; k++) out.push(Number((bits >> (8n * k)) & 0xffn))
  return out
}

export function bytes16(v: number): number[] {
  return [v & 0xff, v >> 8]
}

export function doubleBytes(x: number): number[] {
  const b = new Uint8Array(new Float64Array([x]).buffer)
  return [...b]
}

export function readDouble(ram: Uint8Array, offset: number): number {
  return new Float64Array(ram.slice(DATA + offset, DATA + offset + 8).buffer)[0]!
}

export function readBytes(ram: Uint8Array, offset: number, n: number): number[] {
  return [...ram.slice(DATA + offset, DATA + offset + n)]
}

/** ST(i) as 20 hex digits. */
export function st(cpu: Cpu, i: number): string {
  return toHex(cpu.fpu.st(i))
}

export function ext(signExp: number, sig: bigint): Ext80 {
  return fromWords(Number(sig & 0xffffffffn), Number(sig >> 32n), signExp)
}

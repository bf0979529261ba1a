import {flagNames, h32, hex, REG_ORDER, type RegisterFile, type StepResult} from './harness.js'
import type {Width} from './model.js'

/** Replace the low 8/16/32 bits (or bits 8-15 for a high-byte register) of a register value. */
export function withPart(reg: number, value: number, w: Width, highByte = false): number {
  if (w === 32) return value >>> 0
  if (w === 16) return ((reg & 0xffff0000) | (value & 0xffff)) >>> 0
  if (highByte) return ((reg & 0xffff00ff) | ((value & 0xff) << 8)) >>> 0
  return ((reg & 0xffffff00) | (value & 0xff)) >>> 0
}

export function part(reg: number, w: Width, highByte = false): number {
  if (w === 32) return reg >>> 0
  if (w === 16) return reg & 0xffff
  return highByte ? (reg >>> 8) & 0xff : reg & 0xff
}

export interface Expectation {
  regs: RegisterFile
  /** Expected flag values under `defined`. */
  flags: number
  defined: number
  /** Expected exception vector, or null. */
  exception: number | null
  /** Expected EIP after the step. */
  eip: number
}

/** Throws a readable message when the step result differs from the expectation. */
export function compare(what: string, bytes: number[], input: RegisterFile, flagsIn: number, got: StepResult, want: Expectation): void {
  const problems: string[] = []
  if (got.exception !== want.exception) {
    problems.push(`exception: expected ${want.exception === null ? 'none' : `#${want.exception}`}, got ${got.exception === null ? 'none' : `#${got.exception}`}`)
  }
  for (const name of REG_ORDER) {
    if (got.regs[name] !== want.regs[name]) problems.push(`${name}: expected ${h32(want.regs[name])}, got ${h32(got.regs[name])}`)
  }
  const diff = (got.eflags ^ want.flags) & want.defined
  if (diff) {
    problems.push(`flags (${flagNames(want.defined)} compared): expected ${flagNames(want.flags & want.defined)}, got ${flagNames(got.eflags & want.defined)}`)
  }
  if (got.eip !== want.eip) problems.push(`eip: expected ${h32(want.eip)}, got ${h32(got.eip)}`)
  if (problems.length) {
    const inputs = REG_ORDER.filter((n) => n !== 'esp').map((n) => `${n}=${h32(input[n])}`).join(' ')
    throw new Error(`${what} [${hex(bytes)}] with ${inputs} flags=${flagNames(flagsIn)}\n  ${problems.join('\n  ')}`)
  }
}

/**
 * Building a stack frame on a stack that is not loaded yet: the inner stack of an
 * inter-privilege CALL or interrupt (taken from the TSS), whose pushes must all
 * be checked before any register changes so that a fault leaves the caller intact.
 */
import {SS_VECTOR, TS} from './constants.js'
import {readSystem, writeSystem} from './mmu.js'
import {
  ACC_CODE, ACC_PRESENT, ACC_RW, ACC_S, accessDpl, descriptorAccess, descriptorBase, descriptorLimit, readDescriptor,
} from './segmentation.js'
import {raise} from './signals.js'
import type {CpuCore} from './state.js'

export class PendingStack {
  selector = 0
  base = 0
  limit = 0
  access = 0
  esp = 0
  is32 = true
  lo = 0
  hi = 0

  /** Write `v` below the current top, checking the limit (#SS with the selector). */
  push(cpu: CpuCore, size: number, v: number): void {
    const esp = this.is32 ? (this.esp - size) >>> 0 : (this.esp - size) & 0xffff
    if (esp < this.lo || esp + size - 1 > this.hi) raise(cpu, SS_VECTOR, this.selector & 0xfffc)
    writeSystem(cpu, (this.base + esp) | 0, size, v)
    this.esp = esp
  }
}

export const innerStack = new PendingStack()

/**
 * Read SSn:ESPn for privilege level `dpl` from the current TSS and validate the
 * stack segment for that level (SDM 6.12.1). `ext` is the EXT bit of error codes.
 */
export function loadInnerStack(cpu: CpuCore, dpl: number, ext: number): PendingStack {
  const tss32 = (cpu.trAccess & 8) !== 0
  const entry = tss32 ? 4 + dpl * 8 : 2 + dpl * 4
  const width = tss32 ? 4 : 2
  if (entry + 2 * width - 1 > cpu.trLimit) raise(cpu, TS, (cpu.trSel & 0xfffc) | ext)
  const esp = readSystem(cpu, (cpu.trBase + entry) | 0, width)
  const ss = readSystem(cpu, (cpu.trBase + entry + width) | 0, 2) & 0xffff
  const errorCode = (ss & 0xfffc) | ext
  if ((ss & 0xfffc) === 0) raise(cpu, TS, ext)
  if (!readDescriptor(cpu, ss)) raise(cpu, TS, errorCode)
  const access = descriptorAccess(cpu.descHi)
  if ((ss & 3) !== dpl || accessDpl(access) !== dpl || (access & (ACC_S | ACC_CODE | ACC_RW)) !== (ACC_S | ACC_RW)) raise(cpu, TS, errorCode)
  if ((access & ACC_PRESENT) === 0) raise(cpu, SS_VECTOR, errorCode)
  const s = innerStack
  s.selector = ss
  s.base = descriptorBase(cpu.descLo, cpu.descHi)
  s.limit = descriptorLimit(cpu.descLo, cpu.descHi)
  s.access = access
  s.is32 = (access & 0x4000) !== 0
  s.esp = s.is32 ? esp >>> 0 : esp & 0xffff
  const expandDown = (access & 4) !== 0
  s.lo = expandDown ? s.limit + 1 : 0
  s.hi = expandDown ? (s.is32 ? 0xffffffff : 0xffff) : s.limit
  return s
}

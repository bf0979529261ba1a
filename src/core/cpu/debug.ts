/**
 * Debug exceptions (SDM Vol. 3, chapter 17): single-step traps (EFLAGS.TF) and
 * the breakpoints of DR0-DR3/DR7 (instruction breakpoints are faults, data
 * breakpoints on writes or reads/writes are traps), with their status in DR6.
 * I/O breakpoints (RW = 10 with CR4.DE) and general detect (DR7.GD) are not
 * implemented.
 *
 * While any of this is armed the run loop interprets one instruction at a time
 * (no compiled blocks), and the software TLB keeps no fast entries so that every
 * data access goes through the slow path, which reports it here.
 */
import {tlbFlushAll} from './mmu.js'
import type {CpuCore} from './state.js'

export const DR6_BS = 1 << 14
/** DR6 reads with these bits set (reserved, 486 and later). */
export const DR6_FIXED = 0xffff0ff0 | 0

/** Breakpoint `n` is enabled in DR7 (local or global). */
function enabled(dr7: number, n: number): boolean {
  return ((dr7 >> (n * 2)) & 3) !== 0
}
function kind(dr7: number, n: number): number {
  return (dr7 >>> (16 + n * 4)) & 3
}
function length(dr7: number, n: number): number {
  const len = (dr7 >>> (18 + n * 4)) & 3
  return len === 0 ? 1 : len === 1 ? 2 : len === 3 ? 4 : 8
}

/** Recompute what DR7 arms after a write to it. */
export function writeDr7(cpu: CpuCore, value: number): void {
  cpu.dr[7] = value
  let instruction = 0
  let data = 0
  for (let n = 0; n < 4; n++) {
    if (!enabled(value, n)) continue
    const k = kind(value, n)
    if (k === 0) instruction |= 1 << n
    else if (k !== 2) data |= 1 << n
  }
  const hadData = cpu.dataBreakpoints !== 0
  cpu.instructionBreakpoints = instruction
  cpu.dataBreakpoints = data
  if (hadData || data !== 0) tlbFlushAll(cpu)
  cpu.leaveBlock = true
}

/** DR6 bits of the instruction breakpoints matching the instruction at `linear`. */
export function instructionBreakpointHits(cpu: CpuCore, linear: number): number {
  let hits = 0
  for (let n = 0; n < 4; n++) {
    if ((cpu.instructionBreakpoints & (1 << n)) !== 0 && cpu.dr[n] === linear) hits |= 1 << n
  }
  return hits
}

/** A data access of `size` bytes at `linear`: remember which data breakpoints it hits. */
export function noteDataAccess(cpu: CpuCore, linear: number, size: number, write: boolean): void {
  const dr7 = cpu.dr[7]!
  for (let n = 0; n < 4; n++) {
    if ((cpu.dataBreakpoints & (1 << n)) === 0) continue
    if (!write && kind(dr7, n) === 1) continue
    const len = length(dr7, n)
    const start = (cpu.dr[n]! & ~(len - 1)) >>> 0
    const lo = linear >>> 0
    if (lo < start + len && lo + size > start) cpu.pendingDebugHits |= 1 << n
  }
}

/**
 * The decoder: prefixes, opcode, ModRM/SIB/displacement and immediates, driven by
 * the opcode table. It reads code through CS (limit check) and the page tables
 * (code fetches are reads at the current privilege), so a fault while fetching
 * is raised exactly as the processor would raise it.
 */
import {Seg} from '../api.js'
import {GP} from '../constants.js'
import {readPhys, translate} from '../mmu.js'
import {raise} from '../signals.js'
import type {CpuCore} from '../state.js'
import {undefinedOpcode} from '../execute/system.js'
import {type Instr, REP_E, REP_NE, REP_NONE} from './instr.js'
import {Imm, TABLE} from './table.js'

const MAX_INSTRUCTION_LENGTH = 15

/** 16-bit addressing: base and index registers per ModRM.rm (BX+SI, BX+DI, BP+SI, BP+DI, SI, DI, BP, BX). */
const BASE16 = [3, 3, 5, 5, -1, -1, 5, 3]
const INDEX16 = [6, 7, 6, 7, 6, 7, -1, -1]

// Decoder position, kept in module variables so that decoding allocates nothing.
let startEip = 0
let position = 0
let firstPage = 0
let crosses = false
let eipMask = 0

function fetchByte(cpu: CpuCore): number {
  if (position >= MAX_INSTRUCTION_LENGTH) raise(cpu, GP, 0)
  const offset = (startEip + position) & eipMask
  if (offset > cpu.segLimit[Seg.CS]!) raise(cpu, GP, 0)
  const linear = (cpu.segBase[Seg.CS]! + offset) | 0
  const physical = translate(cpu, linear, false, cpu.cpl === 3)
  if (physical >>> 12 !== firstPage) crosses = true
  position++
  return readPhys(cpu, physical, 1)
}

function fetch16(cpu: CpuCore): number {
  const lo = fetchByte(cpu)
  return lo | (fetchByte(cpu) << 8)
}

function fetch32(cpu: CpuCore): number {
  const lo = fetch16(cpu)
  return lo | (fetch16(cpu) << 16)
}

/**
 * Decode the instruction at CS:eip into `i`. `firstPhysicalPage` is the page of
 * the first byte (the cache key); bytes on another page mark it uncacheable.
 */
export function decode(cpu: CpuCore, i: Instr, eip: number, code32: boolean, firstPhysicalPage: number): void {
  startEip = eip
  position = 0
  firstPage = firstPhysicalPage
  crosses = false
  eipMask = code32 ? -1 : 0xffff

  let opSize = code32 ? 4 : 2
  let addr32 = code32
  let segOverride = -1
  let rep = REP_NONE
  let lock = false
  let b: number
  for (;;) {
    b = fetchByte(cpu)
    switch (b) {
      case 0x66: opSize = code32 ? 2 : 4; continue
      case 0x67: addr32 = !code32; continue
      case 0xf0: lock = true; continue
      case 0xf2: rep = REP_NE; continue
      case 0xf3: rep = REP_E; continue
      case 0x26: segOverride = Seg.ES; continue
      case 0x2e: segOverride = Seg.CS; continue
      case 0x36: segOverride = Seg.SS; continue
      case 0x3e: segOverride = Seg.DS; continue
      case 0x64: segOverride = Seg.FS; continue
      case 0x65: segOverride = Seg.GS; continue
    }
    break
  }
  const opcode = b === 0x0f ? 0x100 | fetchByte(cpu) : b
  let e = TABLE[opcode]!

  i.opcode = opcode
  i.code32 = code32
  i.opSize = opSize
  i.addr32 = addr32
  i.segOverride = segOverride
  i.seg = segOverride >= 0 ? segOverride : Seg.DS
  i.rep = rep
  i.lock = lock
  i.isMem = false
  i.mod = 3
  i.reg = 0
  i.rm = 0
  i.base = -1
  i.index = -1
  i.scale = 0
  i.disp = 0
  i.imm = 0
  i.imm2 = 0

  if (e.hasModrm) {
    const modrm = fetchByte(cpu)
    i.mod = modrm >> 6
    i.reg = (modrm >> 3) & 7
    i.rm = modrm & 7
    if (e.group !== null) e = e.group[i.reg]!
    if (i.mod !== 3 && !e.registerOnly) decodeMemoryOperand(cpu, i, segOverride)
  }

  let immediateCount = 0
  for (const kind of e.immediates) {
    let v: number
    switch (kind) {
      case Imm.U8: v = fetchByte(cpu); break
      case Imm.S8: v = (fetchByte(cpu) << 24) >> 24; break
      case Imm.U16: v = fetch16(cpu); break
      case Imm.OpSize: v = opSize === 4 ? fetch32(cpu) : fetch16(cpu); break
      case Imm.RelOpSize: v = opSize === 4 ? fetch32(cpu) : (fetch16(cpu) << 16) >> 16; break
      case Imm.FarPointer:
        i.imm = opSize === 4 ? fetch32(cpu) : fetch16(cpu)
        i.imm2 = fetch16(cpu)
        continue
      default: // MemOffset: a moffs operand is a memory operand with only a displacement
        i.isMem = true
        i.disp = addr32 ? fetch32(cpu) : fetch16(cpu)
        continue
    }
    if (immediateCount++ === 0) i.imm = v
    else i.imm2 = v
  }

  i.entry = e
  i.handler = e.resolve === null ? e.exec : e.resolve(i)
  // LOCK is only valid on read-modify-write instructions with a memory destination.
  if (lock && (!e.lockable || !i.isMem)) i.handler = undefinedOpcode
  i.length = position
  i.crossesPage = crosses
}

function decodeMemoryOperand(cpu: CpuCore, i: Instr, segOverride: number): void {
  i.isMem = true
  let defaultSeg = Seg.DS
  if (!i.addr32) {
    if (i.mod === 0 && i.rm === 6) {
      i.disp = fetch16(cpu)
    } else {
      i.base = BASE16[i.rm]!
      i.index = INDEX16[i.rm]!
      if (i.base === 5) defaultSeg = Seg.SS
      if (i.mod === 1) i.disp = (fetchByte(cpu) << 24) >> 24
      else if (i.mod === 2) i.disp = fetch16(cpu)
    }
  } else {
    let rm = i.rm
    if (rm === 4) {
      const sib = fetchByte(cpu)
      i.scale = sib >> 6
      const index = (sib >> 3) & 7
      i.index = index === 4 ? -1 : index
      rm = sib & 7
      if (rm === 5 && i.mod === 0) {
        i.base = -1
        i.disp = fetch32(cpu)
      } else {
        i.base = rm
      }
    } else if (rm === 5 && i.mod === 0) {
      i.base = -1
      i.disp = fetch32(cpu)
    } else {
      i.base = rm
    }
    if (i.base === 4 || i.base === 5) defaultSeg = Seg.SS
    if (i.mod === 1) i.disp = (fetchByte(cpu) << 24) >> 24
    else if (i.mod === 2) i.disp = fetch32(cpu)
  }
  i.seg = segOverride >= 0 ? segOverride : defaultSeg
}

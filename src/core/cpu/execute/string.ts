/**
 * String instructions: MOVS, CMPS, STOS, LODS, SCAS with REP/REPE/REPNE, segment
 * overrides on the source, and 16- or 32-bit addressing. Each element commits
 * (memory, then ESI/EDI/ECX) before the next, so a fault or exit in the middle
 * restarts at the right element. A long REP runs in chunks, leaving EIP on the
 * instruction between chunks so that interrupts and the budget are honoured.
 */
import {Reg, Seg} from '../api.js'
import {DF} from '../constants.js'
import type {Instr} from '../decoder/instr.js'
import {REP_E, REP_NE} from '../decoder/instr.js'
import {getZF} from '../flags.js'
import {readSized, writeSized} from '../mmu.js'
import {linearAddress} from '../segmentation.js'
import type {CpuCore} from '../state.js'
import {aluFlags, aluResult, AluOp} from './alu.js'

/** Elements per execution of a REP string instruction. */
const CHUNK = 4096

const enum Kind { MOVS, CMPS, STOS, LODS, SCAS }

function kindOf(opcode: number): Kind {
  switch (opcode & 0xfe) {
    case 0xa4: return Kind.MOVS
    case 0xa6: return Kind.CMPS
    case 0xaa: return Kind.STOS
    case 0xac: return Kind.LODS
    default: return Kind.SCAS
  }
}

export function stringOp(cpu: CpuCore, i: Instr): void {
  const size = (i.opcode & 1) !== 0 ? i.opSize : 1
  const kind = kindOf(i.opcode)
  const regs = cpu.regs
  const a32 = i.addr32
  const delta = (cpu.flags & DF) !== 0 ? -size : size
  const rep = i.rep
  const conditional = kind === Kind.CMPS || kind === Kind.SCAS
  let budget = rep !== 0 ? CHUNK : 1
  for (;;) {
    if (rep !== 0 && (a32 ? regs[Reg.ECX]! : regs[Reg.ECX]! & 0xffff) === 0) return
    const si = a32 ? regs[Reg.ESI]! >>> 0 : regs[Reg.ESI]! & 0xffff
    const di = a32 ? regs[Reg.EDI]! >>> 0 : regs[Reg.EDI]! & 0xffff
    switch (kind) {
      case Kind.MOVS: {
        const v = readSized(cpu, linearAddress(cpu, i.seg, si, size, false), size)
        writeSized(cpu, linearAddress(cpu, Seg.ES, di, size, true), size, v)
        step(cpu, a32, Reg.ESI, delta)
        step(cpu, a32, Reg.EDI, delta)
        break
      }
      case Kind.CMPS: {
        const a = readSized(cpu, linearAddress(cpu, i.seg, si, size, false), size)
        const b = readSized(cpu, linearAddress(cpu, Seg.ES, di, size, false), size)
        aluFlags(cpu, AluOp.CMP, a, b, aluResult(AluOp.CMP, a, b, size, 0), size, 0)
        step(cpu, a32, Reg.ESI, delta)
        step(cpu, a32, Reg.EDI, delta)
        break
      }
      case Kind.STOS:
        writeSized(cpu, linearAddress(cpu, Seg.ES, di, size, true), size, cpu.readReg(size, 0))
        step(cpu, a32, Reg.EDI, delta)
        break
      case Kind.LODS:
        cpu.writeReg(size, 0, readSized(cpu, linearAddress(cpu, i.seg, si, size, false), size))
        step(cpu, a32, Reg.ESI, delta)
        break
      default: { // SCAS
        const a = cpu.readReg(size, 0)
        const b = readSized(cpu, linearAddress(cpu, Seg.ES, di, size, false), size)
        aluFlags(cpu, AluOp.CMP, a, b, aluResult(AluOp.CMP, a, b, size, 0), size, 0)
        step(cpu, a32, Reg.EDI, delta)
      }
    }
    cpu.latchCount = 0
    if (rep === 0) return
    step(cpu, a32, Reg.ECX, -1)
    if (conditional && ((rep === REP_E && !getZF(cpu)) || (rep === REP_NE && getZF(cpu)))) return
    if (--budget === 0) {
      if ((a32 ? regs[Reg.ECX]! : regs[Reg.ECX]! & 0xffff) !== 0) cpu.eip = cpu.startEip
      return
    }
  }
}

function step(cpu: CpuCore, a32: boolean, reg: number, delta: number): void {
  if (a32) cpu.regs[reg] = (cpu.regs[reg]! + delta) | 0
  else cpu.setReg16(reg, cpu.regs[reg]! + delta)
}

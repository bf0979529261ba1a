/**
 * Port I/O: IN, OUT, INS, OUTS. The guest's right to the port (IOPL, and the
 * TSS I/O permission bitmap in protected and virtual-8086 mode) is checked first:
 * a denied port is #GP(0), never an exit. An allowed port whose bit is set in the
 * intercept bitmap exits to the host; an allowed port that is not intercepted has
 * nothing behind it, so reads return all ones and writes are dropped.
 *
 * The host finishes an exit with completeIoIn/completeIoOut, which latch the
 * result and re-execute the instruction (cpu.ts): this file sees the latch in
 * `cpu.ioLatched` and uses it instead of exiting again.
 */
import {ExitReason, Reg, Seg} from '../api.js'
import {DF, GP, WIDTH_MASK} from '../constants.js'
import type {Instr} from '../decoder/instr.js'
import {readSized, readSystem, writeSized} from '../mmu.js'
import {linearAddress} from '../segmentation.js'
import {raise} from '../signals.js'
import type {CpuCore} from '../state.js'

/** #GP(0) unless the current privilege may access `size` ports from `port`. */
export function checkIoPermission(cpu: CpuCore, port: number, size: number): void {
  if (!cpu.protectedMode || (!cpu.v86 && cpu.cpl <= cpu.iopl)) return
  // Only a 32-bit TSS has an I/O permission bitmap.
  if ((cpu.trAccess & 8) === 0 || cpu.trLimit < 0x67) raise(cpu, GP, 0)
  const mapBase = readSystem(cpu, (cpu.trBase + 0x66) | 0, 2) & 0xffff
  const offset = mapBase + (port >> 3)
  if (offset + 1 > cpu.trLimit) raise(cpu, GP, 0)
  const bits = readSystem(cpu, (cpu.trBase + offset) | 0, 2) & 0xffff
  if ((bits & (((1 << size) - 1) << (port & 7))) !== 0) raise(cpu, GP, 0)
}

function intercepted(cpu: CpuCore, port: number): boolean {
  return (cpu.intercepts.ioBitmap[port >> 3]! & (1 << (port & 7))) !== 0
}

/**
 * Leave for the host without throwing (port I/O exits are frequent): the handler
 * returns at once, EIP goes back to the instruction, and the run loop sees
 * `ioExitPending` and reports the exit with nothing retired.
 */
function ioExit(cpu: CpuCore, i: Instr, port: number, size: number, write: boolean, value: number, isString: boolean): void {
  const e = cpu.exit
  e.reason = ExitReason.IoPort
  e.port = port
  e.size = size
  e.isWrite = write
  e.value = value >>> 0
  e.isString = isString
  e.isRep = i.rep !== 0
  cpu.ioExitPending = true
  cpu.eip = cpu.startEip
  cpu.leaveBlock = true
}

/** Read a port: the host's latched answer, an exit (check `cpu.ioExitPending`), or all ones for a port with nothing behind it. */
function portIn(cpu: CpuCore, i: Instr, port: number, size: number, isString: boolean): number {
  if (cpu.ioLatched) return cpu.ioLatchValue & WIDTH_MASK[size]!
  if (intercepted(cpu, port)) ioExit(cpu, i, port, size, false, 0, isString)
  return WIDTH_MASK[size]!
}

/** Write a port: done if the host already completed it, an exit (check `cpu.ioExitPending`), or dropped. */
function portOut(cpu: CpuCore, i: Instr, port: number, size: number, value: number, isString: boolean): void {
  if (cpu.ioLatched) return
  if (intercepted(cpu, port)) ioExit(cpu, i, port, size, true, value & WIDTH_MASK[size]!, isString)
}

function ioSize(i: Instr): number {
  return (i.opcode & 1) !== 0 ? i.opSize : 1
}

/** IN AL/eAX, imm8 (E4/E5) and IN AL/eAX, DX (EC/ED) */
export function inPort(cpu: CpuCore, i: Instr): void {
  const size = ioSize(i)
  const port = i.opcode >= 0xec ? cpu.regs[Reg.EDX]! & 0xffff : i.imm & 0xff
  checkIoPermission(cpu, port, size)
  const v = portIn(cpu, i, port, size, false)
  if (!cpu.ioExitPending) cpu.writeReg(size, 0, v)
}

/** OUT imm8, AL/eAX (E6/E7) and OUT DX, AL/eAX (EE/EF) */
export function outPort(cpu: CpuCore, i: Instr): void {
  const size = ioSize(i)
  const port = i.opcode >= 0xec ? cpu.regs[Reg.EDX]! & 0xffff : i.imm & 0xff
  checkIoPermission(cpu, port, size)
  portOut(cpu, i, port, size, cpu.readReg(size, 0), false)
}

function countRegister(cpu: CpuCore, i: Instr): number {
  return i.addr32 ? cpu.regs[Reg.ECX]! >>> 0 : cpu.regs[Reg.ECX]! & 0xffff
}

function advance(cpu: CpuCore, i: Instr, reg: number, delta: number): void {
  if (i.addr32) cpu.regs[reg] = (cpu.regs[reg]! + delta) | 0
  else cpu.setReg16(reg, cpu.regs[reg]! + delta)
}

/**
 * INS (6C/6D) and OUTS (6E/6F). Intercepted ports move one element per execution,
 * so each element is one exit; a REP prefix leaves EIP on the instruction while
 * the count remains.
 */
export function stringIo(cpu: CpuCore, i: Instr): void {
  const size = ioSize(i)
  const isIn = i.opcode < 0x6e
  const port = cpu.regs[Reg.EDX]! & 0xffff
  checkIoPermission(cpu, port, size)
  const rep = i.rep !== 0
  if (rep && countRegister(cpu, i) === 0) return
  const delta = (cpu.flags & DF) !== 0 ? -size : size
  const oneAtATime = intercepted(cpu, port)
  for (;;) {
    if (isIn) {
      const di = i.addr32 ? cpu.regs[Reg.EDI]! >>> 0 : cpu.regs[Reg.EDI]! & 0xffff
      const linear = linearAddress(cpu, Seg.ES, di, size, true)
      const v = portIn(cpu, i, port, size, true)
      if (cpu.ioExitPending) return
      writeSized(cpu, linear, size, v)
      advance(cpu, i, Reg.EDI, delta)
    } else {
      const si = i.addr32 ? cpu.regs[Reg.ESI]! >>> 0 : cpu.regs[Reg.ESI]! & 0xffff
      const v = readSized(cpu, linearAddress(cpu, i.seg, si, size, false), size)
      portOut(cpu, i, port, size, v, true)
      if (cpu.ioExitPending) return
      advance(cpu, i, Reg.ESI, delta)
    }
    if (!rep) return
    advance(cpu, i, Reg.ECX, -1)
    if (countRegister(cpu, i) === 0) return
    if (oneAtATime) {
      cpu.eip = cpu.startEip
      return
    }
  }
}

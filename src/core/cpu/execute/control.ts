/**
 * Control transfers: Jcc, JMP, CALL, RET (near and far, with call gates and
 * returns to outer privilege levels), LOOP/LOOPE/LOOPNE/JCXZ, INT n/INT3/INTO/
 * INT1, BOUND and IRET. Far transfers follow the JMP/CALL/RET pseudo-code of the
 * SDM, Vol. 2; task gates and TSS descriptors go to task-switch.ts.
 */
import {Reg, Seg} from '../api.js'
import {BP, BR, GP, NP, OFV, SS_VECTOR, UD} from '../constants.js'
import type {Instr} from '../decoder/instr.js'
import {getOF, getZF, testCondition} from '../flags.js'
import {deliverSoftwareInterrupt, iret as iretImpl} from '../interrupts.js'
import {readSized} from '../mmu.js'
import {
  ACC_CODE, ACC_DC, ACC_PRESENT, ACC_S, accessDpl, descriptorAccess, descriptorLimit,
  linearAddress, loadCacheFromDescriptor, loadSegment, markDescriptorAccessed, nullInaccessibleSegments,
  readDescriptor, setRealModeSelector, setSegmentCache,
} from '../segmentation.js'
import {raise} from '../signals.js'
import {loadInnerStack} from '../stack-switch.js'
import type {CpuCore} from '../state.js'
import {switchTask, TaskSwitchSource} from '../task-switch.js'
import {adjustStack, effectiveAddress, loadStackPointer, push, readRm, readStack} from './operands.js'

/** Jump to `target` within CS, checking it against the CS limit. */
export function jumpNear(cpu: CpuCore, target: number, size: number): void {
  const eip = size === 2 ? target & 0xffff : target >>> 0
  if (eip > cpu.segLimit[Seg.CS]! && cpu.protectedMode && !cpu.v86) raise(cpu, GP, 0)
  cpu.eip = eip
}

/** Jcc rel8 / rel16/32 (70-7F, 0F 80-8F) */
export function jcc(cpu: CpuCore, i: Instr): void {
  if (testCondition(cpu, i.opcode & 0xf)) jumpNear(cpu, cpu.eip + i.imm, i.opSize)
}

/** JMP rel (E9, EB) */
export function jmpRel(cpu: CpuCore, i: Instr): void {
  jumpNear(cpu, cpu.eip + i.imm, i.opSize)
}

/** JMP r/m (FF /4) */
export function jmpRm(cpu: CpuCore, i: Instr): void {
  jumpNear(cpu, readRm(cpu, i, i.opSize), i.opSize)
}

/** CALL rel (E8) */
export function callRel(cpu: CpuCore, i: Instr): void {
  const target = cpu.eip + i.imm
  push(cpu, i.opSize, cpu.eip)
  jumpNear(cpu, target, i.opSize)
}

/** CALL r/m (FF /2) */
export function callRm(cpu: CpuCore, i: Instr): void {
  const target = readRm(cpu, i, i.opSize)
  push(cpu, i.opSize, cpu.eip)
  jumpNear(cpu, target, i.opSize)
}

/** RET, RET imm16 (C3, C2) */
export function retNear(cpu: CpuCore, i: Instr): void {
  const target = readStack(cpu, 0, i.opSize)
  jumpNear(cpu, target, i.opSize)
  adjustStack(cpu, i.opSize + (i.opcode === 0xc2 ? i.imm & 0xffff : 0))
}

/** LOOP/LOOPE/LOOPNE (E0-E2) and JCXZ/JECXZ (E3); the counter width follows the address size. */
export function loop(cpu: CpuCore, i: Instr): void {
  const regs = cpu.regs
  if (i.opcode === 0xe3) {
    const count = i.addr32 ? regs[Reg.ECX]! : regs[Reg.ECX]! & 0xffff
    if (count === 0) jumpNear(cpu, cpu.eip + i.imm, i.opSize)
    return
  }
  let count: number
  if (i.addr32) count = regs[Reg.ECX] = regs[Reg.ECX]! - 1
  else {
    count = (regs[Reg.ECX]! - 1) & 0xffff
    cpu.setReg16(Reg.ECX, count)
  }
  let taken = count !== 0
  if (i.opcode === 0xe1) taken &&= getZF(cpu)
  else if (i.opcode === 0xe0) taken &&= !getZF(cpu)
  if (taken) jumpNear(cpu, cpu.eip + i.imm, i.opSize)
}

// ---------------------------------------------------------------------------
// Far transfers
// ---------------------------------------------------------------------------

/** Load CS from the descriptor last read, at privilege `cpl`, and jump to `eip`. */
function enterCodeSegment(cpu: CpuCore, selector: number, eip: number, cpl: number): void {
  markDescriptorAccessed(cpu)
  loadCacheFromDescriptor(cpu, Seg.CS, (selector & 0xfffc) | cpl)
  cpu.setCpl(cpl)
  cpu.eip = eip >>> 0
}

/** Checks shared by direct far JMP/CALL to a code segment (SDM: "IF segment type is code"). */
function checkDirectCodeTarget(cpu: CpuCore, selector: number, access: number, offset: number): void {
  const errorCode = selector & 0xfffc
  const dpl = accessDpl(access)
  if ((access & ACC_DC) !== 0) {
    if (dpl > cpu.cpl) raise(cpu, GP, errorCode)
  } else if ((selector & 3) > cpu.cpl || dpl !== cpu.cpl) {
    raise(cpu, GP, errorCode)
  }
  if ((access & ACC_PRESENT) === 0) raise(cpu, NP, errorCode)
  if (offset >>> 0 > descriptorLimit(cpu.descLo, cpu.descHi)) raise(cpu, GP, 0)
}

/** Far JMP (EA, FF /5) or CALL (9A, FF /3) to selector:offset. */
export function farTransfer(cpu: CpuCore, selector: number, offset: number, size: number, isCall: boolean): void {
  selector &= 0xffff
  offset = size === 2 ? offset & 0xffff : offset >>> 0
  if (!cpu.protectedMode || cpu.v86) {
    if (isCall) {
      push(cpu, size, cpu.segSel[Seg.CS]!)
      push(cpu, size, cpu.eip)
    }
    if (cpu.v86) setSegmentCache(cpu, Seg.CS, selector, selector << 4, 0xffff, 0xfb)
    else setRealModeSelector(cpu, Seg.CS, selector)
    cpu.eip = offset
    return
  }

  const errorCode = selector & 0xfffc
  if (errorCode === 0) raise(cpu, GP, 0)
  if (!readDescriptor(cpu, selector)) raise(cpu, GP, errorCode)
  const access = descriptorAccess(cpu.descHi)

  if ((access & ACC_S) !== 0) {
    if ((access & ACC_CODE) === 0) raise(cpu, GP, errorCode)
    checkDirectCodeTarget(cpu, selector, access, offset)
    if (isCall) {
      push(cpu, size, cpu.segSel[Seg.CS]!)
      push(cpu, size, cpu.eip)
    }
    enterCodeSegment(cpu, selector, offset, cpu.cpl)
    return
  }

  const type = access & 0xf
  const dpl = accessDpl(access)
  switch (type) {
    case 1: case 9: // available TSS
      if (dpl < cpu.cpl || dpl < (selector & 3)) raise(cpu, GP, errorCode)
      if ((access & ACC_PRESENT) === 0) raise(cpu, NP, errorCode)
      switchTask(cpu, selector, isCall ? TaskSwitchSource.Call : TaskSwitchSource.Jump, -1)
      return
    case 5: { // task gate
      if (dpl < cpu.cpl || dpl < (selector & 3)) raise(cpu, GP, errorCode)
      if ((access & ACC_PRESENT) === 0) raise(cpu, NP, errorCode)
      const tss = (cpu.descLo >>> 16) & 0xffff
      switchTask(cpu, tss, isCall ? TaskSwitchSource.Call : TaskSwitchSource.Jump, -1)
      return
    }
    case 4: case 12: // call gate
      callGate(cpu, selector, access, isCall)
      return
    default:
      raise(cpu, GP, errorCode)
  }
}

function callGate(cpu: CpuCore, gateSelector: number, gateAccess: number, isCall: boolean): void {
  const gateDpl = accessDpl(gateAccess)
  if (gateDpl < cpu.cpl || gateDpl < (gateSelector & 3)) raise(cpu, GP, gateSelector & 0xfffc)
  if ((gateAccess & ACC_PRESENT) === 0) raise(cpu, NP, gateSelector & 0xfffc)
  const gate32 = (gateAccess & 8) !== 0
  const target = (cpu.descLo >>> 16) & 0xffff
  const paramCount = cpu.descHi & 0x1f
  const offset = gate32 ? ((cpu.descLo & 0xffff) | (cpu.descHi & 0xffff0000)) >>> 0 : cpu.descLo & 0xffff
  if ((target & 0xfffc) === 0) raise(cpu, GP, 0)
  if (!readDescriptor(cpu, target)) raise(cpu, GP, target & 0xfffc)
  const access = descriptorAccess(cpu.descHi)
  const dpl = accessDpl(access)
  if ((access & (ACC_S | ACC_CODE)) !== (ACC_S | ACC_CODE) || dpl > cpu.cpl) raise(cpu, GP, target & 0xfffc)
  if ((access & ACC_PRESENT) === 0) raise(cpu, NP, target & 0xfffc)
  if (offset > descriptorLimit(cpu.descLo, cpu.descHi)) raise(cpu, GP, 0)
  const conforming = (access & ACC_DC) !== 0
  const size = gate32 ? 4 : 2

  if (!isCall) {
    if (!conforming && dpl !== cpu.cpl) raise(cpu, GP, target & 0xfffc)
    enterCodeSegment(cpu, target, offset, cpu.cpl)
    return
  }
  if (conforming || dpl === cpu.cpl) {
    push(cpu, size, cpu.segSel[Seg.CS]!)
    push(cpu, size, cpu.eip)
    enterCodeSegment(cpu, target, offset, cpu.cpl)
    return
  }

  // More privileged: switch to the inner stack from the TSS, copy parameters.
  const codeLo = cpu.descLo
  const codeHi = cpu.descHi
  const codeAddr = cpu.descAddr
  const stack = loadInnerStack(cpu, dpl, 0)
  const oldSs = cpu.segSel[Seg.SS]!
  const oldEsp = cpu.regs[Reg.ESP]!
  stack.push(cpu, size, oldSs)
  stack.push(cpu, size, oldEsp)
  for (let n = paramCount - 1; n >= 0; n--) stack.push(cpu, size, readStack(cpu, n * size, size))
  stack.push(cpu, size, cpu.segSel[Seg.CS]!)
  stack.push(cpu, size, cpu.eip)
  // Everything is checked and written: commit.
  setSegmentCache(cpu, Seg.SS, (stack.selector & 0xfffc) | dpl, stack.base, stack.limit, stack.access)
  loadStackPointer(cpu, stack.esp)
  cpu.descLo = codeLo
  cpu.descHi = codeHi
  cpu.descAddr = codeAddr
  enterCodeSegment(cpu, target, offset, dpl)
}

/** JMP ptr16:16/32 (EA), CALL ptr16:16/32 (9A) */
export function farDirect(cpu: CpuCore, i: Instr): void {
  farTransfer(cpu, i.imm2, i.imm, i.opSize, i.opcode === 0x9a)
}

/** JMP m16:16/32 (FF /5), CALL m16:16/32 (FF /3) */
export function farIndirect(cpu: CpuCore, i: Instr): void {
  if (!i.isMem) raise(cpu, UD)
  const ea = effectiveAddress(cpu, i)
  const offset = readSized(cpu, linearAddress(cpu, i.seg, ea, i.opSize, false), i.opSize)
  const selOffset = i.addr32 ? (ea + i.opSize) >>> 0 : (ea + i.opSize) & 0xffff
  const selector = readSized(cpu, linearAddress(cpu, i.seg, selOffset, 2, false), 2)
  farTransfer(cpu, selector, offset, i.opSize, i.reg === 3)
}

/** RETF, RETF imm16 (CB, CA) */
export function retFar(cpu: CpuCore, i: Instr): void {
  const size = i.opSize
  const release = i.opcode === 0xca ? i.imm & 0xffff : 0
  const offset = readStack(cpu, 0, size)
  const selector = readStack(cpu, size, size) & 0xffff
  if (!cpu.protectedMode || cpu.v86) {
    adjustStack(cpu, 2 * size + release)
    farTransfer(cpu, selector, offset, size, false)
    return
  }
  const target = checkReturnCodeSegment(cpu, selector, offset, size)
  const rpl = selector & 3
  if (rpl === cpu.cpl) {
    adjustStack(cpu, 2 * size + release)
    enterCodeSegment(cpu, selector, target, rpl)
    return
  }
  // Return to an outer level: the caller's ESP and SS follow the parameters.
  const newEsp = readStack(cpu, 2 * size + release, size)
  const newSs = readStack(cpu, 3 * size + release, size) & 0xffff
  checkOuterStackKeepingCode(cpu, newSs, rpl)
  enterCodeSegment(cpu, selector, target, rpl)
  loadSegment(cpu, Seg.SS, newSs)
  loadStackPointer(cpu, newEsp)
  adjustStack(cpu, release)
  nullInaccessibleSegments(cpu)
}

/**
 * The code segment a protected-mode far return or IRET goes back to (SDM RET
 * and IRET): a present code segment no more privileged than CPL, whose DPL
 * equals the RPL (conforming: is at most the RPL), with the offset inside its
 * limit. Leaves its descriptor in cpu.desc*; returns the offset at the operand size.
 */
export function checkReturnCodeSegment(cpu: CpuCore, selector: number, offset: number, size: number): number {
  const errorCode = selector & 0xfffc
  if (errorCode === 0) raise(cpu, GP, 0)
  if (!readDescriptor(cpu, selector)) raise(cpu, GP, errorCode)
  const access = descriptorAccess(cpu.descHi)
  const rpl = selector & 3
  const dpl = accessDpl(access)
  if ((access & (ACC_S | ACC_CODE)) !== (ACC_S | ACC_CODE) || rpl < cpu.cpl) raise(cpu, GP, errorCode)
  if ((access & ACC_DC) !== 0 ? dpl > rpl : dpl !== rpl) raise(cpu, GP, errorCode)
  if ((access & ACC_PRESENT) === 0) raise(cpu, NP, errorCode)
  const target = size === 2 ? offset & 0xffff : offset >>> 0
  if (target > descriptorLimit(cpu.descLo, cpu.descHi)) raise(cpu, GP, 0)
  return target
}

/**
 * checkOuterStack for a return whose code segment was checked already: the
 * stack check reads another descriptor into cpu.desc*, so the code segment's is kept.
 */
export function checkOuterStackKeepingCode(cpu: CpuCore, ss: number, rpl: number): void {
  const codeLo = cpu.descLo
  const codeHi = cpu.descHi
  const codeAddr = cpu.descAddr
  checkOuterStack(cpu, ss, rpl)
  cpu.descLo = codeLo
  cpu.descHi = codeHi
  cpu.descAddr = codeAddr
}

/** The stack segment of a return to privilege `rpl` (SDM RET: "RETURN-TO-OUTER-PRIVILEGE-LEVEL"). */
export function checkOuterStack(cpu: CpuCore, ss: number, rpl: number): void {
  const errorCode = ss & 0xfffc
  if (errorCode === 0) raise(cpu, GP, 0)
  if (!readDescriptor(cpu, ss)) raise(cpu, GP, errorCode)
  const access = descriptorAccess(cpu.descHi)
  if ((ss & 3) !== rpl || accessDpl(access) !== rpl || (access & 0x1a) !== 0x12) raise(cpu, GP, errorCode)
  if ((access & ACC_PRESENT) === 0) raise(cpu, SS_VECTOR, errorCode)
}

// ---------------------------------------------------------------------------
// Software interrupts
// ---------------------------------------------------------------------------

/** INT imm8 (CD). In V86 mode without IOPL 3 it is #GP(0). */
export function intImm(cpu: CpuCore, i: Instr): void {
  if (cpu.v86 && cpu.iopl < 3) raise(cpu, GP, 0)
  deliverSoftwareInterrupt(cpu, i.imm & 0xff, true)
}

/** INT3 (CC): a trap; the IOPL check does not apply in V86 mode. */
export function int3(cpu: CpuCore): void {
  deliverSoftwareInterrupt(cpu, BP, false)
}

/** INT1/ICEBP (F1): a #DB trap. */
export function int1(cpu: CpuCore): void {
  deliverSoftwareInterrupt(cpu, 1, false)
}

/** INTO (CE): #OF when OF is set. */
export function into(cpu: CpuCore): void {
  if (getOF(cpu)) deliverSoftwareInterrupt(cpu, OFV, false)
}

/** BOUND reg, m (62): #BR when the signed index is outside [lower, upper]. */
export function bound(cpu: CpuCore, i: Instr): void {
  if (!i.isMem) raise(cpu, UD)
  const size = i.opSize
  const ea = effectiveAddress(cpu, i)
  const lower = readSized(cpu, linearAddress(cpu, i.seg, ea, size, false), size)
  const upper = readSized(cpu, linearAddress(cpu, i.seg, i.addr32 ? (ea + size) >>> 0 : (ea + size) & 0xffff, size, false), size)
  const index = cpu.readReg(size, i.reg)
  const shift = size === 2 ? 16 : 0
  const idx = (index << shift) >> shift
  if (idx < (lower << shift) >> shift || idx > (upper << shift) >> shift) raise(cpu, BR)
}

/** IRET/IRETD (CF) */
export function iret(cpu: CpuCore, i: Instr): void {
  iretImpl(cpu, i.opSize)
}


/**
 * Interrupt and exception delivery (SDM Vol. 3, chapter 6): the real-mode IVT,
 * protected-mode IDT gates (interrupt, trap, task) with privilege changes and
 * virtual-8086 frames, IRET back to all of those, and the double/triple fault rules.
 */
import {ExitReason, Reg, Seg} from './api.js'
import {
  AC, ARITH_FLAGS, DF, DF_VECTOR, EFLAGS_FIXED, GP, ID, IF, IOPL, NP, NT, RF, TF, VIF, VIP, VM,
} from './constants.js'
import {checkOuterStackKeepingCode, checkReturnCodeSegment} from './execute/control.js'
import {adjustStack, loadStackPointer, push, readStack} from './execute/operands.js'
import {writeFlagsAsPopf} from './execute/stack.js'
import {materializeFlags} from './flags.js'
import {readSystem} from './mmu.js'
import {
  ACC_CODE, ACC_DC, ACC_PRESENT, ACC_S, accessDpl, descriptorAccess, descriptorLimit, loadCacheFromDescriptor,
  loadSegment, markDescriptorAccessed, nullInaccessibleSegments, readDescriptor, setRealModeSelector, setSegmentCache, updateAllSegmentChecks,
} from './segmentation.js'
import {EXIT, FAULT, NO_ERROR_CODE, raise} from './signals.js'
import {loadInnerStack} from './stack-switch.js'
import type {CpuCore} from './state.js'
import {switchTask, TaskSwitchSource} from './task-switch.js'

/** Exceptions that push an error code in protected mode. */
export function hasErrorCode(vector: number): boolean {
  return vector === 8 || (vector >= 10 && vector <= 14) || vector === 17
}

function isContributory(vector: number): boolean {
  return vector === 0 || (vector >= 10 && vector <= 13)
}

/** Set EFLAGS.VM and the mode mirrors that depend on it. */
export function setVm(cpu: CpuCore, on: boolean): void {
  cpu.flags = on ? cpu.flags | VM : cpu.flags & ~VM
  if (cpu.v86 !== on) {
    cpu.v86 = on
    updateAllSegmentChecks(cpu)
    cpu.leaveBlock = true
  }
}

/**
 * Deliver interrupt `vector` through the IVT or IDT. `software` is INT n/INT3/INTO
 * (gate DPL is checked); `ext` is 1 for events from outside the instruction stream
 * (it goes into error codes); `errorCode` is pushed unless NO_ERROR_CODE. The
 * return address is the current EIP.
 */
export function deliverInterrupt(cpu: CpuCore, vector: number, errorCode: number, software: boolean, ext: number): void {
  cpu.halted = false
  cpu.leaveBlock = true
  if (!cpu.protectedMode) {
    deliverRealMode(cpu, vector)
    return
  }
  const idtError = vector * 8 + 2 + ext
  if (vector * 8 + 7 > cpu.idtrLimit) raise(cpu, GP, idtError)
  const lo = readSystem(cpu, (cpu.idtrBase + vector * 8) | 0, 4)
  const hi = readSystem(cpu, (cpu.idtrBase + vector * 8 + 4) | 0, 4)
  const gateAccess = descriptorAccess(hi)
  const type = gateAccess & 0x1f
  if (type !== 5 && type !== 6 && type !== 7 && type !== 14 && type !== 15) raise(cpu, GP, idtError)
  if (software && accessDpl(gateAccess) < cpu.cpl) raise(cpu, GP, idtError)
  if ((gateAccess & ACC_PRESENT) === 0) raise(cpu, NP, idtError)

  if (type === 5) {
    switchTask(cpu, (lo >>> 16) & 0xffff, TaskSwitchSource.Interrupt, errorCode)
    return
  }
  const gate32 = (type & 8) !== 0
  const size = gate32 ? 4 : 2
  const trapGate = (type & 1) !== 0
  const selector = (lo >>> 16) & 0xffff
  const offset = gate32 ? ((lo & 0xffff) | (hi & 0xffff0000)) >>> 0 : lo & 0xffff

  if ((selector & 0xfffc) === 0) raise(cpu, GP, ext)
  if (!readDescriptor(cpu, selector)) raise(cpu, GP, (selector & 0xfffc) | ext)
  const access = descriptorAccess(cpu.descHi)
  const dpl = accessDpl(access)
  if ((access & (ACC_S | ACC_CODE)) !== (ACC_S | ACC_CODE) || dpl > cpu.cpl) raise(cpu, GP, (selector & 0xfffc) | ext)
  if ((access & ACC_PRESENT) === 0) raise(cpu, NP, (selector & 0xfffc) | ext)
  if (offset > descriptorLimit(cpu.descLo, cpu.descHi)) raise(cpu, GP, ext)

  const eflags = materializeFlags(cpu)
  const codeLo = cpu.descLo
  const codeHi = cpu.descHi
  const codeAddr = cpu.descAddr

  if ((access & ACC_DC) === 0 && dpl < cpu.cpl) {
    // Inter-privilege: new stack from the TSS.
    if (cpu.v86 && dpl !== 0) raise(cpu, GP, (selector & 0xfffc) | ext)
    const stack = loadInnerStack(cpu, dpl, ext)
    if (cpu.v86) {
      stack.push(cpu, size, cpu.segSel[Seg.GS]!)
      stack.push(cpu, size, cpu.segSel[Seg.FS]!)
      stack.push(cpu, size, cpu.segSel[Seg.DS]!)
      stack.push(cpu, size, cpu.segSel[Seg.ES]!)
    }
    stack.push(cpu, size, cpu.segSel[Seg.SS]!)
    stack.push(cpu, size, cpu.regs[Reg.ESP]!)
    stack.push(cpu, size, eflags)
    stack.push(cpu, size, cpu.segSel[Seg.CS]!)
    stack.push(cpu, size, cpu.eip)
    if (errorCode !== NO_ERROR_CODE) stack.push(cpu, size, errorCode)
    // Commit.
    if (cpu.v86) {
      for (const s of [Seg.GS, Seg.FS, Seg.DS, Seg.ES]) setSegmentCache(cpu, s, 0, 0, 0, 0)
      setVm(cpu, false)
    }
    cpu.setCpl(dpl)
    setSegmentCache(cpu, Seg.SS, (stack.selector & 0xfffc) | dpl, stack.base, stack.limit, stack.access)
    loadStackPointer(cpu, stack.esp)
  } else {
    if (cpu.v86) raise(cpu, GP, (selector & 0xfffc) | ext)
    push(cpu, size, eflags)
    push(cpu, size, cpu.segSel[Seg.CS]!)
    push(cpu, size, cpu.eip)
    if (errorCode !== NO_ERROR_CODE) push(cpu, size, errorCode)
  }
  cpu.descLo = codeLo
  cpu.descHi = codeHi
  cpu.descAddr = codeAddr
  markDescriptorAccessed(cpu)
  loadCacheFromDescriptor(cpu, Seg.CS, (selector & 0xfffc) | cpu.cpl)
  cpu.eip = offset
  cpu.flags &= ~(TF | NT | RF | VM)
  if (!trapGate) cpu.flags &= ~IF
}

function deliverRealMode(cpu: CpuCore, vector: number): void {
  if (vector * 4 + 3 > cpu.idtrLimit) raise(cpu, GP, 0)
  const entry = readSystem(cpu, (cpu.idtrBase + vector * 4) | 0, 4)
  push(cpu, 2, materializeFlags(cpu))
  push(cpu, 2, cpu.segSel[Seg.CS]!)
  push(cpu, 2, cpu.eip)
  setRealModeSelector(cpu, Seg.CS, entry >>> 16)
  cpu.eip = entry & 0xffff
  cpu.flags &= ~(IF | TF | AC)
}

/**
 * INT n, INT3, INTO, INT1: a trap whose return address is the next instruction.
 * INT3 (#BP), INTO (#OF) and INT1 (#DB) are exceptions, so the exception bitmap
 * applies to them (as in VT-x, INT n is never intercepted): the exit leaves EIP
 * on the instruction; a host that wants the guest to see the trap calls
 * skipInstruction() and then injectException(vector).
 */
export function deliverSoftwareInterrupt(cpu: CpuCore, vector: number, checkDpl: boolean): void {
  if (!checkDpl && (cpu.intercepts.exceptionBitmap & (1 << vector)) !== 0) {
    const e = cpu.exit
    e.reason = ExitReason.Exception
    e.vector = vector
    e.errorCode = 0
    e.hasErrorCode = false
    throw EXIT
  }
  cpu.softwareInterrupt = true
  deliverInterrupt(cpu, vector, NO_ERROR_CODE, checkDpl || vector === 3 || vector === 4, 0)
}

/** What happened to an exception the run loop tried to deliver. */
export const enum DeliveryResult { Delivered = 0, TripleFault = 1 }

/**
 * Deliver an exception raised by an instruction (EIP and ESP already rolled back),
 * escalating to #DF and to a triple fault per SDM table 6-5.
 * `exits(vector)` lets the caller turn intercepted vectors into VM exits instead.
 */
export function deliverException(cpu: CpuCore, vector: number, errorCode: number): DeliveryResult {
  let current = vector
  let code = hasErrorCode(vector) && cpu.protectedMode ? (errorCode === NO_ERROR_CODE ? 0 : errorCode) : NO_ERROR_CODE
  for (;;) {
    const esp = cpu.regs[Reg.ESP]!
    const eip = cpu.eip
    try {
      deliverInterrupt(cpu, current, code, false, 1)
      return DeliveryResult.Delivered
    } catch (e) {
      if (e !== FAULT) throw e
      cpu.regs[Reg.ESP] = esp
      cpu.eip = eip
      const second = cpu.faultVector
      if (current === DF_VECTOR) return DeliveryResult.TripleFault
      const escalate = (isContributory(current) && isContributory(second)) ||
        (current === 14 && (isContributory(second) || second === 14))
      if (escalate) {
        current = DF_VECTOR
        code = cpu.protectedMode ? 0 : NO_ERROR_CODE
      } else {
        current = second
        code = hasErrorCode(second) && cpu.protectedMode ? cpu.faultErrorCode : NO_ERROR_CODE
      }
    }
  }
}

/** IRET/IRETD. */
export function iret(cpu: CpuCore, size: number): void {
  cpu.leaveBlock = true
  cpu.nmiBlocked = false
  if (!cpu.protectedMode) {
    const ip = readStack(cpu, 0, size)
    const cs = readStack(cpu, size, size) & 0xffff
    const flags = readStack(cpu, 2 * size, size)
    adjustStack(cpu, 3 * size)
    setRealModeSelector(cpu, Seg.CS, cs)
    cpu.eip = size === 2 ? ip & 0xffff : ip >>> 0
    writeFlagsAsPopf(cpu, size === 2 ? (materializeFlags(cpu) & 0xffff0000) | (flags & 0xffff) : flags, 4)
    return
  }
  if (cpu.v86) {
    if (cpu.iopl < 3) raise(cpu, GP, 0)
    const ip = readStack(cpu, 0, size)
    const cs = readStack(cpu, size, size) & 0xffff
    const flags = readStack(cpu, 2 * size, size)
    adjustStack(cpu, 3 * size)
    setSegmentCache(cpu, Seg.CS, cs, cs << 4, 0xffff, 0xfb)
    cpu.eip = size === 2 ? ip & 0xffff : ip >>> 0
    writeFlagsAsPopf(cpu, size === 2 ? (materializeFlags(cpu) & 0xffff0000) | (flags & 0xffff) : flags, size)
    return
  }
  if ((cpu.flags & NT) !== 0) {
    // Return from a nested task: back link in the current TSS.
    const backLink = readSystem(cpu, cpu.trBase, 2) & 0xffff
    switchTask(cpu, backLink, TaskSwitchSource.Iret, NO_ERROR_CODE)
    return
  }
  const newEip = readStack(cpu, 0, size)
  const cs = readStack(cpu, size, size) & 0xffff
  let newFlags = readStack(cpu, 2 * size, size)
  if (size === 2) newFlags = (materializeFlags(cpu) & 0xffff0000) | (newFlags & 0xffff)

  if ((newFlags & VM) !== 0 && cpu.cpl === 0 && size === 4) {
    returnToV86(cpu, newEip, cs, newFlags)
    return
  }

  const target = checkReturnCodeSegment(cpu, cs, newEip, size)
  const rpl = cs & 3
  const oldCpl = cpu.cpl
  if (rpl === oldCpl) {
    adjustStack(cpu, 3 * size)
    markDescriptorAccessed(cpu)
    loadCacheFromDescriptor(cpu, Seg.CS, cs)
    cpu.eip = target
    writeIretFlags(cpu, newFlags, size, oldCpl)
    return
  }
  const newEsp = readStack(cpu, 3 * size, size)
  const newSs = readStack(cpu, 4 * size, size) & 0xffff
  checkOuterStackKeepingCode(cpu, newSs, rpl)
  markDescriptorAccessed(cpu)
  loadCacheFromDescriptor(cpu, Seg.CS, cs)
  cpu.setCpl(rpl)
  cpu.eip = target
  writeIretFlags(cpu, newFlags, size, oldCpl)
  loadSegment(cpu, Seg.SS, newSs)
  loadStackPointer(cpu, newEsp)
  nullInaccessibleSegments(cpu)
}

/** EFLAGS as IRET loads them in protected mode, with the privilege of the code that executed IRET. */
function writeIretFlags(cpu: CpuCore, value: number, size: number, cpl: number): void {
  let mask = ARITH_FLAGS | TF | DF | NT
  if (size === 4) mask |= AC | ID | RF
  if (cpl <= cpu.iopl) mask |= IF
  if (cpl === 0) {
    mask |= IOPL
    if (size === 4) mask |= VIF | VIP
  }
  cpu.flags = (materializeFlags(cpu) & ~mask) | (value & mask) | EFLAGS_FIXED
}

/** IRETD at CPL 0 with VM set in the popped EFLAGS: the frame also holds ESP, SS, ES, DS, FS, GS. */
function returnToV86(cpu: CpuCore, eip: number, cs: number, flags: number): void {
  const esp = readStack(cpu, 12, 4)
  const ss = readStack(cpu, 16, 4)
  const es = readStack(cpu, 20, 4)
  const ds = readStack(cpu, 24, 4)
  const fs = readStack(cpu, 28, 4)
  const gs = readStack(cpu, 32, 4)
  cpu.flags = (flags & (ARITH_FLAGS | TF | IF | DF | IOPL | NT | RF | VM | AC | VIF | VIP | ID)) | EFLAGS_FIXED
  cpu.lazyMask = 0
  setVm(cpu, true)
  cpu.setCpl(3)
  setSegmentCache(cpu, Seg.CS, cs, (cs & 0xffff) << 4, 0xffff, 0xfb)
  setSegmentCache(cpu, Seg.SS, ss, (ss & 0xffff) << 4, 0xffff, 0xf3)
  setSegmentCache(cpu, Seg.ES, es, (es & 0xffff) << 4, 0xffff, 0xf3)
  setSegmentCache(cpu, Seg.DS, ds, (ds & 0xffff) << 4, 0xffff, 0xf3)
  setSegmentCache(cpu, Seg.FS, fs, (fs & 0xffff) << 4, 0xffff, 0xf3)
  setSegmentCache(cpu, Seg.GS, gs, (gs & 0xffff) << 4, 0xffff, 0xf3)
  cpu.regs[Reg.ESP] = esp
  cpu.eip = eip & 0xffff
}

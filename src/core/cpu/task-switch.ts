/**
 * Hardware task switching (SDM Vol. 3, 7.3): JMP/CALL to a TSS or task gate,
 * interrupts through task gates, and IRET with NT set. 32-bit and 16-bit TSSs.
 */
import {Seg} from './api.js'
import {CR0_TS, EFLAGS_FIXED, GP, NT, TS, VM} from './constants.js'
import {push} from './execute/operands.js'
import {materializeFlags} from './flags.js'
import {setVm} from './interrupts.js'
import {readSystem, tlbFlushAll, writeSystem} from './mmu.js'
import {
  ACC_PRESENT, descriptorAccess, descriptorBase, descriptorLimit, loadCacheFromDescriptor, loadSegment,
  readDescriptor, setSegmentCache,
} from './segmentation.js'
import {FAULT, NO_ERROR_CODE, raise} from './signals.js'
import type {CpuCore} from './state.js'

export enum TaskSwitchSource { Jump = 0, Call = 1, Interrupt = 2, Iret = 3 }

const BUSY = 0x200 // type bit 1 in the high dword of a TSS descriptor

/** Segment register slots in a 32-bit TSS (ES, CS, SS, DS, FS, GS at 0x48 + 4n). */
const TSS32_SEG = 0x48
const TSS16_SEG = 0x22

export function switchTask(cpu: CpuCore, selector: number, source: TaskSwitchSource, errorCode: number): void {
  const errSel = selector & 0xfffc
  if ((selector & 4) !== 0 || !readDescriptor(cpu, selector)) raise(cpu, source === TaskSwitchSource.Iret ? TS : GP, errSel)
  const newLo = cpu.descLo
  const newHi = cpu.descHi
  const newDescAddr = cpu.descAddr
  const access = descriptorAccess(newHi)
  const type = access & 0x1f
  const wantBusy = source === TaskSwitchSource.Iret
  const valid = wantBusy ? type === 3 || type === 11 : type === 1 || type === 9
  if (!valid) raise(cpu, source === TaskSwitchSource.Iret ? TS : GP, errSel)
  if ((access & ACC_PRESENT) === 0) raise(cpu, 11, errSel)
  const new32 = (type & 8) !== 0
  const newBase = descriptorBase(newLo, newHi)
  const newLimit = descriptorLimit(newLo, newHi)
  if (newLimit < (new32 ? 0x67 : 0x2b)) raise(cpu, TS, errSel)

  // 1. Save the outgoing task's state into its TSS.
  const old32 = (cpu.trAccess & 8) !== 0
  const oldBase = cpu.trBase
  let flags = materializeFlags(cpu)
  if (source === TaskSwitchSource.Iret) flags &= ~NT
  if (old32) {
    writeSystem(cpu, oldBase + 0x20, 4, cpu.eip)
    writeSystem(cpu, oldBase + 0x24, 4, flags)
    for (let r = 0; r < 8; r++) writeSystem(cpu, oldBase + 0x28 + r * 4, 4, cpu.regs[r]!)
    for (let s = 0; s < 6; s++) writeSystem(cpu, oldBase + TSS32_SEG + s * 4, 2, cpu.segSel[s]!)
  } else {
    writeSystem(cpu, oldBase + 0x0e, 2, cpu.eip)
    writeSystem(cpu, oldBase + 0x10, 2, flags)
    for (let r = 0; r < 8; r++) writeSystem(cpu, oldBase + 0x12 + r * 2, 2, cpu.regs[r]!)
    for (let s = 0; s < 4; s++) writeSystem(cpu, oldBase + TSS16_SEG + s * 2, 2, cpu.segSel[s]!)
  }

  // 2. Busy bits and the back link.
  if (source === TaskSwitchSource.Jump || source === TaskSwitchSource.Iret) setBusy(cpu, cpu.trSel, false)
  if (source !== TaskSwitchSource.Iret) {
    const hi = readSystem(cpu, newDescAddr + 4, 4)
    writeSystem(cpu, newDescAddr + 4, 4, hi | BUSY)
  }
  const nested = source === TaskSwitchSource.Call || source === TaskSwitchSource.Interrupt
  if (nested) writeSystem(cpu, newBase, 2, cpu.trSel)

  // 3. Read the incoming state.
  let eip: number
  let newFlags: number
  let ldt: number
  const sels = cpu.taskScratch
  if (new32) {
    const cr3 = readSystem(cpu, newBase + 0x1c, 4)
    eip = readSystem(cpu, newBase + 0x20, 4) >>> 0
    newFlags = readSystem(cpu, newBase + 0x24, 4)
    for (let r = 0; r < 8; r++) cpu.regs[r] = readSystem(cpu, newBase + 0x28 + r * 4, 4)
    for (let s = 0; s < 6; s++) sels[s] = readSystem(cpu, newBase + TSS32_SEG + s * 4, 2) & 0xffff
    ldt = readSystem(cpu, newBase + 0x60, 2) & 0xffff
    if (cpu.paging && cr3 !== cpu.cr3) {
      cpu.cr3 = cr3
      tlbFlushAll(cpu)
    }
  } else {
    eip = readSystem(cpu, newBase + 0x0e, 2) & 0xffff
    newFlags = (readSystem(cpu, newBase + 0x10, 2) & 0xffff)
    for (let r = 0; r < 8; r++) cpu.setReg16(r, readSystem(cpu, newBase + 0x12 + r * 2, 2))
    for (let s = 0; s < 4; s++) sels[s] = readSystem(cpu, newBase + TSS16_SEG + s * 2, 2) & 0xffff
    sels[4] = 0
    sels[5] = 0
    ldt = readSystem(cpu, newBase + 0x2a, 2) & 0xffff
  }

  // 4. Switch TR, EFLAGS, CR0.TS.
  cpu.trSel = selector & 0xffff
  cpu.trBase = newBase
  cpu.trLimit = newLimit
  cpu.trAccess = access | (source === TaskSwitchSource.Iret ? 0 : 2)
  if (nested) newFlags |= NT
  cpu.flags = newFlags | EFLAGS_FIXED
  cpu.lazyMask = 0
  cpu.cr0 |= CR0_TS
  cpu.eip = eip
  cpu.leaveBlock = true

  // The switch is committed: a fault from here on is taken in the new task, at its EIP and ESP.
  cpu.startEip = eip
  cpu.startEsp = cpu.regs[4]!

  // 5. LDT and segment registers; faults here are reported as #TS in the new task.
  try {
    loadLdt(cpu, ldt)
    if ((newFlags & VM) !== 0) {
      setVm(cpu, true)
      cpu.setCpl(3)
      for (let s = 0; s < 6; s++) setSegmentCache(cpu, s, sels[s]!, sels[s]! << 4, 0xffff, s === Seg.CS ? 0xfb : 0xf3)
    } else {
      setVm(cpu, false)
      loadTaskCodeSegment(cpu, sels[Seg.CS]!)
      loadSegment(cpu, Seg.SS, sels[Seg.SS]!)
      for (const s of [Seg.ES, Seg.DS, Seg.FS, Seg.GS]) loadSegment(cpu, s, sels[s]!)
    }
  } catch (e) {
    if (e === FAULT && cpu.faultVector === GP) raise(cpu, TS, cpu.faultErrorCode)
    throw e
  }
  if (errorCode !== NO_ERROR_CODE) push(cpu, new32 ? 4 : 2, errorCode)
}

function setBusy(cpu: CpuCore, selector: number, busy: boolean): void {
  if (!readDescriptor(cpu, selector)) return
  writeSystem(cpu, cpu.descAddr + 4, 4, busy ? cpu.descHi | BUSY : cpu.descHi & ~BUSY)
}

function loadLdt(cpu: CpuCore, selector: number): void {
  if ((selector & 0xfffc) === 0) {
    cpu.ldtrSel = 0
    cpu.ldtrBase = 0
    cpu.ldtrLimit = 0
    return
  }
  if ((selector & 4) !== 0 || !readDescriptor(cpu, selector)) raise(cpu, TS, selector & 0xfffc)
  if ((descriptorAccess(cpu.descHi) & 0x9f) !== 0x82) raise(cpu, TS, selector & 0xfffc)
  cpu.ldtrSel = selector
  cpu.ldtrBase = descriptorBase(cpu.descLo, cpu.descHi)
  cpu.ldtrLimit = descriptorLimit(cpu.descLo, cpu.descHi)
}

function loadTaskCodeSegment(cpu: CpuCore, selector: number): void {
  if ((selector & 0xfffc) === 0 || !readDescriptor(cpu, selector)) raise(cpu, TS, selector & 0xfffc)
  const access = descriptorAccess(cpu.descHi)
  if ((access & 0x18) !== 0x18) raise(cpu, TS, selector & 0xfffc)
  if ((access & ACC_PRESENT) === 0) raise(cpu, 11, selector & 0xfffc)
  cpu.setCpl(selector & 3)
  loadCacheFromDescriptor(cpu, Seg.CS, selector)
}


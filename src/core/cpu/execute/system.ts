/**
 * System instructions: descriptor-table registers, control and debug registers,
 * CLI/STI, HLT, CPUID, RDTSC, RDMSR/WRMSR, cache and TLB control, the protected-
 * mode query instructions (ARPL, LAR, LSL, VERR, VERW), the absent x87 (ESC and
 * WAIT), UD2 and VMCALL.
 */
import {ExitReason, Reg} from '../api.js'
import {
  CR0_CD, CR0_EM, CR0_ET, CR0_MP, CR0_NW, CR0_PE, CR0_PG, CR0_TS, CR0_WP, CR4_DE, CR4_PSE, CR4_SUPPORTED, CR4_TSD, GP, IF, NM, NP, UD, ZF,
} from '../constants.js'
import type {Instr} from '../decoder/instr.js'
import {nativeCpuid} from '../cpuid.js'
import {DR6_FIXED, writeDr7} from '../debug.js'
import {materializeFlags} from '../flags.js'
import {read16, read32, tlbFlushAll, tlbFlushPage, write16, write32, writeSystem} from '../mmu.js'
import {isKnownMsr, readMsr, readTsc, writeMsr} from '../msr.js'
import {
  ACC_CODE, ACC_DC, ACC_PRESENT, ACC_RW, ACC_S, accessDpl, descriptorAccess, descriptorBase, descriptorLimit,
  linearAddress, readDescriptor, updateAllSegmentChecks,
} from '../segmentation.js'
import {EXIT, raise} from '../signals.js'
import type {CpuCore} from '../state.js'
import {effectiveAddress, readRm16, writeRm16} from './operands.js'
import {waitForFpu} from '../fpu/instruction-context.js'

/** Privileged instructions need CPL 0 in protected mode and are #GP(0) in virtual-8086 mode. */
export function requireCpl0(cpu: CpuCore): void {
  if (cpu.protectedMode && (cpu.v86 || cpu.cpl !== 0)) raise(cpu, GP, 0)
}

/** Instructions that only exist in protected mode (not real, not V86) raise #UD elsewhere. */
function requireProtectedMode(cpu: CpuCore): void {
  if (!cpu.protectedMode || cpu.v86) raise(cpu, UD)
}

function exitWith(cpu: CpuCore, reason: ExitReason): never {
  cpu.exit.reason = reason
  throw EXIT
}

// ---------------------------------------------------------------------------
// Control registers
// ---------------------------------------------------------------------------

export function writeCr0(cpu: CpuCore, value: number): void {
  value = (value | CR0_ET) | 0
  if ((value & CR0_PG) !== 0 && (value & CR0_PE) === 0) raise(cpu, GP, 0)
  if ((value & CR0_NW) !== 0 && (value & CR0_CD) === 0) raise(cpu, GP, 0)
  const old = cpu.cr0
  cpu.cr0 = value
  cpu.paging = (value & CR0_PG) !== 0
  if (((old ^ value) & (CR0_PG | CR0_WP | CR0_PE)) !== 0) tlbFlushAll(cpu)
  if (((old ^ value) & CR0_PE) !== 0) {
    cpu.protectedMode = (value & CR0_PE) !== 0
    if (!cpu.protectedMode) {
      cpu.v86 = false
      cpu.setCpl(0)
    }
    updateAllSegmentChecks(cpu)
  }
  cpu.leaveBlock = true
}

export function writeCr3(cpu: CpuCore, value: number): void {
  cpu.cr3 = value | 0
  tlbFlushAll(cpu)
  cpu.leaveBlock = true // the next fetch may come from another physical page
}

export function writeCr4(cpu: CpuCore, value: number): void {
  if ((value & ~CR4_SUPPORTED) !== 0) raise(cpu, GP, 0)
  if (((cpu.cr4 ^ value) & CR4_PSE) !== 0) tlbFlushAll(cpu)
  cpu.cr4 = value
  cpu.leaveBlock = true
}

/** MOV r32, CRn (0F 20) and MOV CRn, r32 (0F 22). The r/m field always names a register. */
export function movCr(cpu: CpuCore, i: Instr): void {
  requireCpl0(cpu)
  const n = i.reg
  if (n === 1 || n > 4) raise(cpu, UD)
  if (i.opcode === 0x120) {
    cpu.regs[i.rm] = n === 0 ? cpu.cr0 : n === 2 ? cpu.cr2 : n === 3 ? cpu.cr3 : cpu.cr4
    return
  }
  const v = cpu.regs[i.rm]!
  if (n === 0) writeCr0(cpu, v)
  else if (n === 2) cpu.cr2 = v
  else if (n === 3) writeCr3(cpu, v)
  else writeCr4(cpu, v)
}

/** MOV r32, DRn (0F 21) and MOV DRn, r32 (0F 23); DR4/DR5 alias DR6/DR7 unless CR4.DE makes them #UD. */
export function movDr(cpu: CpuCore, i: Instr): void {
  if ((i.reg === 4 || i.reg === 5) && (cpu.cr4 & CR4_DE) !== 0) raise(cpu, UD)
  requireCpl0(cpu)
  const n = i.reg === 4 ? 6 : i.reg === 5 ? 7 : i.reg
  if (i.opcode === 0x121) cpu.regs[i.rm] = n === 6 ? cpu.dr[6]! | DR6_FIXED : cpu.dr[n]!
  else if (n === 7) writeDr7(cpu, cpu.regs[i.rm]!)
  else cpu.dr[n] = cpu.regs[i.rm]!
}

/** CLTS (0F 06) */
export function clts(cpu: CpuCore): void {
  requireCpl0(cpu)
  cpu.cr0 &= ~CR0_TS
}

/** SMSW r/m (0F 01 /4): a register destination gets CR0 (low word for 16-bit operands). */
export function smsw(cpu: CpuCore, i: Instr): void {
  if (!i.isMem && i.opSize === 4) cpu.regs[i.rm] = cpu.cr0
  else writeRm16(cpu, i, cpu.cr0 & 0xffff)
}

/** LMSW r/m16 (0F 01 /6): changes PE (set only), MP, EM, TS. */
export function lmsw(cpu: CpuCore, i: Instr): void {
  requireCpl0(cpu)
  const v = readRm16(cpu, i)
  const mask = CR0_MP | CR0_EM | CR0_TS
  writeCr0(cpu, (cpu.cr0 & ~mask) | (v & mask) | (v & CR0_PE) | (cpu.cr0 & CR0_PE))
}

// ---------------------------------------------------------------------------
// Descriptor-table registers
// ---------------------------------------------------------------------------

/** SGDT (0F 01 /0) and SIDT (0F 01 /1); with mod=3, 0F 01 C1 is VMCALL. */
export function storeTableRegister(cpu: CpuCore, i: Instr): void {
  if (!i.isMem) {
    if (i.reg === 0 && i.rm === 1) {
      vmcall(cpu)
      return
    }
    raise(cpu, UD)
  }
  const idt = i.reg === 1
  const base = idt ? cpu.idtrBase : cpu.gdtrBase
  const limit = idt ? cpu.idtrLimit : cpu.gdtrLimit
  const ea = effectiveAddress(cpu, i)
  const linear = linearAddress(cpu, i.seg, ea, 6, true)
  write16(cpu, linear, limit)
  write32(cpu, (linear + 2) | 0, i.opSize === 2 ? base & 0xffffff : base)
}

/** LGDT (0F 01 /2) and LIDT (0F 01 /3): with a 16-bit operand only 24 bits of base are loaded. */
export function loadTableRegister(cpu: CpuCore, i: Instr): void {
  if (!i.isMem) raise(cpu, UD)
  requireCpl0(cpu)
  const linear = linearAddress(cpu, i.seg, effectiveAddress(cpu, i), 6, false)
  const limit = read16(cpu, linear)
  let base = read32(cpu, (linear + 2) | 0)
  if (i.opSize === 2) base &= 0xffffff
  if (i.reg === 3) {
    cpu.idtrBase = base
    cpu.idtrLimit = limit
  } else {
    cpu.gdtrBase = base
    cpu.gdtrLimit = limit
  }
}

/** SLDT (0F 00 /0) and STR (0F 00 /1) */
export function storeSystemSelector(cpu: CpuCore, i: Instr): void {
  requireProtectedMode(cpu)
  const sel = i.reg === 0 ? cpu.ldtrSel : cpu.trSel
  if (!i.isMem) cpu.writeReg(i.opSize, i.rm, sel)
  else writeRm16(cpu, i, sel)
}

/** LLDT r/m16 (0F 00 /2) */
export function lldt(cpu: CpuCore, i: Instr): void {
  requireProtectedMode(cpu)
  requireCpl0(cpu)
  const sel = readRm16(cpu, i)
  if ((sel & 0xfffc) === 0) {
    cpu.ldtrSel = 0
    cpu.ldtrBase = 0
    cpu.ldtrLimit = 0
    return
  }
  if ((sel & 4) !== 0 || !readDescriptor(cpu, sel)) raise(cpu, GP, sel & 0xfffc)
  const access = descriptorAccess(cpu.descHi)
  if ((access & 0x1f) !== 2) raise(cpu, GP, sel & 0xfffc)
  if ((access & ACC_PRESENT) === 0) raise(cpu, NP, sel & 0xfffc)
  cpu.ldtrSel = sel
  cpu.ldtrBase = descriptorBase(cpu.descLo, cpu.descHi)
  cpu.ldtrLimit = descriptorLimit(cpu.descLo, cpu.descHi)
}

/** LTR r/m16 (0F 00 /3): the TSS must be available; it becomes busy. */
export function ltr(cpu: CpuCore, i: Instr): void {
  requireProtectedMode(cpu)
  requireCpl0(cpu)
  const sel = readRm16(cpu, i)
  if ((sel & 0xfffc) === 0) raise(cpu, GP, 0)
  if ((sel & 4) !== 0 || !readDescriptor(cpu, sel)) raise(cpu, GP, sel & 0xfffc)
  const access = descriptorAccess(cpu.descHi)
  const type = access & 0x1f
  if (type !== 1 && type !== 9) raise(cpu, GP, sel & 0xfffc)
  if ((access & ACC_PRESENT) === 0) raise(cpu, NP, sel & 0xfffc)
  writeSystem(cpu, (cpu.descAddr + 4) | 0, 4, cpu.descHi | 0x200)
  cpu.trSel = sel
  cpu.trBase = descriptorBase(cpu.descLo, cpu.descHi)
  cpu.trLimit = descriptorLimit(cpu.descLo, cpu.descHi)
  cpu.trAccess = access | 2
}

// ---------------------------------------------------------------------------
// Protected-mode queries: ARPL, LAR, LSL, VERR, VERW
// ---------------------------------------------------------------------------

function setZF(cpu: CpuCore, on: boolean): void {
  const f = materializeFlags(cpu)
  cpu.flags = on ? f | ZF : f & ~ZF
}

/** ARPL r/m16, r16 (63) */
export function arpl(cpu: CpuCore, i: Instr): void {
  requireProtectedMode(cpu)
  const dest = readRm16(cpu, i)
  const src = cpu.regs[i.reg]! & 3
  if ((dest & 3) < src) {
    writeRm16(cpu, i, (dest & ~3) | src)
    setZF(cpu, true)
  } else {
    setZF(cpu, false)
  }
}

/**
 * Read the descriptor for a LAR/LSL/VERR/VERW operand if it is visible at the
 * current privilege; returns its access rights or -1.
 */
function visibleDescriptor(cpu: CpuCore, sel: number, systemTypes: number): number {
  if ((sel & 0xfffc) === 0 || !readDescriptor(cpu, sel)) return -1
  const access = descriptorAccess(cpu.descHi)
  if ((access & ACC_S) === 0) {
    if (((systemTypes >> (access & 0xf)) & 1) === 0) return -1
  }
  const conformingCode = (access & (ACC_S | ACC_CODE | ACC_DC)) === (ACC_S | ACC_CODE | ACC_DC)
  const dpl = accessDpl(access)
  if (!conformingCode && (dpl < cpu.cpl || dpl < (sel & 3))) return -1
  return access
}

/** LAR (0F 02): access rights of a segment, LDT, TSS or gate. */
export function lar(cpu: CpuCore, i: Instr): void {
  requireProtectedMode(cpu)
  const access = visibleDescriptor(cpu, readRm16(cpu, i), 0b0001101000111110)
  if (access < 0) return setZF(cpu, false)
  cpu.writeReg(i.opSize, i.reg, cpu.descHi & (i.opSize === 4 ? 0x00ffff00 : 0xff00))
  setZF(cpu, true)
}

/** LSL (0F 03): the byte-granular limit of a segment, LDT or TSS. */
export function lsl(cpu: CpuCore, i: Instr): void {
  requireProtectedMode(cpu)
  const access = visibleDescriptor(cpu, readRm16(cpu, i), 0b0000101000001110)
  if (access < 0) return setZF(cpu, false)
  cpu.writeReg(i.opSize, i.reg, descriptorLimit(cpu.descLo, cpu.descHi))
  setZF(cpu, true)
}

/** VERR (0F 00 /4) and VERW (0F 00 /5) */
export function verify(cpu: CpuCore, i: Instr): void {
  requireProtectedMode(cpu)
  const access = visibleDescriptor(cpu, readRm16(cpu, i), 0)
  let ok = access >= 0 && (access & ACC_S) !== 0
  if (ok) {
    const code = (access & ACC_CODE) !== 0
    ok = i.reg === 4 ? !code || (access & ACC_RW) !== 0 : !code && (access & ACC_RW) !== 0
  }
  setZF(cpu, ok)
}

// ---------------------------------------------------------------------------
// Interrupt flag, halt, caches, TLB
// ---------------------------------------------------------------------------

/** CLI (FA): needs CPL <= IOPL in protected mode, IOPL 3 in V86 mode. */
export function cli(cpu: CpuCore): void {
  if (cpu.protectedMode && cpu.cpl > cpu.iopl) raise(cpu, GP, 0)
  cpu.flags &= ~IF
}

/** STI (FB): interrupts stay held off until after the next instruction. */
export function sti(cpu: CpuCore): void {
  if (cpu.protectedMode && cpu.cpl > cpu.iopl) raise(cpu, GP, 0)
  if ((cpu.flags & IF) === 0) cpu.interruptShadow = true
  cpu.flags |= IF
  cpu.leaveBlock = true
}

/** HLT (F4): retires, then the run loop reports the Hlt exit. */
export function hlt(cpu: CpuCore): void {
  requireCpl0(cpu)
  cpu.halted = true
  cpu.leaveBlock = true
}

/** INVD (0F 08): exits when intercepted; there are no caches to drop otherwise. */
export function invd(cpu: CpuCore): void {
  requireCpl0(cpu)
  if (cpu.intercepts.invd) exitWith(cpu, ExitReason.Invd)
}

/** WBINVD (0F 09) */
export function wbinvd(cpu: CpuCore): void {
  requireCpl0(cpu)
}

/** INVLPG m (0F 01 /7) */
export function invlpg(cpu: CpuCore, i: Instr): void {
  if (!i.isMem) raise(cpu, UD)
  requireCpl0(cpu)
  tlbFlushPage(cpu, (cpu.segBase[i.seg]! + effectiveAddress(cpu, i)) | 0)
  cpu.leaveBlock = true
}

// ---------------------------------------------------------------------------
// CPUID, RDTSC, MSRs, VMCALL
// ---------------------------------------------------------------------------

/** CPUID (0F A2) */
export function cpuid(cpu: CpuCore): void {
  const leaf = cpu.regs[Reg.EAX]! >>> 0
  const subleaf = cpu.regs[Reg.ECX]! >>> 0
  if (cpu.intercepts.cpuid) {
    cpu.exit.leaf = leaf
    cpu.exit.subleaf = subleaf
    exitWith(cpu, ExitReason.Cpuid)
  }
  const [a, b, c, d] = nativeCpuid(leaf, subleaf)
  cpu.regs[Reg.EAX] = a
  cpu.regs[Reg.EBX] = b
  cpu.regs[Reg.ECX] = c
  cpu.regs[Reg.EDX] = d
}

/** RDTSC (0F 31): #GP(0) outside ring 0 when CR4.TSD is set. One tick per retired instruction. */
export function rdtsc(cpu: CpuCore): void {
  if ((cpu.cr4 & CR4_TSD) !== 0 && cpu.protectedMode && cpu.cpl !== 0) raise(cpu, GP, 0)
  const tsc = readTsc(cpu)
  cpu.regs[Reg.EAX] = tsc % 4294967296
  cpu.regs[Reg.EDX] = Math.floor(tsc / 4294967296)
}

/** RDMSR (0F 32) */
export function rdmsr(cpu: CpuCore): void {
  requireCpl0(cpu)
  const msr = cpu.regs[Reg.ECX]! >>> 0
  if (cpu.intercepts.msrs.has(msr) || !isKnownMsr(msr)) {
    cpu.exit.msr = msr
    exitWith(cpu, ExitReason.MsrRead)
  }
  readMsr(cpu, msr)
}

/** WRMSR (0F 30) */
export function wrmsr(cpu: CpuCore): void {
  requireCpl0(cpu)
  const msr = cpu.regs[Reg.ECX]! >>> 0
  const lo = cpu.regs[Reg.EAX]!
  const hi = cpu.regs[Reg.EDX]!
  if (cpu.intercepts.msrs.has(msr) || !isKnownMsr(msr)) {
    cpu.exit.msr = msr
    cpu.exit.valueLo = lo >>> 0
    cpu.exit.valueHi = hi >>> 0
    exitWith(cpu, ExitReason.MsrWrite)
  }
  writeMsr(cpu, msr, lo, hi)
}

/** VMCALL (0F 01 C1): a hypercall when the host intercepts it, #UD otherwise. */
export function vmcall(cpu: CpuCore): void {
  if (!cpu.intercepts.vmcall) raise(cpu, UD)
  exitWith(cpu, ExitReason.Vmcall)
}

// ---------------------------------------------------------------------------
// ESC encodings the x87 does not define, WAIT, and the undefined instructions
// ---------------------------------------------------------------------------

/** An unused ESC (D8-DF) encoding: #NM when CR0.EM or CR0.TS asks the OS to emulate or switch the FPU, #UD otherwise. */
export function fpuEscape(cpu: CpuCore): void {
  if ((cpu.cr0 & (CR0_EM | CR0_TS)) !== 0) raise(cpu, NM)
  raise(cpu, UD)
}

/** WAIT/FWAIT (9B): #NM only when CR0.MP and CR0.TS are both set; then a pending x87 exception is delivered. */
export function fwait(cpu: CpuCore): void {
  if ((cpu.cr0 & (CR0_MP | CR0_TS)) === (CR0_MP | CR0_TS)) raise(cpu, NM)
  waitForFpu(cpu)
}

export function undefinedOpcode(cpu: CpuCore): void {
  raise(cpu, UD)
}

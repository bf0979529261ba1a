/**
 * Segmentation: descriptor table lookups, loading segment registers with the
 * protection checks of the SDM (Vol. 3, 5.4-5.8), and the limit/type checks of
 * every data access.
 */
import {Seg} from './api.js'
import {GP, NP, SS_VECTOR} from './constants.js'
import {readSystem, writeSystem} from './mmu.js'
import {raise} from './signals.js'
import {type CpuCore, SEG_READABLE, SEG_WRITABLE} from './state.js'

// Access-rights bits (descriptor bytes 5-6 as in SegmentRegister.access).
export const ACC_ACCESSED = 0x01
export const ACC_RW = 0x02 // readable code / writable data
export const ACC_DC = 0x04 // conforming code / expand-down data
export const ACC_CODE = 0x08
export const ACC_S = 0x10 // code or data (not system)
export const ACC_PRESENT = 0x80
export const ACC_DB = 0x4000
export const ACC_G = 0x8000

export function accessDpl(access: number): number {
  return (access >> 5) & 3
}

/** Base, limit and access rights from the two dwords of a descriptor. */
export function descriptorBase(lo: number, hi: number): number {
  return ((lo >>> 16) | ((hi & 0xff) << 16) | (hi & 0xff000000)) | 0
}
export function descriptorLimit(lo: number, hi: number): number {
  const raw = (lo & 0xffff) | (hi & 0xf0000)
  return (hi & 0x800000) !== 0 ? ((raw << 12) | 0xfff) >>> 0 : raw
}
export function descriptorAccess(hi: number): number {
  return (hi >> 8) & 0xf0ff
}

/** Fill the hidden part of a segment register and derive the checks data accesses use. */
export function setSegmentCache(cpu: CpuCore, s: number, selector: number, base: number, limit: number, access: number): void {
  cpu.segSel[s] = selector & 0xffff
  cpu.segBase[s] = base | 0
  cpu.segLimit[s] = limit >>> 0
  cpu.segAccess[s] = access
  updateSegmentChecks(cpu, s)
  if (s === Seg.CS) cpu.leaveBlock = true
}

/** Recompute the offset range and read/write permission of segment `s` for the current mode. */
export function updateSegmentChecks(cpu: CpuCore, s: number): void {
  const access = cpu.segAccess[s]!
  const limit = cpu.segLimit[s]!
  if ((access & (ACC_S | ACC_CODE | ACC_DC)) === (ACC_S | ACC_DC)) {
    // Expand-down data: valid offsets are above the limit.
    cpu.segLo[s] = limit + 1
    cpu.segHi[s] = (access & ACC_DB) !== 0 ? 0xffffffff : 0xffff
  } else {
    cpu.segLo[s] = 0
    cpu.segHi[s] = limit
  }
  let flags: number
  if (!cpu.protectedMode || cpu.v86) flags = SEG_READABLE | SEG_WRITABLE
  else if ((access & (ACC_PRESENT | ACC_S)) !== (ACC_PRESENT | ACC_S)) flags = 0
  else if ((access & ACC_CODE) !== 0) flags = (access & ACC_RW) !== 0 ? SEG_READABLE : 0
  else flags = SEG_READABLE | ((access & ACC_RW) !== 0 ? SEG_WRITABLE : 0)
  cpu.segFlags[s] = flags
  updateFlatBit(cpu, s)
}

/** `cpu.flatMask` bit WIDE_SEGMENT_SHIFT + s: segment s is wide. */
export const WIDE_SEGMENT_SHIFT = 8

/**
 * Keep `cpu.flatMask` up to date. Bit s is set when segment s spans the whole
 * 4 GiB with base 0 and allows reads and writes (for SS also: a 32-bit stack),
 * so that compiled code may use offsets as linear addresses (code-cache.ts).
 * Bit WIDE_SEGMENT_SHIFT + s is set when it spans 4 GiB, readable and
 * writable, from any base ("wide"): no offset can fault on its limit, so
 * compiled code adds the base and goes on (Linux's per-CPU FS and its GS).
 */
function updateFlatBit(cpu: CpuCore, s: number): void {
  const wide = cpu.segLo[s] === 0 && cpu.segHi[s] === 0xffffffff &&
    (s === Seg.CS || cpu.segFlags[s] === (SEG_READABLE | SEG_WRITABLE)) &&
    (s !== Seg.SS || (cpu.segAccess[s]! & ACC_DB) !== 0) &&
    (s !== Seg.CS || (cpu.segAccess[s]! & ACC_DB) !== 0)
  const flat = wide && cpu.segBase[s] === 0
  const bits = (1 << s) | (1 << (WIDE_SEGMENT_SHIFT + s))
  const mask = (cpu.flatMask & ~bits) | (flat ? 1 << s : 0) | (wide ? 1 << (WIDE_SEGMENT_SHIFT + s) : 0)
  // A compiled block checked the segments it uses when it started: one that stops
  // being flat under it (MOV DS inside the block, say) must end the block there.
  if (mask !== cpu.flatMask) cpu.leaveBlock = true
  cpu.flatMask = mask
}

/** Real-mode style load: selector and base only (the cached limit and attributes stay). */
export function setRealModeSelector(cpu: CpuCore, s: number, selector: number): void {
  cpu.segSel[s] = selector & 0xffff
  cpu.segBase[s] = (selector & 0xffff) << 4
  updateFlatBit(cpu, s)
  if (s === Seg.CS) cpu.leaveBlock = true
}

export function updateAllSegmentChecks(cpu: CpuCore): void {
  for (let s = 0; s < 6; s++) updateSegmentChecks(cpu, s)
}

/** The fault a bad access through segment `s` raises: #SS(0) for the stack, #GP(0) otherwise. */
export function segmentFault(cpu: CpuCore, s: number): never {
  return raise(cpu, s === Seg.SS ? SS_VECTOR : GP, 0)
}

/**
 * Linear address of a data access of `size` bytes at `offset` in segment `s`,
 * after the limit and type checks.
 */
export function linearAddress(cpu: CpuCore, s: number, offset: number, size: number, write: boolean): number {
  const off = offset >>> 0
  if (off < cpu.segLo[s]! || off + size - 1 > cpu.segHi[s]! || (cpu.segFlags[s]! & (write ? SEG_WRITABLE : SEG_READABLE)) === 0) {
    segmentFault(cpu, s)
  }
  return (cpu.segBase[s]! + off) | 0
}

/**
 * Read the descriptor for `selector` into cpu.descLo/descHi/descAddr.
 * Returns false when the selector is outside its table.
 */
export function readDescriptor(cpu: CpuCore, selector: number): boolean {
  const index = selector & 0xfff8
  let base: number
  let limit: number
  if ((selector & 4) !== 0) {
    if ((cpu.ldtrSel & 0xfffc) === 0) return false
    base = cpu.ldtrBase
    limit = cpu.ldtrLimit
  } else {
    base = cpu.gdtrBase
    limit = cpu.gdtrLimit
  }
  if (index + 7 > limit) return false
  cpu.descAddr = (base + index) | 0
  cpu.descLo = readSystem(cpu, cpu.descAddr, 4)
  cpu.descHi = readSystem(cpu, (cpu.descAddr + 4) | 0, 4)
  return true
}

/** Set the accessed bit of the descriptor last read, as loading a segment register does. */
export function markDescriptorAccessed(cpu: CpuCore): void {
  if ((cpu.descHi & 0x100) === 0) {
    cpu.descHi |= 0x100
    writeSystem(cpu, (cpu.descAddr + 5) | 0, 1, cpu.descHi >> 8)
  }
}

/** Load the segment register cache from the descriptor last read. */
export function loadCacheFromDescriptor(cpu: CpuCore, s: number, selector: number): void {
  setSegmentCache(cpu, s, selector, descriptorBase(cpu.descLo, cpu.descHi), descriptorLimit(cpu.descLo, cpu.descHi), descriptorAccess(cpu.descHi))
}

/** Real mode and virtual-8086 mode: the base is the selector times 16. */
function loadRealModeSegment(cpu: CpuCore, s: number, selector: number): void {
  selector &= 0xffff
  if (cpu.v86) {
    setSegmentCache(cpu, s, selector, selector << 4, 0xffff, s === Seg.CS ? 0xfb : 0xf3)
  } else {
    // Real mode keeps the cached limit and attributes ("unreal mode" relies on it).
    setRealModeSelector(cpu, s, selector)
  }
}

/**
 * MOV/POP/LDS... to DS, ES, FS, GS or SS. CS is only loaded by control transfers
 * (control.ts and interrupts.ts).
 */
export function loadSegment(cpu: CpuCore, s: number, selector: number): void {
  selector &= 0xffff
  if (!cpu.protectedMode || cpu.v86) {
    loadRealModeSegment(cpu, s, selector)
    return
  }
  const errorCode = selector & 0xfffc
  if (errorCode === 0) {
    if (s === Seg.SS) raise(cpu, GP, 0)
    setSegmentCache(cpu, s, selector, 0, 0, 0)
    return
  }
  if (!readDescriptor(cpu, selector)) raise(cpu, GP, errorCode)
  const access = descriptorAccess(cpu.descHi)
  const dpl = accessDpl(access)
  const rpl = selector & 3
  if (s === Seg.SS) {
    if (rpl !== cpu.cpl || (access & (ACC_S | ACC_CODE | ACC_RW)) !== (ACC_S | ACC_RW) || dpl !== cpu.cpl) raise(cpu, GP, errorCode)
    if ((access & ACC_PRESENT) === 0) raise(cpu, SS_VECTOR, errorCode)
  } else {
    if ((access & ACC_S) === 0 || (access & (ACC_CODE | ACC_RW)) === ACC_CODE) raise(cpu, GP, errorCode)
    const conformingCode = (access & (ACC_CODE | ACC_DC)) === (ACC_CODE | ACC_DC)
    if (!conformingCode && (rpl > dpl || cpu.cpl > dpl)) raise(cpu, GP, errorCode)
    if ((access & ACC_PRESENT) === 0) raise(cpu, NP, errorCode)
  }
  markDescriptorAccessed(cpu)
  loadCacheFromDescriptor(cpu, s, selector)
}

/**
 * After a return to an outer privilege level, data segment registers that the
 * new CPL may not use are nulled (SDM RET/IRET pseudo-code): data segments and
 * non-conforming code segments with DPL < CPL.
 */
export function nullInaccessibleSegments(cpu: CpuCore): void {
  for (let s = 0; s < 6; s++) {
    if (s === Seg.CS || s === Seg.SS) continue
    const access = cpu.segAccess[s]!
    const conformingCode = (access & (ACC_CODE | ACC_DC)) === (ACC_CODE | ACC_DC)
    if ((cpu.segSel[s]! & 0xfffc) !== 0 && !conformingCode && accessDpl(access) < cpu.cpl) setSegmentCache(cpu, s, 0, 0, 0, 0)
  }
}

/**
 * Linear and guest-physical memory: two-level paging (4 KiB pages, and 4 MiB pages
 * when CR4.PSE is set), the software TLB, and accesses to RAM, ROM and MMIO.
 *
 * The TLB has two arrays indexed by linear page number:
 *  - `tlb`: the fast path. RAM offset of the page | TLB_* permission bits, where a
 *    permission bit is only set when the access can go straight to the RAM array
 *    (not for MMIO, not writes to ROM, to pages holding decoded code, or to pages
 *    whose dirty bit is still clear).
 *  - `tlbPhys`: the slow path. Physical page address | TLB_* bits as the page
 *    tables allow them (write bits only once the dirty bit is set).
 */
import {ExitReason} from './api.js'
import {AC_VECTOR, CR0_WP, PFEC_PRESENT, PFEC_USER, PFEC_WRITE, PF_VECTOR} from './constants.js'
import {EXIT, raise} from './signals.js'
import {
  type CpuCore, TLB_READ_SUPERVISOR, TLB_READ_USER, TLB_WRITE_SUPERVISOR, TLB_WRITE_USER,
} from './state.js'
import {codeWritten} from './code-cache.js'
import {noteDataAccess} from './debug.js'

const PAGE_MASK = ~0xfff

// ---------------------------------------------------------------------------
// TLB maintenance
// ---------------------------------------------------------------------------

export function tlbFlushAll(cpu: CpuCore): void {
  const used = cpu.tlbUsed
  for (let i = 0; i < cpu.tlbUsedCount; i++) {
    cpu.tlb[used[i]!] = 0
    cpu.tlbPhys[used[i]!] = 0
  }
  cpu.tlbUsedCount = 0
}

export function tlbFlushPage(cpu: CpuCore, linear: number): void {
  const vp = linear >>> 12
  cpu.tlb[vp] = 0
  cpu.tlbPhys[vp] = 0
}

function tlbInsert(cpu: CpuCore, vp: number, physPage: number, perms: number): void {
  if (cpu.tlbPhys[vp] === 0) {
    if (cpu.tlbUsedCount === cpu.tlbUsed.length) tlbFlushAll(cpu)
    cpu.tlbUsed[cpu.tlbUsedCount++] = vp
  }
  cpu.tlbPhys[vp] = physPage | perms
  const page = physPage >>> 12
  const ramOffset = cpu.pageOffset[page]!
  if (ramOffset < 0) {
    cpu.tlb[vp] = 0
    return
  }
  let fast = perms
  if (cpu.dataBreakpoints !== 0) fast = 0 // every access must be seen by the data breakpoints
  if ((cpu.pageReadOnly[page]! & 1) !== 0 || cpu.codePages[page] !== 0) fast &= ~(TLB_WRITE_SUPERVISOR | TLB_WRITE_USER)
  // From here on writes to the page bypass the slow path: it counts as written now.
  if ((fast & (TLB_WRITE_SUPERVISOR | TLB_WRITE_USER)) !== 0) cpu.ramWritten[ramOffset >>> 12] = 1
  cpu.tlb[vp] = ramOffset | fast
}

/** Decoded code now lives on physical page `page`: writes to it must take the slow path. */
export function tlbProtectCodePage(cpu: CpuCore, page: number): void {
  const used = cpu.tlbUsed
  for (let i = 0; i < cpu.tlbUsedCount; i++) {
    const vp = used[i]!
    if (cpu.tlbPhys[vp]! >>> 12 === page) cpu.tlb[vp] = cpu.tlb[vp]! & ~(TLB_WRITE_SUPERVISOR | TLB_WRITE_USER)
  }
}

// ---------------------------------------------------------------------------
// Address translation
// ---------------------------------------------------------------------------

/** A page-table entry read from RAM; tables outside RAM read as not present. */
function readTableEntry(cpu: CpuCore, pa: number): number {
  const off = cpu.pageOffset[pa >>> 12]!
  if (off < 0) return 0
  const o = off + (pa & 0xfff)
  const ram = cpu.ram
  return ram[o]! | (ram[o + 1]! << 8) | (ram[o + 2]! << 16) | (ram[o + 3]! << 24)
}

function writeTableEntry(cpu: CpuCore, pa: number, v: number): void {
  const off = cpu.pageOffset[pa >>> 12]!
  if (off < 0 || (cpu.pageReadOnly[pa >>> 12]! & 1) !== 0) return
  cpu.ramWritten[off >>> 12] = 1
  const o = off + (pa & 0xfff)
  const ram = cpu.ram
  ram[o] = v
  ram[o + 1] = v >> 8
  ram[o + 2] = v >> 16
  ram[o + 3] = v >> 24
}

/**
 * Translate a linear address for an access by `user` (CPL 3) or supervisor code.
 * Raises #PF with CR2 and the error code on failure; sets accessed/dirty bits.
 */
export function translate(cpu: CpuCore, linear: number, write: boolean, user: boolean): number {
  const vp = linear >>> 12
  const need = write ? (user ? TLB_WRITE_USER : TLB_WRITE_SUPERVISOR) : (user ? TLB_READ_USER : TLB_READ_SUPERVISOR)
  const cached = cpu.tlbPhys[vp]!
  if ((cached & need) !== 0) return (cached & PAGE_MASK) | (linear & 0xfff)

  if (!cpu.paging) {
    const physPage = linear & PAGE_MASK & cpu.a20Mask
    tlbInsert(cpu, vp, physPage, TLB_READ_SUPERVISOR | TLB_READ_USER | TLB_WRITE_SUPERVISOR | TLB_WRITE_USER)
    return physPage | (linear & 0xfff)
  }

  const pdeAddr = (cpu.cr3 & PAGE_MASK) + ((linear >>> 22) << 2)
  const pde = readTableEntry(cpu, pdeAddr)
  const errUser = user ? PFEC_USER : 0
  const errWrite = write ? PFEC_WRITE : 0
  if ((pde & 1) === 0) return pageFault(cpu, linear, errUser | errWrite)

  let entry: number
  let entryAddr: number
  let physPage: number
  let combined: number
  const largePage = (pde & 0x80) !== 0 && (cpu.cr4 & 0x10) !== 0
  if (largePage) {
    entry = pde
    entryAddr = pdeAddr
    combined = pde
    physPage = ((pde & 0xffc00000) | (linear & 0x3ff000)) & cpu.a20Mask
  } else {
    entryAddr = (pde & PAGE_MASK) + (((linear >>> 12) & 0x3ff) << 2)
    entry = readTableEntry(cpu, entryAddr)
    if ((entry & 1) === 0) return pageFault(cpu, linear, errUser | errWrite)
    combined = pde & entry
    physPage = entry & PAGE_MASK & cpu.a20Mask
  }

  const userOk = (combined & 4) !== 0
  const rwBit = (combined & 2) !== 0
  const supervisorWriteOk = rwBit || (cpu.cr0 & CR0_WP) === 0
  if (user && !userOk) return pageFault(cpu, linear, PFEC_PRESENT | errUser | errWrite)
  if (write && !(user ? rwBit : supervisorWriteOk)) return pageFault(cpu, linear, PFEC_PRESENT | errUser | errWrite)

  // Accessed bits on both levels, dirty on the last level for writes.
  if (!largePage && (pde & 0x20) === 0) writeTableEntry(cpu, pdeAddr, pde | 0x20)
  const newEntry = entry | 0x20 | (write ? 0x40 : 0)
  if (newEntry !== entry) writeTableEntry(cpu, entryAddr, newEntry)

  let perms = TLB_READ_SUPERVISOR
  if (userOk) perms |= TLB_READ_USER
  if ((newEntry & 0x40) !== 0) {
    if (supervisorWriteOk) perms |= TLB_WRITE_SUPERVISOR
    if (userOk && rwBit) perms |= TLB_WRITE_USER
  }
  tlbInsert(cpu, vp, physPage, perms)
  return physPage | (linear & 0xfff)
}

function pageFault(cpu: CpuCore, linear: number, errorCode: number): never {
  cpu.cr2 = linear >>> 0
  return raise(cpu, PF_VECTOR, errorCode)
}

// ---------------------------------------------------------------------------
// Guest-physical accesses: RAM, ROM, and MMIO through VM exits with latches
// ---------------------------------------------------------------------------

/**
 * An MMIO access that the host has already emulated for the current instruction
 * (see `completeMemoryRead`/`completeMemoryWrite`): returns its latch index or -1.
 */
function findLatch(cpu: CpuCore, pa: number, size: number, write: boolean): number {
  for (let i = 0; i < cpu.latchCount; i++) {
    if (cpu.latchGpa[i] === pa && cpu.latchSize[i] === size && cpu.latchWrite[i] === (write ? 1 : 0)) return i
  }
  return -1
}

function memoryExit(cpu: CpuCore, pa: number, size: number, write: boolean, value: number): never {
  const e = cpu.exit
  e.reason = ExitReason.MemoryAccess
  e.gpa = pa >>> 0
  e.size = size
  e.isWrite = write
  e.value = value >>> 0
  throw EXIT
}

export function readPhys(cpu: CpuCore, pa: number, size: number): number {
  const off = cpu.pageOffset[pa >>> 12]!
  if (off >= 0) {
    const o = off + (pa & 0xfff)
    const ram = cpu.ram
    if (size === 1) return ram[o]!
    if (size === 2) return ram[o]! | (ram[o + 1]! << 8)
    return ram[o]! | (ram[o + 1]! << 8) | (ram[o + 2]! << 16) | (ram[o + 3]! << 24)
  }
  if (cpu.deliveringEvent) return size === 4 ? -1 : size === 1 ? 0xff : 0xffff
  const latch = findLatch(cpu, pa, size, false)
  if (latch >= 0) return size === 4 ? cpu.latchValue[latch]! | 0 : cpu.latchValue[latch]! & (size === 1 ? 0xff : 0xffff)
  return memoryExit(cpu, pa, size, false, 0)
}

export function writePhys(cpu: CpuCore, pa: number, size: number, v: number): void {
  const page = pa >>> 12
  const off = cpu.pageOffset[page]!
  if (off >= 0) {
    if ((cpu.pageReadOnly[page]! & 1) !== 0) return // ROM ignores writes
    if (cpu.codePages[page] !== 0) codeWritten(cpu, pa, size)
    cpu.ramWritten[off >>> 12] = 1
    const o = off + (pa & 0xfff)
    const ram = cpu.ram
    ram[o] = v
    if (size > 1) {
      ram[o + 1] = v >> 8
      if (size > 2) {
        ram[o + 2] = v >> 16
        ram[o + 3] = v >> 24
      }
    }
    return
  }
  if (cpu.deliveringEvent || findLatch(cpu, pa, size, true) >= 0) return
  memoryExit(cpu, pa, size, true, size === 4 ? v : v & (size === 1 ? 0xff : 0xffff))
}

// ---------------------------------------------------------------------------
// Linear accesses. The fast path indexes the TLB and the RAM array directly.
// ---------------------------------------------------------------------------

/** #AC(0) for a misaligned user data access while alignment checking is on. */
function checkAlignment(cpu: CpuCore, linear: number, size: number, user: boolean): void {
  if (user && cpu.alignmentCheck && (linear & (size - 1)) !== 0) raise(cpu, AC_VECTOR, 0)
}

function readSlow(cpu: CpuCore, linear: number, size: number, user: boolean): number {
  if (cpu.dataBreakpoints !== 0) noteDataAccess(cpu, linear, size, false)
  if (cpu.alignmentCheck) checkAlignment(cpu, linear, size, user)
  if ((linear & 0xfff) + size > 0x1000) {
    // Crosses a page: byte by byte, each byte translated on its own.
    let v = 0
    for (let i = 0; i < size; i++) v |= readSlow(cpu, (linear + i) | 0, 1, user) << (i * 8)
    return v
  }
  return readPhys(cpu, translate(cpu, linear, false, user), size)
}

function writeSlow(cpu: CpuCore, linear: number, size: number, v: number, user: boolean): void {
  if (cpu.dataBreakpoints !== 0) noteDataAccess(cpu, linear, size, true)
  if (cpu.alignmentCheck) checkAlignment(cpu, linear, size, user)
  if ((linear & 0xfff) + size > 0x1000) {
    // Check both pages before writing anything, so that a fault leaves memory intact.
    translate(cpu, linear, true, user)
    translate(cpu, (linear + size - 1) & PAGE_MASK, true, user)
    for (let i = 0; i < size; i++) writeSlow(cpu, (linear + i) | 0, 1, v >> (i * 8), user)
    return
  }
  writePhys(cpu, translate(cpu, linear, true, user), size, v)
}

export function read8(cpu: CpuCore, linear: number): number {
  const e = cpu.tlb[linear >>> 12]!
  if ((e & cpu.readMask) !== 0) return cpu.ram[((e & PAGE_MASK) | (linear & 0xfff)) >>> 0]!
  return readSlow(cpu, linear, 1, cpu.cpl === 3)
}

export function read16(cpu: CpuCore, linear: number): number {
  const e = cpu.tlb[linear >>> 12]!
  if ((e & cpu.readMask) !== 0 && (linear & 0xfff) !== 0xfff) {
    const o = ((e & PAGE_MASK) | (linear & 0xfff)) >>> 0
    return cpu.ram[o]! | (cpu.ram[o + 1]! << 8)
  }
  return readSlow(cpu, linear, 2, cpu.cpl === 3)
}

/** Returns the dword as int32. */
export function read32(cpu: CpuCore, linear: number): number {
  const e = cpu.tlb[linear >>> 12]!
  if ((e & cpu.readMask) !== 0 && (linear & 0xfff) <= 0xffc) {
    const o = ((e & PAGE_MASK) | (linear & 0xfff)) >>> 0
    const ram = cpu.ram
    return ram[o]! | (ram[o + 1]! << 8) | (ram[o + 2]! << 16) | (ram[o + 3]! << 24)
  }
  return readSlow(cpu, linear, 4, cpu.cpl === 3)
}

export function write8(cpu: CpuCore, linear: number, v: number): void {
  const e = cpu.tlb[linear >>> 12]!
  if ((e & cpu.writeMask) !== 0) {
    cpu.ram[((e & PAGE_MASK) | (linear & 0xfff)) >>> 0] = v
    return
  }
  writeSlow(cpu, linear, 1, v, cpu.cpl === 3)
}

export function write16(cpu: CpuCore, linear: number, v: number): void {
  const e = cpu.tlb[linear >>> 12]!
  if ((e & cpu.writeMask) !== 0 && (linear & 0xfff) !== 0xfff) {
    const o = ((e & PAGE_MASK) | (linear & 0xfff)) >>> 0
    cpu.ram[o] = v
    cpu.ram[o + 1] = v >> 8
    return
  }
  writeSlow(cpu, linear, 2, v, cpu.cpl === 3)
}

export function write32(cpu: CpuCore, linear: number, v: number): void {
  const e = cpu.tlb[linear >>> 12]!
  if ((e & cpu.writeMask) !== 0 && (linear & 0xfff) <= 0xffc) {
    const o = ((e & PAGE_MASK) | (linear & 0xfff)) >>> 0
    const ram = cpu.ram
    ram[o] = v
    ram[o + 1] = v >> 8
    ram[o + 2] = v >> 16
    ram[o + 3] = v >> 24
    return
  }
  writeSlow(cpu, linear, 4, v, cpu.cpl === 3)
}

export function readSized(cpu: CpuCore, linear: number, size: number): number {
  return size === 4 ? read32(cpu, linear) : size === 2 ? read16(cpu, linear) : read8(cpu, linear)
}

export function writeSized(cpu: CpuCore, linear: number, size: number, v: number): void {
  if (size === 4) write32(cpu, linear, v)
  else if (size === 2) write16(cpu, linear, v)
  else write8(cpu, linear, v)
}

/** Check that a write of `size` bytes at `linear` would succeed, without writing. */
export function probeWrite(cpu: CpuCore, linear: number, size: number): void {
  const user = cpu.cpl === 3
  translate(cpu, linear, true, user)
  if ((linear & 0xfff) + size > 0x1000) translate(cpu, (linear + size - 1) & PAGE_MASK, true, user)
}

/**
 * Accesses the processor makes for itself (descriptor tables, TSS, IDT, stacks
 * during privilege changes) are supervisor accesses whatever the CPL.
 */
export function readSystem(cpu: CpuCore, linear: number, size: number): number {
  return readSlow(cpu, linear, size, false)
}

export function writeSystem(cpu: CpuCore, linear: number, size: number, v: number): void {
  writeSlow(cpu, linear, size, v, false)
}

/**
 * The register file and every other piece of processor state, in typed arrays and
 * plain fields so that the hot path touches only small integers. Behaviour lives in
 * the modules that take a `CpuCore` as first argument; this file only holds state
 * and the trivial accessors for partial registers.
 */
import {ExitReason, type GuestPhysicalMemory, type InterceptControls, type InterruptController, type VmExit} from './api.js'
import {CodeCache} from './code-cache.js'
import {AC, CR0_AM, EFLAGS_FIXED} from './constants.js'
import {FpuState} from './fpu/fpu-state.js'

/** `segFlags` bits: what a data access through the segment may do. */
export const SEG_READABLE = 1
export const SEG_WRITABLE = 2

/** Software TLB entry bits; the rest of the entry is the RAM offset of the page. */
export const TLB_READ_SUPERVISOR = 1
export const TLB_READ_USER = 2
export const TLB_WRITE_SUPERVISOR = 4
export const TLB_WRITE_USER = 8

function newExitRecord(): VmExit {
  return {
    reason: ExitReason.BudgetExhausted, rip: 0, instructionLength: 0,
    port: 0, size: 0, isWrite: false, value: 0, isString: false, isRep: false,
    msr: 0, valueLo: 0, valueHi: 0, leaf: 0, subleaf: 0,
    vector: 0, errorCode: 0, hasErrorCode: false, gpa: 0,
  }
}

export function defaultIntercepts(): InterceptControls {
  return {
    ioBitmap: new Uint8Array(8192),
    msrs: new Set(),
    cpuid: false,
    hlt: true,
    vmcall: true,
    invd: false,
    exceptionBitmap: 0,
  }
}

export class CpuCore {
  readonly memory: GuestPhysicalMemory
  readonly ram: Uint8Array
  /** The same RAM as dwords, for aligned accesses from compiled code (null if RAM is not 4-byte aligned). */
  readonly ram32: Int32Array | null
  readonly pageOffset: Float64Array
  readonly pageReadOnly: Uint8Array
  /** Pages of `ram` the processor may have written (see GuestPhysicalMemory.ramWritten). */
  readonly ramWritten: Uint8Array
  readonly intercepts: InterceptControls
  readonly exit: VmExit = newExitRecord()

  // ---- General registers and instruction pointer ----
  /** EAX..EDI as int32. */
  readonly regs = new Int32Array(8)
  /** Offset of the next instruction within CS (masked to 16 bits in 16-bit code). */
  eip = 0

  // ---- EFLAGS: `flags` holds every bit except the lazy ones listed in `lazyMask` ----
  flags = EFLAGS_FIXED
  /** Arithmetic flags whose value must be computed from the last operation. */
  lazyMask = 0
  /** Result of the last flag-setting operation, masked to its width. */
  lazyResult = 0
  /** Its operands (for SUB-like operations: lazyA - lazyB). */
  lazyA = 0
  lazyB = 0
  /** Width in bytes (1, 2 or 4) of the last flag-setting operation. */
  lazySize = 4
  /** True when the last operation was a subtraction (CF is a borrow). */
  lazySub = false

  // ---- Segment registers with their descriptor caches (indexed by Seg) ----
  readonly segSel = new Int32Array(6)
  readonly segBase = new Int32Array(6)
  /** Byte-granular limit as an unsigned value. */
  readonly segLimit = new Float64Array(6)
  readonly segAccess = new Int32Array(6)
  /** Lowest and highest valid offsets (expand-down segments have lo > 0). */
  readonly segLo = new Float64Array(6)
  readonly segHi = new Float64Array(6)
  /** SEG_READABLE | SEG_WRITABLE, or 0 for a null/unusable segment. */
  readonly segFlags = new Uint8Array(6)
  /**
   * Bit s: segment s is flat; bit WIDE_SEGMENT_SHIFT + s: it spans 4 GiB from
   * some base (see segmentation.ts, updateFlatBit).
   */
  flatMask = 0

  // ---- System registers ----
  cr0 = 0
  cr2 = 0
  cr3 = 0
  cr4 = 0
  readonly dr = new Int32Array(8)
  gdtrBase = 0
  gdtrLimit = 0
  idtrBase = 0
  idtrLimit = 0
  ldtrSel = 0
  ldtrBase = 0
  ldtrLimit = 0
  trSel = 0
  trBase = 0
  trLimit = 0
  /** Access rights of the task register (type 9 available / 11 busy 32-bit TSS, 1/3 for 16-bit). */
  trAccess = 0
  cpl = 0
  /** CR0.PE, EFLAGS.VM and CR0.PG mirrored as booleans for the hot path. */
  protectedMode = false
  v86 = false
  paging = false
  /** Bit 20 of physical addresses is forced to 0 when the A20 gate is off. */
  a20Mask = -1

  // ---- x87 FPU (fpu/) and its two pins to the platform ----
  readonly fpu = new FpuState()
  /** FERR#: called when it changes; the platform routes it to IRQ 13 (PC/AT-compatible error reporting, CR0.NE = 0). */
  fpuErrorSink: ((asserted: boolean) => void) | null = null
  /** IGNNE#: while asserted, waiting instructions ignore a pending x87 exception (CR0.NE = 0). */
  ignne = false

  // ---- MSRs and counters ----
  instructionCount = 0
  /** Added to the instruction count to make the time-stamp counter (WRMSR 0x10 sets it). */
  tscOffset = 0
  sysenterCs = 0
  sysenterEsp = 0
  sysenterEip = 0

  // ---- Debug (debug.ts) ----
  /** DR0-DR3 armed as instruction breakpoints / data breakpoints (bit per register). */
  instructionBreakpoints = 0
  dataBreakpoints = 0
  /** Data breakpoints the current instruction has hit (DR6 B0-B3 bits). */
  pendingDebugHits = 0
  /** MOV SS / POP SS / LSS hold debug traps off until after the next instruction. */
  debugShadow = false
  /** The current instruction delivered a software interrupt (no single-step trap after it). */
  softwareInterrupt = false

  // ---- Run state ----
  halted = false
  shutdown = false
  exitRequested = false
  /** Interrupts are held off for one instruction after STI, MOV SS and POP SS. */
  interruptShadow = false
  nmiPending = false
  /** NMIs are blocked from NMI delivery until the next IRET. */
  nmiBlocked = false
  interruptController: InterruptController | null = null
  /** An exception the host injected, delivered before the next instruction (-1 when none). */
  injectedVector = -1
  injectedErrorCode = -1

  // ---- The instruction being executed ----
  /** EIP and ESP at the start of the current instruction, to restart it after a fault. */
  startEip = 0
  startEsp = 0
  /** Length of the current instruction in bytes. */
  instrLength = 0
  /** Set by instructions that change the execution context so that decoded blocks are left. */
  leaveBlock = false
  /** Instructions a compiled block retired before the one that faulted or exited. */
  blockRetired = 0

  /** Scratch space for POPA, so that it reads all eight values before writing any. */
  readonly popaScratch = new Int32Array(8)
  /** Scratch space for the segment selectors of an incoming task. */
  readonly taskScratch = new Int32Array(6)

  // ---- The descriptor last read by readDescriptor (segmentation.ts) ----
  descLo = 0
  descHi = 0
  /** Linear address of that descriptor, to set its accessed or busy bit. */
  descAddr = 0

  // ---- Fault being raised (see signals.ts) ----
  faultVector = 0
  faultErrorCode = -1

  // ---- Software TLB: per linear page, RAM offset | TLB_* bits, 0 when not cached (the offset as a
  // 32-bit pattern: above 2 GiB it reads negative, so users take `(e & -4096) >>> 0`) ----
  readonly tlb = new Int32Array(1 << 20)
  /** Per linear page, physical page address | TLB_* bits as the page tables allow. */
  readonly tlbPhys = new Int32Array(1 << 20)
  /** Linear pages with a non-zero entry, to flush without clearing the whole array. */
  readonly tlbUsed = new Int32Array(4096)
  tlbUsedCount = 0
  /** TLB bit that allows a read / a write at the current privilege (CPL 3 = user). */
  readMask = TLB_READ_SUPERVISOR
  writeMask = TLB_WRITE_SUPERVISOR
  /** CR0.AM, EFLAGS.AC and CPL 3: misaligned data accesses raise #AC(0). */
  alignmentCheck = false

  // ---- Decoded code: non-zero for physical pages that have cached instructions ----
  readonly codePages = new Uint8Array(1 << 20)
  readonly codeCache = new CodeCache()

  // ---- MMIO and port I/O results the host already produced for the current instruction ----
  readonly latchGpa = new Int32Array(8)
  readonly latchSize = new Uint8Array(8)
  readonly latchWrite = new Uint8Array(8)
  readonly latchValue = new Int32Array(8)
  latchCount = 0
  /** Port I/O completed by the host: the re-executed IN/INS uses `ioLatchValue`, OUT/OUTS skips the port. */
  ioLatched = false
  /** A port I/O handler asked for an exit (execute/io.ts); the instruction has not retired. */
  ioExitPending = false
  /**
   * Set while the processor delivers an event outside any instruction (interrupt,
   * exception): there is no instruction to re-execute, so its own accesses to
   * non-RAM are not emulated by the host: reads return all ones, writes are dropped.
   */
  deliveringEvent = false
  ioLatchValue = 0

  constructor(memory: GuestPhysicalMemory, intercepts: InterceptControls) {
    this.memory = memory
    this.ram = memory.ram
    const ram = memory.ram
    this.ram32 = ram.byteOffset % 4 === 0 && ram.length % 4 === 0 ? new Int32Array(ram.buffer, ram.byteOffset, ram.length / 4) : null
    this.pageOffset = memory.pageOffset
    this.pageReadOnly = memory.pageReadOnly
    this.ramWritten = memory.ramWritten ?? new Uint8Array(Math.ceil(memory.ram.length / 4096))
    this.intercepts = intercepts
  }

  /** Change the current privilege level and the TLB permission bits that go with it. */
  setCpl(cpl: number): void {
    this.cpl = cpl
    this.updateAccessMasks()
  }

  /**
   * The TLB bits that let an access take the fast path at the current privilege.
   * With alignment checking on (CR0.AM, EFLAGS.AC, CPL 3) nothing takes the fast
   * path, so that the slow path can check every access (mmu.ts).
   */
  updateAccessMasks(): void {
    this.alignmentCheck = this.cpl === 3 && (this.cr0 & CR0_AM) !== 0 && (this.flags & AC) !== 0
    this.readMask = this.alignmentCheck ? 0 : this.cpl === 3 ? TLB_READ_USER : TLB_READ_SUPERVISOR
    this.writeMask = this.alignmentCheck ? 0 : this.cpl === 3 ? TLB_WRITE_USER : TLB_WRITE_SUPERVISOR
  }

  // ---- Partial register access. 8-bit register numbers 4-7 are AH, CH, DH, BH. ----
  getReg8(n: number): number {
    return n < 4 ? this.regs[n]! & 0xff : (this.regs[n - 4]! >> 8) & 0xff
  }
  setReg8(n: number, v: number): void {
    if (n < 4) this.regs[n] = (this.regs[n]! & ~0xff) | (v & 0xff)
    else this.regs[n - 4] = (this.regs[n - 4]! & ~0xff00) | ((v & 0xff) << 8)
  }
  getReg16(n: number): number {
    return this.regs[n]! & 0xffff
  }
  setReg16(n: number, v: number): void {
    this.regs[n] = (this.regs[n]! & ~0xffff) | (v & 0xffff)
  }
  /** Register of width `size` (1, 2 or 4 bytes); 32-bit values are returned as int32. */
  readReg(size: number, n: number): number {
    if (size === 4) return this.regs[n]!
    if (size === 2) return this.regs[n]! & 0xffff
    return this.getReg8(n)
  }
  writeReg(size: number, n: number, v: number): void {
    if (size === 4) this.regs[n] = v
    else if (size === 2) this.regs[n] = (this.regs[n]! & ~0xffff) | (v & 0xffff)
    else this.setReg8(n, v)
  }

  /** Stack pointer width follows SS.B. */
  get stack32(): boolean {
    return (this.segAccess[2]! & 0x4000) !== 0
  }
  /** Default operand and address size follow CS.D. */
  get code32(): boolean {
    return (this.segAccess[1]! & 0x4000) !== 0
  }
  get iopl(): number {
    return (this.flags >> 12) & 3
  }
}

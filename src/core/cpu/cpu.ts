/**
 * The processor: public surface (Processor), the run loop, events between
 * instructions (injected exceptions, NMI, external interrupts), and VM exits with
 * their completions.
 */
import {
  type CpuState, type DescriptorTableRegister, ExitReason, type GuestPhysicalMemory, type InterceptControls,
  type InterruptController, type Processor, Reg, Seg, type SegmentRegister, type VmExit,
} from './api.js'
import {codePageFor, flushCodeCache, invalidateCodeRange} from './code-cache.js'
import {compileBlock, MAX_REGION} from './compiler.js'
import {
  CPU_SIGNATURE, CR0_CD, CR0_ET, CR0_NW, CR0_PE, DB, EFLAGS_FIXED, EFLAGS_WRITABLE, IF, NMI_VECTOR, RF, TF, VM,
} from './constants.js'
import {DR6_BS, instructionBreakpointHits, writeDr7} from './debug.js'
import {nativeCpuid} from './cpuid.js'
import {decode} from './decoder/decode.js'
import {Instr} from './decoder/instr.js'
import {writeCr0, writeCr3, writeCr4} from './execute/system.js'
import {materializeFlags} from './flags.js'
import {deliverException, deliverInterrupt, DeliveryResult, setVm} from './interrupts.js'
import {tlbFlushAll, translate} from './mmu.js'
import {setSegmentCache, updateAllSegmentChecks} from './segmentation.js'
import {EXIT, FAULT, NO_ERROR_CODE, raise} from './signals.js'
import {CpuCore, defaultIntercepts} from './state.js'
import {type FpuSavedState, restoreFpu, saveFpu} from './fpu/fpu-saved-state.js'

/** 2: adds the FPU. A version-1 state (saved before the processor had one) restores with the FPU at reset. */
export const STATE_VERSION = 2

const DATA_ACCESS = 0x93 // present, DPL 0, read/write data, accessed
const CODE_ACCESS = 0x9b // present, DPL 0, execute/read code, accessed
const FLAT_32 = 0xc000 // G=1, D/B=1

export class Cpu extends CpuCore implements Processor {
  /**
   * The exit record holds an exit that the next `run` must return at once: one
   * produced while re-executing an instruction inside completeIoIn/Out, or an
   * intercepted exception found while delivering events.
   */
  private exitPending = false
  /** Re-decodes a cached instruction when the CS limit has shrunk under it, to fault precisely. */
  private readonly scratch = new Instr()

  constructor(memory: GuestPhysicalMemory, intercepts?: Partial<InterceptControls>) {
    super(memory, {...defaultIntercepts(), ...intercepts})
    this.reset()
  }

  // -------------------------------------------------------------------------
  // Reset and initial states
  // -------------------------------------------------------------------------

  reset(): void {
    this.regs.fill(0)
    this.regs[Reg.EDX] = CPU_SIGNATURE
    this.flags = EFLAGS_FIXED
    this.lazyMask = 0
    this.cr0 = CR0_CD | CR0_NW | CR0_ET
    this.cr2 = 0
    this.cr3 = 0
    this.cr4 = 0
    this.dr.fill(0)
    this.dr[6] = 0xffff0ff0 | 0
    writeDr7(this, 0x400)
    this.protectedMode = false
    this.v86 = false
    this.paging = false
    this.setCpl(0)
    for (let s = 0; s < 6; s++) setSegmentCache(this, s, 0, 0, 0xffff, DATA_ACCESS)
    setSegmentCache(this, Seg.CS, 0xf000, 0xffff0000, 0xffff, CODE_ACCESS)
    this.eip = 0xfff0
    this.gdtrBase = 0
    this.gdtrLimit = 0xffff
    this.idtrBase = 0
    this.idtrLimit = 0x3ff
    this.ldtrSel = this.ldtrBase = this.ldtrLimit = 0
    this.trSel = this.trBase = 0
    this.trLimit = 0xffff
    this.trAccess = 0x8b
    this.a20Mask = -1
    this.instructionCount = 0
    this.tscOffset = 0
    this.sysenterCs = this.sysenterEsp = this.sysenterEip = 0
    this.halted = false
    this.shutdown = false
    this.exitRequested = false
    this.interruptShadow = false
    this.nmiPending = false
    this.nmiBlocked = false
    this.injectedVector = -1
    this.latchCount = 0
    this.ioLatched = false
    this.ioExitPending = false
    this.exitPending = false
    this.fpu.reset()
    this.ignne = false
    tlbFlushAll(this)
    flushCodeCache(this)
  }

  /** The state the Multiboot 1 specification promises to a kernel at its entry point. */
  enterMultibootState(entry: number, eax: number, ebx: number): void {
    this.reset()
    writeCr0(this, CR0_PE | CR0_ET)
    this.setCpl(0)
    setSegmentCache(this, Seg.CS, 0x08, 0, 0xffffffff, CODE_ACCESS | FLAT_32)
    for (const s of [Seg.ES, Seg.SS, Seg.DS, Seg.FS, Seg.GS]) setSegmentCache(this, s, 0x10, 0, 0xffffffff, DATA_ACCESS | FLAT_32)
    this.flags = EFLAGS_FIXED
    this.gdtrBase = 0
    this.gdtrLimit = 0
    this.a20Mask = -1
    this.eip = entry >>> 0
    this.regs[Reg.EAX] = eax
    this.regs[Reg.EBX] = ebx
    this.regs[Reg.EDX] = 0
  }

  // -------------------------------------------------------------------------
  // The run loop
  // -------------------------------------------------------------------------

  run(budget: number): VmExit {
    const exit = this.exit
    if (this.shutdown) return this.exitWith(ExitReason.TripleFault)
    if (this.exitPending) {
      this.exitPending = false
      return exit
    }
    let remaining = budget
    for (;;) {
      if (this.exitRequested) {
        this.exitRequested = false
        return this.exitWith(ExitReason.Requested)
      }
      if (!this.interruptShadow && this.deliverEvents()) {
        if (this.shutdown) return this.exitWith(ExitReason.TripleFault)
        if (this.exitPending) {
          this.exitPending = false
          return exit
        }
        // Deliveries use up budget too, so that a guest faulting in a loop
        // (a handler that faults again at once) cannot keep run() from returning.
        remaining--
        continue
      }
      // A halted processor always reports Hlt, intercepted or not: the host must know
      // that nothing will run until it raises an interrupt (intercepts.hlt is kept for symmetry).
      if (this.halted) return this.exitWith(ExitReason.Hlt)
      if (remaining <= 0) return this.exitWith(ExitReason.BudgetExhausted)
      const shadow = this.interruptShadow
      const executed = this.execute(shadow ? 1 : remaining)
      if (shadow) this.interruptShadow = false
      if (executed < 0) {
        if (this.shutdown) return this.exitWith(ExitReason.TripleFault)
        return exit
      }
      // Nothing retired: an exception was delivered instead (see above).
      remaining -= executed > 0 ? executed : 1
    }
  }

  private exitWith(reason: ExitReason): VmExit {
    const e = this.exit
    e.reason = reason
    e.rip = (this.segBase[Seg.CS]! + this.eip) >>> 0
    e.instructionLength = reason === ExitReason.Hlt ? 1 : 0
    return e
  }

  /**
   * Deliver one pending event (injected exception, NMI, external interrupt) if
   * any can be taken now. Returns true when something happened.
   */
  private deliverEvents(): boolean {
    this.deliveringEvent = true
    try {
      return this.deliverPendingEvent()
    } finally {
      this.deliveringEvent = false
    }
  }

  private deliverPendingEvent(): boolean {
    if (this.injectedVector >= 0) {
      const vector = this.injectedVector
      const code = this.injectedErrorCode
      this.injectedVector = -1
      this.deliverFault(vector, code)
      return true
    }
    if (this.nmiPending && !this.nmiBlocked) {
      this.nmiPending = false
      this.nmiBlocked = true
      this.deliverExternal(NMI_VECTOR)
      return true
    }
    const ic = this.interruptController
    if (ic !== null && (this.flags & IF) !== 0 && ic.hasInterrupt()) {
      this.deliverExternal(ic.acknowledge() & 0xff)
      return true
    }
    return false
  }

  private deliverExternal(vector: number): void {
    const esp = this.regs[Reg.ESP]!
    try {
      deliverInterrupt(this, vector, NO_ERROR_CODE, false, 1)
    } catch (e) {
      if (e !== FAULT) throw e
      this.regs[Reg.ESP] = esp
      this.deliverFault(this.faultVector, this.faultErrorCode)
    }
  }

  /** An exception raised at the current EIP: exit if intercepted, else deliver (maybe escalating). */
  private deliverFault(vector: number, errorCode: number): void {
    this.latchCount = 0
    this.ioLatched = false
    if ((this.intercepts.exceptionBitmap & (1 << vector)) !== 0) {
      const e = this.exit
      e.reason = ExitReason.Exception
      e.vector = vector
      e.hasErrorCode = errorCode !== NO_ERROR_CODE
      e.errorCode = e.hasErrorCode ? errorCode >>> 0 : 0
      e.rip = (this.segBase[Seg.CS]! + this.eip) >>> 0
      e.instructionLength = this.instrLength
      this.exitPending = true
      return
    }
    if (deliverException(this, vector, errorCode) === DeliveryResult.TripleFault) {
      this.shutdown = true
      this.halted = false
    }
  }

  /**
   * Execute up to `limit` instructions. Returns how many retired, or -1 when the
   * last one exited to the host or the processor shut down (the exit record says why).
   */
  private execute(limit: number): number {
    const regs = this.regs
    let count = 0
    try {
      while (count < limit) {
        this.leaveBlock = false
        // EFLAGS.AC and CR0.AM changes always leave the block loop: refresh the fast-path masks here.
        this.updateAccessMasks()
        const csBase = this.segBase[Seg.CS]!
        const code32 = this.code32
        const eipMask = code32 ? -1 : 0xffff
        let eip = this.eip
        this.startEip = eip
        this.startEsp = regs[Reg.ESP]!
        const linear = (csBase + eip) | 0
        const physical = translate(this, linear, false, this.cpl === 3)
        const physicalPage = physical >>> 12
        const page = this.codeCache.enabled ? codePageFor(this, physicalPage) : null
        // EIP of the first byte of this linear page: instructions at eip - pageStart.
        const pageStart = eip - (linear & 0xfff)
        const csLimit = this.segLimit[Seg.CS]!
        // Single-stepping or breakpoints: one interpreted instruction at a time.
        const traced = (this.flags & TF) !== 0 || this.instructionBreakpoints !== 0 || this.dataBreakpoints !== 0
        // Blocks hold EIPs as constants: they are compiled (and run) only with a flat 32-bit CS.
        const compile = page !== null && !traced && (this.flatMask & (1 << Seg.CS)) !== 0 && this.codeCache.compile
        for (;;) {
          const offset = eip - pageStart
          if (offset < 0 || offset > 0xfff) break
          if (compile) {
            let block = page.blocks[offset]
            // The same physical code at another linear address (a shared page mapped elsewhere): compile it again there.
            if (block && block.pageStart !== (pageStart | 0)) block = page.blocks[offset] = undefined
            // Only with budget left for a whole region: at the end of a slice the budget check keeps
            // blocks from running, and counting arrivals there would compile a region at every
            // instruction of the tail, none of which could run either.
            if (block === undefined && limit - count >= MAX_REGION && ++page.arrivals[offset]! >= this.codeCache.compileThreshold) {
              block = compileBlock(this, page, physicalPage, offset, eip)
              page.blocks[offset] = block
            }
            // A latched MMIO/port result belongs to one instruction: re-execute that one alone.
            if (block && block.length <= limit - count && (this.flatMask & block.needFlat) === block.needFlat &&
              this.latchCount === 0 && !this.ioLatched) {
              const n = block.run(this, limit - count, block.label)
              this.instructionCount += n
              count += n
              if (this.latchCount !== 0 || this.ioLatched) {
                this.latchCount = 0
                this.ioLatched = false
              }
              if (this.leaveBlock) return count
              if (count >= limit || !page.valid) break
              eip = this.eip
              this.startEip = eip
              this.startEsp = regs[Reg.ESP]!
              continue
            }
          }
          let ins = page !== null ? page.instructions[offset] : undefined
          if (ins === undefined || ins.code32 !== code32) {
            ins = new Instr()
            decode(this, ins, eip, code32, physicalPage)
            if (page !== null && !ins.crossesPage) page.store(offset, ins)
          } else if (eip + ins.length - 1 > csLimit) {
            // Cached, but the CS limit has shrunk since: decode again to fault precisely.
            decode(this, this.scratch, eip, code32, physicalPage)
          }
          this.instrLength = ins.length
          if (traced) this.beforeTracedInstruction((csBase + eip) | 0)
          this.eip = (eip + ins.length) & eipMask
          ins.handler(this, ins)
          if (this.ioExitPending) {
            this.ioExitPending = false
            this.exit.rip = (csBase + this.startEip) >>> 0
            this.exit.instructionLength = ins.length
            return -1
          }
          this.instructionCount++
          count++
          if (this.latchCount !== 0 || this.ioLatched) {
            this.latchCount = 0
            this.ioLatched = false
          }
          if (traced) {
            this.eip >>>= 0
            return this.afterTracedInstruction() ? -1 : count
          }
          if (this.leaveBlock) {
            // Something changed that the run loop must look at (IF, mode, halt, CS...).
            this.eip >>>= 0
            return count
          }
          if (count >= limit || (page !== null && !page.valid)) break
          eip = this.eip >>> 0
          this.startEip = eip
          this.startEsp = regs[Reg.ESP]!
        }
        this.eip >>>= 0
      }
    } catch (e) {
      // Instructions a compiled block retired before the faulting one.
      count += this.blockRetired
      this.instructionCount += this.blockRetired
      this.blockRetired = 0
      this.eip = this.startEip
      regs[Reg.ESP] = this.startEsp
      if (e === FAULT) {
        this.deliveringEvent = true
        try {
          this.deliverFault(this.faultVector, this.faultErrorCode)
        } finally {
          this.deliveringEvent = false
        }
        if (this.exitPending) {
          this.exitPending = false
          return -1
        }
        return this.shutdown ? -1 : count
      }
      if (e === EXIT) {
        this.exit.rip = (this.segBase[Seg.CS]! + this.startEip) >>> 0
        this.exit.instructionLength = this.instrLength
        return -1
      }
      throw e
    }
    return count
  }

  // -------------------------------------------------------------------------
  // Debug exceptions (debug.ts)
  // -------------------------------------------------------------------------

  private tfAtStart = false
  private rfAtStart = false

  /** Instruction breakpoints fault before the instruction runs (unless EFLAGS.RF). */
  private beforeTracedInstruction(linear: number): void {
    this.tfAtStart = (this.flags & TF) !== 0
    this.rfAtStart = (this.flags & RF) !== 0
    this.softwareInterrupt = false
    this.debugShadow = false
    this.pendingDebugHits = 0
    if (this.instructionBreakpoints !== 0 && !this.rfAtStart) {
      const hits = instructionBreakpointHits(this, linear)
      if (hits !== 0) {
        this.dr[6] |= hits
        raise(this, DB)
      }
    }
  }

  /**
   * After a traced instruction retired: clear RF, and deliver the #DB trap for a
   * single step (TF was set when it began, no MOV SS shadow, not INT n) or data
   * breakpoints it hit. Returns true when that produced an exit.
   */
  private afterTracedInstruction(): boolean {
    if (this.rfAtStart) this.flags &= ~RF
    let bits = this.pendingDebugHits
    this.pendingDebugHits = 0
    if (this.tfAtStart && !this.debugShadow && !this.softwareInterrupt) bits |= DR6_BS
    if (bits === 0) return false
    this.dr[6] |= bits
    this.deliveringEvent = true
    try {
      this.deliverFault(DB, NO_ERROR_CODE)
    } finally {
      this.deliveringEvent = false
    }
    if (this.exitPending) {
      this.exitPending = false
      return true
    }
    return this.shutdown
  }

  requestExit(): void {
    this.exitRequested = true
    this.leaveBlock = true
  }

  // -------------------------------------------------------------------------
  // Completing exits
  // -------------------------------------------------------------------------

  /** Re-execute the exiting instruction now, with the host's result latched. */
  private reexecute(): void {
    if (this.execute(1) < 0) this.exitPending = true
  }

  completeIoIn(value: number): void {
    this.ioLatched = true
    this.ioLatchValue = value | 0
    this.reexecute()
  }

  completeIoOut(): void {
    this.ioLatched = true
    this.reexecute()
  }

  private retire(): void {
    this.eip = (this.eip + this.exit.instructionLength) & (this.code32 ? -1 : 0xffff)
    this.eip >>>= 0
    this.instructionCount++
    this.latchCount = 0
  }

  completeMsrRead(lo: number, hi: number): void {
    this.regs[Reg.EAX] = lo
    this.regs[Reg.EDX] = hi
    this.retire()
  }

  completeMsrWrite(): void {
    this.retire()
  }

  completeCpuid(eax: number, ebx: number, ecx: number, edx: number): void {
    this.regs[Reg.EAX] = eax
    this.regs[Reg.EBX] = ebx
    this.regs[Reg.ECX] = ecx
    this.regs[Reg.EDX] = edx
    this.retire()
  }

  skipInstruction(): void {
    this.retire()
  }

  private addLatch(write: boolean, value: number): void {
    if (this.latchCount === this.latchGpa.length) this.latchCount = 0
    const n = this.latchCount++
    this.latchGpa[n] = this.exit.gpa | 0
    this.latchSize[n] = this.exit.size
    this.latchWrite[n] = write ? 1 : 0
    this.latchValue[n] = value | 0
  }

  completeMemoryRead(value: number): void {
    this.addLatch(false, value)
  }

  completeMemoryWrite(): void {
    this.addLatch(true, 0)
  }

  injectException(vector: number, errorCode?: number): void {
    this.injectedVector = vector & 0xff
    this.injectedErrorCode = errorCode === undefined ? NO_ERROR_CODE : errorCode | 0
    this.halted = false
  }

  raiseNmi(): void {
    this.nmiPending = true
  }

  setInterruptController(ic: InterruptController | null): void {
    this.interruptController = ic
  }

  setFpuErrorSink(sink: ((asserted: boolean) => void) | null): void {
    this.fpuErrorSink = sink
  }

  setIgnne(asserted: boolean): void {
    this.ignne = asserted
  }

  get fpuErrorAsserted(): boolean {
    return this.fpu.ferr
  }

  nativeCpuid(leaf: number, subleaf: number): [number, number, number, number] {
    return nativeCpuid(leaf, subleaf)
  }

  invalidateCode(gpa: number, length: number): void {
    invalidateCodeRange(this, gpa, length)
  }

  // -------------------------------------------------------------------------
  // Register access for the host
  // -------------------------------------------------------------------------

  getReg(r: Reg): number {
    return this.regs[r]! >>> 0
  }

  setReg(r: Reg, value: number): void {
    this.regs[r] = value
  }

  getEflags(): number {
    return materializeFlags(this) >>> 0
  }

  setEflags(value: number): void {
    this.lazyMask = 0
    this.flags = (value & EFLAGS_WRITABLE) | EFLAGS_FIXED
    setVm(this, (value & VM) !== 0 && this.protectedMode)
    if (this.v86) this.setCpl(3)
    this.leaveBlock = true
  }

  getSegment(s: Seg): SegmentRegister {
    return {selector: this.segSel[s]!, base: this.segBase[s]! >>> 0, limit: this.segLimit[s]!, access: this.segAccess[s]!}
  }

  setSegment(s: Seg, value: SegmentRegister): void {
    setSegmentCache(this, s, value.selector, value.base, value.limit, value.access)
    if (s === Seg.CS && this.protectedMode && !this.v86) this.setCpl((value.access >> 5) & 3)
  }

  getCr(n: 0 | 2 | 3 | 4): number {
    const v = n === 0 ? this.cr0 : n === 2 ? this.cr2 : n === 3 ? this.cr3 : this.cr4
    return v >>> 0
  }

  setCr(n: 0 | 2 | 3 | 4, value: number): void {
    try {
      if (n === 0) {
        writeCr0(this, value)
        this.setCpl(this.protectedMode && !this.v86 ? (this.segAccess[Seg.CS]! >> 5) & 3 : this.v86 ? 3 : 0)
      } else if (n === 2) this.cr2 = value | 0
      else if (n === 3) writeCr3(this, value)
      else writeCr4(this, value)
    } catch (e) {
      if (e === FAULT) throw new Error(`invalid value 0x${(value >>> 0).toString(16)} for CR${n}`)
      throw e
    }
  }

  get gdtr(): DescriptorTableRegister {
    return {base: this.gdtrBase >>> 0, limit: this.gdtrLimit}
  }
  set gdtr(v: DescriptorTableRegister) {
    this.gdtrBase = v.base | 0
    this.gdtrLimit = v.limit & 0xffff
  }
  get idtr(): DescriptorTableRegister {
    return {base: this.idtrBase >>> 0, limit: this.idtrLimit}
  }
  set idtr(v: DescriptorTableRegister) {
    this.idtrBase = v.base | 0
    this.idtrLimit = v.limit & 0xffff
  }

  /** The A20 gate (for the host's keyboard controller or port 92 emulation). */
  setA20(enabled: boolean): void {
    this.a20Mask = enabled ? -1 : ~(1 << 20)
    tlbFlushAll(this)
  }

  // -------------------------------------------------------------------------
  // Save and restore
  // -------------------------------------------------------------------------

  saveState(): CpuState {
    return {
      version: STATE_VERSION,
      regs: Array.from(this.regs),
      eip: this.eip,
      eflags: materializeFlags(this),
      segments: [0, 1, 2, 3, 4, 5].map((s) => [this.segSel[s], this.segBase[s], this.segLimit[s], this.segAccess[s]]),
      cr: [this.cr0, this.cr2, this.cr3, this.cr4],
      dr: Array.from(this.dr),
      gdtr: [this.gdtrBase, this.gdtrLimit],
      idtr: [this.idtrBase, this.idtrLimit],
      ldtr: [this.ldtrSel, this.ldtrBase, this.ldtrLimit],
      tr: [this.trSel, this.trBase, this.trLimit, this.trAccess],
      cpl: this.cpl,
      a20Mask: this.a20Mask,
      instructionCount: this.instructionCount,
      tscOffset: this.tscOffset,
      sysenter: [this.sysenterCs, this.sysenterEsp, this.sysenterEip],
      halted: this.halted,
      shutdown: this.shutdown,
      interruptShadow: this.interruptShadow,
      nmiPending: this.nmiPending,
      nmiBlocked: this.nmiBlocked,
      injected: [this.injectedVector, this.injectedErrorCode],
      latches: Array.from({length: this.latchCount}, (_, n) => [this.latchGpa[n], this.latchSize[n], this.latchWrite[n], this.latchValue[n]]),
      ioLatch: [this.ioLatched, this.ioLatchValue],
      // What a complete* call after a restore needs to know about the last exit.
      lastExit: [this.exit.reason, this.exit.instructionLength, this.exit.gpa, this.exit.size, this.exit.isWrite ? 1 : 0],
      fpu: saveFpu(this.fpu, this.ignne),
    }
  }

  restoreState(state: CpuState): void {
    if (state.version !== STATE_VERSION && state.version !== 1) throw new Error(`unsupported CPU state version ${state.version}`)
    const s = state as unknown as SavedState
    this.regs.set(s.regs)
    this.eip = s.eip
    this.flags = (s.eflags | EFLAGS_FIXED) | 0
    this.lazyMask = 0
    this.cr0 = s.cr[0]!
    this.cr2 = s.cr[1]!
    this.cr3 = s.cr[2]!
    this.cr4 = s.cr[3]!
    this.protectedMode = (this.cr0 & CR0_PE) !== 0
    this.paging = (this.cr0 & 0x80000000) !== 0
    this.v86 = this.protectedMode && (this.flags & VM) !== 0
    this.dr.set(s.dr)
    writeDr7(this, this.dr[7]!)
    for (let n = 0; n < 6; n++) {
      const [sel, base, limit, access] = s.segments[n]!
      setSegmentCache(this, n, sel!, base!, limit!, access!)
    }
    updateAllSegmentChecks(this)
    ;[this.gdtrBase, this.gdtrLimit] = s.gdtr as [number, number]
    ;[this.idtrBase, this.idtrLimit] = s.idtr as [number, number]
    ;[this.ldtrSel, this.ldtrBase, this.ldtrLimit] = s.ldtr as [number, number, number]
    ;[this.trSel, this.trBase, this.trLimit, this.trAccess] = s.tr as [number, number, number, number]
    this.setCpl(s.cpl)
    this.a20Mask = s.a20Mask
    this.instructionCount = s.instructionCount
    this.tscOffset = s.tscOffset
    ;[this.sysenterCs, this.sysenterEsp, this.sysenterEip] = s.sysenter as [number, number, number]
    this.halted = s.halted
    this.shutdown = s.shutdown
    this.interruptShadow = s.interruptShadow
    this.nmiPending = s.nmiPending
    this.nmiBlocked = s.nmiBlocked
    ;[this.injectedVector, this.injectedErrorCode] = s.injected as [number, number]
    this.latchCount = s.latches.length
    s.latches.forEach(([gpa, size, write, value], n) => {
      this.latchGpa[n] = gpa!
      this.latchSize[n] = size!
      this.latchWrite[n] = write!
      this.latchValue[n] = value!
    })
    this.ioLatched = s.ioLatch[0] as boolean
    this.ioLatchValue = s.ioLatch[1] as number
    ;[this.exit.reason, this.exit.instructionLength, this.exit.gpa, this.exit.size] = s.lastExit as [number, number, number, number]
    this.exit.isWrite = s.lastExit[4] === 1
    if (s.fpu === undefined) {
      this.fpu.reset()
      this.ignne = false
    } else {
      this.ignne = restoreFpu(this.fpu, s.fpu)
    }
    this.exitPending = false
    this.exitRequested = false
    tlbFlushAll(this)
    flushCodeCache(this)
  }
}

interface SavedState {
  regs: number[]
  eip: number
  eflags: number
  segments: number[][]
  cr: number[]
  dr: number[]
  gdtr: number[]
  idtr: number[]
  ldtr: number[]
  tr: number[]
  cpl: number
  a20Mask: number
  instructionCount: number
  tscOffset: number
  sysenter: number[]
  halted: boolean
  shutdown: boolean
  interruptShadow: boolean
  nmiPending: boolean
  nmiBlocked: boolean
  injected: number[]
  latches: number[][]
  ioLatch: Array<boolean | number>
  lastExit: number[]
  /** Absent in version 1. */
  fpu?: FpuSavedState
}

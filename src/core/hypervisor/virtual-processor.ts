import {ExitReason, type InterruptController, Seg, type VmExit} from '../cpu/api.js'
import {Cpu} from '../cpu/index.js'
import {VpCounters} from './counters.js'
import {hypervisorCpuid} from './cpuid-leaves.js'
import {HV_CPUID, HV_INTERCEPT_ACCESS, HV_MESSAGE, HV_MSR, IA32_APIC_BASE_MSR} from './hvdef.js'
import {dispatchGuestHypercall} from './hypercalls.js'
import {InterceptMessage} from './intercept-message.js'
import {LocalApic} from './local-apic.js'
import type {Partition} from './partition.js'
import {Synic} from './synic.js'
import {readSyntheticMsr, writeSyntheticMsr} from './synthetic-msrs.js'
import {SyntheticTimers} from './synthetic-timers.js'

const GP_VECTOR = 13
/** CPUID.1:EDX bit 9: the processor has a local APIC (reported while IA32_APIC_BASE enables it). */
const CPUID_1_EDX_APIC = 1 << 9

/**
 * A virtual processor: the CPU running in non-root mode, and the hypervisor's
 * handling of its exits. What the hypervisor can answer itself (CPUID, the
 * synthetic MSRs, hypercalls, INVD) it answers and resumes the guest; what only
 * the root can answer (port I/O, accesses to GPAs that are not RAM, intercepted
 * exceptions, a triple fault) ends the run with an intercept message. The root
 * finishes the intercepted instruction through the completion methods here,
 * which is what Hyper-V's root does with HvSetVpRegisters.
 *
 * Each VP has its local APIC (the processor's interrupt controller; its page
 * is emulated here and never reaches the root), its SynIC and its synthetic
 * timers.
 */
export class VirtualProcessor {
  readonly cpu: Cpu
  readonly counters = new VpCounters()
  readonly apic: LocalApic
  readonly synic: Synic
  readonly stimers: SyntheticTimers
  /**
   * HV_X64_MSR_VP_ASSIST_PAGE as the guest wrote it ([lo, hi]). The page is
   * the guest's own memory; the hypervisor would post lazy-EOI hints there,
   * but it recommends none, so it never writes the page.
   */
  vpAssistPage: [number, number] = [0, 0]
  private readonly message = new InterceptMessage()
  private runtimeTotalNs = 0

  constructor(
    readonly partition: Partition,
    readonly index: number,
  ) {
    this.cpu = new Cpu(partition.memory, {
      // A child has no device of its own: every port belongs to the root's virtual motherboard.
      ioBitmap: new Uint8Array(8192).fill(0xff),
      msrs: new Set<number>(),
      cpuid: true,
      hlt: true,
      vmcall: true,
      invd: true,
      exceptionBitmap: 0,
    })
    this.apic = new LocalApic(index, {
      time: partition.time,
      interruptPending: () => partition.notifyInterruptPending(this),
      endOfInterrupt: (vector) => partition.notifyEndOfInterrupt(vector),
      sendIpi: (source, ipi) => partition.routeIpi(source, ipi),
      raiseNmi: () => this.cpu.raiseNmi(),
    })
    this.cpu.setInterruptController(this.apic)
    this.synic = new Synic({
      memory: partition.memory,
      apic: this.apic,
      invalidateCode: (gpa, length) => {
        for (const vp of partition.vps) vp.cpu.invalidateCode(gpa, length)
      },
      overlayAt: (gpaPage) => partition.hypercallPage === gpaPage || partition.vps.some((vp) => vp.synic.ownsPage(gpaPage)),
    })
    this.stimers = new SyntheticTimers({
      time: partition.time,
      synic: this.synic,
      referenceTime100ns: () => partition.referenceTime100ns(),
      referenceTimeToNs: (time100ns) => partition.referenceTimeToNs(time100ns),
    })
  }

  /** An interrupt is ready for the processor (it takes it once IF allows): a halted VP must run. */
  get interruptPending(): boolean {
    return this.apic.hasInterrupt()
  }

  /** Power-on state of the VP's hypervisor-side state: local APIC, SynIC, synthetic timers. */
  resetSyntheticState(): void {
    this.vpAssistPage = [0, 0]
    this.stimers.reset()
    this.synic.reset()
    this.apic.reset()
  }

  /** Halted with nothing to wake it: the scheduler gives its time to others until an interrupt. */
  get halted(): boolean {
    return this.cpu.halted
  }

  get instructions(): number {
    return this.cpu.instructionCount
  }

  runtimeNs(): number {
    return this.runtimeTotalNs
  }

  /**
   * Attach the legacy interrupt source (the 8259 PIC pair) to the local APIC's
   * LINT0: it reaches the processor as ExtINT while the APIC is software-
   * disabled or LINT0 is in ExtINT mode. The processor's interrupt controller
   * itself is always the local APIC.
   */
  setExternalInterruptSource(source: InterruptController | null): void {
    this.apic.setExternalInterruptSource(source)
  }

  /**
   * Run for up to `budget` instructions. Returns an intercept message for the
   * root, or null when the time slice ended, the VP halted, or a reset was requested.
   */
  run(budget: number): InterceptMessage | null {
    const cpu = this.cpu
    const time = this.partition.time
    const startedNs = time.nowNs()
    const start = cpu.instructionCount
    try {
      for (;;) {
        const remaining = budget - (cpu.instructionCount - start)
        if (remaining <= 0 || this.partition.resetRequested || this.partition.guestCrash) return null
        // Messages queued behind a slot the guest has since freed (without EOM) go in now.
        if (this.synic.queuedMessages !== 0) this.synic.pollQueues()
        const exit = cpu.run(remaining)
        this.counters.countExit(exit.reason)
        switch (exit.reason) {
          case ExitReason.BudgetExhausted:
          case ExitReason.Requested:
          case ExitReason.Hlt:
            return null
          case ExitReason.Cpuid:
            this.emulateCpuid(exit)
            continue
          case ExitReason.MsrRead:
            this.emulateMsrRead(exit)
            continue
          case ExitReason.MsrWrite:
            this.emulateMsrWrite(exit)
            continue
          case ExitReason.Vmcall:
            dispatchGuestHypercall(this)
            continue
          case ExitReason.Invd:
            cpu.skipInstruction() // no caches to invalidate
            continue
          case ExitReason.MemoryAccess:
            if (!this.apic.decodes(exit.gpa >>> 0)) return this.interceptFor(exit)
            this.emulateApicAccess(exit)
            continue
          default:
            return this.interceptFor(exit)
        }
      }
    } finally {
      this.runtimeTotalNs += time.nowNs() - startedNs
    }
  }

  // ---- the root's completions of intercepted instructions ----

  completeIoRead(value: number): void {
    this.cpu.completeIoIn(value)
  }

  completeIoWrite(): void {
    this.cpu.completeIoOut()
  }

  completeMemoryRead(value: number): void {
    this.cpu.completeMemoryRead(value)
  }

  completeMemoryWrite(): void {
    this.cpu.completeMemoryWrite()
  }

  injectException(vector: number, errorCode?: number): void {
    this.cpu.injectException(vector, errorCode)
  }

  skipInstruction(): void {
    this.cpu.skipInstruction()
  }

  /** Drop cached translations (HvFlushVirtualAddressSpace, or a change of the GPA map). */
  flushTlb(): void {
    this.cpu.setCr(3, this.cpu.getCr(3))
  }

  // ---- exits the hypervisor answers itself ----

  private emulateCpuid(exit: VmExit): void {
    const ctx = {
      privileges: this.partition.privileges,
      maxVirtualProcessors: this.partition.maxVirtualProcessors,
      maxLogicalProcessors: this.partition.hypervisor.logicalProcessorCount,
    }
    const result = hypervisorCpuid(exit.leaf, ctx) ?? this.cpu.nativeCpuid(exit.leaf, exit.subleaf)
    if (exit.leaf === 1) {
      result[2] = (result[2] | HV_CPUID.HYPERVISOR_PRESENT_BIT) >>> 0
      // EBX 31:24 the initial APIC ID; EDX.APIC while the APIC is globally enabled.
      result[1] = ((result[1] & 0x00ffffff) | (this.index << 24)) >>> 0
      if (this.apic.hardwareEnabled) result[3] = (result[3] | CPUID_1_EDX_APIC) >>> 0
    }
    this.cpu.completeCpuid(result[0], result[1], result[2], result[3])
  }

  private emulateMsrRead(exit: VmExit): void {
    const msr = exit.msr >>> 0
    const value = isSynthetic(msr) ? readSyntheticMsr(this, msr) : msr === IA32_APIC_BASE_MSR ? [this.apic.baseMsr, 0] : null
    if (value) this.cpu.completeMsrRead(value[0], value[1])
    else this.cpu.injectException(GP_VECTOR, 0)
  }

  private emulateMsrWrite(exit: VmExit): void {
    const msr = exit.msr >>> 0
    const ok = isSynthetic(msr)
      ? writeSyntheticMsr(this, msr, exit.valueLo >>> 0, exit.valueHi >>> 0)
      : msr === IA32_APIC_BASE_MSR && this.apic.writeBaseMsr(exit.valueLo >>> 0, exit.valueHi >>> 0)
    if (ok) this.cpu.completeMsrWrite()
    else this.cpu.injectException(GP_VECTOR, 0)
  }

  /** A read or write of the APIC page: the hypervisor's own MMIO, completed without the root. */
  private emulateApicAccess(exit: VmExit): void {
    // Counted as a MemoryAccess exit in the VP counters, with no intercept message for the root.
    this.apic.mmioAccesses++
    if (exit.isWrite) {
      this.apic.writeMmio(exit.gpa >>> 0, exit.size, exit.value >>> 0)
      this.cpu.completeMemoryWrite()
    } else {
      this.cpu.completeMemoryRead(this.apic.readMmio(exit.gpa >>> 0, exit.size))
    }
  }

  // ---- intercept messages for the root ----

  private interceptFor(exit: VmExit): InterceptMessage {
    const m = this.message
    const cpu = this.cpu
    m.vpIndex = this.index
    m.instructionLength = exit.instructionLength
    m.cpl = cpu.cpl
    m.cr0Pe = (cpu.getCr(0) & 1) !== 0
    m.rflags = cpu.getEflags() >>> 0
    m.vm86Mode = (m.rflags & (1 << 17)) !== 0
    m.csSelector = cpu.segSel[Seg.CS] & 0xffff // not getSegment(): that builds an object on every intercept
    m.rip = exit.rip >>> 0
    m.interceptAccessType = exit.isWrite ? HV_INTERCEPT_ACCESS.WRITE : HV_INTERCEPT_ACCESS.READ
    switch (exit.reason) {
      case ExitReason.IoPort:
        m.type = HV_MESSAGE.X64_IO_PORT_INTERCEPT
        m.portNumber = exit.port
        m.accessSize = exit.size
        m.stringOp = exit.isString
        m.repPrefix = exit.isRep
        m.rax = exit.value >>> 0
        break
      case ExitReason.MemoryAccess:
        m.type = HV_MESSAGE.UNMAPPED_GPA
        m.guestPhysicalAddress = exit.gpa >>> 0
        m.accessSize = exit.size
        m.memoryValue = exit.value >>> 0
        break
      case ExitReason.Exception:
        m.type = HV_MESSAGE.X64_EXCEPTION_INTERCEPT
        m.interceptAccessType = HV_INTERCEPT_ACCESS.EXECUTE
        m.exceptionVector = exit.vector
        m.errorCode = exit.errorCode >>> 0
        m.errorCodeValid = exit.hasErrorCode
        break
      case ExitReason.TripleFault:
        m.type = HV_MESSAGE.UNRECOVERABLE_EXCEPTION
        m.interceptAccessType = HV_INTERCEPT_ACCESS.EXECUTE
        break
      default:
        // MSR and CPUID exits never reach the root unless it asked for them; this
        // hypervisor does not offer that, so any other exit is unexpected.
        m.type = HV_MESSAGE.UNSUPPORTED_FEATURE
    }
    this.counters.countMessage(m.type)
    return m
  }
}

function isSynthetic(msr: number): boolean {
  return msr >>> 0 >= HV_MSR.SYNTHETIC_FIRST && msr >>> 0 <= HV_MSR.SYNTHETIC_LAST
}

/**
 * The contract between the processor and whatever hosts it (the hypervisor, or a
 * test harness). The CPU knows nothing about devices, partitions or the store:
 * everything it cannot do by itself comes back to the host as a VM exit, in the
 * spirit of VT-x non-root operation.
 */

/** Why `Cpu.run` returned. Numbering is ours; names follow VT-x exit reasons. */
export enum ExitReason {
  /** The instruction budget given to `run` is used up. Nothing to emulate. */
  BudgetExhausted = 0,
  /** HLT with the HLT intercept on. EIP is already past the HLT; the CPU is halted. */
  Hlt = 1,
  /** IN/OUT/INS/OUTS on a port whose bit is set in the I/O bitmap. */
  IoPort = 2,
  /** RDMSR of an intercepted (or unknown to the CPU) MSR. */
  MsrRead = 3,
  /** WRMSR of an intercepted (or unknown to the CPU) MSR. */
  MsrWrite = 4,
  /** CPUID with the CPUID intercept on. */
  Cpuid = 5,
  /** VMCALL (0F 01 C1): a hypercall. */
  Vmcall = 6,
  /** INVD with the INVD intercept on. */
  Invd = 7,
  /** An exception whose vector bit is set in the exception bitmap. Not delivered. */
  Exception = 8,
  /** A guest-physical access outside RAM (an MMIO hole or unmapped GPA). */
  MemoryAccess = 9,
  /** Triple fault: the processor has shut down. Only a reset brings it back. */
  TripleFault = 10,
  /** `requestExit()` was called (from a host callback or timer) and the CPU stopped between instructions. */
  Requested = 11,
}

/**
 * One reusable record, owned by the CPU and overwritten by each exit, so that the
 * hot path never allocates. Fields that do not apply to the reason are left stale.
 */
export interface VmExit {
  reason: ExitReason
  /** Linear address (CS base + EIP) of the exiting instruction, and its length in bytes. */
  rip: number
  instructionLength: number

  // IoPort
  port: number
  /** Access size in bytes: 1, 2 or 4. */
  size: number
  isWrite: boolean
  /** OUT: the value written. */
  value: number
  /** INS/OUTS: one element per exit; REP prefix present. */
  isString: boolean
  isRep: boolean

  // MsrRead / MsrWrite (value in valueLo/valueHi for writes)
  msr: number
  valueLo: number
  valueHi: number

  // Cpuid
  leaf: number
  subleaf: number

  // Exception
  vector: number
  errorCode: number
  hasErrorCode: boolean

  // MemoryAccess (size and isWrite above; value above for writes)
  gpa: number
}

/**
 * Guest-physical memory as the second-level translation presents it to the CPU.
 * The host (hypervisor) owns it. RAM is one ArrayBuffer; each 4 KiB guest page
 * maps to an offset in it, or to nothing (access exits with MemoryAccess).
 */
export interface GuestPhysicalMemory {
  /** Backing store of the partition's RAM. */
  readonly ram: Uint8Array
  /**
   * Per 4 KiB guest-physical page (1 << 20 entries for the 4 GiB space): byte offset
   * of that page in `ram`, or -1 when the page is not RAM. Offsets reach past 2^31
   * when RAM is larger than 2 GiB, hence doubles.
   */
  readonly pageOffset: Float64Array
  /** Per page: bit 0 set = writes are ignored (ROM). Same length as pageOffset. */
  readonly pageReadOnly: Uint8Array
  /**
   * Optional dirty tracking, per 4 KiB page of `ram` (indexed by offset >> 12):
   * the processor sets an entry to 1 before it can write that page (when it
   * caches a writable translation, or writes through its slow path). Zero
   * means the processor has not written the page since the host cleared the
   * entry; a host that clears entries must flush the processor's TLB.
   */
  readonly ramWritten?: Uint8Array
}

/** Which events leave non-root operation. The host may change these between runs. */
export interface InterceptControls {
  /** 65536 bits, one per port (bit p = byte p>>3, bit p&7): 1 = exit. */
  ioBitmap: Uint8Array
  /** MSRs that exit instead of being handled by the CPU. MSRs the CPU does not know exit too. */
  msrs: Set<number>
  cpuid: boolean
  hlt: boolean
  vmcall: boolean
  invd: boolean
  /** Bit n set: exception vector n exits instead of being delivered to the guest. */
  exceptionBitmap: number
}

/** Something that raises the INTR line, like a PIC or a local APIC. */
export interface InterruptController {
  /** True when an interrupt is waiting to be acknowledged. */
  hasInterrupt(): boolean
  /** The INTA cycle: returns the vector and updates the controller's state. */
  acknowledge(): number
}

/** General registers in x86 encoding order. */
export enum Reg {
  EAX = 0, ECX = 1, EDX = 2, EBX = 3, ESP = 4, EBP = 5, ESI = 6, EDI = 7,
}

/** Segment registers in x86 encoding order. */
export enum Seg {
  ES = 0, CS = 1, SS = 2, DS = 3, FS = 4, GS = 5,
}

/** A segment register with its hidden descriptor cache. */
export interface SegmentRegister {
  selector: number
  base: number
  /** Byte-granular effective limit (already scaled when G=1). */
  limit: number
  /**
   * Descriptor attribute bits as in bytes 5-6 of a descriptor, shifted down:
   * bits 0-3 type, 4 S, 5-6 DPL, 7 P, 12 AVL, 14 D/B, 15 G (VT-x "access rights" layout).
   */
  access: number
}

export interface DescriptorTableRegister {
  base: number
  limit: number
}

/**
 * The architectural state as a plain JSON-serializable object, so that a VM can be
 * saved or checkpointed between any two instructions and resumed identically.
 * `version` lets later formats refuse or migrate older ones.
 */
export interface CpuState {
  version: number
  [key: string]: unknown
}

/**
 * What the host sees of a processor. Exits leave EIP at the exiting instruction
 * (except Hlt, which retires first); the host finishes the instruction with the
 * matching `complete*` call, or injects an exception, then runs again.
 */
export interface Processor {
  /** The reusable exit record that `run` returns. */
  readonly exit: VmExit
  readonly intercepts: InterceptControls

  /** Execute until an exit or until `budget` instructions have retired. */
  run(budget: number): VmExit
  /** Ask `run` to stop at the next instruction boundary with ExitReason.Requested. */
  requestExit(): void
  /** Power-on/INIT state: real mode, CS=F000 (base FFFF0000), EIP=FFF0, EDX = CPU signature. */
  reset(): void

  /** Instructions retired since reset (a float64 count, exact below 2^53). */
  readonly instructionCount: number
  /** True while halted (HLT retired and no interrupt has woken the CPU). */
  readonly halted: boolean

  getReg(r: Reg): number
  setReg(r: Reg, value: number): void
  eip: number
  /** EFLAGS with lazily computed flags materialized. */
  getEflags(): number
  setEflags(value: number): void
  getSegment(s: Seg): SegmentRegister
  setSegment(s: Seg, value: SegmentRegister): void
  /** Reading returns the register; writing has the side effects of MOV CRn (TLB flush, mode change). */
  getCr(n: 0 | 2 | 3 | 4): number
  setCr(n: 0 | 2 | 3 | 4, value: number): void
  gdtr: DescriptorTableRegister
  idtr: DescriptorTableRegister
  /** Current privilege level. */
  readonly cpl: number

  setInterruptController(ic: InterruptController | null): void
  /**
   * FERR#, the x87's error output: called with true when a waiting x87
   * instruction meets a pending unmasked exception with CR0.NE = 0, and with
   * false when the exception is cleared. A PC/AT-compatible platform raises
   * IRQ 13 from it.
   */
  setFpuErrorSink(sink: ((asserted: boolean) => void) | null): void
  /** IGNNE#: while asserted, pending x87 exceptions are ignored (CR0.NE = 0). The platform asserts it on a write to port 0xF0. */
  setIgnne(asserted: boolean): void
  readonly fpuErrorAsserted: boolean
  raiseNmi(): void
  /** Deliver an exception through the guest's IDT/IVT before the next instruction. */
  injectException(vector: number, errorCode?: number): void

  /** Finish an IN/INS exit with the value read from the port (advances EIP, REP counts). */
  completeIoIn(value: number): void
  /** Finish an OUT/OUTS exit (advances EIP, REP counts). */
  completeIoOut(): void
  completeMsrRead(lo: number, hi: number): void
  completeMsrWrite(): void
  completeCpuid(eax: number, ebx: number, ecx: number, edx: number): void
  /** Finish a MemoryAccess exit; the instruction re-executes and uses `value` for that read. */
  completeMemoryRead(value: number): void
  /** Finish a MemoryAccess write exit; the instruction re-executes, the write counted as done. */
  completeMemoryWrite(): void
  /** Retire the exiting instruction without other effect (after VMCALL, INVD, emulated CPUID...). */
  skipInstruction(): void

  /** What the processor itself reports for CPUID, for the hypervisor to extend. */
  nativeCpuid(leaf: number, subleaf: number): [number, number, number, number]
  /** The host wrote guest RAM (DMA, loaders, VMBus): drop decoded code for those bytes. */
  invalidateCode(gpa: number, length: number): void

  saveState(): CpuState
  restoreState(state: CpuState): void
}

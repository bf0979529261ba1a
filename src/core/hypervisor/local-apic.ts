import type {InterruptController} from '../cpu/api.js'
import {StateFields} from './saved-state-fields.js'
import type {TimerHandle, TimeSource} from './time-source.js'

/** Where the xAPIC page is after reset (IA32_APIC_BASE 35:12). */
export const APIC_DEFAULT_BASE = 0xfee00000
/**
 * The APIC bus (timer input) frequency: 100 MHz, one tick every 10 ns of
 * partition time before the divider. APIC_FREQUENCY (0x40000023) reports it.
 */
export const APIC_BUS_FREQUENCY_HZ = 100_000_000
const NS_PER_BUS_TICK = 1e9 / APIC_BUS_FREQUENCY_HZ
/** Version 0x14 (integrated APIC), max LVT entry 5 (timer, thermal, perf, LINT0, LINT1, error). */
export const APIC_VERSION = 0x00050014
/**
 * The shortest period a periodic APIC timer runs at (100 µs), as KVM bounds
 * it (200 µs): a guest programming a period of a few bus ticks would
 * otherwise make the hypervisor do nothing but fire its timer.
 */
export const APIC_MIN_PERIOD_NS = 100_000

/** IA32_APIC_BASE bits. */
export const APIC_BASE_MSR = {BSP: 1 << 8, X2APIC_ENABLE: 1 << 10, ENABLE: 1 << 11, BASE_MASK: 0xfffff000} as const

/** Register offsets in the APIC page. */
export const APIC_REG = {
  ID: 0x20,
  VERSION: 0x30,
  TPR: 0x80,
  APR: 0x90,
  PPR: 0xa0,
  EOI: 0xb0,
  RRD: 0xc0,
  LDR: 0xd0,
  DFR: 0xe0,
  SVR: 0xf0,
  ISR: 0x100,
  TMR: 0x180,
  IRR: 0x200,
  ESR: 0x280,
  ICR_LOW: 0x300,
  ICR_HIGH: 0x310,
  LVT_TIMER: 0x320,
  LVT_THERMAL: 0x330,
  LVT_PERF: 0x340,
  LVT_LINT0: 0x350,
  LVT_LINT1: 0x360,
  LVT_ERROR: 0x370,
  TIMER_INITIAL: 0x380,
  TIMER_CURRENT: 0x390,
  TIMER_DIVIDE: 0x3e0,
} as const

export const SVR_APIC_ENABLED = 1 << 8
export const LVT_MASKED = 1 << 16
export const LVT_TIMER_PERIODIC = 1 << 17
const LVT_LEVEL_TRIGGERED = 1 << 15
/** LVT and ICR delivery modes (10:8). */
export const DELIVERY_MODE = {FIXED: 0, LOWEST_PRIORITY: 1, SMI: 2, NMI: 4, INIT: 5, STARTUP: 6, EXTINT: 7} as const
/** ESR bits. */
export const ESR = {SEND_ILLEGAL_VECTOR: 1 << 5, RECEIVE_ILLEGAL_VECTOR: 1 << 6, ILLEGAL_REGISTER: 1 << 7} as const

const LVT_TIMER = 0
const LVT_THERMAL = 1
const LVT_PERF = 2
const LVT_LINT0 = 3
const LVT_LINT1 = 4
const LVT_ERROR = 5
/** Writable bits of each LVT entry, in LVT order. */
const LVT_WRITABLE = [0x300ff, 0x107ff, 0x107ff, 0x1a7ff, 0x1a7ff, 0x100ff]

/** An interprocessor interrupt as the ICR describes it. */
export interface Ipi {
  vector: number
  deliveryMode: number
  logical: boolean
  /** 0 none (use destination), 1 self, 2 all including self, 3 all excluding self. */
  shorthand: number
  destination: number
  level: boolean
}

/** What the local APIC needs from its VP and partition. */
export interface LocalApicHost {
  readonly time: TimeSource
  /** An interrupt became deliverable: wake the VP if it is halted. */
  interruptPending(): void
  /** The guest ended (EOI) a level-triggered vector: I/O APICs clear their remote IRR. */
  endOfInterrupt(vector: number): void
  /** Deliver an IPI the guest sent through the ICR (to this and other VPs' APICs). */
  sendIpi(source: LocalApic, ipi: Ipi): void
  raiseNmi(): void
}

export interface LocalApicSavedState {
  baseMsr: number
  id: number
  tpr: number
  ldr: number
  dfr: number
  svr: number
  esr: number
  esrPending: number
  icrLow: number
  icrHigh: number
  lvt: number[]
  irr: number[]
  isr: number[]
  tmr: number[]
  autoEoi: number[]
  timerInitial: number
  timerDivide: number
  /** Partition ns since the current count started; null when no count is running. */
  timerElapsedNs: number | null
  /** Partition ns until the next expiry; null when none is scheduled. */
  timerDueInNs: number | null
}

/**
 * The local APIC (xAPIC) the hypervisor virtualizes for one VP, as Hyper-V
 * does: the APIC page's registers (reached through UNMAPPED_GPA exits the VP
 * completes itself), interrupt acceptance by priority class (IRR, ISR, TPR,
 * PPR, EOI), the LVT with its timer (one-shot and periodic, on the partition's
 * clock), self and fixed IPIs, and the ExtINT virtual wire that passes the
 * 8259 PIC's INTR straight through while the APIC is software-disabled (its
 * reset state) or LINT0 is unmasked in ExtINT mode, so a guest that never
 * touches the APIC sees exactly the PC/AT's interrupt path.
 *
 * Towards the processor it is the InterruptController. Fixed interrupts are
 * accepted into the IRR even while the APIC is software-disabled, but reach
 * the processor only once the guest sets SVR bit 8, as on hardware.
 */
export class LocalApic implements InterruptController {
  baseMsr = 0
  private id = 0
  private tpr = 0
  private ldr = 0
  private dfr = 0xffffffff
  private svr = 0xff
  private esr = 0
  private esrPending = 0
  private icrLow = 0
  private icrHigh = 0
  private readonly lvt = new Uint32Array(6)
  private readonly irr = new Uint32Array(8)
  private readonly isr = new Uint32Array(8)
  private readonly tmr = new Uint32Array(8)
  /** Vectors raised by auto-EOI SINTs: acknowledged without entering the ISR. */
  private readonly autoEoi = new Uint32Array(8)
  private timerInitial = 0
  private timerDivide = 0
  private timerStartNs = 0
  private timerRunning = false
  private timerDeadlineNs: number | null = null
  private timer: TimerHandle | null = null
  /** A fixed interrupt can be delivered now (cached: the processor asks often). */
  private deliverable = false
  /** The 8259 PIC (Generation 1), reached through LINT0 as ExtINT. */
  private extInt: InterruptController | null = null
  /** Fixed interrupts accepted, and APIC page accesses the VP completed: counters. */
  accepted = 0
  mmioAccesses = 0

  constructor(
    readonly vpIndex: number,
    private readonly host: LocalApicHost,
  ) {
    this.reset()
  }

  /** Power-on/INIT state: enabled in IA32_APIC_BASE, software-disabled, LVT masked, timer stopped. */
  reset(): void {
    this.stopTimer()
    this.baseMsr = (APIC_DEFAULT_BASE | APIC_BASE_MSR.ENABLE | (this.vpIndex === 0 ? APIC_BASE_MSR.BSP : 0)) >>> 0
    this.resetRegisters()
  }

  private resetRegisters(): void {
    this.stopTimer()
    this.id = (this.vpIndex << 24) >>> 0
    this.tpr = 0
    this.ldr = 0
    this.dfr = 0xffffffff
    this.svr = 0xff
    this.esr = 0
    this.esrPending = 0
    this.icrLow = 0
    this.icrHigh = 0
    this.lvt.fill(LVT_MASKED)
    this.irr.fill(0)
    this.isr.fill(0)
    this.tmr.fill(0)
    this.autoEoi.fill(0)
    this.timerInitial = 0
    this.timerDivide = 0
    this.timerStartNs = 0
    this.timerRunning = false
    this.deliverable = false
  }

  /** Attach the 8259 PIC (or any legacy INTR source) to LINT0. */
  setExternalInterruptSource(source: InterruptController | null): void {
    this.extInt = source
  }

  /**
   * The state a PC's firmware leaves the boot processor's APIC in before it
   * starts an operating system (MP specification 3.6.2.2, virtual wire mode):
   * software-enabled, LINT0 unmasked in ExtINT mode so the 8259's INTR passes
   * through, LINT1 as NMI. hv's own loaders (Multiboot, Linux) stand in for that
   * firmware. Linux keeps LINT0 as it finds it when it sets up the APIC: left
   * masked (the reset state), no PIC interrupt would ever reach the processor.
   */
  enterVirtualWireMode(): void {
    this.svr |= SVR_APIC_ENABLED
    this.lvt[LVT_LINT0] = (DELIVERY_MODE.EXTINT << 8) | LVT_LEVEL_TRIGGERED
    this.lvt[LVT_LINT1] = (DELIVERY_MODE.NMI << 8) | LVT_LEVEL_TRIGGERED
    this.update()
  }

  get hardwareEnabled(): boolean {
    return (this.baseMsr & APIC_BASE_MSR.ENABLE) !== 0
  }

  get softwareEnabled(): boolean {
    return this.hardwareEnabled && (this.svr & SVR_APIC_ENABLED) !== 0
  }

  /** The APIC page decodes `gpa`. */
  decodes(gpa: number): boolean {
    return this.hardwareEnabled && (gpa & APIC_BASE_MSR.BASE_MASK) >>> 0 === (this.baseMsr & APIC_BASE_MSR.BASE_MASK) >>> 0
  }

  /** IA32_APIC_BASE write. Returns false (#GP) for reserved bits or x2APIC mode. */
  writeBaseMsr(lo: number, hi: number): boolean {
    if (hi !== 0 || (lo & 0x6ff) !== 0) return false
    const wasEnabled = this.hardwareEnabled
    const bsp = this.baseMsr & APIC_BASE_MSR.BSP
    this.baseMsr = ((lo & (APIC_BASE_MSR.BASE_MASK | APIC_BASE_MSR.ENABLE)) | bsp) >>> 0
    // Clearing the global enable puts the APIC in its reset state (SDM 10.4.3).
    if (wasEnabled && !this.hardwareEnabled) this.resetRegisters()
    this.update()
    return true
  }

  // ---- InterruptController: the processor's INTR ----

  /** The 8259's INTR reaches the processor: APIC disabled, or LINT0 unmasked in ExtINT mode. */
  private extIntPassthrough(): boolean {
    if (this.extInt === null) return false
    if (!this.softwareEnabled) return true
    const lint0 = this.lvt[LVT_LINT0]
    return (lint0 & LVT_MASKED) === 0 && ((lint0 >>> 8) & 7) === DELIVERY_MODE.EXTINT
  }

  hasInterrupt(): boolean {
    return this.deliverable || (this.extIntPassthrough() && this.extInt!.hasInterrupt())
  }

  acknowledge(): number {
    if (this.extIntPassthrough() && this.extInt!.hasInterrupt()) return this.extInt!.acknowledge()
    const vector = this.highestDeliverable()
    if (vector < 0) return this.svr & 0xff // spurious
    const word = vector >>> 5
    const bit = 1 << (vector & 31)
    this.irr[word] &= ~bit
    if (this.autoEoi[word] & bit) this.autoEoi[word] &= ~bit
    else this.isr[word] |= bit
    this.update()
    return vector
  }

  // ---- interrupt acceptance ----

  /**
   * Accept a fixed interrupt into the IRR (edge, or level with the TMR bit
   * set). `autoEoi`: a SynIC auto-EOI SINT; the vector never enters the ISR.
   * Vectors 0-15 are illegal: refused with the ESR's receive-illegal bit.
   */
  raise(vector: number, options: {level?: boolean; autoEoi?: boolean} = {}): boolean {
    vector &= 0xff
    if (!this.hardwareEnabled) return false
    if (vector < 16) {
      this.error(ESR.RECEIVE_ILLEGAL_VECTOR)
      return false
    }
    const word = vector >>> 5
    const bit = 1 << (vector & 31)
    this.irr[word] |= bit
    if (options.level) this.tmr[word] |= bit
    else this.tmr[word] &= ~bit
    if (options.autoEoi) this.autoEoi[word] |= bit
    else this.autoEoi[word] &= ~bit
    this.accepted++
    this.update()
    return true
  }

  /** End the highest in-service interrupt (EOI register, or the EOI MSR). */
  endOfInterrupt(): void {
    const vector = highestBit(this.isr)
    if (vector < 0) return
    const word = vector >>> 5
    const bit = 1 << (vector & 31)
    this.isr[word] &= ~bit
    const level = (this.tmr[word] & bit) !== 0
    this.tmr[word] &= ~bit
    this.update()
    if (level) this.host.endOfInterrupt(vector)
  }

  /** Processor priority: the higher of TPR and the in-service class. */
  processorPriority(): number {
    const isrv = Math.max(highestBit(this.isr), 0)
    return this.tpr >>> 4 >= isrv >>> 4 ? this.tpr : isrv & 0xf0
  }

  private highestDeliverable(): number {
    const vector = highestBit(this.irr)
    if (vector < 0 || (vector & 0xf0) <= (this.processorPriority() & 0xf0)) return -1
    return vector
  }

  private update(): void {
    const was = this.deliverable
    this.deliverable = this.softwareEnabled && this.highestDeliverable() >= 0
    if (this.deliverable && !was) this.host.interruptPending()
  }

  private error(bits: number): void {
    this.esrPending |= bits
    const lvt = this.lvt[LVT_ERROR]
    if ((lvt & LVT_MASKED) === 0 && this.softwareEnabled && (lvt & 0xff) >= 16) this.raise(lvt & 0xff)
  }

  // ---- the APIC page ----

  /** A read of `size` bytes at `gpa` in the APIC page. */
  readMmio(gpa: number, size: number): number {
    const offset = gpa & 0xfff
    const byte = offset & 0xf
    if (byte + size > 4) return 0 // only the first dword of each 16-byte register exists
    const value = this.readRegister(offset & 0xff0) >>> (byte * 8)
    return size === 4 ? value >>> 0 : value & (size === 2 ? 0xffff : 0xff)
  }

  /** Registers are written as aligned dwords; narrower or misaligned writes are dropped. */
  writeMmio(gpa: number, size: number, value: number): void {
    const offset = gpa & 0xfff
    if ((offset & 0xf) !== 0 || size !== 4) return
    this.writeRegister(offset, value >>> 0)
  }

  readRegister(reg: number): number {
    switch (reg) {
      case APIC_REG.ID: return this.id
      case APIC_REG.VERSION: return APIC_VERSION
      case APIC_REG.TPR: return this.tpr
      case APIC_REG.APR: return 0
      case APIC_REG.PPR: return this.processorPriority()
      case APIC_REG.LDR: return this.ldr
      case APIC_REG.DFR: return this.dfr
      case APIC_REG.SVR: return this.svr
      case APIC_REG.ESR: return this.esr
      case APIC_REG.ICR_LOW: return this.icrLow
      case APIC_REG.ICR_HIGH: return this.icrHigh
      case APIC_REG.TIMER_INITIAL: return this.timerInitial
      case APIC_REG.TIMER_CURRENT: return this.currentCount()
      case APIC_REG.TIMER_DIVIDE: return this.timerDivide
    }
    if (reg >= APIC_REG.ISR && reg < APIC_REG.ISR + 0x80) return this.isr[(reg - APIC_REG.ISR) >>> 4]
    if (reg >= APIC_REG.TMR && reg < APIC_REG.TMR + 0x80) return this.tmr[(reg - APIC_REG.TMR) >>> 4]
    if (reg >= APIC_REG.IRR && reg < APIC_REG.IRR + 0x80) return this.irr[(reg - APIC_REG.IRR) >>> 4]
    if (reg >= APIC_REG.LVT_TIMER && reg <= APIC_REG.LVT_ERROR) return this.lvt[(reg - APIC_REG.LVT_TIMER) >>> 4]
    return 0
  }

  writeRegister(reg: number, value: number): void {
    switch (reg) {
      case APIC_REG.ID:
        this.id = value & 0xff000000
        return
      case APIC_REG.TPR:
        this.tpr = value & 0xff
        this.update()
        return
      case APIC_REG.EOI:
        this.endOfInterrupt()
        return
      case APIC_REG.LDR:
        this.ldr = value & 0xff000000
        return
      case APIC_REG.DFR:
        this.dfr = (value | 0x0fffffff) >>> 0
        return
      case APIC_REG.SVR:
        this.svr = value & 0x1ff
        // Software-disabling masks every LVT entry (SDM 10.4.7.2).
        if ((this.svr & SVR_APIC_ENABLED) === 0) for (let i = 0; i < this.lvt.length; i++) this.lvt[i] |= LVT_MASKED
        this.update()
        return
      case APIC_REG.ESR:
        this.esr = this.esrPending
        this.esrPending = 0
        return
      case APIC_REG.ICR_LOW:
        this.icrLow = value & 0x000cdfff // delivery status (12) always reads idle
        this.sendIpi()
        return
      case APIC_REG.ICR_HIGH:
        this.icrHigh = value & 0xff000000
        return
      case APIC_REG.TIMER_INITIAL:
        this.timerInitial = value >>> 0
        this.startTimer()
        return
      case APIC_REG.TIMER_DIVIDE:
        this.timerDivide = value & 0xb
        return
      case APIC_REG.VERSION:
      case APIC_REG.APR:
      case APIC_REG.PPR:
      case APIC_REG.RRD:
      case APIC_REG.TIMER_CURRENT:
        return // read-only
    }
    if (reg >= APIC_REG.LVT_TIMER && reg <= APIC_REG.LVT_ERROR) {
      const index = (reg - APIC_REG.LVT_TIMER) >>> 4
      let entry = value & LVT_WRITABLE[index]
      if (!this.softwareEnabled) entry |= LVT_MASKED
      this.lvt[index] = entry
      return
    }
    if (reg >= APIC_REG.ISR && reg < APIC_REG.IRR + 0x80) return // ISR, TMR, IRR are read-only
    this.error(ESR.ILLEGAL_REGISTER)
  }

  // ---- IPIs ----

  /** The ICR was written: send the IPI it describes. Only fixed, lowest-priority and NMI are delivered. */
  private sendIpi(): void {
    const ipi: Ipi = {
      vector: this.icrLow & 0xff,
      deliveryMode: (this.icrLow >>> 8) & 7,
      logical: (this.icrLow & (1 << 11)) !== 0,
      shorthand: (this.icrLow >>> 18) & 3,
      destination: this.icrHigh >>> 24,
      level: (this.icrLow & (1 << 15)) !== 0,
    }
    if ((ipi.deliveryMode === DELIVERY_MODE.FIXED || ipi.deliveryMode === DELIVERY_MODE.LOWEST_PRIORITY) && ipi.vector < 16) {
      this.error(ESR.SEND_ILLEGAL_VECTOR)
      return
    }
    this.host.sendIpi(this, ipi)
  }

  /** Whether an IPI from `source` with this shorthand/destination is for this APIC. */
  acceptsIpi(source: LocalApic, ipi: Ipi): boolean {
    switch (ipi.shorthand) {
      case 1: return source === this
      case 2: return true
      case 3: return source !== this
    }
    if (!ipi.logical) return ipi.destination === 0xff || ipi.destination === this.id >>> 24
    // Logical flat model (the cluster model is treated the same way).
    return ipi.destination === 0xff || ((this.ldr >>> 24) & ipi.destination) !== 0
  }

  /** An IPI addressed to this APIC arrives. */
  receiveIpi(ipi: Ipi): void {
    if (ipi.deliveryMode === DELIVERY_MODE.FIXED || ipi.deliveryMode === DELIVERY_MODE.LOWEST_PRIORITY) {
      this.raise(ipi.vector, {level: false})
    } else if (ipi.deliveryMode === DELIVERY_MODE.NMI) {
      this.host.raiseNmi()
    }
  }

  // ---- the timer ----

  private tickNs(): number {
    const code = ((this.timerDivide & 8) >>> 1) | (this.timerDivide & 3)
    return NS_PER_BUS_TICK * (code === 7 ? 1 : 2 << code)
  }

  private periodNs(): number {
    const period = this.timerInitial * this.tickNs()
    return (this.lvt[LVT_TIMER] & LVT_TIMER_PERIODIC) !== 0 ? Math.max(period, APIC_MIN_PERIOD_NS) : period
  }

  private startTimer(): void {
    this.stopTimer()
    if (this.timerInitial === 0) return
    this.timerStartNs = this.host.time.nowNs()
    this.timerRunning = true
    this.schedule(this.timerStartNs + this.periodNs())
  }

  private stopTimer(): void {
    this.timer?.cancel()
    this.timer = null
    this.timerDeadlineNs = null
    this.timerRunning = false
  }

  private schedule(deadlineNs: number): void {
    this.timer?.cancel()
    this.timerDeadlineNs = deadlineNs
    this.timer = this.host.time.setTimer(deadlineNs, () => this.expire(deadlineNs))
  }

  private expire(deadlineNs: number): void {
    this.timer = null
    this.timerDeadlineNs = null
    const lvt = this.lvt[LVT_TIMER]
    if ((lvt & LVT_MASKED) === 0 && this.softwareEnabled) this.raise(lvt & 0xff)
    if ((lvt & LVT_TIMER_PERIODIC) !== 0 && this.timerInitial !== 0) {
      this.timerStartNs = deadlineNs
      this.schedule(deadlineNs + this.periodNs())
    } else {
      this.timerRunning = false
    }
  }

  private currentCount(): number {
    if (!this.timerRunning || this.timerInitial === 0) return 0
    const elapsedTicks = Math.floor((this.host.time.nowNs() - this.timerStartNs) / this.tickNs())
    if ((this.lvt[LVT_TIMER] & LVT_TIMER_PERIODIC) !== 0) return this.timerInitial - (elapsedTicks % this.timerInitial)
    return Math.max(0, this.timerInitial - elapsedTicks)
  }

  // ---- saved state ----

  saveState(): LocalApicSavedState {
    const now = this.host.time.nowNs()
    return {
      baseMsr: this.baseMsr,
      id: this.id,
      tpr: this.tpr,
      ldr: this.ldr,
      dfr: this.dfr,
      svr: this.svr,
      esr: this.esr,
      esrPending: this.esrPending,
      icrLow: this.icrLow,
      icrHigh: this.icrHigh,
      lvt: [...this.lvt],
      irr: [...this.irr],
      isr: [...this.isr],
      tmr: [...this.tmr],
      autoEoi: [...this.autoEoi],
      timerInitial: this.timerInitial,
      timerDivide: this.timerDivide,
      timerElapsedNs: this.timerRunning ? now - this.timerStartNs : null,
      timerDueInNs: this.timerDeadlineNs === null ? null : this.timerDeadlineNs - now,
    }
  }

  restoreState(state: LocalApicSavedState): void {
    const f = StateFields.open(state, `local APIC ${this.vpIndex}`)
    const read = {
      baseMsr: f.integer('baseMsr'),
      id: f.integer('id'),
      tpr: f.integer('tpr', 0, 0xff),
      ldr: f.integer('ldr'),
      dfr: f.integer('dfr'),
      svr: f.integer('svr', 0, 0x1ff),
      esr: f.integer('esr', 0, 0xff),
      esrPending: f.integer('esrPending', 0, 0xff),
      icrLow: f.integer('icrLow'),
      icrHigh: f.integer('icrHigh'),
      lvt: f.integers('lvt', 6),
      irr: f.integers('irr', 8),
      isr: f.integers('isr', 8),
      tmr: f.integers('tmr', 8),
      autoEoi: f.integers('autoEoi', 8),
      timerInitial: f.integer('timerInitial'),
      timerDivide: f.integer('timerDivide', 0, 0xb),
      timerElapsedNs: f.optionalNumber('timerElapsedNs'),
      timerDueInNs: f.optionalNumber('timerDueInNs'),
    }
    this.stopTimer()
    Object.assign(this, {
      baseMsr: read.baseMsr, id: read.id, tpr: read.tpr, ldr: read.ldr, dfr: read.dfr, svr: read.svr, esr: read.esr,
      esrPending: read.esrPending, icrLow: read.icrLow, icrHigh: read.icrHigh, timerInitial: read.timerInitial,
      timerDivide: read.timerDivide,
    })
    this.lvt.set(read.lvt)
    this.irr.set(read.irr)
    this.isr.set(read.isr)
    this.tmr.set(read.tmr)
    this.autoEoi.set(read.autoEoi)
    const now = this.host.time.nowNs()
    this.timerRunning = read.timerElapsedNs !== null
    this.timerStartNs = now - (read.timerElapsedNs ?? 0)
    if (read.timerDueInNs !== null) this.schedule(now + read.timerDueInNs)
    this.deliverable = false
    this.update()
  }
}

/** The highest set bit of a 256-bit register (8 words), or -1. */
function highestBit(words: Uint32Array): number {
  for (let word = 7; word >= 0; word--) {
    const value = words[word]
    if (value !== 0) return word * 32 + 31 - Math.clz32(value)
  }
  return -1
}

import type {GuestPhysicalAddressSpace} from './guest-memory.js'
import {PAGE_SHIFT, PAGE_SIZE} from './guest-memory.js'
import {
  HV_EVENT_FLAGS_PER_SINT, HV_MESSAGE_PAYLOAD_MAX, HV_MESSAGE_SIZE, HV_MSR, HV_STATUS, SINT, SYNIC_ENABLE,
  SYNIC_SINT_COUNT, SYNIC_VERSION,
} from './hvdef.js'
import type {LocalApic} from './local-apic.js'
import {savePage, StateFields} from './saved-state-fields.js'
import {setEventFlag, setMessagePending, slotType, type SynicMessage, writeSlot} from './synic-message-page.js'
import type {MsrValue} from './synthetic-msrs.js'

/** Messages a SINT holds behind its occupied slot; one more is INSUFFICIENT_BUFFERS. */
export const SYNIC_QUEUE_DEPTH = 16

/** What the SynIC needs of its VP. */
export interface SynicHost {
  readonly memory: GuestPhysicalAddressSpace
  readonly apic: LocalApic
  /** The hypervisor wrote guest-visible bytes: drop code the processors decoded there. */
  invalidateCode(gpa: number, length: number): void
  /** Another overlay (the hypercall page, another SynIC page) already lies at this GPA page. */
  overlayAt(gpaPage: number): boolean
}

export interface SynicSavedState {
  scontrol: number
  siefp: number
  simp: number
  sints: number[]
  /** Per SINT, the messages waiting behind the slot's occupant. */
  queues: {type: number; sender: number; payload: string}[][]
  simpPage: string | null
  siefpPage: string | null
}

/** One overlay page the SynIC lays over guest RAM (SIMP or SIEFP). */
interface OverlayPage {
  gpaPage: number
  bytes: Uint8Array
}

/**
 * A VP's synthetic interrupt controller: SCONTROL, SVERSION, the SIEF and SIM
 * overlay pages, EOM and the 16 SINTs, with message posting (a free slot, or a
 * bounded queue behind the occupant with MessagePending set, redelivered on
 * EOM or when the slot is found free), event flags (interrupt only on 0 -> 1),
 * and the SINT interrupt itself raised through the VP's local APIC.
 */
export class Synic {
  private scontrol = 0
  /** The low halves of SIEFP and SIMP (the high halves are always 0 below 4 GiB). */
  private siefp = 0
  private simp = 0
  private readonly sints = new Uint32Array(SYNIC_SINT_COUNT)
  private readonly queues: SynicMessage[][] = Array.from({length: SYNIC_SINT_COUNT}, () => [])
  private queued = 0
  private simpPage: OverlayPage | null = null
  private siefpPage: OverlayPage | null = null
  /** Counters: messages written into slots, messages queued, event flags set, SINT interrupts raised. */
  readonly stats = {messages: 0, queued: 0, events: 0, interrupts: 0}

  constructor(private readonly host: SynicHost) {
    this.reset()
  }

  reset(): void {
    this.scontrol = 0
    this.setPage('simp', 0)
    this.setPage('siefp', 0)
    this.sints.fill(SINT.RESET)
    this.clearQueues()
  }

  get enabled(): boolean {
    return (this.scontrol & SYNIC_ENABLE) !== 0
  }

  /** The SINT register (low half). */
  sint(index: number): number {
    return this.sints[index]
  }

  /** Whether the SIMP or SIEFP overlay lies at `gpaPage`. */
  ownsPage(gpaPage: number): boolean {
    return this.simpPage?.gpaPage === gpaPage || this.siefpPage?.gpaPage === gpaPage
  }

  /** Messages waiting behind occupied slots, on all SINTs. */
  get queuedMessages(): number {
    return this.queued
  }

  // ---- MSRs (the caller has checked AccessSynicRegs) ----

  readMsr(msr: number): MsrValue | null {
    if (msr >= HV_MSR.SINT0 && msr <= HV_MSR.SINT15) return [this.sints[msr - HV_MSR.SINT0], 0]
    switch (msr) {
      case HV_MSR.SCONTROL: return [this.scontrol, 0]
      case HV_MSR.SVERSION: return [SYNIC_VERSION, 0]
      case HV_MSR.SIEFP: return [this.siefp, 0]
      case HV_MSR.SIMP: return [this.simp, 0]
      case HV_MSR.EOM: return [0, 0]
      default: return null
    }
  }

  /** False means #GP. */
  writeMsr(msr: number, lo: number, hi: number): boolean {
    if (msr >= HV_MSR.SINT0 && msr <= HV_MSR.SINT15) return this.writeSint(msr - HV_MSR.SINT0, lo, hi)
    switch (msr) {
      case HV_MSR.SCONTROL:
        this.scontrol = lo & SYNIC_ENABLE
        return true
      case HV_MSR.SIEFP:
      case HV_MSR.SIMP:
        // A 32-bit guest-physical space: a page above 4 GiB does not exist.
        if (hi !== 0) return false
        return this.setPage(msr === HV_MSR.SIMP ? 'simp' : 'siefp', lo)
      case HV_MSR.EOM:
        this.endOfMessage()
        return true
      default:
        return false // SVERSION is read-only
    }
  }

  /**
   * SINTx: vector 7:0, masked 16, auto-EOI 17, polling 18. An unmasked SINT
   * with a vector below 16 is refused with #GP (as KVM does, a masked one may
   * carry any vector: its reset value has vector 0).
   */
  private writeSint(index: number, lo: number, _hi: number): boolean {
    const value = lo & SINT.WRITABLE
    if ((value & SINT.MASKED) === 0 && (value & SINT.VECTOR_MASK) < SINT.FIRST_VALID_VECTOR) return false
    this.sints[index] = value
    return true
  }

  /** SIMP/SIEFP: lay the overlay page over the GPA, keeping its contents when it only moves. */
  private setPage(which: 'simp' | 'siefp', lo: number): boolean {
    const value = (lo & ~0xffe) >>> 0
    const enable = (value & SYNIC_ENABLE) !== 0
    const gpaPage = value >>> PAGE_SHIFT
    const current = which === 'simp' ? this.simpPage : this.siefpPage
    if (enable && current !== null && current.gpaPage === gpaPage) {
      this[which] = value
      return true
    }
    // Two overlays on one page would hide each other: refuse (#GP) rather than lose one.
    if (enable && (gpaPage >= this.host.memory.pageOffset.length || this.host.overlayAt(gpaPage))) return false
    const previous = current ? current.bytes.slice() : null
    if (current) this.host.memory.removeOverlay(current.gpaPage)
    let page: OverlayPage | null = null
    if (enable) {
      let bytes: Uint8Array
      try {
        bytes = this.host.memory.addOverlay(gpaPage, false)
      } catch {
        // No overlay slot left (cannot happen with the partition's 1 + 2 per VP): put the old page back.
        if (current) current.bytes = this.host.memory.addOverlay(current.gpaPage, false)
        if (current && previous) current.bytes.set(previous)
        return false
      }
      if (previous) bytes.set(previous)
      page = {gpaPage, bytes}
      this.markWritten(page, 0, PAGE_SIZE)
    }
    if (which === 'simp') {
      this.simpPage = page
      if (!page) this.clearQueues()
    } else {
      this.siefpPage = page
    }
    this[which] = value
    return true
  }

  // ---- messages ----

  /**
   * Post a message to SINT `sint`'s slot, or queue it behind the occupant.
   * INVALID_SYNIC_STATE while the SynIC or the message page is disabled or
   * the SINT is masked; INSUFFICIENT_BUFFERS when its queue is full.
   */
  postMessage(sint: number, message: SynicMessage): number {
    if (!Number.isInteger(sint) || sint < 0 || sint >= SYNIC_SINT_COUNT) return HV_STATUS.INVALID_PARAMETER
    if (message.payload.length > HV_MESSAGE_PAYLOAD_MAX || message.type === 0) return HV_STATUS.INVALID_PARAMETER
    const page = this.simpPage
    if (!this.enabled || page === null || (this.sints[sint] & SINT.MASKED) !== 0) return HV_STATUS.INVALID_SYNIC_STATE
    this.deliverQueued(sint)
    const queue = this.queues[sint]
    if (queue.length === 0 && slotType(page.bytes, sint) === 0) {
      this.writeMessage(page, sint, message, false)
      return HV_STATUS.SUCCESS
    }
    if (queue.length >= SYNIC_QUEUE_DEPTH) return HV_STATUS.INSUFFICIENT_BUFFERS
    queue.push({type: message.type >>> 0, sender: message.sender, payload: message.payload.slice()})
    this.queued++
    this.stats.queued++
    setMessagePending(page.bytes, sint)
    this.markWritten(page, sint * HV_MESSAGE_SIZE, HV_MESSAGE_SIZE)
    return HV_STATUS.SUCCESS
  }

  /** Whether a message matching `test` waits in SINT `sint`'s queue (not yet in the slot). */
  hasQueued(sint: number, test: (message: SynicMessage) => boolean): boolean {
    return this.queues[sint].some(test)
  }

  /** EOM: the guest freed a slot whose occupant had MessagePending; deliver what waits. */
  endOfMessage(): void {
    if (this.queued === 0) return
    for (let sint = 0; sint < SYNIC_SINT_COUNT; sint++) this.deliverQueued(sint)
  }

  /** Move queued messages into slots the guest has freed (called on EOM and before each VP run). */
  deliverQueued(sint: number): void {
    const page = this.simpPage
    const queue = this.queues[sint]
    if (page === null || queue.length === 0 || !this.enabled) return
    if (slotType(page.bytes, sint) !== 0 || (this.sints[sint] & SINT.MASKED) !== 0) return
    const message = queue.shift()!
    this.queued--
    this.writeMessage(page, sint, message, queue.length > 0)
  }

  /** Check every SINT for a freed slot with messages waiting. */
  pollQueues(): void {
    if (this.queued === 0) return
    for (let sint = 0; sint < SYNIC_SINT_COUNT; sint++) this.deliverQueued(sint)
  }

  private writeMessage(page: OverlayPage, sint: number, message: SynicMessage, pending: boolean): void {
    writeSlot(page.bytes, sint, message, pending)
    this.markWritten(page, sint * HV_MESSAGE_SIZE, HV_MESSAGE_SIZE)
    this.stats.messages++
    this.raiseSint(sint)
  }

  // ---- event flags ----

  /** Set flag `flag` of SINT `sint`; the SINT is raised only on a 0 -> 1 change (and not while masked). */
  signalEvent(sint: number, flag: number): number {
    if (!Number.isInteger(sint) || sint < 0 || sint >= SYNIC_SINT_COUNT) return HV_STATUS.INVALID_PARAMETER
    if (!Number.isInteger(flag) || flag < 0 || flag >= HV_EVENT_FLAGS_PER_SINT) return HV_STATUS.INVALID_PARAMETER
    const page = this.siefpPage
    if (!this.enabled || page === null) return HV_STATUS.INVALID_SYNIC_STATE
    if (setEventFlag(page.bytes, sint, flag)) {
      this.markWritten(page, sint * HV_MESSAGE_SIZE + (flag >>> 3), 1)
      this.stats.events++
      this.raiseSint(sint)
    }
    return HV_STATUS.SUCCESS
  }

  /** The SINT's interrupt: its vector through the local APIC, unless masked or in polling mode. */
  private raiseSint(sint: number): void {
    const value = this.sints[sint]
    if ((value & (SINT.MASKED | SINT.POLLING)) !== 0) return
    this.stats.interrupts++
    this.host.apic.raise(value & SINT.VECTOR_MASK, {autoEoi: (value & SINT.AUTO_EOI) !== 0})
  }

  private markWritten(page: OverlayPage, offset: number, length: number): void {
    const written = this.host.memory.ramWritten
    written[page.bytes.byteOffset >>> PAGE_SHIFT] = 1
    this.host.invalidateCode(page.gpaPage * PAGE_SIZE + offset, length)
  }

  private clearQueues(): void {
    for (const queue of this.queues) queue.length = 0
    this.queued = 0
  }

  // ---- saved state ----

  saveState(): SynicSavedState {
    return {
      scontrol: this.scontrol,
      siefp: this.siefp,
      simp: this.simp,
      sints: [...this.sints],
      queues: this.queues.map((queue) =>
        queue.map((m) => ({type: m.type, sender: m.sender, payload: Buffer.from(m.payload).toString('base64')})),
      ),
      simpPage: savePage(this.simpPage?.bytes ?? null),
      siefpPage: savePage(this.siefpPage?.bytes ?? null),
    }
  }

  restoreState(state: SynicSavedState, where: string): void {
    const f = StateFields.open(state, where)
    const scontrol = f.integer('scontrol', 0, 1)
    const siefp = f.integer('siefp')
    const simp = f.integer('simp')
    const sints = f.integers('sints', SYNIC_SINT_COUNT, SINT.WRITABLE)
    const rawQueues = f.array('queues', SYNIC_SINT_COUNT)
    if (rawQueues.length !== SYNIC_SINT_COUNT) throw new Error(`${where}: saved field "queues" must have ${SYNIC_SINT_COUNT} entries`)
    const queues = rawQueues.map((queue, sint) => {
      if (!Array.isArray(queue) || queue.length > SYNIC_QUEUE_DEPTH) throw new Error(`${where}: saved queue ${sint} is malformed`)
      return queue.map((entry, i) => {
        const m = StateFields.open(entry, `${where} (queue ${sint}[${i}])`)
        const raw = (entry as {payload?: unknown}).payload
        const payload = typeof raw === 'string' ? new Uint8Array(Buffer.from(raw, 'base64')) : null
        if (payload === null || payload.length > HV_MESSAGE_PAYLOAD_MAX) throw new Error(`${where}: saved message payload is malformed`)
        return {type: m.integer('type', 1), sender: m.integer('sender', 0, Number.MAX_SAFE_INTEGER), payload}
      })
    })
    const simpPage = f.optionalBytes('simpPage', PAGE_SIZE)
    const siefpPage = f.optionalBytes('siefpPage', PAGE_SIZE)
    this.reset()
    this.scontrol = scontrol
    this.sints.set(sints)
    if (!this.setPage('siefp', siefp) || !this.setPage('simp', simp)) throw new Error(`${where}: the saved SynIC pages cannot be mapped`)
    if (simpPage && this.simpPage) this.simpPage.bytes.set(simpPage)
    if (siefpPage && this.siefpPage) this.siefpPage.bytes.set(siefpPage)
    queues.forEach((queue, sint) => this.queues[sint].push(...queue))
    this.queued = queues.reduce((sum, queue) => sum + queue.length, 0)
  }
}

import type {CpuState} from '../cpu/api.js'
import {GuestPhysicalAddressSpace, PAGE_SIZE} from './guest-memory.js'
import {HV_STATUS, HYPERCALL_PAGE_CODE} from './hvdef.js'
import type {Hypervisor} from './hypervisor.js'
import {DELIVERY_MODE, type Ipi, type LocalApic, type LocalApicSavedState} from './local-apic.js'
import {ConnectionTable} from './ports.js'
import {CHILD_PRIVILEGES, type PrivilegeMask} from './privileges.js'
import type {SynicSavedState} from './synic.js'
import type {MsrValue} from './synthetic-msrs.js'
import type {SyntheticTimersSavedState} from './synthetic-timers.js'
import {hostTime, type TimeSource} from './time-source.js'
import {VirtualProcessor} from './virtual-processor.js'

export interface PartitionOptions {
  name: string
  /** Bytes of RAM backing the guest-physical space (the VID maps it). */
  memoryBytes: number
  /** Bytes reserved for firmware ROM images. */
  romBytes?: number
  privileges?: PrivilegeMask
  time?: TimeSource
  maxVirtualProcessors?: number
}

export const PARTITION_STATE_VERSION = 2

/** A fixed interrupt the root asserts (HvAssertVirtualInterrupt), as an I/O APIC redirection entry describes it. */
export interface VirtualInterrupt {
  vector: number
  /** Level-triggered: the target's EOI is reported back through onEndOfInterrupt. */
  level?: boolean
  /** APIC destination (default 0: VP 0's APIC ID); 0xFF broadcasts. */
  destination?: number
  /** Logical destination mode. */
  logical?: boolean
}

/** What a partition needs to resume exactly; guest memory is saved apart, as a file of its own. */
export interface PartitionSavedState {
  version: number
  guestOsId: MsrValue
  hypercallMsr: MsrValue
  hypercallPage: number | null
  referenceTime100ns: number
  vps: {
    index: number
    cpu: CpuState
    apic: LocalApicSavedState
    synic: SynicSavedState
    stimers: SyntheticTimersSavedState
    /** HV_X64_MSR_VP_ASSIST_PAGE; absent in states saved before hv had it (it was never set then). */
    vpAssistPage?: MsrValue
  }[]
}

/**
 * What a crashing guest reported through the crash MSRs: P0-P4 (Linux: the
 * panic's error code and registers; Windows: the bug check code and its four
 * parameters) and whether P3/P4 locate a message (GPA, length).
 */
export interface GuestCrashReport {
  parameters: MsrValue[]
  withMessage: boolean
}

/**
 * A child partition: its guest-physical address space, its virtual processors,
 * its privileges, and the partition-wide synthetic state (guest OS identity,
 * hypercall page, reference time, the connections it may post to).
 */
export class Partition {
  readonly memory: GuestPhysicalAddressSpace
  readonly vps: VirtualProcessor[] = []
  readonly privileges: PrivilegeMask
  readonly time: TimeSource
  readonly maxVirtualProcessors: number
  readonly connections = new ConnectionTable()
  guestOsId: MsrValue = [0, 0]
  hypercallMsr: MsrValue = [0, 0]
  /** GPA page number of the hypercall page overlay, when enabled. */
  hypercallPage: number | null = null
  /** The guest wrote the reset MSR; the root resets the partition. */
  resetRequested = false
  /** The guest crash MSRs P0-P4, as the guest last wrote them. */
  crashParameters: MsrValue[] = [[0, 0], [0, 0], [0, 0], [0, 0], [0, 0]]
  /** Set when the guest wrote CRASH_CTL with CrashNotify: the root reports the crash. */
  guestCrash: GuestCrashReport | null = null
  private referenceStartNs: number
  private readonly interruptListeners: Array<(vpIndex: number) => void> = []
  private readonly eoiListeners: Array<(vector: number) => void> = []

  constructor(
    readonly hypervisor: Hypervisor,
    readonly id: number,
    options: PartitionOptions,
  ) {
    this.maxVirtualProcessors = options.maxVirtualProcessors ?? 64
    // Overlay pages: the hypercall page, and each VP's SynIC message and event-flags pages.
    this.memory = new GuestPhysicalAddressSpace(options.memoryBytes, options.romBytes ?? 0, 1 + 2 * this.maxVirtualProcessors)
    this.privileges = options.privileges ?? CHILD_PRIVILEGES
    this.time = options.time ?? hostTime
    this.referenceStartNs = this.time.nowNs()
    // Processors cache translations: a change of the GPA map must reach them.
    this.memory.onMappingChange((firstPage, count) => {
      for (const vp of this.vps) {
        vp.cpu.invalidateCode(firstPage * PAGE_SIZE, count * PAGE_SIZE)
        vp.flushTlb()
      }
    })
  }

  get name(): string {
    return this.hypervisor.partitionName(this.id)
  }

  createVp(): VirtualProcessor {
    if (this.vps.length >= this.maxVirtualProcessors) throw new Error('partition has its maximum number of VPs')
    const vp = new VirtualProcessor(this, this.vps.length)
    this.vps.push(vp)
    return vp
  }

  /** Partition reference time in 100 ns units since the partition started. */
  referenceTime100ns(): number {
    return Math.floor((this.time.nowNs() - this.referenceStartNs) / 100)
  }

  /** The time source's ns at which reference time reaches `time100ns`. */
  referenceTimeToNs(time100ns: number): number {
    return this.referenceStartNs + time100ns * 100
  }

  // ---- interrupts ----

  /**
   * `listener(vpIndex)` runs when an interrupt becomes deliverable to a VP
   * (its local APIC accepted one it can present): the root wakes a halted VP.
   */
  onInterruptPending(listener: (vpIndex: number) => void): void {
    this.interruptListeners.push(listener)
  }

  /** `listener(vector)` runs when a VP ends (EOI) a level-triggered interrupt: an I/O APIC clears its remote IRR. */
  onEndOfInterrupt(listener: (vector: number) => void): void {
    this.eoiListeners.push(listener)
  }

  notifyInterruptPending(vp: VirtualProcessor): void {
    for (const listener of this.interruptListeners) listener(vp.index)
  }

  notifyEndOfInterrupt(vector: number): void {
    for (const listener of this.eoiListeners) listener(vector)
  }

  /** An IPI from `source`'s ICR to every local APIC it addresses. */
  routeIpi(source: LocalApic, ipi: Ipi): void {
    for (const vp of this.vps) if (vp.apic.acceptsIpi(source, ipi)) vp.apic.receiveIpi(ipi)
  }

  /**
   * HvAssertVirtualInterrupt: a fixed interrupt from outside the partition (an
   * I/O APIC, the root) to the APICs its destination names. INVALID_PARAMETER
   * for a vector below 16; INVALID_VP_INDEX when no VP's APIC matches.
   */
  assertVirtualInterrupt(interrupt: VirtualInterrupt): number {
    const vector = interrupt.vector
    if (!Number.isInteger(vector) || vector < 16 || vector > 255) return HV_STATUS.INVALID_PARAMETER
    const ipi: Ipi = {
      vector,
      deliveryMode: DELIVERY_MODE.FIXED,
      logical: interrupt.logical ?? false,
      shorthand: 0,
      destination: (interrupt.destination ?? 0) & 0xff,
      level: interrupt.level ?? false,
    }
    const targets = this.vps.filter((vp) => vp.apic.acceptsIpi(vp.apic, ipi))
    if (targets.length === 0) return HV_STATUS.INVALID_VP_INDEX
    for (const vp of targets) vp.apic.raise(vector, {level: ipi.level})
    return HV_STATUS.SUCCESS
  }

  /** HvPostMessageDirect: a message into SINT `sint` of VP `vpIndex`'s SynIC. */
  postMessage(vpIndex: number, sint: number, messageType: number, payload: Uint8Array, sender = 0): number {
    const vp = this.vps[vpIndex]
    if (!vp) return HV_STATUS.INVALID_VP_INDEX
    return vp.synic.postMessage(sint, {type: messageType >>> 0, sender, payload})
  }

  /** HvSignalEventDirect: event flag `flag` of SINT `sint` of VP `vpIndex`'s SynIC. */
  signalEvent(vpIndex: number, sint: number, flag: number): number {
    const vp = this.vps[vpIndex]
    if (!vp) return HV_STATUS.INVALID_VP_INDEX
    return vp.synic.signalEvent(sint, flag)
  }

  setHypercallPage(page: number | null): void {
    if (this.hypercallPage === page) return
    if (this.hypercallPage !== null) this.memory.removeOverlay(this.hypercallPage)
    this.hypercallPage = page
    if (page !== null) this.memory.addOverlay(page, true).set(HYPERCALL_PAGE_CODE)
  }

  /** CRASH_CTL written with CrashNotify: keep what the guest said and stop its VPs so that the root sees it. */
  reportGuestCrash(withMessage: boolean): void {
    this.guestCrash = {parameters: this.crashParameters.map(([lo, hi]) => [lo, hi] as MsrValue), withMessage}
    for (const vp of this.vps) vp.cpu.requestExit()
  }

  requestReset(): void {
    this.resetRequested = true
    for (const vp of this.vps) vp.cpu.requestExit()
  }

  /** Power-on state of the partition's synthetic state and processors (guest RAM is the root's to clear). */
  reset(): void {
    this.resetRequested = false
    this.guestCrash = null
    this.crashParameters = [[0, 0], [0, 0], [0, 0], [0, 0], [0, 0]]
    this.guestOsId = [0, 0]
    this.hypercallMsr = [0, 0]
    this.setHypercallPage(null)
    this.referenceStartNs = this.time.nowNs()
    for (const vp of this.vps) {
      vp.resetSyntheticState()
      vp.cpu.reset()
    }
  }

  saveState(): PartitionSavedState {
    return {
      version: PARTITION_STATE_VERSION,
      guestOsId: [...this.guestOsId],
      hypercallMsr: [...this.hypercallMsr],
      hypercallPage: this.hypercallPage,
      referenceTime100ns: this.referenceTime100ns(),
      vps: this.vps.map((vp) => ({
        index: vp.index,
        cpu: vp.cpu.saveState(),
        apic: vp.apic.saveState(),
        synic: vp.synic.saveState(),
        stimers: vp.stimers.saveState(),
        vpAssistPage: [...vp.vpAssistPage],
      })),
    }
  }

  restoreState(state: PartitionSavedState): void {
    if (state?.version !== PARTITION_STATE_VERSION) {
      throw new Error(
        `partition saved state version ${state?.version} is not ${PARTITION_STATE_VERSION}: ` +
          'it was written by another hv (version 1 predates the local APIC, SynIC and synthetic timers) and cannot be restored',
      )
    }
    if (!Array.isArray(state.vps) || state.vps.length !== this.vps.length) {
      throw new Error('partition saved state has a different number of virtual processors')
    }
    for (const saved of state.vps) {
      const assist = saved?.vpAssistPage
      const assistValid = assist === undefined || (Array.isArray(assist) && assist.length === 2 && assist.every((half) => Number.isInteger(half) && half >= 0 && half <= 0xffffffff))
      if (!this.vps[saved?.index] || !saved.apic || !saved.synic || !saved.stimers || !assistValid) {
        throw new Error(`partition saved state has a malformed virtual processor entry (index ${saved?.index})`)
      }
    }
    this.guestOsId = [state.guestOsId[0] >>> 0, state.guestOsId[1] >>> 0]
    this.hypercallMsr = [state.hypercallMsr[0] >>> 0, state.hypercallMsr[1] >>> 0]
    this.referenceStartNs = this.time.nowNs() - state.referenceTime100ns * 100
    // Tear down the SynIC overlays first, so that the saved pages can be laid wherever they were.
    for (const vp of this.vps) vp.resetSyntheticState()
    this.setHypercallPage(state.hypercallPage)
    for (const saved of state.vps) {
      const vp = this.vps[saved.index]
      vp.cpu.restoreState(saved.cpu)
      vp.apic.restoreState(saved.apic)
      vp.synic.restoreState(saved.synic, `SynIC of VP ${saved.index}`)
      vp.stimers.restoreState(saved.stimers, `synthetic timers of VP ${saved.index}`)
      vp.vpAssistPage = saved.vpAssistPage ? [saved.vpAssistPage[0], saved.vpAssistPage[1]] : [0, 0]
    }
  }
}

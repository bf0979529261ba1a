import type {CpuState} from '../cpu/api.js'
import {GuestPhysicalAddressSpace, PAGE_SIZE} from './guest-memory.js'
import {HYPERCALL_PAGE_CODE} from './hvdef.js'
import type {Hypervisor} from './hypervisor.js'
import {ConnectionTable} from './ports.js'
import {CHILD_PRIVILEGES, type PrivilegeMask} from './privileges.js'
import type {MsrValue} from './synthetic-msrs.js'
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

export const PARTITION_STATE_VERSION = 1

/** What a partition needs to resume exactly; guest memory is saved apart, as a file of its own. */
export interface PartitionSavedState {
  version: number
  guestOsId: MsrValue
  hypercallMsr: MsrValue
  hypercallPage: number | null
  referenceTime100ns: number
  vps: {index: number; cpu: CpuState}[]
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
  private referenceStartNs: number

  constructor(
    readonly hypervisor: Hypervisor,
    readonly id: number,
    options: PartitionOptions,
  ) {
    this.memory = new GuestPhysicalAddressSpace(options.memoryBytes, options.romBytes ?? 0)
    this.privileges = options.privileges ?? CHILD_PRIVILEGES
    this.time = options.time ?? hostTime
    this.maxVirtualProcessors = options.maxVirtualProcessors ?? 64
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

  setHypercallPage(page: number | null): void {
    if (this.hypercallPage === page) return
    if (this.hypercallPage !== null) this.memory.removeOverlay(this.hypercallPage)
    this.hypercallPage = page
    if (page !== null) this.memory.addOverlay(page, true).set(HYPERCALL_PAGE_CODE)
  }

  requestReset(): void {
    this.resetRequested = true
    for (const vp of this.vps) vp.cpu.requestExit()
  }

  /** Power-on state of the partition's synthetic state and processors (guest RAM is the root's to clear). */
  reset(): void {
    this.resetRequested = false
    this.guestOsId = [0, 0]
    this.hypercallMsr = [0, 0]
    this.setHypercallPage(null)
    this.referenceStartNs = this.time.nowNs()
    for (const vp of this.vps) vp.cpu.reset()
  }

  saveState(): PartitionSavedState {
    return {
      version: PARTITION_STATE_VERSION,
      guestOsId: [...this.guestOsId],
      hypercallMsr: [...this.hypercallMsr],
      hypercallPage: this.hypercallPage,
      referenceTime100ns: this.referenceTime100ns(),
      vps: this.vps.map((vp) => ({index: vp.index, cpu: vp.cpu.saveState()})),
    }
  }

  restoreState(state: PartitionSavedState): void {
    if (state?.version !== PARTITION_STATE_VERSION) {
      throw new Error(`partition saved state version ${state?.version} is not ${PARTITION_STATE_VERSION}`)
    }
    if (!Array.isArray(state.vps) || state.vps.length !== this.vps.length) {
      throw new Error('partition saved state has a different number of virtual processors')
    }
    this.guestOsId = [state.guestOsId[0] >>> 0, state.guestOsId[1] >>> 0]
    this.hypercallMsr = [state.hypercallMsr[0] >>> 0, state.hypercallMsr[1] >>> 0]
    this.setHypercallPage(state.hypercallPage)
    this.referenceStartNs = this.time.nowNs() - state.referenceTime100ns * 100
    for (const saved of state.vps) this.vps[saved.index].cpu.restoreState(saved.cpu)
  }
}

import {HV_STATUS, type Hypervisor, type InterceptMessage, type Partition, type PartitionOptions, type VirtualProcessor} from '../hypervisor/index.js'
import {expectSuccess, WinHv} from './winhv.js'

/**
 * The Virtualization Infrastructure Driver: the worker's only conduit to the
 * hypervisor. It creates the partition and its processors through WinHv, maps
 * guest memory, and runs a VP until the hypervisor has an intercept message
 * for the root (what vid.sys's message slots deliver to vmwp).
 */
export class Vid {
  readonly winhv: WinHv

  constructor(readonly hypervisor: Hypervisor) {
    this.winhv = new WinHv(hypervisor)
  }

  createPartition(options: PartitionOptions): VidPartition {
    const {status, partition} = this.winhv.createPartition(options)
    expectSuccess(status, 'HvCreatePartition')
    return new VidPartition(this.winhv, partition!)
  }
}

export class VidPartition {
  constructor(
    private readonly winhv: WinHv,
    readonly partition: Partition,
  ) {}

  get id(): number {
    return this.partition.id
  }

  get memory(): Partition['memory'] {
    return this.partition.memory
  }

  mapRam(gpa: number, length: number, ramOffset = gpa): void {
    expectSuccess(this.winhv.mapGpaPages(this.id, gpa, length, ramOffset), `HvMapGpaPages 0x${gpa.toString(16)}`)
  }

  unmap(gpa: number, length: number): void {
    expectSuccess(this.winhv.unmapGpaPages(this.id, gpa, length), `HvUnmapGpaPages 0x${gpa.toString(16)}`)
  }

  createVp(): VirtualProcessor {
    const index = this.partition.vps.length
    expectSuccess(this.winhv.createVp(this.id, index), 'HvCreateVp')
    return this.partition.vps[index]
  }

  /** Run a VP; an intercept message comes back for the root to handle. */
  runVp(vp: VirtualProcessor, budget: number): InterceptMessage | null {
    return vp.run(budget)
  }

  delete(): void {
    const status = this.winhv.deletePartition(this.id)
    if (status !== HV_STATUS.SUCCESS && status !== HV_STATUS.INVALID_PARTITION_ID) expectSuccess(status, 'HvDeletePartition')
  }
}

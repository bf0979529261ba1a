import {
  HV_CALL, HV_PRIVILEGE_HIGH as H, HV_STATUS, type Hypervisor, type Partition, type PartitionOptions,
} from '../hypervisor/index.js'

/** Intercepts the root may install on a child (HV_INTERCEPT_TYPE). */
export const HV_INTERCEPT_TYPE = {X64_IO_PORT: 0, X64_MSR: 1, X64_CPUID: 2, X64_EXCEPTION: 3} as const

/**
 * WinHv: the root's typed wrappers over hypercalls (winhv.sys). The root
 * partition's own code is host TypeScript, not guest x86, so its hypercalls
 * are calls rather than VMCALLs; they keep the TLFS call codes, the root's
 * privilege checks and HV_STATUS results, and are counted by code.
 */
export class WinHv {
  readonly calls = new Map<number, number>()

  constructor(private readonly hypervisor: Hypervisor) {}

  createPartition(options: PartitionOptions): {status: number; partition?: Partition} {
    const status = this.enter(HV_CALL.CreatePartition, H.CreatePartitions)
    if (status !== HV_STATUS.SUCCESS) return {status}
    return {status, partition: this.hypervisor.createPartition(options)}
  }

  deletePartition(partitionId: number): number {
    return this.onPartition(HV_CALL.DeletePartition, H.CreatePartitions, partitionId, () => {
      this.hypervisor.deletePartition(partitionId)
      return HV_STATUS.SUCCESS
    })
  }

  /** Map `length` bytes of the partition's RAM (from `ramOffset`) at `gpa`. */
  mapGpaPages(partitionId: number, gpa: number, length: number, ramOffset = gpa): number {
    return this.onPartition(HV_CALL.MapGpaPages, H.AccessMemoryPool, partitionId, (partition) =>
      parameterCheck(() => partition.memory.mapRam(gpa, length, ramOffset)),
    )
  }

  unmapGpaPages(partitionId: number, gpa: number, length: number): number {
    return this.onPartition(HV_CALL.UnmapGpaPages, H.AccessMemoryPool, partitionId, (partition) =>
      parameterCheck(() => partition.memory.unmap(gpa, length)),
    )
  }

  createVp(partitionId: number, vpIndex: number): number {
    return this.onPartition(HV_CALL.CreateVp, H.CpuManagement, partitionId, (partition) => {
      if (vpIndex !== partition.vps.length) return HV_STATUS.INVALID_VP_INDEX
      partition.createVp()
      return HV_STATUS.SUCCESS
    })
  }

  /** HvInstallIntercept: for exceptions, `parameter` is the vector. */
  installIntercept(partitionId: number, type: number, parameter: number): number {
    return this.onPartition(HV_CALL.InstallIntercept, H.CpuManagement, partitionId, (partition) => {
      if (type !== HV_INTERCEPT_TYPE.X64_EXCEPTION || parameter < 0 || parameter > 31) return HV_STATUS.INVALID_PARAMETER
      for (const vp of partition.vps) vp.cpu.intercepts.exceptionBitmap |= 1 << parameter
      return HV_STATUS.SUCCESS
    })
  }

  getPartitionId(): {status: number; partitionId: number} {
    return {status: this.enter(HV_CALL.GetPartitionId, H.AccessPartitionId), partitionId: this.hypervisor.root.id}
  }

  /** A call on one partition: count it, check the root's privilege, find the partition, act. */
  private onPartition(code: number, privilege: number, partitionId: number, act: (partition: Partition) => number): number {
    const status = this.enter(code, privilege)
    if (status !== HV_STATUS.SUCCESS) return status
    const partition = this.hypervisor.partitions.get(partitionId)
    return partition ? act(partition) : HV_STATUS.INVALID_PARTITION_ID
  }

  private enter(code: number, privilege: number): number {
    this.calls.set(code, (this.calls.get(code) ?? 0) + 1)
    return (this.hypervisor.root.privileges.high & privilege) !== 0 ? HV_STATUS.SUCCESS : HV_STATUS.ACCESS_DENIED
  }
}

/** Turn a failed HV_STATUS into an exception for root code that cannot go on without it. */
export function expectSuccess(status: number, what: string): void {
  if (status !== HV_STATUS.SUCCESS) throw new Error(`${what} failed with HV_STATUS 0x${status.toString(16).padStart(4, '0')}`)
}

/** A GPA map change the address space refuses (not page-aligned, out of range) is an invalid parameter. */
function parameterCheck(change: () => void): number {
  try {
    change()
    return HV_STATUS.SUCCESS
  } catch {
    return HV_STATUS.INVALID_PARAMETER
  }
}

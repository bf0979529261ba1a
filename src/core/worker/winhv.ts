import {
  HV_CALL, HV_PRIVILEGE_HIGH as H, HV_STATUS, PAGE_SIZE, type Hypervisor, type Partition, type PartitionOptions,
} from '../hypervisor/index.js'
import type {VmbusPartitionLink} from '../vmbus/partition-link.js'

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

  /**
   * HvAssertVirtualInterrupt: a fixed interrupt into the child's local APICs,
   * as an I/O APIC redirection entry delivers it. `level` marks it level-
   * triggered (its EOI is reported through Partition.onEndOfInterrupt);
   * `destination` is an APIC ID (default 0, the boot VP; 0xFF all), or a
   * logical destination with `logical`. INVALID_PARAMETER for vectors below 16.
   */
  assertVirtualInterrupt(
    partitionId: number,
    vector: number,
    options: {level?: boolean; destination?: number; logical?: boolean} = {},
  ): number {
    return this.onPartition(HV_CALL.AssertVirtualInterrupt, H.CpuManagement, partitionId, (partition) =>
      partition.assertVirtualInterrupt({vector, ...options}),
    )
  }

  /**
   * HvPostMessageDirect: put a message into SINT `sint`'s slot of VP `vp`'s
   * SynIC message page, or queue it behind the occupant. SUCCESS,
   * INSUFFICIENT_BUFFERS (queue full), INVALID_SYNIC_STATE (SynIC or SIMP
   * disabled, SINT masked), INVALID_VP_INDEX, INVALID_PARAMETER (type 0,
   * payload over 240 bytes, SINT out of range).
   */
  postMessage(partitionId: number, vp: number, sint: number, messageType: number, payload: Uint8Array): number {
    return this.onPartition(HV_CALL.PostMessageDirect, H.PostMessages, partitionId, (partition) =>
      partition.postMessage(vp, sint, messageType, payload),
    )
  }

  /**
   * HvSignalEventDirect: set event flag `flag` (0-2047) of SINT `sint` in VP
   * `vp`'s SIEF page, interrupting only on a 0 -> 1 change. SUCCESS,
   * INVALID_SYNIC_STATE (SynIC or SIEFP disabled), INVALID_VP_INDEX, INVALID_PARAMETER.
   */
  signalEvent(partitionId: number, vp: number, sint: number, flag: number): number {
    return this.onPartition(HV_CALL.SignalEventDirect, H.SignalEvents, partitionId, (partition) =>
      partition.signalEvent(vp, sint, flag),
    )
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

/**
 * What the root's VMBus server uses of a child partition (see
 * src/core/vmbus/partition-link.ts): WinHv's direct PostMessage and
 * SignalEvent into its SynIC, its connection table, and guest memory.
 */
export function createVmbusPartitionLink(winhv: WinHv, partition: Partition): VmbusPartitionLink {
  const memory = partition.memory
  return {
    memory: {
      view: (gpa, length) => memory.view(gpa, length),
      wrote: (gpa, length) => {
        if (length <= 0) return
        const offset = memory.offsetOf(gpa, length)
        if (offset < 0) return
        memory.ramWritten.fill(1, Math.floor(offset / PAGE_SIZE), Math.floor((offset + length - 1) / PAGE_SIZE) + 1)
        for (const vp of partition.vps) vp.cpu.invalidateCode(gpa, length)
      },
    },
    postMessage: (vp, sint, messageType, payload) => winhv.postMessage(partition.id, vp, sint, messageType, payload),
    signalEvent: (vp, sint, flag) => winhv.signalEvent(partition.id, vp, sint, flag),
    connect: (connectionId, port) => partition.connections.connect(connectionId, port),
    disconnect: (connectionId) => partition.connections.disconnect(connectionId),
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

import {Partition, type PartitionOptions} from './partition.js'
import {ROOT_PRIVILEGES, type PrivilegeMask} from './privileges.js'

/** The root partition's identity. Its "processors" are the host's; it has no guest memory here. */
export interface RootPartition {
  id: number
  name: 'root'
  privileges: PrivilegeMask
}

export const ROOT_PARTITION_ID = 1

/**
 * The hypervisor: it owns the partitions. The root partition (the host side:
 * the VMMS, the worker, the VID) creates child partitions, gives them memory
 * and processors, and handles what they cannot do themselves.
 */
export class Hypervisor {
  readonly root: RootPartition = {id: ROOT_PARTITION_ID, name: 'root', privileges: ROOT_PRIVILEGES}
  readonly partitions = new Map<number, Partition>()
  private readonly names = new Map<number, string>()
  private nextId = ROOT_PARTITION_ID + 1

  constructor(readonly logicalProcessorCount = 1) {}

  createPartition(options: PartitionOptions): Partition {
    const id = this.nextId++
    this.names.set(id, options.name)
    const partition = new Partition(this, id, options)
    this.partitions.set(id, partition)
    return partition
  }

  deletePartition(id: number): void {
    this.partitions.delete(id)
    this.names.delete(id)
  }

  partitionName(id: number): string {
    return id === ROOT_PARTITION_ID ? 'root' : (this.names.get(id) ?? `partition ${id}`)
  }
}

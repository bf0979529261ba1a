import type {DiskMeteringRecord, NetworkMeteringRecord, ResourceMeteringRecord} from '../../store/schema.js'

/**
 * The figures resource metering adds up: a stored record without its identity
 * (epoch, since). A worker gathers one of these between saves and adds it to
 * the VM's record; every figure is a sum, a least or a most, so adding is exact
 * whatever the pace of the samples.
 */
export type MeteringTotals = Omit<ResourceMeteringRecord, 'epoch' | 'since'>

export function emptyTotals(): MeteringTotals {
  return {
    meteredMs: 0,
    processorMhzMs: 0,
    memoryMbMs: 0,
    minimumMemoryMb: null,
    maximumMemoryMb: null,
    maximumDiskAllocationMb: 0,
    disks: [],
    networkTraffic: [],
  }
}

/** A record as Enable-VMResourceMetering and Reset-VMResourceMetering start it: nothing gathered yet. */
export function newMeteringRecord(now: Date = new Date()): ResourceMeteringRecord {
  return {epoch: globalThis.crypto.randomUUID(), since: now.toISOString(), ...emptyTotals()}
}

/** Add `more` to `into` (a record or totals), in place. */
export function addTotals<T extends MeteringTotals>(into: T, more: MeteringTotals): T {
  into.meteredMs += more.meteredMs
  into.processorMhzMs += more.processorMhzMs
  into.memoryMbMs += more.memoryMbMs
  into.minimumMemoryMb = leastOf(into.minimumMemoryMb, more.minimumMemoryMb)
  into.maximumMemoryMb = mostOf(into.maximumMemoryMb, more.maximumMemoryMb)
  into.maximumDiskAllocationMb = Math.max(into.maximumDiskAllocationMb, more.maximumDiskAllocationMb)
  into.disks = addKeyed(into.disks, more.disks, diskKey, addDisk)
  into.networkTraffic = addKeyed(into.networkTraffic, more.networkTraffic, trafficKey, (a, b) => ({...a, bytes: a.bytes + b.bytes}))
  return into
}

export const diskKey = (disk: DiskMeteringRecord): string => disk.path

/** A port ACL's traffic is told apart by adapter, direction and addresses, as Hyper-V's metering ACLs are. */
export const trafficKey = (t: NetworkMeteringRecord): string => `${t.adapterId}|${t.direction}|${t.localAddress}|${t.remoteAddress}`

export function addDisk(a: DiskMeteringRecord, b: DiskMeteringRecord): DiskMeteringRecord {
  return {
    path: a.path,
    normalizedIoCount: a.normalizedIoCount + b.normalizedIoCount,
    ioCount: a.ioCount + b.ioCount,
    latencyMsTotal: a.latencyMsTotal + b.latencyMsTotal,
    dataReadBytes: a.dataReadBytes + b.dataReadBytes,
    dataWrittenBytes: a.dataWrittenBytes + b.dataWrittenBytes,
  }
}

function addKeyed<T>(into: readonly T[], more: readonly T[], key: (item: T) => string, add: (a: T, b: T) => T): T[] {
  const merged = new Map(into.map((item) => [key(item), item]))
  for (const item of more) {
    const existing = merged.get(key(item))
    merged.set(key(item), existing ? add(existing, item) : {...item})
  }
  return [...merged.values()]
}

function leastOf(a: number | null, b: number | null): number | null {
  return a === null ? b : b === null ? a : Math.min(a, b)
}

function mostOf(a: number | null, b: number | null): number | null {
  return a === null ? b : b === null ? a : Math.max(a, b)
}

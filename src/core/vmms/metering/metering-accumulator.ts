import type {DiskMeteringRecord, NetworkMeteringRecord} from '../../store/schema.js'
import {addDisk, diskKey, emptyTotals, trafficKey, type MeteringTotals} from './metering-totals.js'

/**
 * What a running VM's worker reads off its machine for resource metering.
 * The processor time and the disk and network counters are cumulative (since
 * the worker started); memory and disk allocation are what holds now.
 */
export interface MeteringSample {
  /** Monotonic milliseconds (performance.now()). */
  atMs: number
  /** Host processor time the VM's virtual processors have run, in milliseconds. */
  processorBusyMs: number
  /** Memory assigned to the VM, in MB. */
  memoryMb: number
  /** Disk capacity allocated to the VM (its virtual disks' sizes and checkpoint files), in MB. */
  diskAllocationMb: number
  disks: readonly DiskMeteringRecord[]
  networkTraffic: readonly NetworkMeteringRecord[]
}

/**
 * Turns samples into metering totals, as Hyper-V accumulates them: processor
 * time becomes MHz x ms (a VP that ran the whole interval used the whole
 * clock), memory is summed over time (it held each sample's value until the
 * next) with its least and most, and the counters become increments. Samples
 * may come at any pace: between two of them nothing is lost, because the
 * counters are cumulative and memory only changes when the worker says so (a
 * change is a sample). So the worker samples only when it saves or is asked.
 */
export class MeteringAccumulator {
  private last: MeteringSample
  private gathered = emptyTotals()

  constructor(
    private readonly clockMhz: number,
    first: MeteringSample,
  ) {
    this.last = first
  }

  /** Add what happened since the previous sample. */
  sample(next: MeteringSample): void {
    const last = this.last
    const elapsedMs = Math.max(0, next.atMs - last.atMs)
    const g = this.gathered
    g.meteredMs += elapsedMs
    g.processorMhzMs += increment(last.processorBusyMs, next.processorBusyMs) * this.clockMhz
    g.memoryMbMs += last.memoryMb * elapsedMs
    g.minimumMemoryMb = Math.min(g.minimumMemoryMb ?? Infinity, last.memoryMb, next.memoryMb)
    g.maximumMemoryMb = Math.max(g.maximumMemoryMb ?? -Infinity, last.memoryMb, next.memoryMb)
    g.maximumDiskAllocationMb = Math.max(g.maximumDiskAllocationMb, last.diskAllocationMb, next.diskAllocationMb)
    g.disks = addIncrements(g.disks, last.disks, next.disks, diskKey, diskIncrement, addDisk)
    g.networkTraffic = addIncrements(g.networkTraffic, last.networkTraffic, next.networkTraffic, trafficKey,
      (before, now) => ({...now, bytes: increment(before?.bytes ?? 0, now.bytes)}),
      (a, b) => ({...a, bytes: a.bytes + b.bytes}))
    this.last = next
  }

  /** What was gathered since the last take (or restart), and begin gathering afresh. */
  take(): MeteringTotals {
    const gathered = this.gathered
    this.gathered = emptyTotals()
    return gathered
  }

  /** Forget what was gathered (metering was reset or switched off): count from `now` on. */
  restart(now: MeteringSample): void {
    this.last = now
    this.gathered = emptyTotals()
  }
}

/** A cumulative counter's increase; a counter that went back started again (a device was replaced). */
function increment(before: number, now: number): number {
  return now >= before ? now - before : now
}

function diskIncrement(before: DiskMeteringRecord | undefined, now: DiskMeteringRecord): DiskMeteringRecord {
  return {
    path: now.path,
    normalizedIoCount: increment(before?.normalizedIoCount ?? 0, now.normalizedIoCount),
    ioCount: increment(before?.ioCount ?? 0, now.ioCount),
    latencyMsTotal: increment(before?.latencyMsTotal ?? 0, now.latencyMsTotal),
    dataReadBytes: increment(before?.dataReadBytes ?? 0, now.dataReadBytes),
    dataWrittenBytes: increment(before?.dataWrittenBytes ?? 0, now.dataWrittenBytes),
  }
}

function addIncrements<T>(
  gathered: readonly T[],
  before: readonly T[],
  now: readonly T[],
  key: (item: T) => string,
  incrementOf: (before: T | undefined, now: T) => T,
  add: (a: T, b: T) => T,
): T[] {
  const previous = new Map(before.map((item) => [key(item), item]))
  const sums = new Map(gathered.map((item) => [key(item), item]))
  for (const item of now) {
    const step = incrementOf(previous.get(key(item)), item)
    const sum = sums.get(key(item))
    sums.set(key(item), sum ? add(sum, step) : step)
  }
  return [...sums.values()]
}

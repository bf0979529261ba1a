import type {ResourceMeteringRecord, VmRecord} from '../../store/schema.js'

const MB = 1024 * 1024

/** One virtual hard disk's part of the report (Hyper-V's VHDMetrics). */
export interface DiskMetrics {
  path: string
  averageNormalizedIops: number
  /** Milliseconds per I/O. */
  averageLatency: number
  /** MB. */
  dataRead: number
  dataWritten: number
  normalizedIoCount: number
}

/** One metering ACL's traffic (Hyper-V's VMPortAclMeteringReport), in MB. */
export interface TrafficMetrics {
  adapterId: string
  adapterName: string
  direction: 'Inbound' | 'Outbound'
  localAddress: string
  remoteAddress: string
  totalTraffic: number
}

/**
 * Measure-VM's report (VMMeteringReportForVirtualMachine) in the cmdlet's
 * units: MHz, MB, milliseconds. Averages are over the metered time; until the
 * VM has run with metering on there is nothing to average, and the duration,
 * the averages and the least and most memory are null (the cmdlet's types are
 * nullable for this).
 */
export interface MeteringReport {
  vmId: string
  vmName: string
  meteringDurationSeconds: number | null
  averageProcessorUsage: number | null
  averageMemoryUsage: number | null
  maximumMemoryUsage: number | null
  minimumMemoryUsage: number | null
  totalDiskAllocation: number
  aggregatedAverageNormalizedIops: number
  aggregatedAverageLatency: number
  aggregatedDiskDataRead: number
  aggregatedDiskDataWritten: number
  aggregatedNormalizedIoCount: number
  hardDiskMetrics: DiskMetrics[]
  networkMeteredTrafficReport: TrafficMetrics[]
  /** Sums of the report's inbound and outbound traffic, for the default table. */
  networkInbound: number
  networkOutbound: number
}

export function meteringReport(vm: VmRecord, record: ResourceMeteringRecord): MeteringReport {
  const ms = record.meteredMs
  const seconds = ms / 1000
  const metered = ms > 0
  const average = (sum: number) => (metered ? Math.round(sum / ms) : null)
  const perSecond = (count: number) => (metered ? Math.round(count / seconds) : 0)
  const hardDiskMetrics = record.disks.map((disk) => ({
    path: disk.path,
    averageNormalizedIops: perSecond(disk.normalizedIoCount),
    averageLatency: disk.ioCount ? Math.round(disk.latencyMsTotal / disk.ioCount) : 0,
    dataRead: Math.round(disk.dataReadBytes / MB),
    dataWritten: Math.round(disk.dataWrittenBytes / MB),
    normalizedIoCount: disk.normalizedIoCount,
  }))
  const sum = <T>(items: readonly T[], of: (item: T) => number) => items.reduce((total, item) => total + of(item), 0)
  const ioCount = sum(record.disks, (d) => d.ioCount)
  const networkMeteredTrafficReport = record.networkTraffic.map((t) => ({
    adapterId: t.adapterId,
    adapterName: t.adapterName,
    direction: t.direction,
    localAddress: t.localAddress,
    remoteAddress: t.remoteAddress,
    totalTraffic: Math.round(t.bytes / MB),
  }))
  const trafficMb = (direction: 'Inbound' | 'Outbound') =>
    Math.round(sum(record.networkTraffic.filter((t) => t.direction === direction), (t) => t.bytes) / MB)
  return {
    vmId: vm.id,
    vmName: vm.name,
    meteringDurationSeconds: metered ? seconds : null,
    averageProcessorUsage: average(record.processorMhzMs),
    averageMemoryUsage: average(record.memoryMbMs),
    maximumMemoryUsage: metered ? record.maximumMemoryMb : null,
    minimumMemoryUsage: metered ? record.minimumMemoryMb : null,
    totalDiskAllocation: Math.round(record.maximumDiskAllocationMb),
    aggregatedAverageNormalizedIops: perSecond(sum(record.disks, (d) => d.normalizedIoCount)),
    aggregatedAverageLatency: ioCount ? Math.round(sum(record.disks, (d) => d.latencyMsTotal) / ioCount) : 0,
    aggregatedDiskDataRead: Math.round(sum(record.disks, (d) => d.dataReadBytes) / MB),
    aggregatedDiskDataWritten: Math.round(sum(record.disks, (d) => d.dataWrittenBytes) / MB),
    aggregatedNormalizedIoCount: sum(record.disks, (d) => d.normalizedIoCount),
    hardDiskMetrics,
    networkMeteredTrafficReport,
    networkInbound: trafficMb('Inbound'),
    networkOutbound: trafficMb('Outbound'),
  }
}

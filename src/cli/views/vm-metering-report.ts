import type {MeteringReport} from '../../core/vmms/metering/metering-report.js'
import {formatTimeSpan, type View} from '../render.js'

/**
 * Measure-VM's VMMeteringReportForVirtualMachine object, with the short
 * names (AvgCPU, AvgRAM, MinRAM, MaxRAM, TotalDisk) the cmdlet's type
 * extension gives the same figures.
 */
export function meteringReportObject(r: MeteringReport) {
  return {
    VMId: r.vmId,
    VMName: r.vmName,
    ComputerName: 'localhost',
    MeteringDuration: r.meteringDurationSeconds === null ? null : formatTimeSpan(r.meteringDurationSeconds),
    AverageProcessorUsage: r.averageProcessorUsage,
    AverageMemoryUsage: r.averageMemoryUsage,
    MaximumMemoryUsage: r.maximumMemoryUsage,
    MinimumMemoryUsage: r.minimumMemoryUsage,
    TotalDiskAllocation: r.totalDiskAllocation,
    AggregatedAverageNormalizedIOPS: r.aggregatedAverageNormalizedIops,
    AggregatedAverageLatency: r.aggregatedAverageLatency,
    AggregatedDiskDataRead: r.aggregatedDiskDataRead,
    AggregatedDiskDataWritten: r.aggregatedDiskDataWritten,
    AggregatedNormalizedIOCount: r.aggregatedNormalizedIoCount,
    NetworkMeteredTrafficReport: r.networkMeteredTrafficReport.map((t) => ({
      NetworkAdapter: {Name: t.adapterName, Id: t.adapterId},
      LocalAddress: t.localAddress,
      RemoteAddress: t.remoteAddress,
      Direction: t.direction,
      TotalTraffic: t.totalTraffic,
    })),
    HardDiskMetrics: r.hardDiskMetrics.map((d) => ({
      VirtualHardDisk: {Path: d.path},
      AverageNormalizedIOPS: d.averageNormalizedIops,
      AverageLatency: d.averageLatency,
      DataRead: d.dataRead,
      DataWritten: d.dataWritten,
      NormalizedIOCount: d.normalizedIoCount,
    })),
    AvgCPU: r.averageProcessorUsage,
    AvgRAM: r.averageMemoryUsage,
    MinRAM: r.minimumMemoryUsage,
    MaxRAM: r.maximumMemoryUsage,
    TotalDisk: r.totalDiskAllocation,
  }
}

export const meteringReportView: View<MeteringReport, ReturnType<typeof meteringReportObject>> = {
  object: meteringReportObject,
  columns: [
    {header: 'VMName', value: (r) => r.vmName},
    {header: 'AvgCPU(MHz)', value: (r) => r.averageProcessorUsage, align: 'right'},
    {header: 'AvgRAM(M)', value: (r) => r.averageMemoryUsage, align: 'right'},
    {header: 'MaxRAM(M)', value: (r) => r.maximumMemoryUsage, align: 'right'},
    {header: 'MinRAM(M)', value: (r) => r.minimumMemoryUsage, align: 'right'},
    {header: 'TotalDisk(M)', value: (r) => r.totalDiskAllocation, align: 'right'},
    {header: 'NetworkInbound(M)', value: (r) => r.networkInbound, align: 'right'},
    {header: 'NetworkOutbound(M)', value: (r) => r.networkOutbound, align: 'right'},
  ],
}

import {afterEach, beforeEach, describe, expect, it, vi} from 'vitest'

import {InvalidArgumentError, NotFoundError} from '../../../src/core/errors.js'
import {NOMINAL_TSC_FREQUENCY_HZ} from '../../../src/core/hypervisor/synthetic-msrs.js'
import type {DiskMeteringRecord, VmRecord} from '../../../src/core/store/schema.js'
import {PROCESSOR_CLOCK_MHZ} from '../../../src/core/vmms/host.js'
import {MeteringAccumulator, type MeteringSample} from '../../../src/core/vmms/metering/metering-accumulator.js'
import {meteringReport} from '../../../src/core/vmms/metering/metering-report.js'
import {addTotals, emptyTotals, newMeteringRecord} from '../../../src/core/vmms/metering/metering-totals.js'
import {Vmms} from '../../../src/core/vmms/vmms.js'
import {WorkerMetering} from '../../../src/core/worker/resource-metering.js'
import {tempHome} from '../../helpers/hv.js'

const MB = 1024 * 1024
const GB = 1024 * MB

/** A sample at `atMs` with `busyMs` of processor time so far and `memoryMb` assigned, nothing else. */
function sample(atMs: number, busyMs: number, memoryMb = 512, extra: Partial<MeteringSample> = {}): MeteringSample {
  return {atMs, processorBusyMs: busyMs, memoryMb, diskAllocationMb: 0, disks: [], networkTraffic: [], ...extra}
}

function disk(path: string, reads: number, ios: number): DiskMeteringRecord {
  return {path, normalizedIoCount: ios, ioCount: ios, latencyMsTotal: ios * 2, dataReadBytes: reads, dataWrittenBytes: 0}
}

const vmNamed = (name: string): VmRecord => ({id: `id-${name}`, name} as VmRecord)

describe('the metering accumulator', () => {
  it('turns processor time into MHz x ms and averages it over the metered time', () => {
    const meter = new MeteringAccumulator(100, sample(0, 0))
    meter.sample(sample(1000, 250)) // a quarter of the clock for a second
    meter.sample(sample(3000, 2250)) // all of it for two more
    const totals = meter.take()
    expect(totals.meteredMs).toBe(3000)
    expect(totals.processorMhzMs).toBe(2250 * 100)
    const record = addTotals(newMeteringRecord(), totals)
    expect(meteringReport(vmNamed('a'), record).averageProcessorUsage).toBe(75)
  })

  it('sums memory over time with its least and most; a change counts from the sample that saw it', () => {
    const meter = new MeteringAccumulator(100, sample(0, 0, 512))
    meter.sample(sample(1000, 0, 1024)) // 512 MB held for the first second, 1024 seen at its end
    meter.sample(sample(4000, 0, 1024))
    const totals = meter.take()
    expect(totals.memoryMbMs).toBe(512 * 1000 + 1024 * 3000)
    expect([totals.minimumMemoryMb, totals.maximumMemoryMb]).toEqual([512, 1024])
    const report = meteringReport(vmNamed('a'), addTotals(newMeteringRecord(), totals))
    expect(report).toMatchObject({averageMemoryUsage: 896, minimumMemoryUsage: 512, maximumMemoryUsage: 1024, meteringDurationSeconds: 4})
  })

  it('static memory averages to the memory assigned, whatever the sampling pace', () => {
    for (const steps of [1, 7, 100]) {
      const meter = new MeteringAccumulator(100, sample(0, 0, 512))
      for (let i = 1; i <= steps; i++) meter.sample(sample((i * 9000) / steps, 0, 512))
      const report = meteringReport(vmNamed('a'), addTotals(newMeteringRecord(), meter.take()))
      expect(report.averageMemoryUsage).toBe(512)
    }
  })

  it('take() starts afresh; restart() drops what was gathered', () => {
    const meter = new MeteringAccumulator(100, sample(0, 0))
    meter.sample(sample(1000, 1000))
    expect(meter.take().meteredMs).toBe(1000)
    expect(meter.take()).toEqual(emptyTotals())
    meter.sample(sample(2000, 1500))
    meter.restart(sample(2500, 1600))
    meter.sample(sample(3500, 1700))
    expect(meter.take()).toMatchObject({meteredMs: 1000, processorMhzMs: 100 * 100})
  })

  it('counts disk and network counters as increments, per disk and per port ACL', () => {
    const inbound = {adapterId: 'n1', adapterName: 'Network Adapter', direction: 'Inbound' as const, localAddress: '', remoteAddress: '0.0.0.0/0', bytes: 0}
    const meter = new MeteringAccumulator(100, sample(0, 0, 512, {disks: [disk('/d.vhdx', 1 * MB, 10)], networkTraffic: [inbound]}))
    meter.sample(sample(1000, 0, 512, {disks: [disk('/d.vhdx', 3 * MB, 30)], networkTraffic: [{...inbound, bytes: 5 * MB}]}))
    meter.sample(sample(2000, 0, 512, {disks: [disk('/d.vhdx', 4 * MB, 50), disk('/e.vhdx', 2 * MB, 4)], networkTraffic: [{...inbound, bytes: 6 * MB}]}))
    const totals = meter.take()
    expect(totals.disks).toEqual([disk('/d.vhdx', 3 * MB, 40), disk('/e.vhdx', 2 * MB, 4)])
    expect(totals.networkTraffic).toEqual([{...inbound, bytes: 6 * MB}])
    const report = meteringReport(vmNamed('a'), addTotals(newMeteringRecord(), totals))
    expect(report).toMatchObject({
      aggregatedDiskDataRead: 5, aggregatedNormalizedIoCount: 44, aggregatedAverageNormalizedIops: 22, aggregatedAverageLatency: 2,
      networkInbound: 6, networkOutbound: 0,
    })
    expect(report.hardDiskMetrics.map((d) => [d.path, d.dataRead, d.averageNormalizedIops])).toEqual([['/d.vhdx', 3, 20], ['/e.vhdx', 2, 2]])
  })

  it('a counter that goes back (a device replaced) counts from zero again', () => {
    const meter = new MeteringAccumulator(100, sample(0, 0, 512, {disks: [disk('/d.vhdx', 8 * MB, 80)]}))
    meter.sample(sample(1000, 0, 512, {disks: [disk('/d.vhdx', 1 * MB, 10)]}))
    expect(meter.take().disks).toEqual([disk('/d.vhdx', 1 * MB, 10)])
  })
})

describe('metering records and reports', () => {
  it('adding totals sums the figures and keeps the least and most memory', () => {
    const first = {...emptyTotals(), meteredMs: 1000, processorMhzMs: 5000, memoryMbMs: 512_000, minimumMemoryMb: 512, maximumMemoryMb: 512}
    const second = {...emptyTotals(), meteredMs: 3000, processorMhzMs: 1000, memoryMbMs: 3 * 1_024_000, minimumMemoryMb: 1024, maximumMemoryMb: 1024}
    const record = addTotals(addTotals(newMeteringRecord(), first), second)
    expect(record).toMatchObject({meteredMs: 4000, processorMhzMs: 6000, minimumMemoryMb: 512, maximumMemoryMb: 1024})
    expect(meteringReport(vmNamed('a'), record)).toMatchObject({averageProcessorUsage: 2, averageMemoryUsage: 896})
  })

  it('before the VM has run metered, the duration and averages are null and the counters zero', () => {
    const report = meteringReport(vmNamed('a'), newMeteringRecord())
    expect(report).toMatchObject({
      meteringDurationSeconds: null, averageProcessorUsage: null, averageMemoryUsage: null, minimumMemoryUsage: null,
      maximumMemoryUsage: null, totalDiskAllocation: 0, aggregatedAverageNormalizedIops: 0, hardDiskMetrics: [], networkMeteredTrafficReport: [],
    })
  })

  it('every enable and reset starts a new epoch', () => {
    expect(newMeteringRecord().epoch).not.toBe(newMeteringRecord().epoch)
  })

  it("the emulated host's clock is the rate the guest is told its TSC counts at", () => {
    expect(PROCESSOR_CLOCK_MHZ * 1e6).toBe(NOMINAL_TSC_FREQUENCY_HZ)
  })
})

describe('the worker side', () => {
  afterEach(() => vi.useRealTimers())

  /** A worker's metering over a VM record held in memory, its clock and busy time set by the test. */
  function harness(vm: VmRecord, intervalSeconds = 60) {
    const machine = {atMs: 0, busyMs: 0}
    const host = {resourceMeteringSaveIntervalSeconds: intervalSeconds}
    let saves = 0
    const metering: WorkerMetering = new WorkerMetering({
      clockMhz: 100,
      read: () => sample(machine.atMs, machine.busyMs),
      save: async () => {
        saves++
        metering.flushInto(vm, host)
      },
    }, vm, host)
    return {machine, metering, host, saves: () => saves}
  }

  it('saves at the host interval while metering is on, and not at all while it is off', async () => {
    vi.useFakeTimers()
    const vm = {resourceMetering: newMeteringRecord()} as VmRecord
    const {machine, saves} = harness(vm, 60)
    machine.atMs = 59_000
    machine.busyMs = 30_000
    await vi.advanceTimersByTimeAsync(59_000)
    expect(saves()).toBe(0)
    await vi.advanceTimersByTimeAsync(1000)
    expect(saves()).toBe(1)
    expect(vm.resourceMetering).toMatchObject({meteredMs: 59_000, processorMhzMs: 30_000 * 100})
    await vi.advanceTimersByTimeAsync(60_000)
    expect(saves()).toBe(2)

    const off = {resourceMetering: null} as VmRecord
    const idle = harness(off, 1)
    await vi.advanceTimersByTimeAsync(10_000)
    expect(idle.saves()).toBe(0)
    expect(vi.getTimerCount()).toBe(1) // only the metered VM's timer
  })

  it('what was gathered before a reset is not added to the record that replaced it', () => {
    const vm = {resourceMetering: newMeteringRecord()} as VmRecord
    const {machine, metering, host} = harness(vm)
    machine.atMs = 5000
    machine.busyMs = 5000
    vm.resourceMetering = newMeteringRecord() // the VMMS reset it; the worker has not heard yet
    metering.flushInto(vm, host)
    expect(vm.resourceMetering.meteredMs).toBe(0)
    machine.atMs = 6000
    metering.flushInto(vm, host)
    expect(vm.resourceMetering.meteredMs).toBe(1000)
  })

  it('restart() (enable, reset or disable told by the VMMS) counts from the moment it comes', () => {
    const vm = {resourceMetering: null} as VmRecord
    const {machine, metering, host} = harness(vm)
    machine.atMs = 5000
    vm.resourceMetering = newMeteringRecord()
    metering.restart(vm.resourceMetering.epoch)
    machine.atMs = 7000
    metering.flushInto(vm, host)
    expect(vm.resourceMetering.meteredMs).toBe(2000)
    vm.resourceMetering = null
    metering.restart(null)
    metering.flushInto(vm, host)
    expect(vm.resourceMetering).toBeNull()
  })
})

describe('the VMMS side', () => {
  let vmms: Vmms
  let cleanup: () => void

  beforeEach(async () => {
    const temp = tempHome('hv-metering-')
    cleanup = temp.cleanup
    vmms = Vmms.open(temp.home)
    await vmms.setHost({logicalProcessorCount: 4, memoryCapacity: 8 * GB})
  })
  afterEach(() => cleanup())

  it('enable, a worker save, then a fresh Vmms reads the same figures back (the record round-trips the store)', async () => {
    const vm = await vmms.newVm({name: 'a', memoryStartupBytes: 256 * MB})
    const [enabled] = await vmms.metering.enable([vm.id])
    const epoch = enabled.resourceMetering!.epoch
    // What a worker does at a save: add its gathered totals to the record inside a store update.
    const meter = new MeteringAccumulator(100, sample(0, 0, 256))
    meter.sample(sample(10_000, 2_000, 256))
    await vmms.store.update((doc) => {
      addTotals(doc.vms[0].resourceMetering!, meter.take())
    })
    const reopened = Vmms.open(vmms.store.home)
    const [read] = await reopened.getVms({names: ['a']})
    expect(read.resourceMetering!.epoch).toBe(epoch)
    const {reports, unmetered} = await reopened.metering.measure([read])
    expect(unmetered).toEqual([])
    expect(reports[0]).toMatchObject({vmName: 'a', meteringDurationSeconds: 10, averageProcessorUsage: 20, averageMemoryUsage: 256})
  })

  it('enabling twice keeps the figures; reset zeroes them with a new epoch; disable drops them', async () => {
    const vm = await vmms.newVm({name: 'a'})
    const [first] = await vmms.metering.enable([vm.id])
    await vmms.store.update((doc) => {
      doc.vms[0].resourceMetering!.meteredMs = 5000
    })
    const [again] = await vmms.metering.enable([vm.id])
    expect(again.resourceMetering).toMatchObject({epoch: first.resourceMetering!.epoch, meteredMs: 5000})
    const [reset] = await vmms.metering.reset([vm.id])
    expect(reset.resourceMetering!.epoch).not.toBe(first.resourceMetering!.epoch)
    expect(reset.resourceMetering!.meteredMs).toBe(0)
    const [disabled] = await vmms.metering.disable([vm.id])
    expect(disabled.resourceMetering).toBeNull()
    const {reports, unmetered} = await vmms.metering.measure([disabled])
    expect(reports).toEqual([])
    expect(unmetered.map((v) => v.name)).toEqual(['a'])
  })

  it('an unknown VMId changes nothing, for any of the VMs asked about', async () => {
    const vm = await vmms.newVm({name: 'a'})
    await expect(vmms.metering.enable([vm.id, 'no-such-id'])).rejects.toBeInstanceOf(NotFoundError)
    expect((await vmms.getVms())[0].resourceMetering).toBeNull()
  })

  it('the save interval defaults to an hour and takes 1 second to 24 hours', async () => {
    expect((await vmms.getHost()).resourceMeteringSaveIntervalSeconds).toBe(3600)
    await vmms.setHost({resourceMeteringSaveIntervalSeconds: 1})
    await vmms.setHost({resourceMeteringSaveIntervalSeconds: 86_400})
    for (const bad of [0, 0.5, -60, 86_401, Number.NaN]) {
      await expect(vmms.setHost({resourceMeteringSaveIntervalSeconds: bad}), String(bad)).rejects.toBeInstanceOf(InvalidArgumentError)
    }
    expect((await vmms.getHost()).resourceMeteringSaveIntervalSeconds).toBe(86_400)
  })
})

describe('the schema 4 migration', () => {
  it('gives VMs from before metering their metering off', async () => {
    const {MIGRATIONS} = await import('../../../src/core/store/schema.js')
    const migrated = MIGRATIONS[3]({schemaVersion: 3, vms: [{id: 'v', path: '/vms', generation: 1, processor: {count: 1}}], checkpoints: []})
    expect((migrated.vms as VmRecord[])[0].resourceMetering).toBeNull()
  })
})

import type {HostSettings, VmRecord} from '../store/schema.js'
import {RESOURCE_METERING_SAVE_INTERVAL} from '../vmms/host.js'
import {MeteringAccumulator, type MeteringSample} from '../vmms/metering/metering-accumulator.js'
import {addTotals} from '../vmms/metering/metering-totals.js'

export interface WorkerMeteringOptions {
  /** The emulated host's processor clock, MHz. */
  clockMhz: number
  /** Read the machine's figures now: cheap, and only called at a save or a measurement. */
  read: () => MeteringSample
  /** Update the VM's record in the store, calling `flushInto` inside the update. */
  save: () => Promise<void>
}

/**
 * Resource metering in the worker: it gathers from the moment the worker
 * runs, and adds what it gathered to the VM's record at the host's
 * ResourceMeteringSaveInterval, when Measure-VM asks, and when the VM stops or
 * is saved. Between saves it costs nothing: one timer, armed only while
 * metering is on, and no sampling in the run loop (the accumulator needs only
 * the end points of each interval).
 *
 * The record's epoch changes at every enable and reset. What the worker
 * gathered under another epoch than the record's belongs to before that
 * change and is dropped, so a reset that races with a save is never undone.
 */
export class WorkerMetering {
  private readonly accumulator: MeteringAccumulator
  private epoch: string | null
  private intervalMs: number
  private timer: NodeJS.Timeout | null = null
  private stopped = false

  constructor(
    private readonly options: WorkerMeteringOptions,
    vm: VmRecord,
    host: HostSettings,
  ) {
    this.accumulator = new MeteringAccumulator(options.clockMhz, options.read())
    this.epoch = vm.resourceMetering?.epoch ?? null
    this.intervalMs = saveIntervalMs(host)
    this.arm()
  }

  /** Inside a store update of `vm`: add what was gathered since the last save to its record. */
  flushInto(vm: VmRecord, host: HostSettings): void {
    this.accumulator.sample(this.options.read())
    const gathered = this.accumulator.take()
    const record = vm.resourceMetering ?? null
    if (record && record.epoch === this.epoch) addTotals(record, gathered)
    else this.epoch = record?.epoch ?? null
    this.intervalMs = saveIntervalMs(host)
    this.arm()
  }

  /** Metering was enabled, reset or disabled (epoch null): gather afresh from now. */
  restart(epoch: string | null): void {
    this.epoch = epoch
    this.accumulator.restart(this.options.read())
    this.arm()
  }

  /** The VM is stopping: the last save is the caller's; no timer is armed again. */
  stop(): void {
    this.stopped = true
    this.disarm()
  }

  private arm(): void {
    this.disarm()
    if (this.epoch === null || this.stopped) return
    this.timer = setTimeout(() => {
      this.timer = null
      // A failed save (the store busy or unwritable) is tried again an interval later.
      this.options.save().catch(() => this.arm())
    }, this.intervalMs)
    // The control server keeps the worker alive; this timer never needs to.
    this.timer.unref()
  }

  private disarm(): void {
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
  }
}

function saveIntervalMs(host: HostSettings): number {
  return (host.resourceMeteringSaveIntervalSeconds ?? RESOURCE_METERING_SAVE_INTERVAL.defaultSeconds) * 1000
}

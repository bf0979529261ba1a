import {InvalidArgumentError, NotFoundError} from '../../errors.js'
import type {ResourceMeteringRecord, StoreDocument, VmRecord} from '../../store/schema.js'
import type {Store} from '../../store/store.js'
import {controlRequest} from '../../worker/control-client.js'
import {logEvent} from '../event-log.js'
import {RESOURCE_METERING_SAVE_INTERVAL} from '../host.js'
import {meteringReport, type MeteringReport} from './metering-report.js'
import {newMeteringRecord} from './metering-totals.js'

/** States in which a VM's worker gathers figures. */
const METERED_STATES = ['Running', 'Paused']
const WORKER_TIMEOUT_MS = 5_000

/** Measure-VM's answer: the reports of the VMs that are metered, and the ones that are not. */
export interface Measurement {
  reports: MeteringReport[]
  unmetered: VmRecord[]
}

/**
 * Resource metering, the VMMS side: switching it on, off and back to zero
 * (Enable-, Disable-, Reset-VMResourceMetering) in the VM's record, telling a
 * running VM's worker at once, and reporting (Measure-VM). The worker gathers
 * the figures and adds them to the record at the host's save interval and when
 * it stops; a measurement of a running VM asks it to add them first.
 */
export class ResourceMeteringService {
  constructor(private readonly store: Store) {}

  /** Start metering; a VM already metered keeps what it has gathered. */
  async enable(vmIds: readonly string[]): Promise<VmRecord[]> {
    return this.change(vmIds, (vm) => {
      if (meteringOf(vm)) return null
      vm.resourceMetering = newMeteringRecord()
      return `Resource metering of '${vm.name}' was enabled.`
    })
  }

  /** Stop metering and delete what was gathered; Measure-VM then refuses the VM. */
  async disable(vmIds: readonly string[]): Promise<VmRecord[]> {
    return this.change(vmIds, (vm) => {
      if (!meteringOf(vm)) return null
      vm.resourceMetering = null
      return `Resource metering of '${vm.name}' was disabled; its figures were deleted.`
    })
  }

  /** Delete what was gathered and go on metering from now. A VM not metered is left as it is. */
  async reset(vmIds: readonly string[]): Promise<VmRecord[]> {
    return this.change(vmIds, (vm) => {
      if (!meteringOf(vm)) return null
      vm.resourceMetering = newMeteringRecord()
      return `The resource-metering figures of '${vm.name}' were reset.`
    })
  }

  /** The reports of `vms`, with running VMs' latest figures; VMs not metered are returned apart. */
  async measure(vms: readonly VmRecord[]): Promise<Measurement> {
    // A running VM's worker adds what it gathered since its last save to the record, then the record is read.
    await Promise.all(
      vms
        .filter((vm) => meteringOf(vm) && vm.worker && METERED_STATES.includes(vm.state))
        .map((vm) => controlRequest(vm.worker!.socket, {op: 'metering-save'}, WORKER_TIMEOUT_MS).catch(() => {})),
    )
    const doc = await this.store.read()
    const reports: MeteringReport[] = []
    const unmetered: VmRecord[] = []
    for (const asked of vms) {
      const vm = doc.vms.find((v) => v.id === asked.id) ?? asked
      const record = meteringOf(vm)
      if (record) reports.push(meteringReport(vm, record))
      else unmetered.push(vm)
    }
    return {reports, unmetered}
  }

  /** One store update for every VM; then the running ones' workers are told the record's new epoch. */
  private async change(vmIds: readonly string[], apply: (vm: VmRecord) => string | null): Promise<VmRecord[]> {
    const changed = await this.store.update((doc) =>
      vmIds.map((id) => {
        const vm = findVm(doc, id)
        const message = apply(vm)
        if (message) logEvent(doc, vm, message)
        return {vm: structuredClone(vm), message}
      }),
    )
    await Promise.all(
      changed
        .filter(({vm, message}) => message && vm.worker && METERED_STATES.includes(vm.state))
        // A worker that misses this finds the new epoch in the record at its next save.
        .map(({vm}) => controlRequest(vm.worker!.socket, {op: 'metering', epoch: meteringOf(vm)?.epoch ?? null}, WORKER_TIMEOUT_MS).catch(() => {})),
    )
    return changed.map(({vm}) => vm)
  }
}

/** The VM's metering record, or null when metering is off (records from before metering have none). */
export function meteringOf(vm: VmRecord): ResourceMeteringRecord | null {
  return vm.resourceMetering ?? null
}

/** Set-VMHost -ResourceMeteringSaveInterval, in seconds. */
export function validateSaveInterval(seconds: number): void {
  const {minimumSeconds, maximumSeconds} = RESOURCE_METERING_SAVE_INTERVAL
  if (!Number.isFinite(seconds) || seconds < minimumSeconds || seconds > maximumSeconds) {
    throw new InvalidArgumentError(
      `Cannot validate argument on parameter 'ResourceMeteringSaveInterval'. The interval of ${seconds} seconds is out of range: give one from 00:00:01 to 24:00:00 (Hyper-V takes 01:00:00 to 24:00:00).`,
    )
  }
}

function findVm(doc: StoreDocument, id: string): VmRecord {
  const vm = doc.vms.find((v) => v.id === id)
  if (!vm) throw new NotFoundError(`Hyper-V was unable to find a virtual machine with ID "${id}".`)
  return vm
}

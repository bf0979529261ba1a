import {
  createIntegrationServices, integrationServiceRows,
  type IntegrationServiceName, type IntegrationServiceRow, type IntegrationServices, type KvpPoolNumber,
} from '../devices/synthetic/index.js'
import {InvalidStateError} from '../errors.js'
import type {Partition} from '../hypervisor/index.js'
import type {TimeMode} from '../store/schema.js'
import {requireIntegrationService} from '../vmms/guest-services.js'
import {VmbusServer, type VmbusStatistics} from '../vmbus/index.js'
import type {AttachedDisks} from './attached-disks.js'
import {createStorageVsps} from './storage-vsps.js'
import type {StorVsp} from '../devices/synthetic/storvsp/index.js'
import type {GuestClock} from './guest-clock.js'
import {createVmbusPartitionLink, type WinHv} from './winhv.js'

const STATE_VERSION = 1
/** Deterministic VMs see this wall clock at guest time zero, so time sync replays identically. */
const DETERMINISTIC_EPOCH_NS = BigInt(Date.UTC(2026, 0, 1)) * 1_000_000n

export type IntegrationServiceSettings = Partial<Record<IntegrationServiceName, boolean>>

export interface VmbusStackSavedState {
  version: number
  server: unknown
}

/** The integration-service part of a worker's status, for get-vm, get-vmintegrationservice and wait-vm. */
export interface IntegrationStatus {
  heartbeat: string
  integrationServices: IntegrationServiceRow[]
  /** Up to date, Update required, or null while the guest has not connected. */
  integrationServicesState: string | null
  vmbus: VmbusStatistics
}

/**
 * The root's end of VMBus for one VM, as the worker holds it: the VMBus
 * server (vmbusr) bound to the child partition through WinHv, and the VSPs of
 * the integration services offered on it. The worker asks it for status,
 * shutdown, key-value exchange and service changes on behalf of the VMMS.
 */
export class VmbusStack {
  readonly server: VmbusServer
  readonly services: IntegrationServices
  /** The storage VSPs: one per SCSI controller, and (Generation 1) one IDE accelerator per IDE disk. */
  readonly storage: StorVsp[]
  private enabled: IntegrationServiceSettings

  constructor(options: {
    vmId: string; winhv: WinHv; partition: Partition; clock: GuestClock; timeMode: TimeMode; enabled: IntegrationServiceSettings
    storage: {generation: 1 | 2; scsiControllers: readonly string[]; disks: AttachedDisks}
  }) {
    const {clock} = options
    this.enabled = {...options.enabled}
    this.services = createIntegrationServices({
      vmId: options.vmId,
      clock,
      hostTimeNs: options.timeMode === 'Deterministic' ? () => DETERMINISTIC_EPOCH_NS + BigInt(Math.round(clock.nowNs())) : undefined,
    })
    this.storage = createStorageVsps(options.storage)
    this.server = new VmbusServer(createVmbusPartitionLink(options.winhv, options.partition), {
      // The integration services keep the first relids they had before storage was offered.
      devices: [...this.services.offeredDevices(this.enabled), ...this.storage],
    })
  }

  /** Retry host messages the guest's SynIC could not take yet (cheap when none wait). */
  pump(): void {
    this.server.pump()
  }

  status(running: boolean): IntegrationStatus {
    const heartbeatEnabled = this.enabled.Heartbeat ?? true
    const heartbeat = !heartbeatEnabled ? 'Disabled' : !running ? 'Paused' : this.services.heartbeat.heartbeatStatus()
    return {
      heartbeat,
      integrationServices: integrationServiceRows(this.services, {enabled: this.enabled, running: true}),
      integrationServicesState: this.server.connected ? 'Up to date' : null,
      vmbus: this.server.statistics(),
    }
  }

  /** Ask the guest to shut down (or restart) through the Shutdown service. Throws when it cannot or will not. */
  async shutdown(vmName: string, options: {restart: boolean; force: boolean}): Promise<void> {
    const shutdown = this.services.shutdown
    if (!(this.enabled.Shutdown ?? true)) {
      throw new InvalidStateError(`The virtual machine '${vmName}' could not be shut down: its Shutdown integration service is disabled. Use --turn-off to turn it off or --save to save it.`)
    }
    if (!shutdown.ready) {
      throw new InvalidStateError(
        `The virtual machine '${vmName}' could not be shut down: no shutdown integration service is running in the guest. Use --turn-off to turn it off or --save to save it.`,
      )
    }
    const answer = await shutdown.requestShutdown({restart: options.restart, force: options.force, message: 'hv: shutdown requested by the host'})
    if (!answer.accepted) {
      throw new InvalidStateError(`The guest in '${vmName}' refused to shut down (status 0x${(answer.status >>> 0).toString(16)}: ${answer.detail}).`)
    }
  }

  /** enable-/disable-vmintegrationservice on a running VM: offer the channel, or rescind it. */
  setEnabled(name: string, enabled: boolean): void {
    const info = requireIntegrationService(name)
    const was = this.enabled[info.name] ?? info.enabledByDefault
    this.enabled = {...this.enabled, [info.name]: enabled}
    if (was === enabled) return
    const device = this.services.byName(info.name)
    if (enabled) this.server.offer(device)
    else this.server.rescind(device)
  }

  async kvpSet(key: string, value: string): Promise<{delivered: boolean; detail: string}> {
    const result = await this.services.kvp.setHostValue(key, value)
    return {delivered: result.delivered, detail: result.detail}
  }

  async kvpDelete(key: string): Promise<{delivered: boolean; detail: string}> {
    const result = await this.services.kvp.deleteHostValue(key)
    return {delivered: result.delivered, detail: result.detail}
  }

  /** The guest's pools as the KVP service reads them (pool 0 is what the host wrote). */
  async kvpRead(pools: number[]): Promise<Record<number, Record<string, string>>> {
    const out: Record<number, Record<string, string>> = {}
    for (const pool of pools) {
      out[pool] = pool === 0 ? this.services.kvp.hostValues() : await this.services.kvp.readGuestPool(pool as KvpPoolNumber)
    }
    return out
  }

  /** A VM reset: the guest starts over without VMBus; its services wait for it to connect again. */
  reset(): void {
    this.server.reset()
  }

  saveState(): VmbusStackSavedState {
    return {version: STATE_VERSION, server: this.server.saveState()}
  }

  restoreState(state: VmbusStackSavedState | undefined): void {
    if (state === undefined) return // saved before this VM had VMBus state: the guest reconnects
    if (state?.version !== STATE_VERSION) throw new Error(`VMBus saved state version ${state?.version} is not ${STATE_VERSION}`)
    this.server.restoreState(state.server)
    // A restored guest's clock is behind the host's: sync it, as Hyper-V does after a restore.
    this.services.timeSync.sync()
  }
}

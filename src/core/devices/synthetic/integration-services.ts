/**
 * The catalogue of Hyper-V integration services: names as the cmdlets show
 * them, VMBus class GUIDs, per-VM instance GUIDs, default enablement, a factory
 * creating the VSPs of one VM, and the get-vmintegrationservice columns.
 *
 * Hyper-V enables every service by default except Guest Service Interface.
 * A disabled service's channel is not offered (`offeredDevices` leaves it out).
 */
import {createHash} from 'node:crypto'
import type {VirtualClock} from '../device.js'
import type {VmbusDevice, VmbusOffer} from '../../vmbus/vmbus-device.js'
import {HEARTBEAT_CLASS_ID, HeartbeatService} from './heartbeat.js'
import {KVP_CLASS_ID, KvpService} from './kvp.js'
import {GUEST_SERVICE_INTERFACE_CLASS_ID, PassiveIcService, VSS_CLASS_ID, createGuestServiceInterface, createVssService} from './passive-ic.js'
import {SHUTDOWN_CLASS_ID, ShutdownService} from './shutdown.js'
import {TIMESYNC_CLASS_ID, TimeSyncService} from './timesync.js'
import type {IcService} from './ic-framework.js'

export type IntegrationServiceName =
  | 'Guest Service Interface'
  | 'Heartbeat'
  | 'Key-Value Pair Exchange'
  | 'Shutdown'
  | 'Time Synchronization'
  | 'VSS'

export interface IntegrationServiceInfo {
  readonly name: IntegrationServiceName
  readonly classId: string
  /**
   * The id of Hyper-V's integration component for the service (the end of a
   * VMIntegrationComponent's Id, `Microsoft:<VMId>\<this>`): scripts pick
   * services by it, whatever the display language calls them.
   */
  readonly componentId: string
  readonly enabledByDefault: boolean
  readonly description: string
}

/** In the order Get-VMIntegrationService lists them (alphabetical). */
export const INTEGRATION_SERVICES: readonly IntegrationServiceInfo[] = [
  {name: 'Guest Service Interface', componentId: '6C09BB55-D683-4DA0-8931-C9BF705F6480', classId: GUEST_SERVICE_INTERFACE_CLASS_ID, enabledByDefault: false, description: 'Copies files from the host into the guest (offered; copying is not implemented)'},
  {name: 'Heartbeat', componentId: '84EAAE65-2F2E-45F5-9BB5-0E857DC8EB47', classId: HEARTBEAT_CLASS_ID, enabledByDefault: true, description: 'Reports whether the guest operating system is responding'},
  {name: 'Key-Value Pair Exchange', componentId: '2A34B1C2-FD73-4043-8A5B-DD2159BC743F', classId: KVP_CLASS_ID, enabledByDefault: true, description: 'Exchanges key-value data between the host and the guest'},
  {name: 'Shutdown', componentId: '9F8233AC-BE49-4C79-8EE3-E7E1985B2077', classId: SHUTDOWN_CLASS_ID, enabledByDefault: true, description: 'Lets the host ask the guest to shut down or restart'},
  {name: 'Time Synchronization', componentId: '2497F4DE-E9FA-4204-80E4-4B75C46419C0', classId: TIMESYNC_CLASS_ID, enabledByDefault: true, description: 'Sends the host time to the guest'},
  {name: 'VSS', componentId: '5CED1297-4598-4915-A5FC-AD21BB4D02A4', classId: VSS_CLASS_ID, enabledByDefault: true, description: 'Volume Shadow Copy requestor for backups (offered; backups are not implemented)'},
]

export function integrationServiceInfo(name: string): IntegrationServiceInfo | undefined {
  const wanted = name.toLowerCase()
  return INTEGRATION_SERVICES.find((s) => s.name.toLowerCase() === wanted)
}

export function defaultIntegrationServiceSettings(): Record<IntegrationServiceName, boolean> {
  return Object.fromEntries(INTEGRATION_SERVICES.map((s) => [s.name, s.enabledByDefault])) as Record<IntegrationServiceName, boolean>
}

const GUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/**
 * A stable instance GUID for one service of one VM: an RFC 4122 version-5
 * (SHA-1, name-based) UUID with the service's class GUID as the namespace and
 * the VM id (lower-cased) as the name. Same VM and service, same GUID; different
 * VMs, different GUIDs.
 */
export function integrationServiceInstanceId(vmId: string, classId: string): string {
  if (!GUID_RE.test(classId)) throw new Error(`"${classId}" is not a GUID`)
  if (typeof vmId !== 'string' || vmId.length === 0) throw new Error('A VM id is needed to derive integration service instance GUIDs')
  const namespace = Buffer.from(classId.replace(/-/g, ''), 'hex')
  const hash = createHash('sha1').update(namespace).update(vmId.toLowerCase(), 'utf8').digest()
  const bytes = hash.subarray(0, 16)
  bytes[6] = (bytes[6]! & 0x0f) | 0x50
  bytes[8] = (bytes[8]! & 0x3f) | 0x80
  const hex = bytes.toString('hex')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
}

export interface IntegrationServicesOptions {
  readonly vmId: string
  readonly clock: VirtualClock
  readonly heartbeatIntervalNs?: number
  readonly heartbeatLostAfterIntervals?: number
  readonly timeSyncPeriodNs?: number
  /** Host UTC in ns since 1970 (default Date.now()); inject for determinism. */
  readonly hostTimeNs?: () => bigint
  readonly shutdownResponseTimeoutNs?: number
  readonly kvpResponseTimeoutNs?: number
}

export interface IntegrationServiceEntry {
  readonly info: IntegrationServiceInfo
  readonly device: IcService
}

/** The six VSPs of one VM. */
export class IntegrationServices {
  readonly heartbeat: HeartbeatService
  readonly shutdown: ShutdownService
  readonly timeSync: TimeSyncService
  readonly kvp: KvpService
  readonly guestServiceInterface: PassiveIcService
  readonly vss: PassiveIcService

  constructor(options: IntegrationServicesOptions) {
    const offer = (name: IntegrationServiceName): VmbusOffer => {
      const info = integrationServiceInfo(name)!
      return {name, classId: info.classId, instanceId: integrationServiceInstanceId(options.vmId, info.classId)}
    }
    this.heartbeat = new HeartbeatService({offer: offer('Heartbeat'), clock: options.clock, intervalNs: options.heartbeatIntervalNs, lostAfterIntervals: options.heartbeatLostAfterIntervals})
    this.shutdown = new ShutdownService({offer: offer('Shutdown'), clock: options.clock, responseTimeoutNs: options.shutdownResponseTimeoutNs})
    this.timeSync = new TimeSyncService({offer: offer('Time Synchronization'), clock: options.clock, samplePeriodNs: options.timeSyncPeriodNs, hostTimeNs: options.hostTimeNs})
    this.kvp = new KvpService({offer: offer('Key-Value Pair Exchange'), clock: options.clock, responseTimeoutNs: options.kvpResponseTimeoutNs})
    this.guestServiceInterface = createGuestServiceInterface(offer('Guest Service Interface'), options.clock)
    this.vss = createVssService(offer('VSS'), options.clock)
  }

  /** All six, in catalogue order. */
  entries(): IntegrationServiceEntry[] {
    return INTEGRATION_SERVICES.map((info) => ({info, device: this.byName(info.name)}))
  }

  byName(name: IntegrationServiceName): IcService {
    switch (name) {
      case 'Guest Service Interface':
        return this.guestServiceInterface
      case 'Heartbeat':
        return this.heartbeat
      case 'Key-Value Pair Exchange':
        return this.kvp
      case 'Shutdown':
        return this.shutdown
      case 'Time Synchronization':
        return this.timeSync
      case 'VSS':
        return this.vss
    }
  }

  /** The devices to offer on VMBus: the enabled ones (defaults when a setting is absent). */
  offeredDevices(enabled: Partial<Record<IntegrationServiceName, boolean>> = {}): VmbusDevice[] {
    return INTEGRATION_SERVICES.filter((info) => enabled[info.name] ?? info.enabledByDefault).map((info) => this.byName(info.name))
  }

  /** Saved state of all six, keyed by service name. */
  saveState(): Record<IntegrationServiceName, {version: number; [field: string]: unknown}> {
    return Object.fromEntries(this.entries().map((e) => [e.info.name, e.device.saveState()])) as Record<IntegrationServiceName, {version: number; [field: string]: unknown}>
  }
}

export function createIntegrationServices(options: IntegrationServicesOptions): IntegrationServices {
  return new IntegrationServices(options)
}

/** One row of get-vmintegrationservice. */
export interface IntegrationServiceRow {
  readonly Name: IntegrationServiceName
  readonly Enabled: boolean
  /** "OK", "No Contact", "Lost Communication", or "" when disabled or the VM is not running. */
  readonly PrimaryStatusDescription: string
  readonly SecondaryStatusDescription: string
}

export interface IntegrationServiceRowOptions {
  readonly enabled?: Partial<Record<IntegrationServiceName, boolean>>
  /** The VM is running (or paused with its worker alive); otherwise statuses are blank. */
  readonly running: boolean
}

/** The cmdlet columns for all six services; `services` is null when no worker holds the VM. */
export function integrationServiceRows(services: IntegrationServices | null, options: IntegrationServiceRowOptions): IntegrationServiceRow[] {
  return INTEGRATION_SERVICES.map((info) => {
    const enabled = options.enabled?.[info.name] ?? info.enabledByDefault
    if (!enabled || !options.running || !services) {
      return {Name: info.name, Enabled: enabled, PrimaryStatusDescription: '', SecondaryStatusDescription: ''}
    }
    const [primary, secondary] = describe(info, services)
    return {Name: info.name, Enabled: enabled, PrimaryStatusDescription: primary, SecondaryStatusDescription: secondary}
  })
}

function describe(info: IntegrationServiceInfo, services: IntegrationServices): [string, string] {
  const device = services.byName(info.name)
  const status = device.baseStatus()
  if (!status.everOpened) {
    return ['No Contact', info.name === 'VSS' || info.name === 'Guest Service Interface' ? 'Not supported by the guest' : 'The guest has not connected to this service']
  }
  if (status.negotiation === 'Failed') return ['No Contact', `Protocol version mismatch: ${status.lastError ?? 'no common version'}`]
  if (status.negotiation !== 'Negotiated') return [status.channelOpen ? 'No Contact' : 'Lost Communication', status.channelOpen ? 'Negotiating the protocol version' : 'The guest closed the channel']
  if (!status.channelOpen) return ['Lost Communication', 'The guest closed the channel']
  if (info.name === 'Heartbeat') {
    switch (services.heartbeat.heartbeatStatus()) {
      case 'NoContact':
        return ['No Contact', '']
      case 'LostCommunication':
        return ['Lost Communication', '']
      case 'OkApplicationsCritical':
        return ['OK', 'Application critical']
      case 'OkApplicationsHealthy':
        return ['OK', 'Applications healthy']
      case 'OkApplicationsUnknown':
        return ['OK', '']
    }
  }
  return ['OK', '']
}

import {
  INTEGRATION_SERVICES, integrationServiceInfo, integrationServiceRows, type IntegrationServiceInfo, type IntegrationServiceRow,
} from '../devices/synthetic/index.js'
import {InvalidArgumentError, InvalidStateError, NotFoundError} from '../errors.js'
import type {VmRecord} from '../store/schema.js'
import type {Store} from '../store/store.js'
import {controlRequest} from '../worker/control-client.js'
import type {WorkerStatus} from '../worker/control-protocol.js'
import {logEvent} from './event-log.js'

/** The KVP pools by the names Msvm_KvpExchangeComponent uses for them. */
export const KVP_POOLS = {External: 0, Guest: 1, Auto: 2} as const
export type KvpPoolName = keyof typeof KVP_POOLS

export interface KvpItem {
  VMName: string
  Pool: KvpPoolName
  Name: string
  Data: string
}

/** A running VM's worker state as far as these services need it. */
const RUNNING_STATES = ['Running', 'Paused']
const KVP_TIMEOUT_MS = 15_000

/**
 * What the VMMS does with the integration services: their settings on the
 * VM (Enable-/Disable-VMIntegrationService), their status
 * (Get-VMIntegrationService), and key-value pair exchange with the guest.
 * A running VM's worker is told at once: it offers or rescinds the channel.
 */
export class GuestServices {
  constructor(private readonly store: Store) {}

  /** The cmdlet rows for one VM; `live` is its worker's status when it runs. */
  rows(vm: VmRecord, live: WorkerStatus | undefined): IntegrationServiceRow[] {
    return live?.integrationServices ?? integrationServiceRows(null, {enabled: vm.integrationServices, running: false})
  }

  /** Switch a service on or off; returns the VM as it is now. Unknown names are refused, naming the services. */
  async setEnabled(vmId: string, serviceName: string, enabled: boolean): Promise<VmRecord> {
    const info = requireIntegrationService(serviceName)
    const vm = await this.store.update((doc) => {
      const record = doc.vms.find((v) => v.id === vmId)
      if (!record) throw new NotFoundError(`Hyper-V was unable to find a virtual machine with ID "${vmId}".`)
      const was = record.integrationServices?.[info.name] ?? info.enabledByDefault
      record.integrationServices = {...record.integrationServices, [info.name]: enabled}
      if (was !== enabled) logEvent(doc, record, `The ${info.name} integration service of '${record.name}' was ${enabled ? 'enabled' : 'disabled'}.`)
      return {...record}
    })
    if (vm.worker && RUNNING_STATES.includes(vm.state)) {
      await controlRequest(vm.worker.socket, {op: 'integration-service', name: info.name, enabled}, 5_000)
    }
    return vm
  }

  async kvpSet(vm: VmRecord, key: string, value: string): Promise<{delivered: boolean; detail: string}> {
    checkKey(key)
    if (value.length > 1023) throw new InvalidArgumentError(`The value for '${key}' has ${value.length} characters; a KVP value holds at most 1023.`)
    return controlRequest(this.worker(vm), {op: 'kvp-set', key, value}, KVP_TIMEOUT_MS)
  }

  async kvpDelete(vm: VmRecord, key: string): Promise<{delivered: boolean; detail: string}> {
    checkKey(key)
    return controlRequest(this.worker(vm), {op: 'kvp-delete', key}, KVP_TIMEOUT_MS)
  }

  async kvpRead(vm: VmRecord, pools: readonly KvpPoolName[]): Promise<KvpItem[]> {
    const numbers = pools.map((pool) => KVP_POOLS[pool])
    const read = await controlRequest<Record<number, Record<string, string>>>(this.worker(vm), {op: 'kvp-read', pools: numbers}, KVP_TIMEOUT_MS)
    return pools.flatMap((pool) =>
      Object.entries(read[KVP_POOLS[pool]] ?? {}).map(([Name, Data]) => ({VMName: vm.name, Pool: pool, Name, Data})),
    )
  }

  private worker(vm: VmRecord): string {
    if (!vm.worker || !RUNNING_STATES.includes(vm.state)) {
      throw new InvalidStateError(`The virtual machine '${vm.name}' is not running (it is ${vm.state}): key-value pairs are exchanged with a running guest.`)
    }
    if (!(vm.integrationServices?.['Key-Value Pair Exchange'] ?? true)) {
      throw new InvalidStateError(`The Key-Value Pair Exchange integration service of '${vm.name}' is disabled.`)
    }
    return vm.worker.socket
  }
}

/** The catalogue entry a service name (any case) names; an unknown name is refused, listing the services. */
export function requireIntegrationService(name: string): IntegrationServiceInfo {
  const info = integrationServiceInfo(name)
  if (!info) throw new InvalidArgumentError(`There is no integration service named '${name}'. The services are: ${INTEGRATION_SERVICES.map((s) => s.name).join(', ')}.`)
  return info
}

function checkKey(key: string): void {
  if (key.length === 0) throw new InvalidArgumentError('A KVP key cannot be empty.')
  if (key.length > 255) throw new InvalidArgumentError(`The KVP key has ${key.length} characters; a key holds at most 255.`)
}

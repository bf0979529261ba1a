import {cpus, hostname, totalmem} from 'node:os'
import {join} from 'node:path'

import type {HostSettings} from '../store/schema.js'

/** The emulated host, with every setting resolved (stored value or default). */
export interface ResolvedHost {
  computerName: string
  logicalProcessorCount: number
  memoryCapacity: number
  virtualHardDiskPath: string
  virtualMachinePath: string
  macAddressMinimum: string
  macAddressMaximum: string
}

/** Configuration versions this host can create, oldest first; the last is the default. */
export const SUPPORTED_VM_VERSIONS = ['5.0', '6.2', '7.0', '7.1', '8.0', '8.1', '8.2', '8.3', '9.0', '9.1', '9.2', '9.3', '10.0'] as const
export const DEFAULT_VM_VERSION = '10.0'

/**
 * Defaults follow a fresh Hyper-V host: the machine's own processors and memory,
 * VM and disk folders under the data directory, and a Microsoft (00-15-5D) MAC
 * range of 256 addresses.
 */
export function resolveHost(settings: HostSettings, hvHome: string): ResolvedHost {
  return {
    computerName: settings.computerName ?? hostname(),
    logicalProcessorCount: settings.logicalProcessorCount ?? Math.max(1, cpus().length),
    memoryCapacity: settings.memoryCapacity ?? totalmem(),
    virtualHardDiskPath: settings.virtualHardDiskPath ?? join(hvHome, 'Virtual Hard Disks'),
    virtualMachinePath: settings.virtualMachinePath ?? join(hvHome, 'Virtual Machines'),
    macAddressMinimum: settings.macAddressMinimum ?? '00155D380100',
    macAddressMaximum: settings.macAddressMaximum ?? '00155D3801FF',
  }
}

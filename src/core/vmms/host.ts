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
  /** How often running VMs' workers save their resource-metering figures, in seconds. */
  resourceMeteringSaveIntervalSeconds: number
}

/**
 * The emulated host's processor clock, in MHz: what Measure-VM's AvgCPU
 * multiplies a VM's share of a logical processor by. It is the rate the
 * guest is told its TSC counts at (the hypervisor's NOMINAL_TSC_FREQUENCY_HZ,
 * the TSC_FREQUENCY MSR), so a guest and its meter agree on the clock.
 */
export const PROCESSOR_CLOCK_MHZ = 100

/**
 * Set-VMHost -ResourceMeteringSaveInterval: Hyper-V's default is an hour and
 * its range one to 24 hours; hv also takes intervals down to a second, so a
 * demonstration or a test can watch a save happen.
 */
export const RESOURCE_METERING_SAVE_INTERVAL = {defaultSeconds: 3600, minimumSeconds: 1, maximumSeconds: 24 * 3600} as const

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
    resourceMeteringSaveIntervalSeconds: settings.resourceMeteringSaveIntervalSeconds ?? RESOURCE_METERING_SAVE_INTERVAL.defaultSeconds,
  }
}

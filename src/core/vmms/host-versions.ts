import {InvalidStateError} from '../errors.js'
import type {StoreDocument, VmRecord} from '../store/schema.js'
import {logEvent} from './event-log.js'
import {DEFAULT_VM_VERSION, SUPPORTED_VM_VERSIONS} from './host.js'
import {checkTransition} from './state-machine.js'

/** Get-VMHostSupportedVersion's VMHostSupportedVersion object. */
export interface HostSupportedVersion {
  name: string
  version: string
  isDefault: boolean
}

/** The Windows release that introduced each configuration version, as Get-VMHostSupportedVersion names them. */
const VERSION_NAMES: Record<(typeof SUPPORTED_VM_VERSIONS)[number], string> = {
  '5.0': 'Microsoft Windows 8.1/Server 2012 R2',
  '6.2': 'Microsoft Windows 10 1507/Server 2016 Technical Preview 3',
  '7.0': 'Microsoft Windows 10 1511/Server 2016 Technical Preview 4',
  '7.1': 'Microsoft Windows Server 2016 Technical Preview 5',
  '8.0': 'Microsoft Windows 10 Anniversary Update/Server 2016',
  '8.1': 'Microsoft Windows 10 Creators Update',
  '8.2': 'Microsoft Windows 10 Fall Creators Update/Server 1709',
  '8.3': 'Microsoft Windows 10 April 2018 Update/Server 1803',
  '9.0': 'Microsoft Windows 10 October 2018 Update/Server 2019',
  '9.1': 'Microsoft Windows 10 May 2019 Update/Server 1903',
  '9.2': 'Microsoft Windows 10 May 2020 Update/Server 2004',
  '9.3': 'Microsoft Windows 10 October 2020 Update/Server 20H2',
  '10.0': 'Microsoft Windows Server 2022',
}

export function hostSupportedVersions(defaultOnly = false): HostSupportedVersion[] {
  const all = SUPPORTED_VM_VERSIONS.map((version) => ({name: VERSION_NAMES[version], version, isDefault: version === DEFAULT_VM_VERSION}))
  return defaultOnly ? all.filter((v) => v.isDefault) : all
}

/** Versions compare numerically by part ("10.0" is newer than "9.3"). */
export function compareVersions(a: string, b: string): number {
  const [aMajor, aMinor = 0] = a.split('.').map(Number)
  const [bMajor, bMinor = 0] = b.split('.').map(Number)
  return aMajor - bMajor || aMinor - bMinor
}

/**
 * Update-VMVersion for one VM, inside a store update: an Off VM's configuration
 * version becomes the host's default. Its checkpoints' configurations are
 * upgraded with it, so that applying one cannot take the VM back to a version
 * it has left (the upgrade cannot be undone).
 */
export function upgradeVmVersion(doc: StoreDocument, vm: VmRecord): void {
  checkTransition(vm, 'upgrade-version')
  if (compareVersions(vm.version, DEFAULT_VM_VERSION) >= 0) {
    throw new InvalidStateError(
      `The configuration version of '${vm.name}' (${vm.version}) is already the highest version this host supports (${DEFAULT_VM_VERSION}); there is nothing to update.`,
    )
  }
  const from = vm.version
  vm.version = DEFAULT_VM_VERSION
  for (const checkpoint of doc.checkpoints) {
    if (checkpoint.vmId === vm.id) checkpoint.configuration.version = DEFAULT_VM_VERSION
  }
  logEvent(doc, vm, `The configuration version of '${vm.name}' was updated from ${from} to ${DEFAULT_VM_VERSION}.`)
}

import {statSync} from 'node:fs'
import {isAbsolute} from 'node:path'

import {InvalidArgumentError} from '../errors.js'
import type {VmSettings} from '../store/schema.js'
import {MB, validateRange} from './validation.js'

/**
 * Set-VM's settings beyond processor and memory: their rules, in one place.
 * The MMIO spaces and the cache types are hardware (they change only while the
 * VM is off, as Hyper-V requires); the rest change at any time.
 */

const HARDWARE: ReadonlyArray<keyof VmSettings> = ['lowMemoryMappedIoSpace', 'highMemoryMappedIoSpace', 'guestControlledCacheTypes']

/** Whether a change touches a setting that needs the VM off. */
export function settingsNeedOff(changes: Partial<VmSettings> | undefined): boolean {
  return HARDWARE.some((key) => changes?.[key] !== undefined)
}

/** Hyper-V's ranges: the low (32-bit) MMIO gap from 128 MB to 3.5 GB, the high one from 4 MB to 1 TB (hv's bound), whole MB. */
const LOW_MMIO = {min: 128 * MB, max: 3584 * MB}
const HIGH_MMIO = {min: 4 * MB, max: 1024 * 1024 * MB}

/** Checks the settings a change leads to; the paths it changes must exist unless -AllowUnverifiedPaths. */
export function validateVmSettings(settings: VmSettings, changes: Partial<VmSettings>, allowUnverifiedPaths: boolean): VmSettings {
  for (const [parameter, key] of [['SnapshotFileLocation', 'snapshotFileLocation'], ['SmartPagingFilePath', 'smartPagingFilePath']] as const) {
    const path = changes[key]
    if (path === undefined) continue
    if (!isAbsolute(path)) throw new InvalidArgumentError(`Cannot validate argument on parameter '${parameter}'. The path '${path}' is not an absolute path.`)
    // -AllowUnverifiedPaths is how Hyper-V takes a path it cannot see (a cluster share): hv skips the check too.
    if (!allowUnverifiedPaths && !isDirectory(path)) {
      throw new InvalidArgumentError(
        `Cannot validate argument on parameter '${parameter}'. The folder '${path}' does not exist: create it, or pass -AllowUnverifiedPaths.`,
      )
    }
  }
  validateRange('AutomaticCriticalErrorActionTimeout', settings.automaticCriticalErrorActionTimeout, 0, 2_147_483_647)
  for (const [parameter, value, range] of [
    ['LowMemoryMappedIoSpace', settings.lowMemoryMappedIoSpace, LOW_MMIO],
    ['HighMemoryMappedIoSpace', settings.highMemoryMappedIoSpace, HIGH_MMIO],
  ] as const) {
    validateRange(parameter, value, range.min, range.max)
    if (value % MB !== 0) {
      throw new InvalidArgumentError(`Cannot validate argument on parameter '${parameter}'. ${value} bytes is not a whole number of megabytes.`)
    }
  }
  return settings
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory()
  } catch {
    return false
  }
}

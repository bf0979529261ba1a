/**
 * The shape of the store document and how older shapes become the current one.
 * Field names are camelCase here; the command line presents them with the
 * cmdlets' PascalCase property names.
 */

export const SCHEMA_VERSION = 1

export const VM_STATES = [
  'Off', 'Running', 'Paused', 'Saved', 'Starting', 'Stopping', 'Saving', 'Pausing', 'Resuming', 'Reset', 'Other',
  'RunningCritical', 'OffCritical', 'StoppingCritical', 'SavedCritical', 'PausedCritical', 'StartingCritical',
  'ResetCritical', 'SavingCritical', 'PausingCritical', 'ResumingCritical',
] as const
export type VmState = (typeof VM_STATES)[number]

export const AUTOMATIC_START_ACTIONS = ['Nothing', 'StartIfRunning', 'Start'] as const
export type AutomaticStartAction = (typeof AUTOMATIC_START_ACTIONS)[number]

export const AUTOMATIC_STOP_ACTIONS = ['TurnOff', 'Save', 'ShutDown'] as const
export type AutomaticStopAction = (typeof AUTOMATIC_STOP_ACTIONS)[number]

export const CHECKPOINT_TYPES = ['Disabled', 'Production', 'ProductionOnly', 'Standard'] as const
export type CheckpointType = (typeof CHECKPOINT_TYPES)[number]

export interface ProcessorSettings {
  count: number
  /** Percent of one logical processor per VP held in reserve, 0-100. */
  reserve: number
  /** Percent cap, 0-100. */
  maximum: number
  /** Scheduling weight against other VMs, 0-10000. */
  relativeWeight: number
  compatibilityForMigrationEnabled: boolean
  compatibilityForOlderOperatingSystemsEnabled: boolean
  exposeVirtualizationExtensions: boolean
}

export interface MemorySettings {
  /** Bytes. */
  startup: number
  dynamicMemoryEnabled: boolean
  minimum: number
  maximum: number
  /** Percent of extra memory dynamic memory tries to keep, 5-2000. */
  buffer: number
  /** Memory weight (the cmdlet's Priority), 0-100. */
  priority: number
}

export interface VmRecord {
  id: string
  name: string
  generation: 1 | 2
  version: string
  path: string
  notes: string
  creationTime: string
  state: VmState
  status: string
  processor: ProcessorSettings
  memory: MemorySettings
  automaticStartAction: AutomaticStartAction
  automaticStopAction: AutomaticStopAction
  /** Seconds. */
  automaticStartDelay: number
  checkpointType: CheckpointType
  automaticCheckpointsEnabled: boolean
}

/** Settings of the emulated host. Absent fields take the defaults in vmms/host.ts. */
export interface HostSettings {
  computerName?: string
  logicalProcessorCount?: number
  memoryCapacity?: number
  virtualHardDiskPath?: string
  virtualMachinePath?: string
  macAddressMinimum?: string
  macAddressMaximum?: string
}

export type EventLevel = 'Information' | 'Warning' | 'Error'

export interface EventRecord {
  id: number
  timeCreated: string
  level: EventLevel
  vmId: string | null
  vmName: string | null
  /** The OS user who ran the command, or the component (worker) that acted. */
  user: string
  message: string
}

export interface StoreDocument {
  schemaVersion: number
  host: HostSettings
  vms: VmRecord[]
  events: EventRecord[]
  nextEventId: number
}

export function emptyDocument(): StoreDocument {
  return {schemaVersion: SCHEMA_VERSION, host: {}, vms: [], events: [], nextEventId: 1}
}

/**
 * Migrations: MIGRATIONS[n] turns a version-n document into version n+1. The
 * store applies them in order on read; the result is written on the next update.
 */
export const MIGRATIONS: Record<number, (doc: Record<string, unknown>) => Record<string, unknown>> = {
  // Version 0 was the unversioned prototype layout: vms and events only.
  0: (doc) => ({...emptyDocument(), ...doc, schemaVersion: 1}),
}

/** A structural check, enough to refuse a document that is JSON but not ours. */
export function describeShapeProblem(doc: unknown): string | null {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return 'the document is not a JSON object'
  const d = doc as Record<string, unknown>
  if (typeof d.schemaVersion !== 'number' || !Number.isInteger(d.schemaVersion) || d.schemaVersion < 0)
    return 'schemaVersion is missing or not a whole number'
  if (d.schemaVersion === SCHEMA_VERSION) {
    if (!Array.isArray(d.vms)) return '"vms" is not an array'
    if (!Array.isArray(d.events)) return '"events" is not an array'
    if (typeof d.host !== 'object' || d.host === null) return '"host" is not an object'
  }
  return null
}

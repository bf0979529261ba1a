/**
 * The shape of the store document and how older shapes become the current one.
 * Field names are camelCase here; the command line presents them with the
 * cmdlets' PascalCase property names.
 */

export const SCHEMA_VERSION = 4

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

/** What a VM starts from: a built-in guest, a Multiboot kernel file, or a raw BIOS ROM image. */
export type BootSource =
  | {kind: 'guest'; name: string}
  | {kind: 'kernel'; path: string; commandLine?: string}
  | {kind: 'firmware'; path: string}

export const TIME_MODES = ['Host', 'Deterministic'] as const
/** Host: guest time follows the host clock. Deterministic: it advances with executed instructions. */
export type TimeMode = (typeof TIME_MODES)[number]

export const TRIPLE_FAULT_ACTIONS = ['Reset', 'TurnOff'] as const
export type TripleFaultAction = (typeof TRIPLE_FAULT_ACTIONS)[number]

export const ON_OFF_STATES = ['On', 'Off'] as const
export type OnOffState = (typeof ON_OFF_STATES)[number]

/**
 * What one COM port (Get-VMComPort) is connected to: `path` is '' (nothing),
 * 'hv:console' (the VM's console log, which get-vmconsole and connect-vm use),
 * or the absolute path of the Unix socket the worker listens on (Hyper-V's
 * named pipe; `\\.\pipe\NAME` is stored already mapped to its socket path).
 */
/** The Path value that connects a COM port to hv's console log. */
export const COM_PORT_CONSOLE = 'hv:console'

export interface ComPortSettings {
  path: string
  /** Recorded only: Hyper-V's aid to the Windows kernel debugger. */
  debuggerMode: OnOffState
}

/** The worker process serving a running VM. */
export interface WorkerRecord {
  pid: number
  /** Local control socket (Unix domain socket, or named pipe on Windows). */
  socket: string
  startedAt: string
}

/** How the VM last stopped, so a script that waits for it learns the exit status even if it stopped at once. */
export interface StopRecord {
  reason: 'guest-power-off' | 'debug-exit' | 'turned-off' | 'saved' | 'shut-down' | 'triple-fault' | 'crashed'
  exitStatus: number
  message: string
  at: string
}

/** Files written by save-vm: guest memory (sparse) and the processor and device state. */
export interface SavedStateRecord {
  directory: string
  memoryFile: string
  stateFile: string
  /** Size of the state file and its SHA-256, checked before a restore. */
  stateBytes: number
  stateSha256: string
  memoryBytes: number
  memorySha256: string
  savedAt: string
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
  bootSource: BootSource | null
  timeMode: TimeMode
  tripleFaultAction: TripleFaultAction
  worker: WorkerRecord | null
  savedState: SavedStateRecord | null
  lastStop: StopRecord | null
  /**
   * Integration services switched on or off by name (Get-VMIntegrationService's
   * Enabled); a service not named here has its default (all on but Guest
   * Service Interface).
   */
  integrationServices: Record<string, boolean>
  /** The checkpoint the VM's current state derives from (Hyper-V's ParentCheckpointId), or null. */
  parentCheckpointId: string | null
  /** Its name, kept in step with renames so listing VMs needs no lookup. */
  parentCheckpointName: string | null
  /** COM1 and COM2, in that order. */
  comPorts: ComPortSettings[]
}

/** The kinds of checkpoint a VM can hold (Get-VMSnapshot's SnapshotType). */
export const SNAPSHOT_TYPES = ['Standard', 'Production'] as const
export type SnapshotType = (typeof SNAPSHOT_TYPES)[number]

/** The part of a VM's configuration a checkpoint keeps and applying it restores. */
export interface CheckpointConfiguration {
  generation: 1 | 2
  version: string
  notes: string
  processor: ProcessorSettings
  memory: MemorySettings
  bootSource: BootSource | null
  timeMode: TimeMode
  tripleFaultAction: TripleFaultAction
  /** Absent in checkpoints taken before COM ports were configurable: applying one keeps the VM's ports. */
  comPorts?: ComPortSettings[]
}

/**
 * Memory, processor and device state of a Standard checkpoint: a capture file
 * (JSON: machine state and the page table's chunk list) under the VM's
 * checkpoint folder, whose pages live in the VM's content-addressed pack files.
 */
export interface CheckpointCaptureRecord {
  /** File name relative to `<vm.path>/<VMId>/checkpoints/`. */
  file: string
  bytes: number
  sha256: string
  ramBytes: number
  /** Non-zero guest pages the checkpoint holds (most shared with other checkpoints). */
  pages: number
  /** Bytes this checkpoint added to disk when it was taken. */
  addedBytes: number
}

export interface CheckpointRecord {
  id: string
  vmId: string
  name: string
  snapshotType: SnapshotType
  creationTime: string
  parentCheckpointId: string | null
  /** Taken by AutomaticCheckpointsEnabled at start (IsAutomaticCheckpoint). */
  automatic: boolean
  /** The state the VM returns to when the checkpoint is applied: Saved with a capture, else Off. */
  state: 'Off' | 'Saved'
  configuration: CheckpointConfiguration
  capture: CheckpointCaptureRecord | null
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
  /** Every VM's checkpoints, in creation order. */
  checkpoints: CheckpointRecord[]
  events: EventRecord[]
  nextEventId: number
}

export function emptyDocument(): StoreDocument {
  return {schemaVersion: SCHEMA_VERSION, host: {}, vms: [], checkpoints: [], events: [], nextEventId: 1}
}

/**
 * Migrations: MIGRATIONS[n] turns a version-n document into version n+1. The
 * store applies them in order on read; the result is written on the next update.
 */
export const MIGRATIONS: Record<number, (doc: Record<string, unknown>) => Record<string, unknown>> = {
  // Version 0 was the unversioned prototype layout: vms and events only.
  0: (doc) => ({host: {}, vms: [], events: [], nextEventId: 1, ...doc, schemaVersion: 1}),
  // Version 2 gave VMs something to run: a boot source, a time mode, a worker and saved state.
  1: (doc) => ({
    ...doc,
    schemaVersion: 2,
    vms: (doc.vms as Record<string, unknown>[]).map((vm) => ({
      bootSource: null,
      timeMode: 'Host',
      tripleFaultAction: 'Reset',
      worker: null,
      savedState: null,
      lastStop: null,
      ...vm,
    })),
  }),
  // Version 3 added checkpoints: the tree in the document, and each VM's place in it.
  2: (doc) => ({
    ...doc,
    schemaVersion: 3,
    checkpoints: [],
    vms: (doc.vms as Record<string, unknown>[]).map((vm) => ({
      checkpointType: 'Production',
      automaticCheckpointsEnabled: true,
      parentCheckpointId: null,
      parentCheckpointName: null,
      integrationServices: {},
      ...vm,
    })),
  }),
  // Version 4 made the COM ports configurable: COM1 stays on the console log, COM2 is connected to nothing.
  3: (doc) => ({
    ...doc,
    schemaVersion: 4,
    vms: (doc.vms as Record<string, unknown>[]).map((vm) => ({comPorts: defaultComPorts(), ...vm})),
  }),
}

/** A new VM's COM ports: COM1 on hv's console log, COM2 connected to nothing. */
export function defaultComPorts(): ComPortSettings[] {
  return [{path: COM_PORT_CONSOLE, debuggerMode: 'Off'}, {path: '', debuggerMode: 'Off'}]
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
    if (!Array.isArray(d.checkpoints)) return '"checkpoints" is not an array'
    if (typeof d.host !== 'object' || d.host === null) return '"host" is not an object'
  }
  return null
}

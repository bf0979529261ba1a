/**
 * The shape of the store document and how older shapes become the current one.
 * Field names are camelCase here; the command line presents them with the
 * cmdlets' PascalCase property names.
 */

export const SCHEMA_VERSION = 5

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
  /** Threads per core the guest sees: 0 follows the host's SMT setting (recorded; hv shows one thread per core). */
  hwThreadCountPerCore: number
  /** NUMA topology limits the guest would be given (recorded: hv presents one node). */
  maximumCountPerNumaNode: number
  maximumCountPerNumaSocket: number
  /** Hyper-V's host resource protection (recorded). */
  enableHostResourceProtection: boolean
}

export const AUTOMATIC_CRITICAL_ERROR_ACTIONS = ['None', 'Pause'] as const
export type AutomaticCriticalErrorAction = (typeof AUTOMATIC_CRITICAL_ERROR_ACTIONS)[number]
export const ENHANCED_SESSION_TRANSPORT_TYPES = ['VMBus', 'HvSocket'] as const
export type EnhancedSessionTransportType = (typeof ENHANCED_SESSION_TRANSPORT_TYPES)[number]

/**
 * Set-VM's settings beyond processor and memory. Which of them hv honours and
 * which it only records is said in the README (Set-VM settings).
 */
export interface VmSettings {
  /** Where checkpoint files go (CheckpointFileLocation): `<this>/<VMId>/checkpoints/`. */
  snapshotFileLocation: string
  smartPagingFilePath: string
  automaticCriticalErrorAction: AutomaticCriticalErrorAction
  /** Minutes. */
  automaticCriticalErrorActionTimeout: number
  lockOnDisconnect: OnOffState
  guestControlledCacheTypes: boolean
  /** Bytes of 32-bit MMIO space below 4 GiB. */
  lowMemoryMappedIoSpace: number
  /** Bytes of 64-bit MMIO space above 4 GiB. */
  highMemoryMappedIoSpace: number
  enhancedSessionTransportType: EnhancedSessionTransportType
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

/** What a VM starts from: a built-in guest, a kernel file (Multiboot or a Linux bzImage, with its initrd), or a raw BIOS ROM image. */
export type BootSource =
  | {kind: 'guest'; name: string; commandLine?: string}
  | {kind: 'kernel'; path: string; commandLine?: string; initrd?: string}
  | {kind: 'firmware'; path: string}

export const TIME_MODES = ['Host', 'Deterministic'] as const
/** Host: guest time follows the host clock. Deterministic: it advances with executed instructions. */
export type TimeMode = (typeof TIME_MODES)[number]

export const TRIPLE_FAULT_ACTIONS = ['Reset', 'TurnOff'] as const
export type TripleFaultAction = (typeof TRIPLE_FAULT_ACTIONS)[number]

/** Set-VMBios -StartupOrder devices (Hyper-V's BootDevice enumeration as Generation 1 uses it). */
export const BIOS_BOOT_DEVICES = ['CD', 'IDE', 'LegacyNetworkAdapter', 'Floppy'] as const
export type BiosBootDevice = (typeof BIOS_BOOT_DEVICES)[number]

export const ON_OFF_STATES = ['On', 'Off'] as const
export type OnOffState = (typeof ON_OFF_STATES)[number]

export const CONSOLE_MODES = ['Default', 'COM1', 'COM2', 'None'] as const
export type ConsoleMode = (typeof CONSOLE_MODES)[number]

export const NETWORK_BOOT_PROTOCOLS = ['IPv4', 'IPv6'] as const
export type NetworkBootProtocol = (typeof NETWORK_BOOT_PROTOCOLS)[number]

/** A boot entry of a Generation 2 VM's firmware (Hyper-V's VMBootSource). */
export interface BootEntryRecord {
  bootType: 'Drive' | 'Network' | 'File'
  /** The device the entry boots, in hv's device-reference spelling (see vmms/firmware/boot-order.ts). */
  device: string
  description: string
  firmwarePath: string
}

/** Generation 1: the BIOS settings Get-VMBios shows. */
export interface BiosSettings {
  kind: 'bios'
  startupOrder: BiosBootDevice[]
  numLockEnabled: boolean
}

/** Generation 2: the UEFI settings Get-VMFirmware shows. Secure Boot is recorded only: hv has no UEFI. */
export interface UefiSettings {
  kind: 'uefi'
  secureBoot: OnOffState
  secureBootTemplateId: string
  /** The boot entries of the VM's drives and network adapters, in boot order. */
  bootOrder: BootEntryRecord[]
  /**
   * New-VM -BootDevice on Generation 2 names a kind of device; Hyper-V creates it
   * at once. hv's drives and adapters come later: the first one of this kind to be
   * attached goes to the front of the boot order (see placeBootEntry).
   */
  firstBootDeviceKind: 'CD' | 'VHD' | 'NetworkAdapter' | null
  consoleMode: ConsoleMode
  pauseAfterBootFailure: OnOffState
  preferredNetworkBootProtocol: NetworkBootProtocol
}

export type FirmwareSettings = BiosSettings | UefiSettings

export const RESOLUTION_TYPES = ['Maximum', 'Single', 'Default'] as const
export type ResolutionType = (typeof RESOLUTION_TYPES)[number]

/** Set-VMVideo's settings of the synthetic display (recorded: hv has no display). */
export interface VideoSettings {
  resolutionType: ResolutionType
  horizontalResolution: number
  verticalResolution: number
}

/** The Path value that connects a COM port to hv's console log. */
export const COM_PORT_CONSOLE = 'hv:console'

/**
 * What one COM port (Get-VMComPort) is connected to: `path` is '' (nothing),
 * 'hv:console' (the VM's console log, which get-vmconsole and connect-vm use),
 * or the absolute path of the Unix socket the worker listens on (Hyper-V's
 * named pipe; `\\.\pipe\NAME` is stored already mapped to its socket path).
 */
export interface ComPortSettings {
  path: string
  /** Recorded only: Hyper-V's aid to the Windows kernel debugger. */
  debuggerMode: OnOffState
}

/** Where a drive hangs: Generation 1's two IDE controllers, or a SCSI controller (Generation 2's only kind). */
export const CONTROLLER_TYPES = ['IDE', 'SCSI'] as const
export type ControllerType = (typeof CONTROLLER_TYPES)[number]

export type DriveKind = 'HardDisk' | 'DvdDrive'

/** One drive of a VM: a hard disk drive with its image, or a DVD drive with an ISO image or none. */
export interface DriveSettings {
  kind: DriveKind
  controllerType: ControllerType
  controllerNumber: number
  controllerLocation: number
  /** The VHD/VHDX image of a hard disk drive; the ISO image in a DVD drive, or null when it is empty. */
  path: string | null
  /** The drive's instance (a GUID), the middle of its Hyper-V Id. */
  id: string
}

/** A VM's storage configuration, as Hyper-V's lists controllers and drives. */
export interface StorageSettings {
  /** SCSI controllers by number: the instance GUID each one's VMBus channel is offered with. */
  scsiControllers: string[]
  drives: DriveSettings[]
  /** Generation 1's floppy drive: its .vfd image, or null when it is empty. */
  floppyPath: string | null
}

/**
 * A plug-in VDev of a VM: a device kind from an ES module outside hv (see
 * src/core/devices/device-kind.ts), with the configuration its parseConfig()
 * accepted when it was added.
 */
export interface PluginDeviceSettings {
  /** Unique in the VM. */
  name: string
  /** Absolute path of the module. */
  path: string
  /** The kind's id ("vendor.name") when it was added. */
  kind: string
  /** JSON, as given to the kind. */
  config: unknown
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
  reason: 'guest-power-off' | 'debug-exit' | 'turned-off' | 'saved' | 'shut-down' | 'triple-fault' | 'guest-crash' | 'crashed'
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
  settings: VmSettings
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
  /** BIOS (Generation 1) or UEFI (Generation 2) settings and boot order. */
  firmware: FirmwareSettings
  video: VideoSettings
  /** Enable-VMResourceMetering's figures; null while metering is off (Get-VM's ResourceMeteringEnabled). */
  resourceMetering: ResourceMeteringRecord | null
  /** COM1 and COM2, in that order. */
  comPorts: ComPortSettings[]
  /** Controllers and drives. */
  storage: StorageSettings
  /** Plug-in devices; absent (none) in records written before VMs could have them. */
  pluginDevices?: PluginDeviceSettings[]
}

/**
 * What resource metering has gathered since it was enabled or last reset. The
 * figures are sums over the time the VM ran (Running or Paused): averages are
 * these sums divided by meteredMs, so samples may come at any pace and a
 * worker that restarts adds to them. The worker merges what it measured into
 * this record at the host's ResourceMeteringSaveInterval and when it stops.
 */
export interface ResourceMeteringRecord {
  /** New at every enable and reset: a worker's figures from before a reset are not added after it. */
  epoch: string
  /** When metering was enabled or last reset. */
  since: string
  /** Milliseconds metered: the time the VM ran since then (MeteringDuration). */
  meteredMs: number
  /** Processor use summed over time, MHz x ms. */
  processorMhzMs: number
  /** Memory assigned summed over time, MB x ms. */
  memoryMbMs: number
  /** The least and most memory assigned while metered, in MB; null before the VM has run metered. */
  minimumMemoryMb: number | null
  maximumMemoryMb: number | null
  /** The most disk capacity allocated to the VM while metered, in MB (TotalDiskAllocation). */
  maximumDiskAllocationMb: number
  /** I/O per virtual hard disk (HardDiskMetrics). */
  disks: DiskMeteringRecord[]
  /** Traffic per network adapter, direction and remote address (NetworkMeteredTrafficReport). */
  networkTraffic: NetworkMeteringRecord[]
}

export interface DiskMeteringRecord {
  /** The virtual hard disk's path: what identifies it across worker restarts. */
  path: string
  /** I/Os counted in 8 KB units, as Hyper-V normalizes them. */
  normalizedIoCount: number
  /** I/Os as issued, and their latencies summed, for the average latency. */
  ioCount: number
  latencyMsTotal: number
  dataReadBytes: number
  dataWrittenBytes: number
}

export interface NetworkMeteringRecord {
  adapterId: string
  adapterName: string
  direction: 'Inbound' | 'Outbound'
  localAddress: string
  remoteAddress: string
  bytes: number
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
  settings: VmSettings
  bootSource: BootSource | null
  timeMode: TimeMode
  tripleFaultAction: TripleFaultAction
  firmware: FirmwareSettings
  video: VideoSettings
  /** Absent in checkpoints taken before COM ports were configurable: applying one keeps the VM's ports. */
  comPorts?: ComPortSettings[]
  /** Absent in checkpoints taken before VMs had drives: applying one keeps the VM's. */
  storage?: StorageSettings
  /** Absent in checkpoints taken before VMs had plug-in devices: applying one keeps the VM's. */
  pluginDevices?: PluginDeviceSettings[]
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
  /** Seconds between the workers' saves of resource-metering figures (Set-VMHost -ResourceMeteringSaveInterval). */
  resourceMeteringSaveIntervalSeconds?: number
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
  // Version 4: the Set-VM and Set-VMProcessor settings real automation passes, and the firmware (BIOS or
  // UEFI, with the boot order) and video settings, to VMs and checkpoints; resource metering (off) and the COM
  // ports (COM1 on the console log, COM2 on nothing, as before) to VMs.
  3: (doc) => {
    type Processor = Record<string, unknown>
    const vms = (doc.vms as Array<Record<string, unknown> & {id: string; path: string; processor: Processor}>).map((vm) => withFirmwareDefaults({
      settings: defaultVmSettings(vm.path),
      resourceMetering: null,
      comPorts: defaultComPorts(),
      ...vm,
      processor: {...defaultProcessorAdditions(), ...vm.processor},
    }))
    const pathOf = new Map(vms.map((vm) => [vm.id, vm.path]))
    const checkpoints = ((doc.checkpoints ?? []) as Array<Record<string, unknown> & {vmId: string; configuration: {processor: Processor}}>).map((c) => ({
      ...c,
      configuration: withFirmwareDefaults({
        settings: defaultVmSettings(pathOf.get(c.vmId) ?? '.'),
        ...c.configuration,
        processor: {...defaultProcessorAdditions(), ...c.configuration.processor},
      }),
    }))
    return {...doc, schemaVersion: 4, vms, checkpoints}
  },
  // Version 5: controllers and drives, as a new VM of the generation has them (Generation 1: an empty DVD drive
  // on IDE 1:0; Generation 2: one SCSI controller).
  4: (doc) => ({
    ...doc,
    schemaVersion: 5,
    vms: (doc.vms as Array<Record<string, unknown>>).map((vm) => ({storage: defaultStorage(vm.generation === 2 ? 2 : 1), ...vm})),
  }),
}

/** A new VM's controllers and drives, as New-VM gives them: Generation 1 an empty DVD drive at IDE 1:0, Generation 2 one SCSI controller. */
export function defaultStorage(generation: 1 | 2): StorageSettings {
  if (generation === 2) return {scsiControllers: [globalThis.crypto.randomUUID()], drives: [], floppyPath: null}
  return {
    scsiControllers: [],
    drives: [{kind: 'DvdDrive', controllerType: 'IDE', controllerNumber: 1, controllerLocation: 0, path: null, id: globalThis.crypto.randomUUID()}],
    floppyPath: null,
  }
}

/** Defaults of what schema 4 added to the processor settings. */
export function defaultProcessorAdditions(): Pick<ProcessorSettings, 'hwThreadCountPerCore' | 'maximumCountPerNumaNode' | 'maximumCountPerNumaSocket' | 'enableHostResourceProtection'> {
  return {hwThreadCountPerCore: 0, maximumCountPerNumaNode: 240, maximumCountPerNumaSocket: 1, enableHostResourceProtection: false}
}

/** Defaults of Set-VM's other settings for a VM whose files are under `path`, as Hyper-V's. */
export function defaultVmSettings(path: string): VmSettings {
  return {
    snapshotFileLocation: path,
    smartPagingFilePath: path,
    automaticCriticalErrorAction: 'Pause',
    automaticCriticalErrorActionTimeout: 30,
    lockOnDisconnect: 'Off',
    guestControlledCacheTypes: false,
    lowMemoryMappedIoSpace: 128 * 1024 * 1024,
    highMemoryMappedIoSpace: 512 * 1024 * 1024,
    enhancedSessionTransportType: 'VMBus',
  }
}

/** Hyper-V's settings for a new VM of the generation: BIOS order CD, IDE, network, floppy; UEFI with Secure Boot on. */
export function defaultFirmware(generation: 1 | 2): FirmwareSettings {
  if (generation === 1) return {kind: 'bios', startupOrder: [...BIOS_BOOT_DEVICES], numLockEnabled: false}
  return {
    kind: 'uefi',
    secureBoot: 'On',
    secureBootTemplateId: MICROSOFT_WINDOWS_TEMPLATE_ID,
    bootOrder: [],
    firstBootDeviceKind: null,
    consoleMode: 'Default',
    pauseAfterBootFailure: 'Off',
    preferredNetworkBootProtocol: 'IPv4',
  }
}

/** The MicrosoftWindows Secure Boot template, Hyper-V's default. */
export const MICROSOFT_WINDOWS_TEMPLATE_ID = '1734c6e8-3154-4dda-ba5f-a874cc483422'

export function defaultVideo(): VideoSettings {
  return {resolutionType: 'Maximum', horizontalResolution: 1024, verticalResolution: 768}
}

/** Fill in firmware and video settings a record (VM or checkpoint configuration, from an older store or export) lacks. */
export function withFirmwareDefaults<T extends object>(record: T): T {
  const generation = (record as {generation?: unknown}).generation === 2 ? 2 : 1
  return {firmware: defaultFirmware(generation), video: defaultVideo(), ...record}
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

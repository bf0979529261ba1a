import {mkdirSync} from 'node:fs'
import {dirname, isAbsolute, join, resolve} from 'node:path'

import {InvalidArgumentError, InvalidStateError} from '../errors.js'
import {resolveHvHome} from '../store/paths.js'
import {
  defaultProcessorAdditions, defaultVmSettings,
  type AutomaticStartAction, type AutomaticStopAction, type BootSource, type CheckpointType, type EventRecord, type HostSettings,
  type MemorySettings, type ProcessorSettings, type StoreDocument, type TimeMode, type TripleFaultAction, type VmRecord,
  type VmSettings,
} from '../store/schema.js'
import {defaultComPorts, defaultFirmware, defaultStorage, defaultVideo} from '../store/schema.js'
import {Store} from '../store/store.js'
import {validateBootSource} from './boot-source.js'
import {CheckpointService} from './checkpoints/checkpoint-service.js'
import {ComPortService} from './com-port-service.js'
import {checkpointDirectory} from './checkpoints/files.js'
import {ExportImportService} from './export-import/export-import-service.js'
import {ResourceMeteringService, validateSaveInterval} from './metering/metering-service.js'
import {logEvent} from './event-log.js'
import {applyNewVmBootDevice, type NewVmBootDevice} from './firmware/boot-order.js'
import {FirmwareService} from './firmware/firmware-service.js'
import {DriveService} from './storage/drive-service.js'
import {storageOf} from './storage/controllers.js'
import {VirtualDiskService} from './storage/virtual-disk-service.js'
import {upgradeVmVersion} from './host-versions.js'
import {DEFAULT_VM_VERSION, resolveHost, SUPPORTED_VM_VERSIONS, type ResolvedHost} from './host.js'
import {applyGiven} from './described-change.js'
import {checkTransition} from './state-machine.js'
import {settingsNeedOff, validateVmSettings} from './vm-settings.js'
import {
  MB, validateGeneration, validateMacAddress, validateMemory, validateProcessor, validateRange, validateVmName,
} from './validation.js'
import {VmLifecycle} from './vm-lifecycle.js'
import {GuestServices} from './guest-services.js'
import {selectVms, type VmSelector} from './vm-selection.js'
import {nameMatches} from './wildcard.js'
import {PluginDeviceService} from './plugin-device-service.js'

export interface NewVmOptions {
  name?: string
  memoryStartupBytes?: number
  generation?: number
  /** Folder under which a folder named after the VM holds its files. */
  path?: string
  version?: string
  bootSource?: BootSource
  timeMode?: TimeMode
  /** New-VM -BootDevice: the device class (Generation 1) or device kind (Generation 2) that boots first. */
  bootDevice?: NewVmBootDevice
  /**
   * New-VM -NewVHDPath and -NewVHDSizeBytes: a new dynamic disk (relative paths under the host's
   * VirtualHardDiskPath) on the boot controller, IDE 0:0 or SCSI 0:0. -VHDPath attaches an existing one there.
   */
  newVhdPath?: string
  newVhdSizeBytes?: number
  vhdPath?: string
}

export interface VmChanges {
  newName?: string
  processorCount?: number
  memoryStartupBytes?: number
  dynamicMemory?: boolean
  memoryMinimumBytes?: number
  memoryMaximumBytes?: number
  automaticStartAction?: AutomaticStartAction
  automaticStopAction?: AutomaticStopAction
  automaticStartDelay?: number
  checkpointType?: CheckpointType
  automaticCheckpointsEnabled?: boolean
  notes?: string
  /** null removes the boot source. */
  bootSource?: BootSource | null
  timeMode?: TimeMode
  tripleFaultAction?: TripleFaultAction
  /** Set-VM's other settings (SnapshotFileLocation, LowMemoryMappedIoSpace, ...). */
  settings?: Partial<VmSettings>
  /** -AllowUnverifiedPaths: take the paths without checking that they exist. */
  allowUnverifiedPaths?: boolean
}

export type ProcessorChanges = Partial<ProcessorSettings>

export interface MemoryChanges {
  dynamicMemoryEnabled?: boolean
  startupBytes?: number
  minimumBytes?: number
  maximumBytes?: number
  buffer?: number
  priority?: number
}

/** Every host setting but the computer name can be changed. */
export type HostChanges = Omit<HostSettings, 'computerName'>

export interface EventQuery {
  vmNames?: string[]
  maxEvents?: number
}

export const DEFAULT_VM_NAME = 'New Virtual Machine'
export const DEFAULT_MEMORY_STARTUP = 512 * MB
/** Hyper-V's dynamic-memory defaults for a new VM. */
const DEFAULT_MEMORY_MINIMUM = 512 * MB
const DEFAULT_MEMORY_MAXIMUM = 1024 * 1024 * MB

/**
 * The Virtual Machine Management Service: the one API the commands talk to.
 * It owns VM configuration, the state machine and the event log; every change
 * is one store update, so it is validated completely before anything is written.
 */
export class Vmms {
  /** Starting, stopping, saving and pausing VMs: the side that talks to worker processes. */
  readonly lifecycle: VmLifecycle
  /** Integration services: settings, status, key-value exchange. */
  readonly guestServices: GuestServices
  /** Checkpoint-VM and the VMSnapshot cmdlets. */
  readonly checkpoints: CheckpointService
  /** Export-VM and Import-VM. */
  readonly transfer: ExportImportService
  /** Enable-, Disable-, Reset-VMResourceMetering and Measure-VM. */
  readonly metering: ResourceMeteringService
  /** Firmware (BIOS or UEFI) and video settings. */
  readonly firmware: FirmwareService
  /** Get-VMComPort and Set-VMComPort. */
  readonly comPorts: ComPortService
  /** New-VHD, Get-VHD and the other virtual hard disk cmdlets (Hyper-V's Image Management Service). */
  readonly disks: VirtualDiskService
  /** VMs' controllers and drives. */
  readonly drives: DriveService
  /** Plug-in VDevs in VMs' configurations. */
  readonly pluginDevices: PluginDeviceService

  constructor(readonly store: Store) {
    this.lifecycle = new VmLifecycle(store)
    this.guestServices = new GuestServices(store)
    this.checkpoints = new CheckpointService(store)
    this.transfer = new ExportImportService(store)
    this.metering = new ResourceMeteringService(store)
    this.firmware = new FirmwareService(store)
    this.comPorts = new ComPortService(store)
    this.disks = new VirtualDiskService(store)
    this.drives = new DriveService(store, this.disks)
    this.pluginDevices = new PluginDeviceService(store)
  }

  static open(home: string = resolveHvHome()): Vmms {
    return new Vmms(new Store(home))
  }

  // ---- virtual machines -------------------------------------------------

  async newVm(options: NewVmOptions): Promise<VmRecord> {
    return this.store.update((doc) => {
      const host = this.host(doc)
      const name = options.name ?? DEFAULT_VM_NAME
      validateVmName(name)
      const generation = options.generation ?? 1
      validateGeneration(generation)
      const version = options.version ?? DEFAULT_VM_VERSION
      if (!(SUPPORTED_VM_VERSIONS as readonly string[]).includes(version)) {
        throw new InvalidArgumentError(
          `'${version}' is not a supported virtual machine configuration version. Supported versions: ${SUPPORTED_VM_VERSIONS.join(', ')}.`,
        )
      }
      if (options.bootSource) validateBootSource(options.bootSource)
      if (options.path !== undefined && !isAbsolute(options.path)) {
        throw new InvalidArgumentError(`The path '${options.path}' is not an absolute path.`)
      }
      const memory: MemorySettings = {
        startup: options.memoryStartupBytes ?? DEFAULT_MEMORY_STARTUP,
        dynamicMemoryEnabled: false,
        minimum: Math.min(DEFAULT_MEMORY_MINIMUM, options.memoryStartupBytes ?? DEFAULT_MEMORY_STARTUP),
        maximum: DEFAULT_MEMORY_MAXIMUM,
        buffer: 20,
        priority: 50,
      }
      validateMemory(name, memory, host, generation)
      const path = options.path === undefined ? host.virtualMachinePath : join(options.path, name)
      const vm: VmRecord = {
        // The Web Crypto global: node:crypto itself costs start-up time on every command.
        id: globalThis.crypto.randomUUID(),
        name,
        generation,
        version,
        path,
        notes: '',
        creationTime: new Date().toISOString(),
        state: 'Off',
        status: 'Operating normally',
        processor: {
          count: 1, reserve: 0, maximum: 100, relativeWeight: 100,
          compatibilityForMigrationEnabled: false, compatibilityForOlderOperatingSystemsEnabled: false,
          exposeVirtualizationExtensions: false,
          ...defaultProcessorAdditions(),
        },
        memory,
        settings: defaultVmSettings(path),
        automaticStartAction: 'StartIfRunning',
        automaticStopAction: 'Save',
        automaticStartDelay: 0,
        checkpointType: 'Production',
        // Hyper-V's default for new VMs (see checkpoints/automatic.ts for what it does).
        automaticCheckpointsEnabled: true,
        bootSource: options.bootSource ?? null,
        timeMode: options.timeMode ?? 'Host',
        tripleFaultAction: 'Reset',
        worker: null,
        savedState: null,
        lastStop: null,
        parentCheckpointId: null,
        parentCheckpointName: null,
        integrationServices: {},
        firmware: defaultFirmware(generation),
        video: defaultVideo(),
        resourceMetering: null,
        comPorts: defaultComPorts(),
        storage: defaultStorage(generation),
      }
      if (options.bootDevice) applyNewVmBootDevice(vm, options.bootDevice)
      this.attachNewVmDisk(doc, vm, host.virtualHardDiskPath, options)
      doc.vms.push(vm)
      logEvent(doc, vm, `Virtual machine '${name}' was created (Generation ${generation}, ${memory.startup / MB} MB, version ${version}${vm.bootSource ? `, boots ${describeBootSource(vm.bootSource)}` : ''}).`)
      return vm
    })
  }

  /**
   * New-VM's disk: a new one (-NewVHDPath, made last, once everything else about the VM is known to be
   * right) or an existing one (-VHDPath), on IDE 0:0 (Generation 1) or SCSI 0:0 (Generation 2).
   */
  private attachNewVmDisk(doc: StoreDocument, vm: VmRecord, defaultFolder: string, options: NewVmOptions): void {
    if (options.newVhdPath === undefined && options.vhdPath === undefined) {
      if (options.newVhdSizeBytes !== undefined) throw new InvalidArgumentError('-NewVHDSizeBytes goes with -NewVHDPath.')
      return
    }
    if (options.newVhdPath !== undefined && options.vhdPath !== undefined) throw new InvalidArgumentError('Give -NewVHDPath or -VHDPath, not both.')
    const slot = vm.generation === 1
      ? {controllerType: 'IDE' as const, controllerNumber: 0, controllerLocation: 0}
      : {controllerType: 'SCSI' as const, controllerNumber: 0, controllerLocation: 0}
    let path: string
    if (options.vhdPath !== undefined) {
      path = resolve(options.vhdPath)
      const test = this.disks.test(path)
      if (!test.valid) throw new InvalidArgumentError(`The virtual hard disk '${path}' cannot be used: ${test.problem}`)
      const holder = doc.vms.find((other) => storageOf(other).drives.some((d) => d.kind === 'HardDisk' && d.path === path))
      if (holder) throw new InvalidArgumentError(`The virtual hard disk '${path}' is already attached to '${holder.name}'.`)
    } else {
      if (options.newVhdSizeBytes === undefined) throw new InvalidArgumentError('Cannot process command because of one or more missing mandatory parameters: NewVHDSizeBytes.')
      path = resolve(defaultFolder, options.newVhdPath!)
      if (path.startsWith(defaultFolder)) mkdirSync(dirname(path), {recursive: true})
      path = this.disks.create({path, type: 'Dynamic', sizeBytes: options.newVhdSizeBytes}).path
    }
    storageOf(vm).drives.push({kind: 'HardDisk', ...slot, path, id: globalThis.crypto.randomUUID()})
  }

  async getVms(selector: VmSelector = {}): Promise<VmRecord[]> {
    let doc = await this.store.read()
    // A worker that died leaves its VM claiming to run: record the truth first.
    if (await this.lifecycle.reconcile(doc)) doc = await this.store.read()
    return selectVms(doc.vms, selector)
  }

  async setVm(selector: VmSelector, changes: VmChanges): Promise<VmRecord[]> {
    return this.mutateVms(selector, (vm, doc) => {
      const host = this.host(doc)
      const described: string[] = []
      const hardware =
        changes.processorCount !== undefined || changes.memoryStartupBytes !== undefined ||
        changes.dynamicMemory !== undefined || changes.memoryMinimumBytes !== undefined ||
        changes.memoryMaximumBytes !== undefined || changes.bootSource !== undefined || changes.timeMode !== undefined ||
        settingsNeedOff(changes.settings)
      if (hardware) checkTransition(vm, 'reconfigure-hardware')
      if (changes.newName !== undefined) {
        validateVmName(changes.newName, 'NewVMName')
        described.push(`name '${vm.name}' -> '${changes.newName}'`)
        vm.name = changes.newName
      }
      if (changes.processorCount !== undefined) {
        const processor = {...vm.processor, count: changes.processorCount}
        validateProcessor(vm.name, processor, host)
        vm.processor = processor
        described.push(`ProcessorCount ${processor.count}`)
      }
      const memory = {...vm.memory}
      if (changes.memoryStartupBytes !== undefined) memory.startup = changes.memoryStartupBytes
      if (changes.dynamicMemory !== undefined) memory.dynamicMemoryEnabled = changes.dynamicMemory
      if (changes.memoryMinimumBytes !== undefined) memory.minimum = changes.memoryMinimumBytes
      if (changes.memoryMaximumBytes !== undefined) memory.maximum = changes.memoryMaximumBytes
      if (hardware) {
        validateMemory(vm.name, memory, host, vm.generation)
        vm.memory = memory
        described.push(`memory ${describeMemory(memory)}`)
      }
      applyGiven(vm, 'automaticStartAction', changes.automaticStartAction, 'AutomaticStartAction', described)
      applyGiven(vm, 'automaticStopAction', changes.automaticStopAction, 'AutomaticStopAction', described)
      if (changes.automaticStartDelay !== undefined) {
        validateRange('AutomaticStartDelay', changes.automaticStartDelay, 0, 2_147_483)
        vm.automaticStartDelay = changes.automaticStartDelay
        described.push(`AutomaticStartDelay ${changes.automaticStartDelay}`)
      }
      applyGiven(vm, 'checkpointType', changes.checkpointType, 'CheckpointType', described)
      applyGiven(vm, 'automaticCheckpointsEnabled', changes.automaticCheckpointsEnabled, 'AutomaticCheckpointsEnabled', described)
      if (changes.notes !== undefined) {
        vm.notes = changes.notes
        described.push('Notes')
      }
      if (changes.bootSource !== undefined) {
        if (changes.bootSource) validateBootSource(changes.bootSource)
        vm.bootSource = changes.bootSource
        described.push(`boot source ${describeBootSource(changes.bootSource)}`)
      }
      applyGiven(vm, 'timeMode', changes.timeMode, 'TimeMode', described)
      applyGiven(vm, 'tripleFaultAction', changes.tripleFaultAction, 'TripleFaultAction', described)
      if (changes.settings) {
        const settings = definedOnly(changes.settings)
        if (settings.snapshotFileLocation !== undefined && settings.snapshotFileLocation !== vm.settings.snapshotFileLocation &&
          doc.checkpoints.some((c) => c.vmId === vm.id)) {
          throw new InvalidStateError(
            `The checkpoint file location of '${vm.name}' cannot change while it has checkpoints: their files stay where they are. Remove its checkpoints first.`,
          )
        }
        vm.settings = validateVmSettings({...vm.settings, ...settings}, settings, changes.allowUnverifiedPaths ?? false)
        described.push(...Object.entries(settings).map(([key, value]) => `${key.charAt(0).toUpperCase()}${key.slice(1)} ${value}`))
      }
      return described.length ? `Virtual machine '${vm.name}' was reconfigured: ${described.join(', ')}.` : null
    })
  }

  /** Update-VMVersion: every selected VM (all Off, not yet at the newest version) goes to the host's default version. */
  async updateVmVersion(selector: VmSelector): Promise<VmRecord[]> {
    return this.store.update((doc) => {
      const targets = selectVms(doc.vms, selector)
      for (const vm of targets) upgradeVmVersion(doc, vm)
      return targets
    })
  }

  async renameVm(selector: VmSelector, newName: string): Promise<VmRecord[]> {
    validateVmName(newName, 'NewName')
    return this.mutateVms(selector, (vm) => {
      const old = vm.name
      vm.name = newName
      return `Virtual machine '${old}' was renamed to '${newName}'.`
    })
  }

  async removeVm(selector: VmSelector): Promise<VmRecord[]> {
    const removed = await this.store.update((doc) => {
      const targets = selectVms(doc.vms, selector)
      for (const vm of targets) checkTransition(vm, 'remove')
      const ids = new Set(targets.map((vm) => vm.id))
      doc.vms = doc.vms.filter((vm) => !ids.has(vm.id))
      // Its checkpoints go with it, as with Remove-VM.
      doc.checkpoints = doc.checkpoints.filter((c) => !ids.has(c.vmId))
      for (const vm of targets) logEvent(doc, vm, `Virtual machine '${vm.name}' was deleted.`)
      return targets
    })
    const {rm} = await import('node:fs/promises')
    for (const vm of removed) await rm(checkpointDirectory(vm), {recursive: true, force: true}).catch(() => {})
    return removed
  }

  async setProcessor(selector: VmSelector, changes: ProcessorChanges): Promise<VmRecord[]> {
    return this.mutateVms(selector, (vm, doc) => {
      // The count and the topology are the processor's hardware: they change only while the VM is off.
      const topology = ['count', 'hwThreadCountPerCore', 'maximumCountPerNumaNode', 'maximumCountPerNumaSocket'] as const
      if (topology.some((key) => changes[key] !== undefined && changes[key] !== vm.processor[key])) checkTransition(vm, 'reconfigure-hardware')
      const processor = {...vm.processor, ...definedOnly(changes)}
      validateProcessor(vm.name, processor, this.host(doc))
      vm.processor = processor
      return `Processor settings of '${vm.name}' were changed: count ${processor.count}, reserve ${processor.reserve}%, maximum ${processor.maximum}%, relative weight ${processor.relativeWeight}.`
    })
  }

  async setMemory(selector: VmSelector, changes: MemoryChanges): Promise<VmRecord[]> {
    return this.mutateVms(selector, (vm, doc) => {
      const memory: MemorySettings = {
        startup: changes.startupBytes ?? vm.memory.startup,
        dynamicMemoryEnabled: changes.dynamicMemoryEnabled ?? vm.memory.dynamicMemoryEnabled,
        minimum: changes.minimumBytes ?? vm.memory.minimum,
        maximum: changes.maximumBytes ?? vm.memory.maximum,
        buffer: changes.buffer ?? vm.memory.buffer,
        priority: changes.priority ?? vm.memory.priority,
      }
      const sizeChanged =
        memory.startup !== vm.memory.startup || memory.dynamicMemoryEnabled !== vm.memory.dynamicMemoryEnabled ||
        memory.minimum !== vm.memory.minimum || memory.maximum !== vm.memory.maximum
      if (sizeChanged) checkTransition(vm, 'reconfigure-hardware')
      validateMemory(vm.name, memory, this.host(doc), vm.generation)
      vm.memory = memory
      return `Memory settings of '${vm.name}' were changed: ${describeMemory(memory)}.`
    })
  }

  // ---- host ----------------------------------------------------------------

  async getHost(): Promise<ResolvedHost> {
    return this.host(await this.store.read())
  }

  async setHost(changes: HostChanges): Promise<ResolvedHost> {
    return this.store.update((doc) => {
      const next = {...doc.host}
      if (changes.logicalProcessorCount !== undefined) {
        validateRange('LogicalProcessorCount', changes.logicalProcessorCount, 1, 1024)
        next.logicalProcessorCount = changes.logicalProcessorCount
      }
      if (changes.memoryCapacity !== undefined) {
        validateRange('MemoryCapacity', changes.memoryCapacity, 64 * MB, 2 ** 52)
        next.memoryCapacity = changes.memoryCapacity
      }
      for (const key of ['virtualHardDiskPath', 'virtualMachinePath'] as const) {
        const path = changes[key]
        if (path === undefined) continue
        if (!isAbsolute(path)) throw new InvalidArgumentError(`The path '${path}' is not an absolute path.`)
        next[key] = path
      }
      if (changes.resourceMeteringSaveIntervalSeconds !== undefined) {
        validateSaveInterval(changes.resourceMeteringSaveIntervalSeconds)
        next.resourceMeteringSaveIntervalSeconds = changes.resourceMeteringSaveIntervalSeconds
      }
      if (changes.macAddressMinimum !== undefined) {
        next.macAddressMinimum = validateMacAddress('MacAddressMinimum', changes.macAddressMinimum)
      }
      if (changes.macAddressMaximum !== undefined) {
        next.macAddressMaximum = validateMacAddress('MacAddressMaximum', changes.macAddressMaximum)
      }
      const resolved = resolveHost(next, this.store.home)
      if (parseInt(resolved.macAddressMinimum, 16) > parseInt(resolved.macAddressMaximum, 16)) {
        throw new InvalidArgumentError(
          `The MAC address range is not valid: the minimum ${resolved.macAddressMinimum} is greater than the maximum ${resolved.macAddressMaximum}.`,
        )
      }
      doc.host = next
      logEvent(doc, null, `Host settings were changed: ${Object.keys(definedOnly(changes)).join(', ')}.`)
      return resolved
    })
  }

  // ---- event log -----------------------------------------------------------

  async getEvents(query: EventQuery = {}): Promise<EventRecord[]> {
    const doc = await this.store.read()
    let events = doc.events
    const names = query.vmNames ?? []
    if (names.length) {
      events = events.filter((e) => e.vmName !== null && names.some((pattern) => nameMatches(pattern, e.vmName!)))
    }
    const newestFirst = [...events].reverse()
    if (query.maxEvents !== undefined) {
      validateRange('MaxEvents', query.maxEvents, 1, Number.MAX_SAFE_INTEGER)
      return newestFirst.slice(0, query.maxEvents)
    }
    return newestFirst
  }

  // ---- helpers -------------------------------------------------------------

  private host(doc: StoreDocument): ResolvedHost {
    return resolveHost(doc.host, this.store.home)
  }

  /** Apply `change` to every selected VM in one update; a throw from any VM aborts them all. */
  private async mutateVms(
    selector: VmSelector,
    change: (vm: VmRecord, doc: StoreDocument) => string | null,
  ): Promise<VmRecord[]> {
    return this.store.update((doc) => {
      const targets = selectVms(doc.vms, selector)
      for (const vm of targets) {
        const message = change(vm, doc)
        if (message) logEvent(doc, vm, message)
      }
      return targets
    })
  }
}

export function describeBootSource(source: BootSource | null): string {
  if (!source) return 'none'
  if (source.kind === 'guest') return `guest ${source.name}`
  return `${source.kind} ${source.path}`
}

function describeMemory(memory: MemorySettings): string {
  const base = `startup ${memory.startup / MB} MB`
  if (!memory.dynamicMemoryEnabled) return `${base}, static`
  return `${base}, dynamic ${memory.minimum / MB}-${memory.maximum / MB} MB, buffer ${memory.buffer}%, priority ${memory.priority}`
}

function definedOnly<T extends object>(changes: T): Partial<T> {
  return Object.fromEntries(Object.entries(changes).filter(([, value]) => value !== undefined)) as Partial<T>
}

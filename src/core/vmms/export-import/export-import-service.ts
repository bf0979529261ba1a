import {mkdir, readdir, readFile, rename, rm, stat, writeFile} from 'node:fs/promises'
import {dirname, isAbsolute, join, resolve} from 'node:path'

import {ConflictError, HvError, InvalidArgumentError, NotFoundError} from '../../errors.js'
import {withFirmwareDefaults, type CheckpointRecord, type SavedStateRecord, type StoreDocument, type VmRecord} from '../../store/schema.js'
import type {Store} from '../../store/store.js'
import {STATE_FORMAT} from '../../worker/saved-state-files.js'
import {materializeCheckpoint} from '../checkpoints/checkpoint-service.js'
import {checkpointDirectory, withCheckpointLock} from '../checkpoints/files.js'
import {logEvent} from '../event-log.js'
import {resolveHost, SUPPORTED_VM_VERSIONS} from '../host.js'
import {checkTransition} from '../state-machine.js'
import {validateVmName} from '../validation.js'
import {disconnectClashingPorts} from '../com-ports.js'
import {storageOf} from '../storage/controllers.js'
import {vmDirectory} from '../vm-files.js'
import {
  CONFIG_FILE, CONFIG_FORMAT, copyHashed, EXPORT_FORMAT, EXPORT_FORMAT_VERSION, EXPORT_MANIFEST, hashFile, isDirectory,
  readManifest, sealManifest, type ExportedFile, type Progress,
} from './export-files.js'
import {disksToExport, importedDiskPath, isExportedDisk, repointCopiedDisks, withDiskPaths} from './exported-disks.js'

/** config.json of an export: the VM (paths relative to the export) and its checkpoint tree. */
interface ExportedConfiguration {
  format: typeof CONFIG_FORMAT
  version: number
  vm: VmRecord
  checkpoints: CheckpointRecord[]
}

export interface ImportOptions {
  /** Copy the files into the host's VM folder (or `virtualMachinePath`) instead of registering them in place. */
  copy?: boolean
  /** A new VMId (and new checkpoint ids); only with copy, as Import-VM -GenerateNewId. */
  generateNewId?: boolean
  virtualMachinePath?: string
  /** With copy: where the checkpoint files go (Import-VM -SnapshotFilePath); default the VM's folder. */
  snapshotFilePath?: string
  /** With copy: where the export's virtual disks go (-VhdDestinationPath); default the host's VirtualHardDiskPath. */
  vhdDestinationPath?: string
  /** Import-VM -SmartPagingFilePath: the imported VM's SmartPagingFilePath. */
  smartPagingFilePath?: string
  /** -Register: in place, keeping the VMId (the default without copy). */
  register?: boolean
  /** The name the imported VM takes (a compatibility report whose VM was renamed). */
  newName?: string
  onProgress?: Progress
}

const CONFLICT = 'The operation cannot be performed because the object already exists.'

interface FileCopy {
  from: string
  /** Path inside the export. */
  to: string
}

/** A VM's record as an export holds it: paths relative to the export, no worker. */
function exportedRecord(vm: VmRecord): VmRecord {
  return structuredClone({...vm, worker: null, path: '.', settings: {...vm.settings, snapshotFileLocation: '.'}})
}

function relativeSavedState(saved: SavedStateRecord): SavedStateRecord {
  return {...saved, directory: 'saved-state', memoryFile: 'saved-state/memory.bin', stateFile: 'saved-state/state.json'}
}

/**
 * Export-VM and Import-VM. An export is a folder `<path>/<VMName>/` holding the
 * configuration and checkpoint tree (config.json), the VM's folder `<VMId>/`
 * (checkpoint packs and captures, saved state, console log) and the manifest
 * hv-export.json with every file's size and SHA-256. It is written under a
 * temporary name and renamed when complete, so a partial export never looks
 * like one.
 */
export class ExportImportService {
  constructor(private readonly store: Store) {}

  async exportVm(vmId: string, path: string, onProgress?: Progress): Promise<{folder: string; bytes: number}> {
    const vm0 = await this.vmById(vmId)
    return withCheckpointLock(vm0, async () => {
      const doc = await this.store.read()
      const vm = doc.vms.find((v) => v.id === vmId)!
      checkTransition(vm, 'export')
      return this.writeExport(vm, path, 'Export-VM', onProgress, async () => {
        const copies: FileCopy[] = []
        const here = vmDirectory(vm)
        const checkpoints = checkpointDirectory(vm)
        const checkpointFiles = (await readdir(checkpoints).catch(() => [] as string[])).filter((n) => !n.endsWith('.tmp'))
        for (const name of checkpointFiles) copies.push({from: join(checkpoints, name), to: `${vm.id}/checkpoints/${name}`})
        const exportedVm = exportedRecord(vm)
        if (vm.savedState) {
          copies.push({from: vm.savedState.memoryFile, to: `${vm.id}/saved-state/memory.bin`}, {from: vm.savedState.stateFile, to: `${vm.id}/saved-state/state.json`})
          exportedVm.savedState = relativeSavedState(vm.savedState)
        }
        if (await stat(join(here, 'console.log')).then(() => true, () => false)) copies.push({from: join(here, 'console.log'), to: `${vm.id}/console.log`})
        const vmCheckpoints = doc.checkpoints.filter((c) => c.vmId === vm.id)
        const disks = disksToExport(vm, vmCheckpoints)
        for (const [from, to] of disks) copies.push({from, to})
        const inExport = (path: string) => disks.get(path) ?? path
        exportedVm.storage = withDiskPaths(storageOf(vm), inExport)
        const exportedCheckpoints = vmCheckpoints.map((c) => c.configuration.storage
          ? {...c, configuration: {...c.configuration, storage: withDiskPaths(c.configuration.storage, inExport)}}
          : c)
        return {copies, vm: exportedVm, checkpoints: exportedCheckpoints}
      })
    })
  }

  /**
   * Export-VMSnapshot: the VM as it was at one checkpoint, as a VM of its own
   * with that checkpoint's configuration and no checkpoints; Saved with the
   * checkpoint's memory and devices when it has them (a Standard checkpoint),
   * else Off. Import-VM brings it back like any export.
   */
  async exportCheckpoint(checkpointId: string, path: string, onProgress?: Progress): Promise<{folder: string; bytes: number}> {
    const doc0 = await this.store.read()
    const checkpoint0 = doc0.checkpoints.find((c) => c.id === checkpointId)
    if (!checkpoint0) throw new NotFoundError('Unable to find a snapshot matching the given criteria.')
    const vm0 = await this.vmById(checkpoint0.vmId)
    return withCheckpointLock(vm0, async () => {
      const doc = await this.store.read()
      const checkpoint = doc.checkpoints.find((c) => c.id === checkpointId)
      if (!checkpoint) throw new NotFoundError('Unable to find a snapshot matching the given criteria.')
      const vm = doc.vms.find((v) => v.id === checkpoint.vmId)!
      return this.writeExport(vm, path, 'Export-VMSnapshot', onProgress, async (temp) => {
        const exportedVm = exportedRecord({
          ...vm, ...structuredClone(checkpoint.configuration), savedState: null, lastStop: null, parentCheckpointId: null, parentCheckpointName: null,
        })
        const disks = disksToExport({...vm, storage: checkpoint.configuration.storage ?? storageOf(vm)}, [])
        exportedVm.storage = withDiskPaths(exportedVm.storage ?? storageOf(vm), (path) => disks.get(path) ?? path)
        const {savedState, transcript} = await materializeCheckpoint(vm, checkpoint, join(temp, vm.id, 'saved-state'), 'exported', vm.id)
        const produced: string[] = []
        exportedVm.state = savedState ? 'Saved' : 'Off'
        exportedVm.status = 'Operating normally'
        if (savedState) {
          exportedVm.savedState = relativeSavedState(savedState)
          produced.push(`${vm.id}/saved-state/memory.bin`, `${vm.id}/saved-state/state.json`)
        }
        if (transcript) {
          await writeFile(join(temp, vm.id, 'console.log'), transcript)
          produced.push(`${vm.id}/console.log`)
        }
        return {copies: [...disks].map(([from, to]) => ({from, to})), produced, vm: exportedVm, checkpoints: []}
      })
    })
  }

  /**
   * Writes `<path>/<VMName>/` under a temporary name (the content comes from
   * `fill`, given that temporary folder), with config.json and the sealed
   * manifest, and renames it into place when complete.
   */
  private async writeExport(
    vm: VmRecord,
    path: string,
    cmdlet: string,
    onProgress: Progress | undefined,
    fill: (temp: string) => Promise<{copies: FileCopy[]; produced?: string[]; vm: VmRecord; checkpoints: CheckpointRecord[]}>,
  ): Promise<{folder: string; bytes: number}> {
    const folder = join(resolve(path), vm.name)
    if (await stat(folder).then(() => true, () => false)) {
      throw new ConflictError(`${CONFLICT} ${cmdlet} for '${vm.name}' failed: the folder '${folder}' already exists.`)
    }
    const temp = `${folder}.${process.pid}.export.tmp`
    await rm(temp, {recursive: true, force: true})
    let total = 0
    const files: ExportedFile[] = []
    try {
      // A VM that never ran has no files to copy: the folder is made here, not by the first copy.
      await mkdir(temp, {recursive: true})
      const content = await fill(temp)
      for (const c of content.copies) total += (await stat(c.from)).size
      let done = 0
      for (const c of content.copies) {
        const {bytes, sha256} = await copyHashed(c.from, join(temp, c.to), (n) => onProgress?.((done += n), total))
        files.push({path: c.to, bytes, sha256})
      }
      // Differencing disks in the export find their parents there, whatever folders they came from.
      const diskCopies = content.copies.filter((c) => isExportedDisk(c.to)).map((c) => ({source: c.from, copy: join(temp, c.to), to: c.to}))
      for (const changed of repointCopiedDisks(diskCopies)) {
        const entry = files.find((file) => join(temp, file.path) === changed)!
        Object.assign(entry, await hashFile(changed))
      }
      for (const produced of content.produced ?? []) {
        const hashed = await hashFile(join(temp, produced))
        total += hashed.bytes
        files.push({path: produced, ...hashed})
      }
      const configuration: ExportedConfiguration = {format: CONFIG_FORMAT, version: EXPORT_FORMAT_VERSION, vm: content.vm, checkpoints: content.checkpoints}
      await writeFile(join(temp, CONFIG_FILE), JSON.stringify(configuration, null, 1))
      files.push({path: CONFIG_FILE, ...(await hashFile(join(temp, CONFIG_FILE)))})
      const manifest = sealManifest({
        format: EXPORT_FORMAT, version: EXPORT_FORMAT_VERSION, exportedAt: new Date().toISOString(), vmId: vm.id, vmName: vm.name, files,
      })
      await writeFile(join(temp, EXPORT_MANIFEST), JSON.stringify(manifest, null, 1))
      await rename(temp, folder)
    } catch (error) {
      await rm(temp, {recursive: true, force: true}).catch(() => {})
      throw error
    }
    await this.store.update((fresh) => {
      const current = fresh.vms.find((v) => v.id === vm.id)
      if (current) logEvent(fresh, current, `${cmdlet}: '${vm.name}' was exported to '${folder}' (${files.length} files, ${(total / 1048576).toFixed(1)} MB).`)
    })
    return {folder, bytes: total}
  }

  private async vmById(vmId: string): Promise<VmRecord> {
    const vm = (await this.store.read()).vms.find((v) => v.id === vmId)
    if (!vm) throw new HvError('not-found', `Hyper-V was unable to find a virtual machine with ID "${vmId}".`)
    return vm
  }

  /**
   * Compare-VM: what Import-VM with these options would make, and what stands
   * in its way, without changing anything. The export is checked file by file
   * first, as Import-VM checks it.
   */
  async compare(pathArg: string, options: ImportOptions = {}): Promise<CompatibilityReport> {
    const plan = await this.planImport(pathArg, options)
    return {
      vm: plan.vm, folder: plan.folder, copy: Boolean(options.copy), generateNewId: Boolean(options.generateNewId),
      snapshotPath: plan.vm.settings.snapshotFileLocation, vhdDestinationPath: options.vhdDestinationPath ?? null,
      incompatibilities: await plan.incompatibilities(await this.store.read()),
    }
  }

  async importVm(pathArg: string, options: ImportOptions = {}): Promise<VmRecord> {
    const plan = await this.planImport(pathArg, options)
    const {folder, manifest, vm, checkpoints, oldId, source, total} = plan
    let done = plan.hashedBytes
    const first = (await plan.incompatibilities(await this.store.read()))[0]
    if (first) throw first.error
    const target = vmDirectory(vm)
    const checkpointFolder = checkpointDirectory(vm)
    const copiedTo: string[] = []
    let renamedFolder = false
    try {
      // In place with a new VMId: the VM's folder in the export takes the new id's name.
      if (!options.copy && vm.id !== oldId && (await isDirectory(join(folder, oldId)))) {
        await rename(join(folder, oldId), target)
        renamedFolder = true
      }
      if (options.copy) {
        copiedTo.push(target, checkpointFolder)
        for (const file of manifest.files) {
          if (isExportedDisk(file.path)) {
            const to = importedDiskPath(file.path, folder, plan.diskDestination)
            copiedTo.push(to)
            await copyHashed(join(folder, file.path), to, (n) => options.onProgress?.((done += n), total * 2))
            continue
          }
          if (!file.path.startsWith(`${oldId}/`)) continue
          const inVm = file.path.slice(oldId.length + 1)
          const to = inVm.startsWith('checkpoints/') ? join(checkpointFolder, inVm.slice('checkpoints/'.length)) : join(target, inVm)
          await copyHashed(join(folder, file.path), to, (n) => options.onProgress?.((done += n), total * 2))
        }
      }
      if (options.copy) {
        const diskPairs = manifest.files.filter((file) => isExportedDisk(file.path)).map((file) => ({source: join(folder, file.path), copy: importedDiskPath(file.path, folder, plan.diskDestination)}))
        repointCopiedDisks(diskPairs)
      }
      if (source.savedState) vm.savedState = await this.relocateSavedState(source.savedState, target, vm.id, oldId)
      await this.store.update((fresh) => {
        const clash = conflicts(fresh, vm, checkpoints)[0]
        if (clash) throw clash.error
        const disconnected = disconnectClashingPorts(fresh, vm)
        fresh.vms.push(vm)
        fresh.checkpoints.push(...checkpoints)
        logEvent(fresh, vm, `Virtual machine '${vm.name}' was imported from '${folder}'${options.copy ? ' (copied)' : ' (registered in place)'} with ${checkpoints.length} checkpoints${options.generateNewId ? `, as a new virtual machine (was ${oldId})` : ''}.`)
        if (disconnected.length) logEvent(fresh, vm, `Importing '${vm.name}': ${disconnected.join('; ')}.`, 'Warning')
      })
    } catch (error) {
      for (const made of copiedTo) await rm(made, {recursive: true, force: true}).catch(() => {})
      if (renamedFolder) await rename(target, join(folder, oldId)).catch(() => {})
      throw error
    }
    return vm
  }

  /** Reads and checks an export, and works out the VM an import with these options registers. */
  private async planImport(pathArg: string, options: ImportOptions) {
    const given = resolve(pathArg)
    if (!(await stat(given).then(() => true, () => false))) {
      throw new NotFoundError(`Import-VM cannot import '${given}': the path does not exist. Nothing was imported.`)
    }
    const manifestPath = (await isDirectory(given)) ? join(given, EXPORT_MANIFEST) : given
    const folder = dirname(manifestPath)
    if (options.generateNewId && options.register) {
      throw new InvalidArgumentError('-GenerateNewId cannot be used with -Register: a virtual machine registered as it is keeps its ID.')
    }
    // Without -Copy the files stay where they are: a destination may only name that folder (as Packer passes it).
    for (const [parameter, value] of [['SnapshotFilePath', options.snapshotFilePath], ['VirtualMachinePath', options.virtualMachinePath]] as const) {
      if (value !== undefined && !options.copy && resolve(value) !== folder) {
        throw new InvalidArgumentError(`-${parameter} can be used only with -Copy, or naming the folder the export is in ('${folder}'): a virtual machine imported in place uses its files where they are.`)
      }
    }
    const refuse = (why: string) => new InvalidArgumentError(`Import-VM cannot import '${folder}': ${why}. Nothing was imported.`)
    const manifest = await readManifest(manifestPath).catch((error: Error) => {
      throw refuse(error.message)
    })
    const total = manifest.files.reduce((sum, f) => sum + f.bytes, 0)
    let hashedBytes = 0
    for (const file of manifest.files) {
      const path = join(folder, file.path)
      const actual = await hashFile(path, (n) => options.onProgress?.((hashedBytes += n), total * (options.copy ? 2 : 1))).catch(() => null)
      if (!actual) throw refuse(`the file '${path}' is missing (the export is incomplete)`)
      if (actual.bytes !== file.bytes || actual.sha256 !== file.sha256) throw refuse(`the file '${path}' does not match its checksum in ${EXPORT_MANIFEST} (it was altered or is incomplete)`)
    }
    const configuration = JSON.parse(await readFile(join(folder, CONFIG_FILE), 'utf8')) as ExportedConfiguration
    if (configuration.format !== CONFIG_FORMAT || configuration.version > EXPORT_FORMAT_VERSION) throw refuse(`'${CONFIG_FILE}' is not an hv configuration this hv reads`)
    const source = configuration.vm
    const oldId = source.id
    const doc = await this.store.read()
    // An export from an hv without firmware settings gets the defaults, as the store migration gives them.
    const vm: VmRecord = withFirmwareDefaults(structuredClone(source))
    let checkpoints = structuredClone(configuration.checkpoints).map((c) => ({...c, configuration: withFirmwareDefaults(c.configuration)}))
    if (options.generateNewId) {
      vm.id = globalThis.crypto.randomUUID()
      const ids = new Map(checkpoints.map((c) => [c.id, globalThis.crypto.randomUUID()]))
      checkpoints = checkpoints.map((c) => ({
        ...c, id: ids.get(c.id)!, vmId: vm.id, parentCheckpointId: c.parentCheckpointId === null ? null : (ids.get(c.parentCheckpointId) ?? null),
      }))
      vm.parentCheckpointId = vm.parentCheckpointId === null ? null : (ids.get(vm.parentCheckpointId) ?? null)
    }
    vm.path = options.copy ? resolve(options.virtualMachinePath ?? resolveHost(doc.host, this.store.home).virtualMachinePath) : folder
    vm.settings = {
      ...vm.settings,
      snapshotFileLocation: options.copy && options.snapshotFilePath ? resolve(options.snapshotFilePath) : vm.path,
      ...(options.smartPagingFilePath === undefined ? {} : {smartPagingFilePath: resolve(options.smartPagingFilePath)}),
    }
    vm.worker = null
    // The export's disks, used where they are or copied to -VhdDestinationPath (default: the host's folder for disks).
    const diskDestination = options.copy ? resolve(options.vhdDestinationPath ?? resolveHost(doc.host, this.store.home).virtualHardDiskPath) : null
    const diskPath = (path: string) => (isExportedDisk(path) ? importedDiskPath(path, folder, diskDestination) : path)
    vm.storage = withDiskPaths(storageOf(vm), diskPath)
    checkpoints = checkpoints.map((c) => c.configuration.storage
      ? {...c, configuration: {...c.configuration, storage: withDiskPaths(c.configuration.storage, diskPath)}}
      : c)
    if (options.newName !== undefined) {
      validateVmName(options.newName)
      vm.name = options.newName
    }
    const home = this.store.home
    /** What stands in the way of registering `vm` in `doc`, first the conflicts Import-VM reports. */
    const incompatibilities = async (current: StoreDocument): Promise<Incompatibility[]> => {
      const found = conflicts(current, vm, checkpoints)
      const host = resolveHost(current.host, home)
      if (!(SUPPORTED_VM_VERSIONS as readonly string[]).includes(vm.version)) {
        found.push(incompatibility('invalid-argument', `The virtual machine's configuration version ${vm.version} is not supported by this host (it supports ${SUPPORTED_VM_VERSIONS.join(', ')}).`))
      }
      if (vm.processor.count > host.logicalProcessorCount) {
        found.push(incompatibility('invalid-argument', `The virtual machine has ${vm.processor.count} virtual processors; the host has ${host.logicalProcessorCount} logical processors.`))
      }
      if (vm.memory.startup > host.memoryCapacity) {
        found.push(incompatibility('invalid-argument', `The virtual machine's startup memory (${vm.memory.startup / 1048576} MB) is more than the host's memory capacity (${Math.floor(host.memoryCapacity / 1048576)} MB).`))
      }
      if (options.copy && (await isDirectory(checkpointDirectory(vm)))) {
        found.push(incompatibility('conflict', `${CONFLICT} Import-VM: the folder '${checkpointDirectory(vm)}' already exists.`))
      }
      for (const file of manifest.files) {
        if (!options.copy || !isExportedDisk(file.path)) continue
        const to = importedDiskPath(file.path, folder, diskDestination)
        if (await stat(to).then(() => true, () => false)) {
          found.push(incompatibility('conflict', `${CONFLICT} Import-VM: the virtual hard disk '${to}' already exists.`))
        }
      }
      const attached = new Set(current.vms.flatMap((other) => storageOf(other).drives.filter((d) => d.kind === 'HardDisk').map((d) => d.path)))
      for (const drive of storageOf(vm).drives) {
        if (drive.kind === 'HardDisk' && drive.path !== null && attached.has(drive.path)) {
          found.push(incompatibility('conflict', `${CONFLICT} Import-VM: the virtual hard disk '${drive.path}' is attached to another virtual machine.`))
        }
      }
      return found
    }
    return {folder, manifest, source, oldId, vm, checkpoints, total, hashedBytes, incompatibilities, diskDestination}
  }

  /** The saved state's record at its new place; with a new VMId, its state file says so (and gets new sums). */
  private async relocateSavedState(saved: SavedStateRecord, target: string, vmId: string, oldId: string): Promise<SavedStateRecord> {
    const record: SavedStateRecord = {
      ...saved, directory: join(target, 'saved-state'), memoryFile: join(target, 'saved-state', 'memory.bin'), stateFile: join(target, 'saved-state', 'state.json'),
    }
    if (vmId === oldId) return record
    const document = JSON.parse(await readFile(record.stateFile, 'utf8')) as {format: string; vmId: string}
    if (document.format !== STATE_FORMAT) throw new InvalidArgumentError(`Import-VM: '${record.stateFile}' is not an hv saved state.`)
    document.vmId = vmId
    const bytes = Buffer.from(JSON.stringify(document))
    await writeFile(record.stateFile, bytes)
    const {sha256} = await hashFile(record.stateFile)
    return {...record, stateBytes: bytes.length, stateSha256: sha256}
  }
}

/** One thing that keeps an export from being imported (Compare-VM's VMCompatibilityError), and the error Import-VM raises for it. */
export interface Incompatibility {
  message: string
  error: HvError
}

function incompatibility(kind: HvError['kind'], message: string): Incompatibility {
  return {message, error: new HvError(kind, message)}
}

/** Compare-VM's VMCompatibilityReport. */
export interface CompatibilityReport {
  vm: VmRecord
  folder: string
  copy: boolean
  generateNewId: boolean
  snapshotPath: string
  vhdDestinationPath: string | null
  incompatibilities: Incompatibility[]
}

function conflicts(doc: {vms: VmRecord[]; checkpoints: CheckpointRecord[]}, vm: VmRecord, checkpoints: readonly CheckpointRecord[]): Incompatibility[] {
  const found: Incompatibility[] = []
  const existing = doc.vms.find((v) => v.id === vm.id)
  if (existing) {
    found.push(incompatibility('conflict',
      `${CONFLICT} Import-VM: a virtual machine with ID "${vm.id}" ('${existing.name}') is already registered. Import with --copy --generate-new-id to make a new virtual machine of it.`,
    ))
  }
  const ids = new Set(doc.checkpoints.map((c) => c.id))
  const clash = checkpoints.find((c) => ids.has(c.id))
  if (clash) found.push(incompatibility('conflict', `${CONFLICT} Import-VM: a checkpoint with ID "${clash.id}" already exists. Import with --copy --generate-new-id.`))
  return found
}



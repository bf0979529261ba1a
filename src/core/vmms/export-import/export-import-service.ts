import {readdir, readFile, rename, rm, stat, writeFile} from 'node:fs/promises'
import {dirname, isAbsolute, join, resolve} from 'node:path'

import {ConflictError, HvError, InvalidArgumentError} from '../../errors.js'
import type {CheckpointRecord, SavedStateRecord, VmRecord} from '../../store/schema.js'
import type {Store} from '../../store/store.js'
import {STATE_FORMAT} from '../../worker/saved-state-files.js'
import {withCheckpointLock} from '../checkpoints/files.js'
import {logEvent} from '../event-log.js'
import {resolveHost} from '../host.js'
import {checkTransition} from '../state-machine.js'
import {disconnectClashingPorts} from '../com-ports.js'
import {vmDirectory} from '../vm-files.js'
import {
  CONFIG_FILE, CONFIG_FORMAT, copyHashed, EXPORT_FORMAT, EXPORT_FORMAT_VERSION, EXPORT_MANIFEST, hashFile, isDirectory,
  readManifest, sealManifest, type ExportedFile, type Progress,
} from './export-files.js'

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
  onProgress?: Progress
}

const CONFLICT = 'The operation cannot be performed because the object already exists.'

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
    if (!isAbsolute(path)) path = resolve(path)
    const vm0 = (await this.store.read()).vms.find((v) => v.id === vmId)
    if (!vm0) throw new HvError('not-found', `Hyper-V was unable to find a virtual machine with ID "${vmId}".`)
    return withCheckpointLock(vm0, async () => {
      const doc = await this.store.read()
      const vm = doc.vms.find((v) => v.id === vmId)!
      checkTransition(vm, 'export')
      const folder = join(path, vm.name)
      if (await stat(folder).then(() => true, () => false)) {
        throw new ConflictError(`${CONFLICT} Export-VM for '${vm.name}' failed: the folder '${folder}' already exists.`)
      }
      const temp = `${folder}.${process.pid}.export.tmp`
      const sources: Array<{from: string; to: string}> = []
      const here = vmDirectory(vm)
      const checkpointFiles = (await readdir(join(here, 'checkpoints')).catch(() => [] as string[])).filter((n) => !n.endsWith('.tmp'))
      for (const name of checkpointFiles) sources.push({from: join(here, 'checkpoints', name), to: `${vm.id}/checkpoints/${name}`})
      const exportedVm: VmRecord = structuredClone({...vm, worker: null, path: '.'})
      if (vm.savedState) {
        sources.push({from: vm.savedState.memoryFile, to: `${vm.id}/saved-state/memory.bin`}, {from: vm.savedState.stateFile, to: `${vm.id}/saved-state/state.json`})
        exportedVm.savedState = {...vm.savedState, directory: 'saved-state', memoryFile: 'saved-state/memory.bin', stateFile: 'saved-state/state.json'}
      }
      if (await stat(join(here, 'console.log')).then(() => true, () => false)) sources.push({from: join(here, 'console.log'), to: `${vm.id}/console.log`})
      let total = 0
      for (const s of sources) total += (await stat(s.from)).size
      let done = 0
      const files: ExportedFile[] = []
      await rm(temp, {recursive: true, force: true})
      try {
        for (const s of sources) {
          const {bytes, sha256} = await copyHashed(s.from, join(temp, s.to), (n) => onProgress?.((done += n), total))
          files.push({path: s.to, bytes, sha256})
        }
        const configuration: ExportedConfiguration = {
          format: CONFIG_FORMAT, version: EXPORT_FORMAT_VERSION, vm: exportedVm,
          checkpoints: doc.checkpoints.filter((c) => c.vmId === vm.id),
        }
        const configText = JSON.stringify(configuration, null, 1)
        await writeFile(join(temp, CONFIG_FILE), configText)
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
        if (current) logEvent(fresh, current, `Virtual machine '${vm.name}' was exported to '${folder}' (${files.length} files, ${(total / 1048576).toFixed(1)} MB).`)
      })
      return {folder, bytes: total}
    })
  }

  async importVm(pathArg: string, options: ImportOptions = {}): Promise<VmRecord> {
    const given = resolve(pathArg)
    const manifestPath = (await isDirectory(given)) ? join(given, EXPORT_MANIFEST) : given
    const folder = dirname(manifestPath)
    if (options.generateNewId && !options.copy) {
      throw new InvalidArgumentError('-GenerateNewId can be used only with -Copy: a virtual machine registered in place keeps its ID.')
    }
    const refuse = (why: string) => new InvalidArgumentError(`Import-VM cannot import '${folder}': ${why}. Nothing was imported.`)
    const manifest = await readManifest(manifestPath).catch((error: Error) => {
      throw refuse(error.message)
    })
    const total = manifest.files.reduce((sum, f) => sum + f.bytes, 0)
    let done = 0
    for (const file of manifest.files) {
      const path = join(folder, file.path)
      const actual = await hashFile(path, (n) => options.onProgress?.((done += n), total * (options.copy ? 2 : 1))).catch(() => null)
      if (!actual) throw refuse(`the file '${path}' is missing (the export is incomplete)`)
      if (actual.bytes !== file.bytes || actual.sha256 !== file.sha256) throw refuse(`the file '${path}' does not match its checksum in ${EXPORT_MANIFEST} (it was altered or is incomplete)`)
    }
    const configuration = JSON.parse(await readFile(join(folder, CONFIG_FILE), 'utf8')) as ExportedConfiguration
    if (configuration.format !== CONFIG_FORMAT || configuration.version > EXPORT_FORMAT_VERSION) throw refuse(`'${CONFIG_FILE}' is not an hv configuration this hv reads`)
    const source = configuration.vm
    const oldId = source.id
    const doc = await this.store.read()
    const vm: VmRecord = structuredClone(source)
    let checkpoints = structuredClone(configuration.checkpoints)
    if (options.generateNewId) {
      vm.id = globalThis.crypto.randomUUID()
      const ids = new Map(checkpoints.map((c) => [c.id, globalThis.crypto.randomUUID()]))
      checkpoints = checkpoints.map((c) => ({
        ...c, id: ids.get(c.id)!, vmId: vm.id, parentCheckpointId: c.parentCheckpointId === null ? null : (ids.get(c.parentCheckpointId) ?? null),
      }))
      vm.parentCheckpointId = vm.parentCheckpointId === null ? null : (ids.get(vm.parentCheckpointId) ?? null)
    }
    conflicts(doc, vm, checkpoints)
    vm.path = options.copy ? resolve(options.virtualMachinePath ?? resolveHost(doc.host, this.store.home).virtualMachinePath) : folder
    vm.worker = null
    const target = vmDirectory(vm)
    let copiedTo: string | null = null
    try {
      if (options.copy) {
        if (await isDirectory(join(target, 'checkpoints'))) {
          throw new ConflictError(`${CONFLICT} Import-VM: the folder '${join(target, 'checkpoints')}' already exists.`)
        }
        copiedTo = target
        for (const file of manifest.files) {
          if (!file.path.startsWith(`${oldId}/`)) continue
          await copyHashed(join(folder, file.path), join(target, file.path.slice(oldId.length + 1)), (n) => options.onProgress?.((done += n), total * 2))
        }
      }
      if (source.savedState) vm.savedState = await this.relocateSavedState(source.savedState, target, vm.id, oldId)
      await this.store.update((fresh) => {
        conflicts(fresh, vm, checkpoints)
        const disconnected = disconnectClashingPorts(fresh, vm)
        fresh.vms.push(vm)
        fresh.checkpoints.push(...checkpoints)
        logEvent(fresh, vm, `Virtual machine '${vm.name}' was imported from '${folder}'${options.copy ? ' (copied)' : ' (registered in place)'} with ${checkpoints.length} checkpoints${options.generateNewId ? `, as a new virtual machine (was ${oldId})` : ''}.`)
        if (disconnected.length) logEvent(fresh, vm, `Importing '${vm.name}': ${disconnected.join('; ')}.`, 'Warning')
      })
    } catch (error) {
      if (copiedTo) await rm(copiedTo, {recursive: true, force: true}).catch(() => {})
      throw error
    }
    return vm
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

function conflicts(doc: {vms: VmRecord[]; checkpoints: CheckpointRecord[]}, vm: VmRecord, checkpoints: readonly CheckpointRecord[]): void {
  const existing = doc.vms.find((v) => v.id === vm.id)
  if (existing) {
    throw new ConflictError(
      `${CONFLICT} Import-VM: a virtual machine with ID "${vm.id}" ('${existing.name}') is already registered. Import with --copy --generate-new-id to make a new virtual machine of it.`,
    )
  }
  const ids = new Set(doc.checkpoints.map((c) => c.id))
  const clash = checkpoints.find((c) => ids.has(c.id))
  if (clash) throw new ConflictError(`${CONFLICT} Import-VM: a checkpoint with ID "${clash.id}" already exists. Import with --copy --generate-new-id.`)
}



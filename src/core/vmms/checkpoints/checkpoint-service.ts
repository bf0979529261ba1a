import {rm, writeFile} from 'node:fs/promises'
import {join} from 'node:path'

import {HvError, InvalidStateError, NotFoundError} from '../../errors.js'
import type {CheckpointRecord, SavedStateRecord, SnapshotType, StoreDocument, VmRecord} from '../../store/schema.js'
import type {Store} from '../../store/store.js'
import {controlRequest} from '../../worker/control-client.js'
import {forEachSavedPage, loadSavedState, writeSavedState} from '../../worker/saved-state-files.js'
import {disconnectClashingPorts} from '../com-ports.js'
import {logEvent} from '../event-log.js'
import {checkTransition} from '../state-machine.js'
import {vmDirectory, vmFiles} from '../vm-files.js'
import {selectVms, type VmSelector} from '../vm-selection.js'
import {consolidateDisks, createDiskChildren, discardDisks, planDiskChildren, pointDrivesAt, removeDiskFiles} from './checkpoint-disks.js'
import {pageStoreOf, withCheckpointLock} from './files.js'
import {defaultCheckpointName, validateCheckpointName} from './naming.js'
import type {CaptureSource} from './page-store.js'
import {takeCheckpoint, type CheckpointPlan} from './take.js'
import {
  checkpointsOf, findCheckpoints, findOneCheckpoint, removeCheckpoints, renameCheckpoint, type CheckpointQuery,
} from './tree.js'

export interface CheckpointResult {
  checkpoint: CheckpointRecord
  vm: VmRecord
  warning?: string
}

/** A checkpoint with the VM it belongs to, as Get-VMSnapshot shows it. */
export interface CheckpointView {
  checkpoint: CheckpointRecord
  vm: VmRecord
  parentName: string | null
}

const RUNNING: readonly string[] = ['Running', 'Paused']

/**
 * The VMMS's checkpoint operations (Checkpoint-VM, Get-VMSnapshot,
 * Restore-VMSnapshot, Remove-VMSnapshot, Rename-VMSnapshot). A running VM's
 * checkpoint is taken by its worker (a brief pause between slices); an Off or
 * Saved VM's here, from its configuration and saved-state files.
 */
export class CheckpointService {
  constructor(private readonly store: Store) {}

  async checkpoint(vmId: string, name?: string, options: {automatic?: boolean} = {}): Promise<CheckpointResult> {
    if (name !== undefined) validateCheckpointName(name)
    const vm = await this.vm(vmId)
    checkTransition(vm, 'checkpoint')
    const running = RUNNING.includes(vm.state)
    const hasState = running || vm.state === 'Saved' || vm.state === 'SavedCritical'
    let snapshotType: SnapshotType = 'Standard'
    let warning: string | undefined
    switch (vm.checkpointType) {
      case 'Disabled':
        throw new InvalidStateError(`Checkpoint operation for '${vm.name}' failed: checkpoints are disabled for this virtual machine (CheckpointType Disabled).`)
      case 'ProductionOnly':
        if (hasState) {
          throw new InvalidStateError(
            `Production checkpoints cannot be created for '${vm.name}': the guest has no integration service that can quiesce it (no VSS or file-system freeze), and its CheckpointType is ProductionOnly.`,
          )
        }
        snapshotType = 'Production'
        break
      case 'Production':
        if (hasState) {
          warning = `The production checkpoint of '${vm.name}' could not be taken: the guest has no integration service that can quiesce it. A standard checkpoint was taken instead.`
        } else {
          snapshotType = 'Production'
        }
        break
    }
    const id = globalThis.crypto.randomUUID()
    const plan: CheckpointPlan = {
      id, name: name ?? defaultCheckpointName(vm.name), snapshotType, automatic: options.automatic ?? false, disks: planDiskChildren(vm, id),
    }
    let checkpoint: CheckpointRecord
    if (running) {
      if (!vm.worker) throw new InvalidStateError(`The virtual machine '${vm.name}' has no worker process.`)
      checkpoint = await controlRequest<CheckpointRecord>(vm.worker.socket, {op: 'checkpoint', plan}, 300_000)
    } else {
      const saved = vm.savedState
      const source = saved
        ? async (): Promise<CaptureSource> => {
            const {document, memory} = await loadSavedState(saved, vm.id).catch((error: Error) => {
              throw new InvalidStateError(`Checkpoint operation for '${vm.name}' failed: ${error.message}.`)
            })
            const consoleBytes = await readConsole(vm)
            return {
              ramBytes: forEachSavedPage(memory, () => {}),
              machine: document.machine,
              console: consoleBytes,
              forEachPage: (visit) => void forEachSavedPage(memory, visit),
            }
          }
        : null
      checkpoint = await takeCheckpoint(this.store, vm, plan, source, (current) => {
        // Refuse if the VM started or its saved state changed while the files were written.
        if (current.state !== vm.state || current.savedState?.memorySha256 !== vm.savedState?.memorySha256) {
          throw new InvalidStateError(`Checkpoint operation for '${vm.name}' failed: the virtual machine changed state (${current.state}) while the checkpoint was taken.`)
        }
      })
    }
    return {checkpoint, vm: await this.vm(vmId), warning}
  }

  /** Checkpoints of the selected VMs (all VMs when none are named). */
  async list(selector: VmSelector, query: CheckpointQuery = {}): Promise<CheckpointView[]> {
    const doc = await this.store.read()
    const vms = selectVms(doc.vms, selector)
    const views: CheckpointView[] = []
    for (const vm of vms) {
      for (const checkpoint of findCheckpoints(doc, vm, query)) views.push({checkpoint, vm, parentName: nameOf(doc, checkpoint.parentCheckpointId)})
    }
    return views
  }

  /** Resolve the one checkpoint a restore or rename means. */
  async findOne(vmId: string, nameOrId: string): Promise<CheckpointView> {
    const doc = await this.store.read()
    const vm = find(doc, vmId)
    const checkpoint = findOneCheckpoint(doc, vm, nameOrId)
    return {checkpoint, vm, parentName: nameOf(doc, checkpoint.parentCheckpointId)}
  }

  /**
   * Apply a checkpoint: the VM takes its configuration and state. After a
   * Standard checkpoint it is Saved (its saved state materialized from the
   * pages, so start-vm resumes it as after save-vm); after a Production one, Off.
   * The VM's current state is discarded; every checkpoint stays.
   */
  async restore(checkpointId: string): Promise<VmRecord> {
    const first = await this.checkpointById(checkpointId)
    const vm0 = await this.vm(first.vmId)
    return withCheckpointLock(vm0, async () => {
      const doc = await this.store.read()
      const checkpoint = doc.checkpoints.find((c) => c.id === checkpointId)
      if (!checkpoint) throw new NotFoundError(`Unable to find a snapshot matching the given criteria.`)
      const vm = find(doc, checkpoint.vmId)
      refuseWhileRunning(vm)
      const directory = join(vmDirectory(vm), `saved-state-${globalThis.crypto.randomUUID().slice(0, 8)}`)
      const {savedState, transcript} = await materializeCheckpoint(vm, checkpoint, directory, 'applied', vm.id)
      // The checkpoint's disks stay as they are: the VM gets fresh children of them to write to.
      const disks = planDiskChildren(checkpoint.configuration, globalThis.crypto.randomUUID())
      try {
        createDiskChildren(disks)
      } catch (error) {
        if (savedState) await rm(savedState.directory, {recursive: true, force: true})
        throw error
      }
      let previous: VmRecord['savedState'] = null
      let previousDisks: string[] = []
      try {
        await this.store.update((fresh) => {
          const current = find(fresh, vm.id)
          refuseWhileRunning(current)
          if (!fresh.checkpoints.some((c) => c.id === checkpoint.id)) throw new NotFoundError('Unable to find a snapshot matching the given criteria.')
          previous = current.savedState
          previousDisks = (current.storage?.drives ?? []).flatMap((d) => (d.kind === 'HardDisk' && d.path ? [d.path] : []))
          // Where the checkpoints themselves live is not part of what one restores.
          const snapshotFileLocation = current.settings.snapshotFileLocation
          Object.assign(current, structuredClone(checkpoint.configuration))
          current.settings.snapshotFileLocation = snapshotFileLocation
          current.savedState = savedState
          current.state = savedState ? 'Saved' : 'Off'
          current.status = 'Operating normally'
          current.parentCheckpointId = checkpoint.id
          current.parentCheckpointName = checkpoint.name
          pointDrivesAt(current, disks)
          const disconnected = disconnectClashingPorts(fresh, current)
          logEvent(fresh, current, `Checkpoint '${checkpoint.name}' was applied to '${current.name}'; the virtual machine is ${current.state}.`)
          if (disconnected.length) logEvent(fresh, current, `Applying '${checkpoint.name}' to '${current.name}': ${disconnected.join('; ')}.`, 'Warning')
        })
      } catch (error) {
        if (savedState) await rm(savedState.directory, {recursive: true, force: true})
        removeDiskFiles(disks.map((d) => d.childPath))
        throw error
      }
      // The children the VM wrote to before the apply hold the state it discarded.
      discardDisks(await this.store.read(), previousDisks)
      const old = previous as VmRecord['savedState']
      if (old && old.directory !== savedState?.directory) await rm(old.directory, {recursive: true, force: true}).catch(() => {})
      if (transcript) {
        await rm(`${vmFiles.console(vm)}.1`, {force: true})
        await writeFile(vmFiles.console(vm), transcript)
      }
      return this.vm(vm.id)
    })
  }

  /** Remove checkpoints of one VM (and their subtrees), then collect the pages nothing references. */
  async remove(
    vmId: string, checkpointIds: readonly string[], includeChildren: boolean, options: {disksClosed?: boolean} = {},
  ): Promise<{removed: CheckpointRecord[]; freedBytes: number; warning?: string}> {
    const vm0 = await this.vm(vmId)
    return withCheckpointLock(vm0, async () => {
      const {removed, live} = await this.store.update((doc) => {
        const vm = find(doc, vmId)
        const targets = doc.checkpoints.filter((c) => c.vmId === vmId && checkpointIds.includes(c.id))
        if (targets.length === 0) return {removed: [], live: []}
        const removed = removeCheckpoints(doc, vm, targets, includeChildren)
        for (const c of removed) logEvent(doc, vm, `Checkpoint '${c.name}' of '${vm.name}' was deleted.`)
        return {removed, live: checkpointsOf(doc, vmId)}
      })
      if (removed.length === 0) return {removed, freedBytes: 0}
      const gc = await pageStoreOf(vm0).collectGarbage(live.flatMap((c) => (c.capture ? [c.capture] : [])))
      // A running VM holds its disks open: their children are merged when it next stops.
      const current = await this.vm(vmId)
      const merge = options.disksClosed || !current.worker ? await consolidateDisks(this.store, vmId) : undefined
      const warnings = [gc.skipped ? `Space of the removed checkpoints was not reclaimed: ${gc.skipped}.` : '', merge ? `Disks were not merged: ${merge}.` : '']
      return {
        removed,
        freedBytes: gc.freedBytes,
        warning: warnings.filter(Boolean).join(' ') || undefined,
      }
    })
  }

  async rename(checkpointId: string, newName: string): Promise<CheckpointRecord> {
    validateCheckpointName(newName, 'NewName')
    return this.store.update((doc) => {
      const checkpoint = doc.checkpoints.find((c) => c.id === checkpointId)
      if (!checkpoint) throw new NotFoundError('Unable to find a snapshot matching the given criteria.')
      const vm = find(doc, checkpoint.vmId)
      const old = checkpoint.name
      renameCheckpoint(doc, checkpoint, newName)
      logEvent(doc, vm, `Checkpoint '${old}' of '${vm.name}' was renamed to '${newName}'.`)
      return {...checkpoint}
    })
  }

  /** Bytes the VM's checkpoints take on disk. */
  async diskBytes(vmId: string): Promise<number> {
    return pageStoreOf(await this.vm(vmId)).diskBytes()
  }

  private async vm(id: string): Promise<VmRecord> {
    return find(await this.store.read(), id)
  }

  private async checkpointById(id: string): Promise<CheckpointRecord> {
    const checkpoint = (await this.store.read()).checkpoints.find((c) => c.id === id)
    if (!checkpoint) throw new NotFoundError('Unable to find a snapshot matching the given criteria.')
    return checkpoint
  }
}

function refuseWhileRunning(vm: VmRecord): void {
  try {
    checkTransition(vm, 'apply-checkpoint')
  } catch (error) {
    if (error instanceof HvError) {
      throw new InvalidStateError(
        `'${vm.name}' failed to apply the checkpoint: the operation cannot be performed while the virtual machine is in its current state (${vm.state}). Turn off or save the virtual machine first.`,
      )
    }
    throw error
  }
}

function find(doc: StoreDocument, id: string): VmRecord {
  const vm = doc.vms.find((v) => v.id === id)
  if (!vm) throw new NotFoundError(`Hyper-V was unable to find a virtual machine with ID "${id}".`)
  return vm
}

function nameOf(doc: StoreDocument, id: string | null): string | null {
  return id === null ? null : (doc.checkpoints.find((c) => c.id === id)?.name ?? null)
}

async function readConsole(vm: VmRecord): Promise<Buffer> {
  const {readFile} = await import('node:fs/promises')
  return readFile(vmFiles.console(vm)).catch(() => Buffer.alloc(0))
}

/**
 * A checkpoint's machine state as a saved state in `directory` (memory filled
 * from the page packs), with the COM1 transcript it kept; nothing for a
 * checkpoint without a capture. Restoring and Export-VMSnapshot both start here.
 */
export async function materializeCheckpoint(
  vm: VmRecord,
  checkpoint: CheckpointRecord,
  directory: string,
  purpose: 'applied' | 'exported',
  savedForVmId: string,
): Promise<{savedState: SavedStateRecord | null; transcript: Buffer | null}> {
  if (!checkpoint.capture) return {savedState: null, transcript: null}
  const capture = await pageStoreOf(vm).readCapture(checkpoint.capture).catch((error: Error) => {
    throw new InvalidStateError(`The checkpoint '${checkpoint.name}' of '${vm.name}' cannot be ${purpose}: ${error.message}. The virtual machine was not changed.`)
  })
  const ram = new Uint8Array(capture.ramBytes)
  const written = new Uint8Array(capture.ramBytes / 4096)
  capture.fill(ram, written)
  return {savedState: await writeSavedState(directory, savedForVmId, ram, capture.machine, written), transcript: capture.console}
}

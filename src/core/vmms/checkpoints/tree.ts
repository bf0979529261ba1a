import {InvalidArgumentError, NotFoundError} from '../../errors.js'
import type {CheckpointConfiguration, CheckpointRecord, SnapshotType, StoreDocument, VmRecord} from '../../store/schema.js'
import {comPortsOf} from '../com-ports.js'
import {storageOf} from '../storage/controllers.js'
import {isWildcardPattern, nameMatches} from '../wildcard.js'

/**
 * The checkpoint tree, as pure operations on the store document. Each
 * checkpoint names its parent; the VM names the checkpoint its current state
 * derives from. Removing a checkpoint hands its children (and the VM, if it
 * derived from it) to its parent; every checkpoint's capture is complete in
 * itself, so what remains still applies exactly.
 */

export interface CheckpointQuery {
  names?: string[]
  ids?: string[]
  /** The parent of the checkpoint with this name. */
  parentOf?: string
  /** The children of the checkpoint with this name. */
  childOf?: string
  snapshotType?: SnapshotType
}

export const NOT_FOUND_MESSAGE = 'Unable to find a snapshot matching the given criteria.'

export function checkpointsOf(doc: Pick<StoreDocument, 'checkpoints'>, vmId: string): CheckpointRecord[] {
  return doc.checkpoints.filter((c) => c.vmId === vmId)
}

export function configurationOf(vm: VmRecord): CheckpointConfiguration {
  return structuredClone({
    generation: vm.generation, version: vm.version, notes: vm.notes, processor: vm.processor, memory: vm.memory, settings: vm.settings,
    bootSource: vm.bootSource, timeMode: vm.timeMode, tripleFaultAction: vm.tripleFaultAction,
    firmware: vm.firmware, video: vm.video, comPorts: comPortsOf(vm), storage: storageOf(vm),
    pluginDevices: vm.pluginDevices ?? [],
  })
}

/** One checkpoint by exact name (or id), for commands that act on one. */
function byName(all: readonly CheckpointRecord[], vm: VmRecord, name: string): CheckpointRecord {
  const found = all.find((c) => c.id.toLowerCase() === name.toLowerCase()) ?? all.find((c) => nameMatches(name, c.name))
  if (!found) throw new NotFoundError(`${NOT_FOUND_MESSAGE} No checkpoint named "${name}" was found for '${vm.name}'.`)
  return found
}

/**
 * The VM's checkpoints that match, in creation order. A plain name or id that
 * matches nothing is an error, as Get-VMSnapshot -Name says; a wildcard that
 * matches nothing is an empty result.
 */
export function findCheckpoints(doc: Pick<StoreDocument, 'checkpoints'>, vm: VmRecord, query: CheckpointQuery = {}): CheckpointRecord[] {
  const all = checkpointsOf(doc, vm.id)
  let result = all
  if (query.parentOf !== undefined) {
    const child = byName(all, vm, query.parentOf)
    result = result.filter((c) => c.id === child.parentCheckpointId)
  }
  if (query.childOf !== undefined) {
    const parent = byName(all, vm, query.childOf)
    result = result.filter((c) => c.parentCheckpointId === parent.id)
  }
  if (query.snapshotType !== undefined) result = result.filter((c) => c.snapshotType === query.snapshotType)
  const names = query.names ?? []
  const ids = query.ids ?? []
  if (names.length || ids.length) {
    const chosen = new Set<CheckpointRecord>()
    for (const pattern of names) {
      const matches = result.filter((c) => nameMatches(pattern, c.name))
      if (matches.length === 0 && !isWildcardPattern(pattern)) {
        throw new NotFoundError(`${NOT_FOUND_MESSAGE} No checkpoint named "${pattern}" was found for '${vm.name}'.`)
      }
      matches.forEach((c) => chosen.add(c))
    }
    for (const id of ids) {
      const match = result.find((c) => c.id.toLowerCase() === id.toLowerCase())
      if (!match) throw new NotFoundError(`${NOT_FOUND_MESSAGE} No checkpoint with ID "${id}" was found for '${vm.name}'.`)
      chosen.add(match)
    }
    result = result.filter((c) => chosen.has(c))
  }
  return result
}

/** Exactly one checkpoint: for restore and rename. */
export function findOneCheckpoint(doc: Pick<StoreDocument, 'checkpoints'>, vm: VmRecord, nameOrId: string): CheckpointRecord {
  const matches = findCheckpoints(doc, vm, isUuid(nameOrId) ? {ids: [nameOrId]} : {names: [nameOrId]})
  if (matches.length === 0) throw new NotFoundError(`${NOT_FOUND_MESSAGE} No checkpoint matches "${nameOrId}" for '${vm.name}'.`)
  if (matches.length > 1) {
    throw new InvalidArgumentError(
      `"${nameOrId}" matches ${matches.length} checkpoints of '${vm.name}'; name one (by its Id: ${matches.map((c) => c.id).join(', ')}).`,
    )
  }
  return matches[0]
}

function isUuid(text: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(text)
}

/** Register a new checkpoint: its parent is what the VM's state derived from; the VM now derives from it. */
export function addCheckpoint(doc: StoreDocument, vm: VmRecord, checkpoint: CheckpointRecord): void {
  doc.checkpoints.push(checkpoint)
  vm.parentCheckpointId = checkpoint.id
  vm.parentCheckpointName = checkpoint.name
}

/** The checkpoint and all below it, parents before children. */
export function subtree(doc: Pick<StoreDocument, 'checkpoints'>, root: CheckpointRecord): CheckpointRecord[] {
  const out = [root]
  for (let i = 0; i < out.length; i++) out.push(...doc.checkpoints.filter((c) => c.parentCheckpointId === out[i].id))
  return out
}

/**
 * Remove checkpoints (with their subtrees when `includeChildren`). Children of a
 * removed checkpoint move up to its nearest remaining ancestor, and so does the
 * VM. Returns what was removed.
 */
export function removeCheckpoints(doc: StoreDocument, vm: VmRecord, targets: readonly CheckpointRecord[], includeChildren: boolean): CheckpointRecord[] {
  const doomed = new Set<string>()
  for (const target of targets) for (const c of includeChildren ? subtree(doc, target) : [target]) doomed.add(c.id)
  const byId = new Map(doc.checkpoints.map((c) => [c.id, c]))
  const survivingAncestor = (id: string | null): string | null => {
    while (id !== null && doomed.has(id)) id = byId.get(id)?.parentCheckpointId ?? null
    return id
  }
  const removed = doc.checkpoints.filter((c) => doomed.has(c.id))
  doc.checkpoints = doc.checkpoints.filter((c) => !doomed.has(c.id))
  for (const c of doc.checkpoints) c.parentCheckpointId = survivingAncestor(c.parentCheckpointId)
  const parent = survivingAncestor(vm.parentCheckpointId)
  vm.parentCheckpointId = parent
  vm.parentCheckpointName = parent === null ? null : byId.get(parent)!.name
  return removed
}

export function renameCheckpoint(doc: StoreDocument, checkpoint: CheckpointRecord, newName: string): void {
  checkpoint.name = newName
  for (const vm of doc.vms) if (vm.parentCheckpointId === checkpoint.id) vm.parentCheckpointName = newName
}

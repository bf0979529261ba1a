/**
 * Checkpoints and virtual hard disks, as Hyper-V keeps them: taking a
 * checkpoint freezes each attached disk, which becomes the checkpoint's, and
 * gives the VM a differencing child of it to write to from then on
 * (`<disk>_<id>.avhdx` beside it, `.avhd` for a VHD). Applying a checkpoint
 * gives the VM a fresh child of the checkpoint's disk and discards the child
 * it was writing to. When checkpoints go away, a child whose parent nothing
 * else needs is merged back into it, so that with no checkpoints left the
 * drive is its own disk again.
 *
 * The order of every step keeps the data safe if hv stops part way: children
 * are created before the store points at them (and removed if that fails);
 * a merge copies the child's data into the parent, then the store points at
 * the parent, and only then is the child deleted.
 */
import {existsSync, rmSync} from 'node:fs'
import {basename, dirname, extname, join} from 'node:path'

import {InvalidStateError} from '../../errors.js'
import {chainPaths, createDisk, withDisk} from '../../storage/index.js'
import type {StorageSettings, StoreDocument, VmRecord} from '../../store/schema.js'
import type {Store} from '../../store/store.js'
import {copyDisk} from '../storage/disk-copy.js'
import {allocatedRanges} from '../storage/disk-ranges.js'

/** One drive's disk and the child the VM writes to after the checkpoint. */
export interface DiskChild {
  driveId: string
  parentPath: string
  childPath: string
}

/** The differencing disks hv makes for checkpoints end in _<GUID>.avhdx or .avhd. */
const CHECKPOINT_DISK = /_[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\.avhdx?$/i

export function isCheckpointDisk(path: string): boolean {
  return CHECKPOINT_DISK.test(path)
}

/** The children a checkpoint (or an apply) tagged `tag` gives each hard disk drive of `vm`. */
export function planDiskChildren(vm: {storage?: Pick<StorageSettings, 'drives'>}, tag: string): DiskChild[] {
  return (vm.storage?.drives ?? [])
    .filter((drive) => drive.kind === 'HardDisk' && drive.path !== null)
    .map((drive) => ({driveId: drive.id, parentPath: drive.path!, childPath: childPathFor(drive.path!, tag)}))
}

function childPathFor(parentPath: string, tag: string): string {
  const extension = extname(parentPath).toLowerCase()
  const vhdx = extension === '.vhdx' || extension === '.avhdx'
  // A child of a checkpoint disk is named after the original disk, not after its parent's name.
  const stem = basename(parentPath, extname(parentPath)).replace(/_[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, '')
  return join(dirname(parentPath), `${stem}_${tag}.${vhdx ? 'avhdx' : 'avhd'}`)
}

/** Create the children's files. If one cannot be made, those made are removed and the error names the disk. */
export function createDiskChildren(children: readonly DiskChild[]): void {
  const made: string[] = []
  try {
    for (const child of children) {
      if (existsSync(child.childPath)) throw new InvalidStateError(`The differencing disk '${child.childPath}' already exists.`)
      createDisk({path: child.childPath, type: 'Differencing', parentPath: child.parentPath}).close()
      made.push(child.childPath)
    }
  } catch (error) {
    removeDiskFiles(made)
    const why = error instanceof Error ? error.message : String(error)
    throw new InvalidStateError(`The virtual hard disks could not be given their checkpoint differencing disks: ${why}`)
  }
}

export function removeDiskFiles(paths: readonly string[]): void {
  for (const path of paths) rmSync(path, {force: true})
}

/** Point the VM's drives at their children (inside a store update); refuses if a drive moved meanwhile. */
export function pointDrivesAt(vm: VmRecord, children: readonly DiskChild[]): void {
  for (const child of children) {
    const drive = vm.storage?.drives.find((d) => d.id === child.driveId)
    if (!drive || drive.path !== child.parentPath) {
      throw new InvalidStateError(`The drives of '${vm.name}' changed while its checkpoint was taken.`)
    }
  }
  for (const child of children) vm.storage!.drives.find((d) => d.id === child.driveId)!.path = child.childPath
}

/** Every disk path a checkpoint or a VM's drive names (any VM's: two VMs never share a disk, but a copy might). */
export function referencedDisks(doc: Pick<StoreDocument, 'vms' | 'checkpoints'>): Set<string> {
  const paths = new Set<string>()
  for (const vm of doc.vms) for (const d of vm.storage?.drives ?? []) if (d.path) paths.add(d.path)
  for (const c of doc.checkpoints) for (const d of c.configuration.storage?.drives ?? []) if (d.path) paths.add(d.path)
  return paths
}

/**
 * After an apply: the children the VM was writing to that nothing names any
 * more (the state the apply discarded) are deleted.
 */
export function discardDisks(doc: Pick<StoreDocument, 'vms' | 'checkpoints'>, previousPaths: readonly string[]): void {
  const referenced = referencedDisks(doc)
  removeDiskFiles(previousPaths.filter((path) => isCheckpointDisk(path) && !referenced.has(path)))
}

/**
 * Merge checkpoint children back while their disks are closed (the VM off, or
 * its worker ending): a drive on a checkpoint disk whose parent no checkpoint
 * names and no other disk in use descends from is merged into that parent,
 * repeatedly, so that removing every checkpoint leaves the drive on its own
 * disk. Returns what could not be merged (to report), or nothing.
 */
export async function consolidateDisks(store: Store, vmId: string): Promise<string | undefined> {
  const skipped: string[] = []
  for (let round = 0; round < 64; round++) {
    const doc = await store.read()
    const vm = doc.vms.find((v) => v.id === vmId)
    if (!vm) return undefined
    const referenced = referencedDisks(doc)
    const candidate = (vm.storage?.drives ?? []).find((drive) => {
      if (drive.kind !== 'HardDisk' || !drive.path || !isCheckpointDisk(drive.path) || !existsSync(drive.path)) return false
      const parent = parentOf(drive.path)
      if (!parent || referenced.has(parent)) return false
      return !otherDescendants(referenced, parent, drive.path)
    })
    if (!candidate) return skipped.length ? skipped.join('; ') : undefined
    const child = candidate.path!
    const parent = parentOf(child)!
    try {
      // Copy what the child holds into the parent; the child still reads the same afterwards.
      withDisk(child, {readOnly: true}, (from) => {
        withDisk(parent, {}, (to) => copyDisk(from, to, allocatedRanges(from, from.parent), {skipZeros: false}))
      })
    } catch (error) {
      skipped.push(`'${child}' could not be merged into '${parent}': ${(error as Error).message}`)
      return skipped.join('; ')
    }
    await store.update((fresh) => {
      const drive = fresh.vms.find((v) => v.id === vmId)?.storage?.drives.find((d) => d.id === candidate.id)
      if (drive && drive.path === child) drive.path = parent
    })
    rmSync(child, {force: true})
  }
  return skipped.length ? skipped.join('; ') : undefined
}

function parentOf(path: string): string | null {
  try {
    return withDisk(path, {readOnly: true}, (disk) => disk.parentPath)
  } catch {
    return null
  }
}

/** Whether a disk in use other than `except` has `ancestor` in its chain (each chain opened once). */
function otherDescendants(referenced: ReadonlySet<string>, ancestor: string, except: string): boolean {
  for (const path of referenced) {
    if (path === except || path === ancestor) continue
    for (const level of chainPaths(path).slice(1)) {
      if (level === except) break
      if (level === ancestor) return true
    }
  }
  return false
}

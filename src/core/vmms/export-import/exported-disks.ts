/**
 * The virtual hard disks an export carries, as Hyper-V's Export-VM carries
 * them: every image a hard disk drive of the VM (or of one of its
 * checkpoints) uses, with the parents of differencing images, in the export's
 * "Virtual Hard Disks" folder; the exported configuration names them by their
 * place in the export. Import-VM uses them there (in place) or copies them to
 * -VhdDestinationPath (or the host's VirtualHardDiskPath).
 */
import {basename, extname, isAbsolute, join, resolve} from 'node:path'

import type {CheckpointRecord, StorageSettings, VmRecord} from '../../store/schema.js'
import {openDisk, withDisk} from '../../storage/index.js'
import {storageOf} from '../storage/controllers.js'

export const DISK_FOLDER = 'Virtual Hard Disks'

/**
 * The images to export, from their paths on this host to their paths inside
 * the export (`Virtual Hard Disks/<name>`, a number added where two share a name).
 */
export function disksToExport(vm: VmRecord, checkpoints: readonly CheckpointRecord[]): Map<string, string> {
  const images: string[] = []
  const add = (path: string) => {
    if (!images.includes(path)) images.push(path)
  }
  for (const storage of [storageOf(vm), ...checkpoints.map((c) => c.configuration.storage).filter((s): s is StorageSettings => s !== undefined)]) {
    for (const drive of storage.drives) {
      if (drive.kind !== 'HardDisk' || drive.path === null) continue
      for (const path of chainOf(drive.path)) add(path)
    }
  }
  const names = new Set<string>()
  const inExport = new Map<string, string>()
  for (const path of images) {
    let name = basename(path)
    for (let n = 2; names.has(name.toLowerCase()); n++) name = `${basename(path, extname(path))}-${n}${extname(path)}`
    names.add(name.toLowerCase())
    inExport.set(path, `${DISK_FOLDER}/${name}`)
  }
  return inExport
}

/** The image and, for a differencing image, each parent below it. */
function chainOf(path: string): string[] {
  const disk = openDisk(path, {readOnly: true})
  try {
    const chain: string[] = []
    for (let level: typeof disk | null = disk; level !== null; level = level.parent) chain.push(level.path)
    return chain
  } finally {
    disk.close()
  }
}

/** `storage` with each hard disk's path mapped by `map` (paths not in it stay as they are). */
export function withDiskPaths(storage: StorageSettings, map: (path: string) => string): StorageSettings {
  return {
    ...storage,
    drives: storage.drives.map((drive) => (drive.kind === 'HardDisk' && drive.path !== null ? {...drive, path: map(drive.path)} : drive)),
  }
}

/** Whether a path in an exported configuration is one of the export's disks (relative), not a path elsewhere. */
export function isExportedDisk(path: string): boolean {
  return !isAbsolute(path) && path.startsWith(`${DISK_FOLDER}/`)
}

/** Where an exported disk ends up on import: in the export (in place), or in `destination` (copied). */
export function importedDiskPath(path: string, exportFolder: string, destination: string | null): string {
  return destination === null ? join(exportFolder, path) : join(destination, path.slice(DISK_FOLDER.length + 1))
}

/**
 * Point each copied differencing disk at its parent's copy. A copy finds its
 * parent's copy by itself only when the two keep their places relative to
 * each other (the relative locator); a child copied away from its parent
 * (another folder, or a name changed to avoid a clash) would find the
 * original through its absolute locator, or nothing. `pairs` are images and
 * their copies, made together; returns the copies changed. Parents come
 * after their children in the pairs (as disksToExport lists them), so they
 * are seen to first.
 */
export function repointCopiedDisks(pairs: ReadonlyArray<{source: string; copy: string}>): string[] {
  const copyOf = new Map(pairs.map(({source, copy}) => [resolve(source), resolve(copy)]))
  const changed: string[] = []
  for (const {source, copy} of [...pairs].reverse()) {
    const parentCopy = copyOf.get(parentOf(source) ?? '')
    if (parentCopy === undefined || parentOf(copy) === parentCopy) continue
    withDisk(copy, {skipParent: true}, (disk) => disk.setParentPath(parentCopy))
    changed.push(copy)
  }
  return changed
}

/** The parent a differencing image at `path` opens, or null (not differencing, or its chain does not open). */
function parentOf(path: string): string | null {
  try {
    return withDisk(path, {readOnly: true}, (disk) => disk.parentPath)
  } catch {
    return null
  }
}

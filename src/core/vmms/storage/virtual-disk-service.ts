/**
 * The virtual hard disk cmdlets' side of the VMMS (Hyper-V's Image Management
 * Service): New-VHD, Get-VHD, Test-VHD, Convert-VHD, Merge-VHD, Optimize-VHD,
 * Resize-VHD, Set-VHD, Mount-VHD and Dismount-VHD on image files, through the
 * formats in core/storage. Each check is made before a file is touched, in
 * the cmdlets' words where they have them.
 */
import {randomUUID} from 'node:crypto'
import {existsSync, renameSync, rmSync, statSync} from 'node:fs'
import {hostname} from 'node:os'
import {basename, dirname, join, resolve} from 'node:path'

import {InvalidArgumentError, InvalidStateError, NotFoundError} from '../../errors.js'
import type {Store} from '../../store/store.js'
import {
  chainPaths, createDisk, DiskFormatError, formatForPath, openDisk, withDisk,
  type SectorSize, type VhdFormat, type VhdType, type VirtualDisk,
} from '../../storage/index.js'
import {storageOf} from './controllers.js'
import {copyDisk} from './disk-copy.js'
import {dismount, mount, mountedDevice} from './host-mount.js'
import {allocatedRanges} from './disk-ranges.js'
import {minimumSize} from './partition-table.js'
import {realPath} from '../../storage/real-path.js'

const GIB = 1024 ** 3
const TIB = 1024 ** 4
/** Get-VHD's VhdType values. */
export const VHD_TYPES = ['Fixed', 'Dynamic', 'Differencing'] as const

/** The largest virtual size each format takes (VHD: 2040 GiB; VHDX: 64 TiB). */
export const MAXIMUM_SIZE: Record<VhdFormat, number> = {VHD: 2040 * GIB, VHDX: 64 * TIB}

/** Get-VHD's VirtualHardDisk, as hv knows it. */
export interface VirtualHardDiskInfo {
  computerName: string
  path: string
  format: VhdFormat
  type: VhdType
  fileSize: number
  size: number
  minimumSize: number | null
  logicalSectorSize: SectorSize
  physicalSectorSize: SectorSize
  blockSize: number
  parentPath: string | null
  diskIdentifier: string
  fragmentationPercentage: number
  /** 1 when every data block starts on a physical sector boundary. */
  alignment: number
  /** Mounted on the host (Mount-VHD). */
  attached: boolean
  /** The host's number for the mounted disk (N of /dev/loopN), null when not mounted. */
  diskNumber: number | null
  /** The host device the disk is mounted as, null when not mounted. */
  devicePath: string | null
}

export interface ResizeVhdOptions {
  sizeBytes?: number
  /** Resize-VHD -ToMinimumSize: to Get-VHD's MinimumSize. */
  toMinimumSize?: boolean
}

export interface SetVhdOptions {
  parentPath?: string
  ignoreIdMismatch?: boolean
  resetDiskIdentifier?: boolean
  physicalSectorSizeBytes?: number
}

export interface NewVhdOptions {
  path: string
  type: VhdType
  sizeBytes?: number
  parentPath?: string
  blockSizeBytes?: number
  logicalSectorSizeBytes?: number
  physicalSectorSizeBytes?: number
}

export interface ConvertVhdOptions {
  path: string
  destinationPath: string
  /** The destination's type; by default the source's (a differencing source gives a dynamic copy without -ParentPath). */
  vhdType?: VhdType
  parentPath?: string
  blockSizeBytes?: number
  deleteSource?: boolean
  onProgress?: (done: number, total: number) => void
}

export interface TestVhdResult {
  path: string
  valid: boolean
  /** Why not, when it is not. */
  problem: string | null
}

export class VirtualDiskService {
  /**
   * `store` holds the VMs' drive configuration, which Resize-VHD, Set-VHD and
   * Mount-VHD consult to leave alone the images running VMs use; without it
   * they are not checked.
   */
  constructor(private readonly store: Store | null = null) {}

  /** Get-VHD: the image at `path` (and nothing is written). */
  describe(path: string): VirtualHardDiskInfo {
    const absolute = resolve(path)
    requireFile(absolute)
    return withDisk(absolute, {readOnly: true}, (disk) => describeDisk(disk))
  }

  /** New-VHD: create the image; it must not exist yet. */
  create(options: NewVhdOptions): VirtualHardDiskInfo {
    const path = resolve(options.path)
    const format = formatForPath(path)
    if (existsSync(path)) throw new InvalidArgumentError(`Failed to create the virtual hard disk. The system failed to create '${path}': The file exists.`)
    if (!existsSync(dirname(path))) throw new NotFoundError(`Failed to create the virtual hard disk. The folder '${dirname(path)}' does not exist.`)
    const logical = sectorSize(options.logicalSectorSizeBytes, 'LogicalSectorSizeBytes')
    const physical = sectorSize(options.physicalSectorSizeBytes, 'PhysicalSectorSizeBytes')
    if (format === 'VHD' && (logical === 4096 || physical === 4096)) {
      throw new InvalidArgumentError('The VHD format has 512-byte sectors only: use a .vhdx path for 4096-byte sectors.')
    }
    let parentPath: string | undefined
    let size = options.sizeBytes
    if (options.type === 'Differencing') {
      if (options.parentPath === undefined) throw new InvalidArgumentError('Cannot process command because of one or more missing mandatory parameters: ParentPath.')
      parentPath = resolve(options.parentPath)
      requireFile(parentPath)
      const parentFormat = withDisk(parentPath, {readOnly: true}, (parent) => parent.format)
      if (parentFormat !== format) {
        throw new InvalidArgumentError(`The differencing disk '${path}' must have the format of its parent '${parentPath}' (${parentFormat}).`)
      }
      if (size !== undefined) throw new InvalidArgumentError('A differencing disk takes the size of its parent: leave out -SizeBytes.')
    } else {
      if (options.parentPath !== undefined) throw new InvalidArgumentError('-ParentPath goes with -Differencing only.')
      if (size === undefined) throw new InvalidArgumentError('Cannot process command because of one or more missing mandatory parameters: SizeBytes.')
      checkSize(size, format, logical ?? 512)
    }
    const disk = createDisk({
      path, format, type: options.type, size, parentPath, blockSize: options.blockSizeBytes,
      logicalSectorSize: logical, physicalSectorSize: physical,
    })
    try {
      return describeDisk(disk)
    } finally {
      disk.close()
    }
  }

  /** Test-VHD: whether the image and every parent in its chain open and agree. */
  test(path: string): TestVhdResult {
    const absolute = resolve(path)
    requireFile(absolute)
    try {
      withDisk(absolute, {readOnly: true}, () => undefined)
      return {path: absolute, valid: true, problem: null}
    } catch (error) {
      if (error instanceof DiskFormatError) return {path: absolute, valid: false, problem: error.message}
      throw error
    }
  }

  /**
   * Convert-VHD: a new image at the destination (its format from its name)
   * with the source's contents, of the type asked for; the source is deleted
   * afterwards with -DeleteSource. Only what can hold data is copied.
   */
  convert(options: ConvertVhdOptions): VirtualHardDiskInfo {
    const source = resolve(options.path)
    const destination = resolve(options.destinationPath)
    requireFile(source)
    const format = formatForPath(destination)
    if (existsSync(destination)) throw new InvalidArgumentError(`Failed to convert the virtual hard disk. The destination '${destination}' exists.`)
    const info = withDisk(source, {readOnly: true}, (from) => {
      const type = options.vhdType ?? (from.type === 'Differencing' && options.parentPath === undefined ? 'Dynamic' : from.type)
      const parentSource = type === 'Differencing' ? options.parentPath ?? from.parentPath : undefined
      if (type === 'Differencing' && !parentSource) throw new InvalidArgumentError('Converting to a differencing disk needs -ParentPath.')
      const parentPath = parentSource ? resolve(parentSource) : undefined
      if (format === 'VHD' && (from.logicalSectorSize === 4096)) {
        throw new InvalidArgumentError(`'${source}' has 4096-byte sectors, which the VHD format cannot hold.`)
      }
      checkSize(from.size, format, from.logicalSectorSize)
      const to = createDisk({
        path: destination, format, type, parentPath, size: type === 'Differencing' ? undefined : from.size,
        blockSize: options.blockSizeBytes, logicalSectorSize: format === 'VHD' ? 512 : from.logicalSectorSize,
        physicalSectorSize: format === 'VHD' ? 512 : from.physicalSectorSize,
      })
      return fillOrRemove(to, () => {
        if (to.size !== from.size) {
          throw new InvalidArgumentError(`The parent '${parentPath}' is ${to.size} bytes and '${source}' ${from.size}: a differencing disk must match its parent's size.`)
        }
        copyDisk(from, to, allocatedRanges(from), {skipZeros: type !== 'Differencing', skipSameAs: to.parent, onProgress: options.onProgress})
      })
    })
    if (options.deleteSource) rmSync(source)
    return info
  }

  /**
   * Merge-VHD: the differencing image at `path` (and any between it and the
   * destination) into its parent, or into the ancestor `destinationPath`
   * names. The merged images are deleted, as Hyper-V deletes them.
   */
  merge(path: string, destinationPath?: string, onProgress?: (done: number, total: number) => void): VirtualHardDiskInfo {
    const child = resolve(path)
    requireFile(child)
    const chain = withDisk(child, {readOnly: true}, (disk) => {
      if (disk.type !== 'Differencing') throw new InvalidArgumentError(`'${child}' is not a differencing disk: there is nothing to merge.`)
      const paths: string[] = []
      for (let level: VirtualDisk | null = disk; level !== null; level = level.parent) paths.push(level.path)
      return paths
    })
    const target = destinationPath === undefined ? chain[1] : resolve(destinationPath)
    const targetIndex = chain.indexOf(target)
    if (targetIndex < 1) throw new InvalidArgumentError(`'${target}' is not an ancestor of '${child}' in its differencing chain.`)
    // The child is read through its chain while the destination, opened writable on its own, takes each chunk.
    // Chunks do not overlap, and each is read before it is written: what the chain's read-only view of the
    // destination has not seen change is all that later chunks read of it.
    withDisk(child, {readOnly: true}, (from) => {
      const ranges = allocatedRanges(from, ancestorAt(from, targetIndex))
      withDisk(target, {}, (to) => copyDisk(from, to, ranges, {skipZeros: false, onProgress}))
    })
    for (const merged of chain.slice(0, targetIndex)) rmSync(merged)
    return this.describe(target)
  }

  /**
   * Resize-VHD: to -SizeBytes, or to the MinimumSize the disk's partitions
   * need. VHDX grows and shrinks (never over data); VHD only grows; a
   * differencing disk keeps its parent's size.
   */
  async resize(path: string, options: ResizeVhdOptions): Promise<VirtualHardDiskInfo> {
    const absolute = resolve(path)
    requireFile(absolute)
    if ((options.sizeBytes === undefined) === !options.toMinimumSize) {
      throw new InvalidArgumentError('Parameter set cannot be resolved using the specified named parameters: give one of -SizeBytes and -ToMinimumSize.')
    }
    await this.requireChangeable(absolute, 'Resize-VHD')
    withDisk(absolute, {}, (disk) => {
      let size = options.sizeBytes
      if (options.toMinimumSize) {
        const minimum = minimumSize(disk)
        if (minimum === null) throw new InvalidArgumentError(`'${absolute}' has no partition table, so it has no minimum size to resize to: give -SizeBytes.`)
        size = minimum
      }
      checkSize(size!, disk.format, disk.logicalSectorSize)
      disk.resize(size!)
    })
    return this.describe(absolute)
  }

  /**
   * Set-VHD: a differencing disk's parent (a moved or copied one; the disk is
   * opened without looking for the old one), a new disk identifier, the
   * physical sector size.
   */
  async set(path: string, options: SetVhdOptions): Promise<VirtualHardDiskInfo> {
    const absolute = resolve(path)
    requireFile(absolute)
    const physical = sectorSize(options.physicalSectorSizeBytes, 'PhysicalSectorSizeBytes')
    if (options.parentPath === undefined && !options.resetDiskIdentifier && physical === undefined) {
      throw new InvalidArgumentError('Set-VHD needs something to change: -ParentPath, -ResetDiskIdentifier or -PhysicalSectorSizeBytes.')
    }
    if (options.ignoreIdMismatch && options.parentPath === undefined) throw new InvalidArgumentError('-IgnoreIdMismatch goes with -ParentPath.')
    await this.requireChangeable(absolute, 'Set-VHD')
    withDisk(absolute, {skipParent: true}, (disk) => {
      if (options.parentPath !== undefined) {
        if (disk.type !== 'Differencing') throw new InvalidArgumentError(`'${absolute}' is not a differencing disk: only a differencing disk has a parent.`)
        disk.setParentPath(resolve(options.parentPath), {ignoreIdMismatch: options.ignoreIdMismatch})
      }
      if (options.resetDiskIdentifier || physical !== undefined) {
        disk.setMetadata({diskIdentifier: options.resetDiskIdentifier ? randomUUID() : undefined, physicalSectorSize: physical})
      }
    })
    return this.describe(absolute)
  }

  /** Mount-VHD: the image as a block device of this host (see host-mount.ts for which images and hosts). */
  async mount(path: string, options: {readOnly?: boolean} = {}): Promise<VirtualHardDiskInfo> {
    const absolute = resolve(path)
    requireFile(absolute)
    const mounted = mountedDevice(absolute)
    if (mounted) throw new InvalidStateError(`The virtual hard disk '${absolute}' is already mounted as ${mounted.path}.`)
    await this.requireChangeable(absolute, 'Mount-VHD')
    withDisk(absolute, {readOnly: true}, (disk) => mount(disk, options.readOnly ?? false))
    return this.describe(absolute)
  }

  /** Dismount-VHD: detach the image from the host device Mount-VHD gave it. */
  dismount(path: string): VirtualHardDiskInfo {
    const absolute = resolve(path)
    requireFile(absolute)
    const mounted = mountedDevice(absolute)
    if (!mounted) throw new InvalidStateError(`The virtual hard disk '${absolute}' is not mounted on this host.`)
    dismount(absolute, mounted)
    return this.describe(absolute)
  }

  /**
   * Refuse to change an image a running VM uses (as its drive's image, or as
   * a parent of one), or one mounted on the host: the worker, or the host,
   * has it open and would see it change under it.
   */
  private async requireChangeable(path: string, cmdlet: string): Promise<void> {
    const mounted = mountedDevice(path)
    if (mounted && cmdlet !== 'Mount-VHD') throw new InvalidStateError(`${cmdlet} cannot change '${path}': it is mounted on this host as ${mounted.path}; dismount it first.`)
    if (!this.store) return
    const doc = await this.store.read()
    const target = realPath(path)
    for (const vm of doc.vms) {
      if (vm.worker === null) continue
      for (const drive of storageOf(vm).drives) {
        if (drive.kind !== 'HardDisk' || drive.path === null) continue
        if (chainPaths(drive.path).some((image) => realPath(image) === target)) {
          throw new InvalidStateError(`${cmdlet} cannot change '${path}': the running virtual machine '${vm.name}' uses it. Turn the virtual machine off first.`)
        }
      }
    }
  }

  /**
   * Optimize-VHD: compact a dynamic or differencing image. Its contents go to
   * a new image of the same kind (same identifier, same parent) without the
   * blocks that hold only zeros (or, in a differencing image, only what the
   * parent holds already), which then takes the old file's place.
   */
  optimize(path: string): VirtualHardDiskInfo {
    const absolute = resolve(path)
    requireFile(absolute)
    const temporary = join(dirname(absolute), `.${basename(absolute)}.optimize-${process.pid}`)
    withDisk(absolute, {readOnly: true}, (from) => {
      if (from.type === 'Fixed') throw new InvalidArgumentError(`'${absolute}' is a fixed disk: only dynamic and differencing disks can be compacted.`)
      const to = createDisk({
        path: temporary, format: from.format, type: from.type, size: from.type === 'Differencing' ? undefined : from.size,
        parentPath: from.parentPath ?? undefined, blockSize: from.blockSize, logicalSectorSize: from.logicalSectorSize,
        physicalSectorSize: from.physicalSectorSize, diskIdentifier: from.diskIdentifier,
      })
      fillOrRemove(to, () => copyDisk(from, to, allocatedRanges(from, from.parent), {skipZeros: from.type === 'Dynamic', skipSameAs: to.parent}))
    })
    renameSync(temporary, absolute)
    return this.describe(absolute)
  }
}

/** Runs `fill` on a new image and closes it; an image that could not be filled is deleted. Returns its description. */
function fillOrRemove(disk: VirtualDisk, fill: () => void): VirtualHardDiskInfo {
  let info: VirtualHardDiskInfo
  try {
    fill()
    info = describeDisk(disk)
  } catch (error) {
    disk.close()
    rmSync(disk.path, {force: true})
    throw error
  }
  disk.close()
  return info
}

function describeDisk(disk: VirtualDisk): VirtualHardDiskInfo {
  const blocks = disk.allocatedBlocks()
  const mounted = mountedDevice(disk.path)
  return {
    computerName: hostname(),
    path: disk.path,
    format: disk.format,
    type: disk.type,
    fileSize: disk.fileSize(),
    size: disk.size,
    minimumSize: minimumSize(disk),
    logicalSectorSize: disk.logicalSectorSize,
    physicalSectorSize: disk.physicalSectorSize,
    blockSize: disk.blockSize,
    parentPath: disk.parentPath,
    diskIdentifier: disk.diskIdentifier.toUpperCase(),
    fragmentationPercentage: fragmentation(blocks),
    alignment: blocks.every((block) => block.fileOffset % disk.physicalSectorSize === 0) ? 1 : 0,
    attached: mounted !== null,
    diskNumber: mounted?.number ?? null,
    devicePath: mounted?.path ?? null,
  }
}

/** The share of allocated blocks that do not follow their predecessor (in virtual order) in the file, in percent. */
function fragmentation(blocks: ReadonlyArray<{virtualOffset: number; fileOffset: number}>): number {
  if (blocks.length < 2) return 0
  const inOrder = [...blocks].sort((a, b) => a.virtualOffset - b.virtualOffset)
  let breaks = 0
  for (let i = 1; i < inOrder.length; i++) if (inOrder[i].fileOffset <= inOrder[i - 1].fileOffset) breaks++
  return Math.round((100 * breaks) / (inOrder.length - 1))
}

function requireFile(path: string): void {
  if (!existsSync(path) || !statSync(path).isFile()) throw new NotFoundError(`The virtual hard disk '${path}' does not exist.`)
}

function sectorSize(value: number | undefined, parameter: string): SectorSize | undefined {
  if (value === undefined || value === 512 || value === 4096) return value
  throw new InvalidArgumentError(`Cannot validate argument on parameter '${parameter}'. The value ${value} is not 512 or 4096.`)
}

function checkSize(size: number, format: VhdFormat, logicalSectorSize: number): void {
  if (!Number.isSafeInteger(size) || size <= 0) throw new InvalidArgumentError(`The size ${size} is not a positive number of bytes.`)
  if (size % logicalSectorSize !== 0) throw new InvalidArgumentError(`The size ${size} is not a multiple of the logical sector size (${logicalSectorSize} bytes).`)
  if (size > MAXIMUM_SIZE[format]) {
    throw new InvalidArgumentError(`The size ${size} is more than the ${format} format allows (${MAXIMUM_SIZE[format] / GIB} GB).`)
  }
}

/** The image `levels` below `disk` in its chain. */
function ancestorAt(disk: VirtualDisk, levels: number): VirtualDisk | null {
  let level: VirtualDisk | null = disk
  for (let k = 0; k < levels && level; k++) level = level.parent
  return level
}


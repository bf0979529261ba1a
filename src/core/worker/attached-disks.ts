/**
 * The media behind a running VM's drives: each hard disk drive's virtual hard
 * disk opened read-write (and kept open while the worker runs, as Hyper-V's
 * worker holds its disks), each DVD drive's ISO image opened read-only. The
 * storage devices get these by controller and location; the worker flushes
 * them at save and checkpoint and closes them when it ends.
 */
import {closeSync, fstatSync, openSync, readSync} from 'node:fs'

import type {BlockMedium} from '../devices/storage/index.js'
import {InvalidStateError} from '../errors.js'
import {openDisk, type VirtualDisk} from '../storage/index.js'
import type {ControllerType, DriveSettings, VmRecord} from '../store/schema.js'

/** One drive and what is in it (null: an empty DVD drive). */
export interface AttachedDrive {
  readonly drive: DriveSettings
  readonly medium: BlockMedium | null
}

/**
 * A hard disk drive's medium: the virtual hard disk it holds now. A checkpoint
 * swaps the disk under it (the drive moves to a differencing child) while the
 * devices keep the same medium; between release() and attach() no guest I/O
 * runs, as the processor is held.
 */
export class HardDiskMedium implements BlockMedium {
  constructor(
    private disk: VirtualDisk | null,
    private readonly vmName: string,
    private drive: DriveSettings,
  ) {}

  private get current(): VirtualDisk {
    if (!this.disk) throw new Error(`the disk at ${this.drive.controllerType} ${this.drive.controllerNumber}:${this.drive.controllerLocation} is being switched`)
    return this.disk
  }

  get size(): number {
    return this.current.size
  }
  get logicalSectorSize(): number {
    return this.current.logicalSectorSize
  }
  get physicalSectorSize(): number {
    return this.current.physicalSectorSize
  }
  get readOnly(): boolean {
    return this.current.readOnly
  }
  get diskIdentifier(): string {
    return this.current.diskIdentifier
  }
  get path(): string | null {
    return this.disk?.path ?? null
  }

  read(offset: number, into: Uint8Array): void {
    this.current.read(offset, into)
  }
  write(offset: number, data: Uint8Array): void {
    this.current.write(offset, data)
  }
  flush(): void {
    this.disk?.flush()
  }

  /** Flush and close the disk (before its file becomes a checkpoint's parent). */
  release(): void {
    const disk = this.disk
    this.disk = null
    disk?.close()
  }

  /** Open the disk at `path` in its place. */
  attach(path: string): void {
    this.release()
    this.drive = {...this.drive, path}
    this.disk = openDiskFor(this.vmName, this.drive)
  }

  close(): void {
    this.release()
  }
}

export class AttachedDisks {
  private constructor(
    private readonly drives: AttachedDrive[],
    private readonly closers: Array<() => void>,
  ) {}

  /** Open every drive's medium; a disk that cannot be opened stops the VM from starting, naming it. */
  static open(vm: VmRecord): AttachedDisks {
    const drives: AttachedDrive[] = []
    const closers: Array<() => void> = []
    try {
      for (const drive of vm.storage?.drives ?? []) {
        if (drive.path === null) {
          drives.push({drive, medium: null})
        } else if (drive.kind === 'HardDisk') {
          const disk = new HardDiskMedium(openDiskFor(vm.name, drive), vm.name, drive)
          closers.push(() => disk.close())
          drives.push({drive, medium: disk})
        } else {
          const iso = IsoImage.open(drive.path)
          closers.push(() => iso.close())
          drives.push({drive, medium: iso})
        }
      }
    } catch (error) {
      for (const close of closers) close()
      throw error
    }
    return new AttachedDisks(drives, closers)
  }

  /** The drives on one kind of controller (all numbers), in controller/location order. */
  on(controllerType: ControllerType): AttachedDrive[] {
    return this.drives
      .filter((d) => d.drive.controllerType === controllerType)
      .sort((a, b) => a.drive.controllerNumber - b.drive.controllerNumber || a.drive.controllerLocation - b.drive.controllerLocation)
  }

  /** The hard disk medium of drive `driveId` (a DriveSettings id), if the VM has it. */
  hardDisk(driveId: string): HardDiskMedium | null {
    const medium = this.drives.find((d) => d.drive.id === driveId)?.medium
    return medium instanceof HardDiskMedium ? medium : null
  }

  /** Everything written is on the host files (before a save or a checkpoint). */
  flush(): void {
    for (const {medium} of this.drives) medium?.flush()
  }

  close(): void {
    for (const close of this.closers.splice(0)) {
      try {
        close()
      } catch {
        // Closing is best effort at the end of a worker: the data was flushed.
      }
    }
  }
}

function openDiskFor(vmName: string, drive: DriveSettings): VirtualDisk {
  try {
    return openDisk(drive.path!)
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error)
    throw new InvalidStateError(
      `'${vmName}' failed to start: the virtual hard disk at ${drive.controllerType} ${drive.controllerNumber}:${drive.controllerLocation} could not be opened (${why}).`,
    )
  }
}

/** An ISO 9660 image in a DVD drive: 2048-byte sectors, read-only. */
export class IsoImage implements BlockMedium {
  readonly logicalSectorSize = 2048
  readonly physicalSectorSize = 2048
  readonly readOnly = true
  readonly diskIdentifier: string

  private constructor(
    private fd: number | null,
    readonly size: number,
    readonly path: string,
  ) {
    // A stable identity from the file's size and name, for the drive's serial number.
    this.diskIdentifier = `00000000-0000-0000-0000-${(size % 2 ** 48).toString(16).padStart(12, '0')}`
  }

  static open(path: string): IsoImage {
    const fd = openSync(path, 'r')
    const bytes = fstatSync(fd).size
    // The medium ends at the last whole 2048-byte sector.
    return new IsoImage(fd, bytes - (bytes % 2048), path)
  }

  read(offset: number, into: Uint8Array): void {
    if (this.fd === null) throw new Error(`${this.path} is closed`)
    if (offset < 0 || offset + into.length > this.size) throw new RangeError(`read of ${into.length} bytes at ${offset} is outside ${this.path}`)
    let done = 0
    while (done < into.length) {
      const n = readSync(this.fd, into, done, into.length - done, offset + done)
      if (n === 0) throw new Error(`${this.path} ended early`)
      done += n
    }
  }

  write(): void {
    throw new Error(`${this.path} is a read-only medium`)
  }

  /** Nothing is ever written to an ISO image. */
  flush(): void {}

  close(): void {
    if (this.fd !== null) closeSync(this.fd)
    this.fd = null
  }
}

/**
 * The drive and controller cmdlets' side of the VMMS: hard disk drives, DVD
 * drives, SCSI controllers and Generation 1's IDE controllers and floppy
 * drive, kept in each VM's configuration as Hyper-V keeps them. Every change
 * is checked against the VM's controllers (controllers.ts) and its state, in
 * the store's lock, and named in the event log.
 */
import {existsSync, openSync, readSync, closeSync, statSync} from 'node:fs'
import {resolve} from 'node:path'

import {InvalidArgumentError, InvalidStateError, NotFoundError} from '../../errors.js'
import type {DriveKind, DriveSettings, StoreDocument, VmRecord, VmState} from '../../store/schema.js'
import type {Store} from '../../store/store.js'
import {logEvent} from '../event-log.js'
import {selectVms, type VmSelector} from '../vm-selection.js'
import {
  chooseSlot, controllerCount, driveName, MAX_SCSI_CONTROLLERS, requireDvdController, requireFreeSlot, sameSlot, storageOf, type DriveSlot,
} from './controllers.js'
import type {VirtualDiskService} from './virtual-disk-service.js'

/** One drive of one VM, as Get-VMHardDiskDrive and Get-VMDvdDrive return it. */
export interface DriveRow {
  vm: VmRecord
  drive: DriveSettings
}

/** One controller of one VM, as Get-VMScsiController and Get-VMIdeController return it. */
export interface ControllerRow {
  vm: VmRecord
  controllerType: 'IDE' | 'SCSI'
  number: number
  drives: DriveSettings[]
}

/**
 * States in which drives change. hv's worker builds the VM's devices when it
 * starts; until its controllers take drives while running, changes wait for Off.
 */
const CHANGEABLE_STATES: readonly VmState[] = ['Off', 'OffCritical']
/** ISO 9660's primary volume descriptor says "CD001" at byte 0x8001. */
const ISO_SIGNATURE_OFFSET = 0x8001
/** The largest floppy image: 2.88 MB. */
const FLOPPY_MAX_BYTES = 2_949_120

export class DriveService {
  constructor(
    private readonly store: Store,
    private readonly disks: VirtualDiskService,
  ) {}

  drives(vms: readonly VmRecord[], kind: DriveKind, filter: Partial<DriveSlot> = {}): DriveRow[] {
    return vms.flatMap((vm) =>
      storageOf(vm).drives
        .filter((drive) => drive.kind === kind && matches(drive, filter))
        .map((drive) => ({vm, drive})),
    )
  }

  controllers(vms: readonly VmRecord[], type: 'IDE' | 'SCSI', number?: number): ControllerRow[] {
    return vms.flatMap((vm) =>
      [...Array(controllerCount(vm, type)).keys()]
        .filter((n) => number === undefined || n === number)
        .map((n) => ({vm, controllerType: type, number: n, drives: storageOf(vm).drives.filter((d) => d.controllerType === type && d.controllerNumber === n)})),
    )
  }

  /** Add-VMHardDiskDrive: the image at `path` on the slot given, or the first free one. */
  async addHardDiskDrive(selector: VmSelector, slot: Partial<DriveSlot>, path: string): Promise<DriveRow[]> {
    const image = resolve(path)
    const test = this.disks.test(image)
    if (!test.valid) throw new InvalidArgumentError(`The virtual hard disk '${image}' cannot be used: ${test.problem}`)
    return this.change(selector, (doc, vm) => {
      const holder = attachedTo(doc, image)
      if (holder) throw new InvalidArgumentError(`The virtual hard disk '${image}' is already attached to '${holder.name}'.`)
      const drive: DriveSettings = {kind: 'HardDisk', ...chooseSlot(vm, 'HardDisk', slot), path: image, id: globalThis.crypto.randomUUID()}
      storageOf(vm).drives.push(drive)
      return [drive, `The virtual hard disk '${image}' was attached to '${vm.name}' (${driveName(drive)}).`]
    })
  }

  /** Set-VMHardDiskDrive: another image, or another slot (-ToControllerType/Number/Location). */
  async setHardDiskDrive(selector: VmSelector, slot: DriveSlot, changes: {path?: string; to?: Partial<DriveSlot>}): Promise<DriveRow[]> {
    const image = changes.path === undefined ? undefined : resolve(changes.path)
    if (image !== undefined) {
      const test = this.disks.test(image)
      if (!test.valid) throw new InvalidArgumentError(`The virtual hard disk '${image}' cannot be used: ${test.problem}`)
    }
    return this.change(selector, (doc, vm) => {
      const drive = findDrive(vm, 'HardDisk', slot)
      if (image !== undefined && image !== drive.path) {
        const holder = attachedTo(doc, image)
        if (holder) throw new InvalidArgumentError(`The virtual hard disk '${image}' is already attached to '${holder.name}'.`)
        drive.path = image
      }
      if (changes.to && Object.values(changes.to).some((v) => v !== undefined)) {
        const target = {
          controllerType: changes.to.controllerType ?? drive.controllerType,
          controllerNumber: changes.to.controllerNumber ?? drive.controllerNumber,
          controllerLocation: changes.to.controllerLocation ?? drive.controllerLocation,
        }
        requireFreeSlot(vm, target, drive)
        Object.assign(drive, target)
      }
      return [drive, `${driveName(drive)} of '${vm.name}' was configured: Path '${drive.path}'.`]
    })
  }

  async removeDrive(selector: VmSelector, kind: DriveKind, slot: DriveSlot): Promise<void> {
    await this.change(selector, (_doc, vm) => {
      const drive = findDrive(vm, kind, slot)
      const storage = storageOf(vm)
      storage.drives = storage.drives.filter((d) => d !== drive)
      return [drive, `${driveName(drive)} was removed from '${vm.name}'.`]
    })
  }

  /** Add-VMDvdDrive: an empty drive, or one with the ISO image at `path`. */
  async addDvdDrive(selector: VmSelector, slot: Partial<DriveSlot>, path: string | null): Promise<DriveRow[]> {
    const image = path === null ? null : requireIso(path)
    return this.change(selector, (_doc, vm) => {
      if (slot.controllerType) requireDvdController(vm, slot.controllerType)
      const drive: DriveSettings = {kind: 'DvdDrive', ...chooseSlot(vm, 'DvdDrive', slot), path: image, id: globalThis.crypto.randomUUID()}
      storageOf(vm).drives.push(drive)
      return [drive, `A DVD drive was added to '${vm.name}' (${driveName(drive)})${image ? ` with '${image}'` : ''}.`]
    })
  }

  /** Set-VMDvdDrive -Path: insert an ISO image, or empty the drive (null). */
  async setDvdDrive(selector: VmSelector, slot: DriveSlot, path: string | null): Promise<DriveRow[]> {
    const image = path === null ? null : requireIso(path)
    return this.change(selector, (_doc, vm) => {
      const drive = findDrive(vm, 'DvdDrive', slot)
      drive.path = image
      return [drive, `${driveName(drive)} of '${vm.name}' ${image ? `holds '${image}'` : 'was emptied'}.`]
    })
  }

  async addScsiController(selector: VmSelector): Promise<ControllerRow[]> {
    const rows: ControllerRow[] = []
    await this.change(selector, (_doc, vm) => {
      const storage = storageOf(vm)
      if (storage.scsiControllers.length >= MAX_SCSI_CONTROLLERS) {
        throw new InvalidArgumentError(`'${vm.name}' has ${MAX_SCSI_CONTROLLERS} SCSI controllers, the most a virtual machine can have.`)
      }
      storage.scsiControllers.push(globalThis.crypto.randomUUID())
      rows.push({vm, controllerType: 'SCSI', number: storage.scsiControllers.length - 1, drives: []})
      return [null, `SCSI controller number ${storage.scsiControllers.length - 1} was added to '${vm.name}'.`]
    })
    return rows
  }

  /** Remove-VMScsiController: one without drives; those after it are numbered one lower, as on Hyper-V. */
  async removeScsiController(selector: VmSelector, number: number): Promise<void> {
    await this.change(selector, (_doc, vm) => {
      const storage = storageOf(vm)
      if (!Number.isInteger(number) || number < 0 || number >= storage.scsiControllers.length) {
        throw new NotFoundError(`'${vm.name}' has no SCSI controller number ${number}.`)
      }
      if (storage.drives.some((d) => d.controllerType === 'SCSI' && d.controllerNumber === number)) {
        throw new InvalidStateError(`SCSI controller number ${number} of '${vm.name}' has drives: remove them first.`)
      }
      storage.scsiControllers.splice(number, 1)
      for (const drive of storage.drives) if (drive.controllerType === 'SCSI' && drive.controllerNumber > number) drive.controllerNumber--
      return [null, `SCSI controller number ${number} was removed from '${vm.name}'.`]
    })
  }

  /** Set-VMFloppyDiskDrive -Path: a .vfd image in Generation 1's floppy drive, or none (null). */
  async setFloppy(selector: VmSelector, path: string | null): Promise<VmRecord[]> {
    const image = path === null ? null : requireFloppy(path)
    const vms: VmRecord[] = []
    await this.change(selector, (_doc, vm) => {
      if (vm.generation !== 1) throw new InvalidArgumentError(`'${vm.name}' is a Generation 2 virtual machine: it has no floppy drive.`)
      storageOf(vm).floppyPath = image
      vms.push(vm)
      return [null, `The floppy drive of '${vm.name}' ${image ? `holds '${image}'` : 'was emptied'}.`]
    })
    return vms
  }

  /**
   * One change to each selected VM, in the store's lock: `apply` changes the
   * VM's storage (storage() of a VM without one gives it its defaults first)
   * and says what it did; nothing is written if any VM refuses.
   */
  private async change(
    selector: VmSelector,
    apply: (doc: StoreDocument, vm: VmRecord) => [DriveSettings | null, string],
  ): Promise<DriveRow[]> {
    return this.store.update((doc) => {
      const rows: DriveRow[] = []
      for (const vm of selectVms(doc.vms, selector)) {
        if (!CHANGEABLE_STATES.includes(vm.state)) {
          throw new InvalidStateError(`The operation cannot be performed while '${vm.name}' is in its current state (${vm.state}): hv changes drives and controllers while the virtual machine is off.`)
        }
        vm.storage = storageOf(vm)
        const [drive, event] = apply(doc, vm)
        logEvent(doc, vm, event)
        if (drive) rows.push({vm: {...vm}, drive: {...drive}})
      }
      return rows
    })
  }
}

function matches(drive: DriveSettings, filter: Partial<DriveSlot>): boolean {
  return (filter.controllerType === undefined || drive.controllerType === filter.controllerType) &&
    (filter.controllerNumber === undefined || drive.controllerNumber === filter.controllerNumber) &&
    (filter.controllerLocation === undefined || drive.controllerLocation === filter.controllerLocation)
}

function findDrive(vm: VmRecord, kind: DriveKind, slot: DriveSlot): DriveSettings {
  const drive = storageOf(vm).drives.find((d) => d.kind === kind && sameSlot(d, slot))
  if (!drive) {
    const what = kind === 'HardDisk' ? 'hard disk drive' : 'DVD drive'
    throw new NotFoundError(`'${vm.name}' has no ${what} on ${slot.controllerType} controller number ${slot.controllerNumber} at location ${slot.controllerLocation}.`)
  }
  return drive
}

/** The VM whose hard disk drive holds the image at `path`, if any. */
function attachedTo(doc: StoreDocument, path: string): VmRecord | undefined {
  return doc.vms.find((vm) => storageOf(vm).drives.some((d) => d.kind === 'HardDisk' && d.path === path))
}

function requireIso(path: string): string {
  const image = resolve(path)
  if (!existsSync(image) || !statSync(image).isFile()) throw new NotFoundError(`The ISO image '${image}' does not exist.`)
  const signature = Buffer.alloc(5)
  const fd = openSync(image, 'r')
  try {
    readSync(fd, signature, 0, 5, ISO_SIGNATURE_OFFSET)
  } finally {
    closeSync(fd)
  }
  if (signature.toString('latin1') !== 'CD001') throw new InvalidArgumentError(`'${image}' is not an ISO 9660 image (no "CD001" at byte 0x8001).`)
  return image
}

function requireFloppy(path: string): string {
  const image = resolve(path)
  if (!existsSync(image) || !statSync(image).isFile()) throw new NotFoundError(`The floppy image '${image}' does not exist.`)
  const size = statSync(image).size
  if (size === 0 || size > FLOPPY_MAX_BYTES || size % 512 !== 0) {
    throw new InvalidArgumentError(`'${image}' is not a floppy image: it is ${size} bytes (a .vfd is a multiple of 512 bytes, at most 2.88 MB).`)
  }
  return image
}

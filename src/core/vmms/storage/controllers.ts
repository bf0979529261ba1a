/**
 * A VM's storage controllers and the rules its drives obey, as on Hyper-V:
 * Generation 1 has two IDE controllers of two locations each (and a floppy
 * drive) and up to four SCSI controllers; Generation 2 has no IDE, and up to
 * four SCSI controllers of 64 locations. A location holds one drive. DVD
 * drives hang on IDE on Generation 1 and on SCSI on Generation 2.
 */
import {InvalidArgumentError, NotFoundError} from '../../errors.js'
import {defaultStorage, type ControllerType, type DriveKind, type DriveSettings, type StorageSettings, type VmRecord} from '../../store/schema.js'

export const IDE_CONTROLLERS = 2
export const IDE_LOCATIONS = 2
export const MAX_SCSI_CONTROLLERS = 4
export const SCSI_LOCATIONS = 64

export interface DriveSlot {
  controllerType: ControllerType
  controllerNumber: number
  controllerLocation: number
}

/** A VM's storage, with a new VM's defaults for a record that has none. */
export function storageOf(vm: Pick<VmRecord, 'storage' | 'generation'>): StorageSettings {
  return vm.storage ?? defaultStorage(vm.generation)
}

/** How many controllers of the type the VM has. */
export function controllerCount(vm: VmRecord, type: ControllerType): number {
  return type === 'IDE' ? (vm.generation === 1 ? IDE_CONTROLLERS : 0) : storageOf(vm).scsiControllers.length
}

export function locationsPerController(type: ControllerType): number {
  return type === 'IDE' ? IDE_LOCATIONS : SCSI_LOCATIONS
}

/** "Hard Drive on IDE controller number 0 at location 1", as Hyper-V names a drive. */
export function driveName(drive: Pick<DriveSettings, 'kind' | 'controllerType' | 'controllerNumber' | 'controllerLocation'>): string {
  const what = drive.kind === 'HardDisk' ? 'Hard Drive' : 'DVD Drive'
  return `${what} on ${drive.controllerType} controller number ${drive.controllerNumber} at location ${drive.controllerLocation}`
}

export function sameSlot(a: DriveSlot, b: DriveSlot): boolean {
  return a.controllerType === b.controllerType && a.controllerNumber === b.controllerNumber && a.controllerLocation === b.controllerLocation
}

/** Checks that `slot` exists on the VM and is free (but for the drive `except`). */
export function requireFreeSlot(vm: VmRecord, slot: DriveSlot, except?: DriveSettings): void {
  requireControllerType(vm, slot.controllerType)
  const count = controllerCount(vm, slot.controllerType)
  if (!Number.isInteger(slot.controllerNumber) || slot.controllerNumber < 0 || slot.controllerNumber >= count) {
    throw new NotFoundError(`'${vm.name}' has no ${slot.controllerType} controller number ${slot.controllerNumber} (it has ${count}).`)
  }
  const locations = locationsPerController(slot.controllerType)
  if (!Number.isInteger(slot.controllerLocation) || slot.controllerLocation < 0 || slot.controllerLocation >= locations) {
    throw new InvalidArgumentError(`The controller location ${slot.controllerLocation} is not valid: ${slot.controllerType} controllers have locations 0 to ${locations - 1}.`)
  }
  const taken = storageOf(vm).drives.find((d) => d !== except && sameSlot(d, slot))
  if (taken) throw new InvalidArgumentError(`The ${slot.controllerType} controller number ${slot.controllerNumber} of '${vm.name}' already has a drive at location ${slot.controllerLocation}.`)
}

/**
 * Where a drive goes when the caller leaves some of the slot out, as
 * Add-VMHardDiskDrive and Add-VMDvdDrive choose: the first free location of
 * the controllers of the type given (IDE before SCSI on Generation 1 when no
 * type is given; DVD drives only where their generation has them).
 */
export function chooseSlot(vm: VmRecord, kind: DriveKind, wanted: Partial<DriveSlot>): DriveSlot {
  if (wanted.controllerType) requireControllerType(vm, wanted.controllerType)
  const types: ControllerType[] = wanted.controllerType
    ? [wanted.controllerType]
    : vm.generation === 1 ? (kind === 'DvdDrive' ? ['IDE'] : ['IDE', 'SCSI']) : ['SCSI']
  for (const controllerType of types) {
    const numbers = wanted.controllerNumber === undefined ? [...Array(controllerCount(vm, controllerType)).keys()] : [wanted.controllerNumber]
    for (const controllerNumber of numbers) {
      const locations = wanted.controllerLocation === undefined ? [...Array(locationsPerController(controllerType)).keys()] : [wanted.controllerLocation]
      for (const controllerLocation of locations) {
        const slot = {controllerType, controllerNumber, controllerLocation}
        if (!storageOf(vm).drives.some((d) => sameSlot(d, slot))) {
          requireFreeSlot(vm, slot)
          return slot
        }
      }
    }
  }
  const where = wanted.controllerType ?? types.join(' or ')
  if (wanted.controllerNumber !== undefined && wanted.controllerLocation !== undefined) requireFreeSlot(vm, wanted as DriveSlot)
  throw new InvalidArgumentError(`'${vm.name}' has no free location on its ${where} controllers${wanted.controllerNumber === undefined ? '' : ` (number ${wanted.controllerNumber})`}.`)
}

/** Generation 2 has no IDE controllers. */
function requireControllerType(vm: VmRecord, type: ControllerType): void {
  if (type === 'IDE' && vm.generation === 2) {
    throw new InvalidArgumentError(`'${vm.name}' is a Generation 2 virtual machine: it has no IDE controllers. Use -ControllerType SCSI.`)
  }
}

/** DVD drives go on IDE (Generation 1) or SCSI (Generation 2) only. */
export function requireDvdController(vm: VmRecord, type: ControllerType): void {
  const expected: ControllerType = vm.generation === 1 ? 'IDE' : 'SCSI'
  if (type !== expected) throw new InvalidArgumentError(`A Generation ${vm.generation} virtual machine has its DVD drives on ${expected} controllers.`)
}

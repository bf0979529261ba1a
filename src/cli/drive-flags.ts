import {InvalidArgumentError} from '../core/errors.js'
import {CONTROLLER_TYPES, type DriveSlot} from '../core/vmms/index.js'
import {enumFlag, integerFlag} from './flags.js'

/** -ControllerType, -ControllerNumber and -ControllerLocation, which every drive cmdlet takes. */
export const driveSlotFlags = {
  'controller-type': enumFlag('ControllerType', CONTROLLER_TYPES, 'The controller kind'),
  'controller-number': integerFlag('ControllerNumber', 'The controller\'s number (from 0).'),
  'controller-location': integerFlag('ControllerLocation', 'The location on the controller (IDE 0-1, SCSI 0-63).'),
}

/** Set-VMHardDiskDrive's move: -ToControllerType, -ToControllerNumber, -ToControllerLocation. */
export const driveMoveFlags = {
  'to-controller-type': enumFlag('ToControllerType', CONTROLLER_TYPES, 'Move the drive to this controller kind'),
  'to-controller-number': integerFlag('ToControllerNumber', 'Move the drive to this controller.'),
  'to-controller-location': integerFlag('ToControllerLocation', 'Move the drive to this location.'),
}

interface SlotFlags {
  'controller-type'?: 'IDE' | 'SCSI'
  'controller-number'?: number
  'controller-location'?: number
}

/** The slot as far as it was given. */
export function partialSlot(flags: SlotFlags): Partial<DriveSlot> {
  return {controllerType: flags['controller-type'], controllerNumber: flags['controller-number'], controllerLocation: flags['controller-location']}
}

/** A drive named by all three, as the cmdlets that change one drive need it. */
export function fullSlot(flags: SlotFlags): DriveSlot {
  const slot = partialSlot(flags)
  const missing = (['ControllerType', 'ControllerNumber', 'ControllerLocation'] as const).filter(
    (name, k) => [slot.controllerType, slot.controllerNumber, slot.controllerLocation][k] === undefined,
  )
  if (missing.length) throw new InvalidArgumentError(`Cannot process command because of one or more missing mandatory parameters: ${missing.join(' ')}.`)
  return slot as DriveSlot
}

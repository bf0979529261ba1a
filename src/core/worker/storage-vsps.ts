/**
 * The storage VSPs a VM's drives call for, as Hyper-V's worker builds them:
 * each SCSI controller is one synthetic SCSI channel (its instance id the
 * controller's), its drives LUNs on target 0 at their locations; on
 * Generation 1 each IDE hard disk also gets an IDE accelerator channel, whose
 * instance id names its controller and location (Linux hv_storvsc reads the
 * IDE path from bytes 0-3 and the target from bytes 4-5). DVD drives on IDE
 * stay emulated only, as on Hyper-V.
 */
import {ScsiDisk, ScsiDvd, type ScsiLogicalUnit} from '../devices/storage/scsi/index.js'
import {IDE_ACCELERATOR_CLASS_ID, SCSI_CONTROLLER_CLASS_ID, StorVsp} from '../devices/synthetic/storvsp/index.js'
import type {AttachedDisks, AttachedDrive} from './attached-disks.js'

export function createStorageVsps(options: {generation: 1 | 2; scsiControllers: readonly string[]; disks: AttachedDisks}): StorVsp[] {
  const vsps: StorVsp[] = []
  const scsiDrives = options.disks.on('SCSI')
  options.scsiControllers.forEach((instanceId, controller) => {
    const units = scsiDrives
      .filter((d) => d.drive.controllerNumber === controller)
      .map((d) => ({path: 0, target: 0, lun: d.drive.controllerLocation, unit: unitFor(d)}))
    vsps.push(new StorVsp({offer: {name: 'Synthetic SCSI Controller', classId: SCSI_CONTROLLER_CLASS_ID, instanceId}, kind: 'SCSI', units}))
  })
  if (options.generation === 1) {
    for (const drive of options.disks.on('IDE')) {
      if (drive.drive.kind !== 'HardDisk' || !drive.medium) continue
      const {controllerNumber, controllerLocation} = drive.drive
      vsps.push(new StorVsp({
        offer: {name: 'Synthetic IDE Accelerator', classId: IDE_ACCELERATOR_CLASS_ID, instanceId: ideAcceleratorInstanceId(controllerNumber, controllerLocation)},
        kind: 'IDE',
        units: [{path: controllerNumber, target: controllerLocation, lun: 0, unit: unitFor(drive)}],
      }))
    }
  }
  return vsps
}

/** Controller in the GUID's first field, location in its second, as the guest decodes them. */
export function ideAcceleratorInstanceId(controller: number, location: number): string {
  return `${controller.toString(16).padStart(8, '0')}-${location.toString(16).padStart(4, '0')}-8899-0000-000000000000`
}

function unitFor(drive: AttachedDrive): ScsiLogicalUnit {
  if (drive.drive.kind === 'DvdDrive') return new ScsiDvd(drive.medium)
  return new ScsiDisk(drive.medium!)
}

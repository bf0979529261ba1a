import {driveName, type DriveRow} from '../../core/vmms/index.js'
import type {View} from '../render.js'

/** Hyper-V's Id of a drive: Microsoft:<VMId>\<drive instance>\<controller number>\<location>\D. */
function driveId(row: DriveRow): string {
  const {vm, drive} = row
  return `Microsoft:${vm.id.toUpperCase()}\\${drive.id.toUpperCase()}\\${drive.controllerNumber}\\${drive.controllerLocation}\\D`
}

function common(row: DriveRow) {
  const {vm, drive} = row
  return {
    Name: driveName(drive),
    Id: driveId(row),
    VMName: vm.name,
    VMId: vm.id,
    ControllerType: drive.controllerType,
    ControllerNumber: drive.controllerNumber,
    ControllerLocation: drive.controllerLocation,
    Path: drive.path ?? '',
    ComputerName: 'localhost',
    IsDeleted: false,
    VMSnapshotId: '00000000-0000-0000-0000-000000000000',
    VMSnapshotName: '',
  }
}

/** Get-VMHardDiskDrive's HardDiskDrive object. */
export function hardDiskDriveObject(row: DriveRow) {
  return {...common(row), DiskNumber: null, PoolName: 'Primordial', SupportPersistentReservations: false, MaximumIOPS: 0, MinimumIOPS: 0, QoSPolicyID: '00000000-0000-0000-0000-000000000000', WriteHardeningMethod: 0}
}

export const hardDiskDriveView: View<DriveRow, ReturnType<typeof hardDiskDriveObject>> = {
  object: hardDiskDriveObject,
  columns: [
    {header: 'VMName', value: (r) => r.vm.name},
    {header: 'ControllerType', value: (r) => r.drive.controllerType},
    {header: 'ControllerNumber', value: (r) => r.drive.controllerNumber, align: 'right'},
    {header: 'ControllerLocation', value: (r) => r.drive.controllerLocation, align: 'right'},
    {header: 'DiskNumber', value: () => ''},
    {header: 'Path', value: (r) => r.drive.path ?? ''},
  ],
}

/** Get-VMDvdDrive's DvdDrive object: DvdMediaType None or ISO. */
export function dvdDriveObject(row: DriveRow) {
  return {...common(row), DvdMediaType: row.drive.path ? 'ISO' : 'None', DvdMediaTypeValue: row.drive.path ? 1 : 0}
}

export const dvdDriveView: View<DriveRow, ReturnType<typeof dvdDriveObject>> = {
  object: dvdDriveObject,
  columns: [
    {header: 'VMName', value: (r) => r.vm.name},
    {header: 'ControllerType', value: (r) => r.drive.controllerType},
    {header: 'ControllerNumber', value: (r) => r.drive.controllerNumber, align: 'right'},
    {header: 'ControllerLocation', value: (r) => r.drive.controllerLocation, align: 'right'},
    {header: 'DvdMediaType', value: (r) => (r.drive.path ? 'ISO' : 'None')},
    {header: 'Path', value: (r) => r.drive.path ?? ''},
  ],
}

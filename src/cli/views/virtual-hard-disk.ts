import type {VirtualHardDiskInfo} from '../../core/vmms/index.js'
import type {View} from '../render.js'

/** Get-VHD's VirtualHardDisk object, with the cmdlet's property names. */
export function virtualHardDiskObject(disk: VirtualHardDiskInfo) {
  return {
    ComputerName: disk.computerName,
    Path: disk.path,
    VhdFormat: disk.format,
    VhdType: disk.type,
    FileSize: disk.fileSize,
    Size: disk.size,
    MinimumSize: disk.minimumSize,
    LogicalSectorSize: disk.logicalSectorSize,
    PhysicalSectorSize: disk.physicalSectorSize,
    BlockSize: disk.blockSize,
    ParentPath: disk.parentPath ?? '',
    DiskIdentifier: disk.diskIdentifier,
    FragmentationPercentage: disk.fragmentationPercentage,
    Alignment: disk.alignment,
    Attached: disk.attached,
    DiskNumber: disk.diskNumber,
    IsPMEMCompatible: false,
    AddressAbstractionType: 'None',
    Number: disk.diskNumber,
    /** Not a Hyper-V property: the host device Mount-VHD attached the disk as (/dev/loopN). */
    DevicePath: disk.devicePath,
  }
}

/** Get-VHD shows a list by default, as on Hyper-V; the table has the columns that tell disks apart. */
export const virtualHardDiskView: View<VirtualHardDiskInfo, ReturnType<typeof virtualHardDiskObject>> = {
  object: virtualHardDiskObject,
  defaultFormat: 'list',
  columns: [
    {header: 'Path', value: (disk) => disk.path},
    {header: 'VhdFormat', value: (disk) => disk.format},
    {header: 'VhdType', value: (disk) => disk.type},
    {header: 'FileSize', value: (disk) => disk.fileSize, align: 'right'},
    {header: 'Size', value: (disk) => disk.size, align: 'right'},
    {header: 'ParentPath', value: (disk) => disk.parentPath ?? ''},
  ],
}

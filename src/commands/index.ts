/**
 * Every command, by id. oclif finds commands here (its "explicit" discovery), so
 * the whole command line ships as one bundle that starts fast; adding a cmdlet
 * means adding its file and one line.
 */
import ConnectVm from './connect-vm.js'
import GetVm from './get-vm.js'
import GetVmComPort from './get-vmcomport.js'
import GetVmConsole from './get-vmconsole.js'
import GetVmEvent from './get-vmevent.js'
import GetVmHost from './get-vmhost.js'
import GetVmMemory from './get-vmmemory.js'
import GetVmProcessor from './get-vmprocessor.js'
import GetVmSecurity from './get-vmsecurity.js'
import Help from './help.js'
import NewVm from './new-vm.js'
import RemoveVm from './remove-vm.js'
import RenameVm from './rename-vm.js'
import RestartVm from './restart-vm.js'
import ResumeVm from './resume-vm.js'
import SaveVm from './save-vm.js'
import SetVm from './set-vm.js'
import SetVmComPort from './set-vmcomport.js'
import SetVmHost from './set-vmhost.js'
import SetVmMemory from './set-vmmemory.js'
import SetVmProcessor from './set-vmprocessor.js'
import StartVm from './start-vm.js'
import StopVm from './stop-vm.js'
import SuspendVm from './suspend-vm.js'
import WaitVm from './wait-vm.js'
// VMBus and the integration services.
import DisableVmIntegrationService from './disable-vmintegrationservice.js'
import EnableVmIntegrationService from './enable-vmintegrationservice.js'
import GetVmBus from './get-vmbus.js'
import GetVmIntegrationService from './get-vmintegrationservice.js'
import GetVmKvp from './get-vmkvp.js'
import RemoveVmKvp from './remove-vmkvp.js'
import SetVmKvp from './set-vmkvp.js'
// Checkpoints, export and import.
import CheckpointVm from './checkpoint-vm.js'
import CompareVm from './compare-vm.js'
import ExportVm from './export-vm.js'
import ExportVmSnapshot from './export-vmsnapshot.js'
import GetVmCheckpoint from './get-vmcheckpoint.js'
import ImportVm from './import-vm.js'
import RemoveVmCheckpoint from './remove-vmcheckpoint.js'
import RenameVmCheckpoint from './rename-vmcheckpoint.js'
import RestoreVmCheckpoint from './restore-vmcheckpoint.js'
// Firmware, boot order, video and configuration versions.
import GetVmBios from './get-vmbios.js'
import GetVmFirmware from './get-vmfirmware.js'
import GetVmHostSupportedVersion from './get-vmhostsupportedversion.js'
import GetVmVideo from './get-vmvideo.js'
import RemoveVmSavedState from './remove-vmsavedstate.js'
import SetVmBios from './set-vmbios.js'
import SetVmFirmware from './set-vmfirmware.js'
import SetVmVideo from './set-vmvideo.js'
import UpdateVmVersion from './update-vmversion.js'
// Resource metering.
import DisableVmResourceMetering from './disable-vmresourcemetering.js'
import EnableVmResourceMetering from './enable-vmresourcemetering.js'
import MeasureVm from './measure-vm.js'
import ResetVmResourceMetering from './reset-vmresourcemetering.js'
// Virtual hard disks.
import ConvertVhd from './convert-vhd.js'
import DismountVhd from './dismount-vhd.js'
import GetVhd from './get-vhd.js'
import MergeVhd from './merge-vhd.js'
import MountVhd from './mount-vhd.js'
import NewVhd from './new-vhd.js'
import OptimizeVhd from './optimize-vhd.js'
import ResizeVhd from './resize-vhd.js'
import SetVhd from './set-vhd.js'
import TestVhd from './test-vhd.js'
// Drives and controllers.
import AddVmHardDiskDrive from './add-vmharddiskdrive.js'
import GetVmHardDiskDrive from './get-vmharddiskdrive.js'
import SetVmHardDiskDrive from './set-vmharddiskdrive.js'
import RemoveVmHardDiskDrive from './remove-vmharddiskdrive.js'
import AddVmDvdDrive from './add-vmdvddrive.js'
import GetVmDvdDrive from './get-vmdvddrive.js'
import SetVmDvdDrive from './set-vmdvddrive.js'
import RemoveVmDvdDrive from './remove-vmdvddrive.js'
import AddVmScsiController from './add-vmscsicontroller.js'
import GetVmScsiController from './get-vmscsicontroller.js'
import RemoveVmScsiController from './remove-vmscsicontroller.js'
import GetVmIdeController from './get-vmidecontroller.js'
import GetVmFloppyDiskDrive from './get-vmfloppydiskdrive.js'
import SetVmFloppyDiskDrive from './set-vmfloppydiskdrive.js'
// Plug-in devices.
import AddVmPluginDevice from './add-vmplugindevice.js'
import GetVmPluginDevice from './get-vmplugindevice.js'
import RemoveVmPluginDevice from './remove-vmplugindevice.js'

export const COMMANDS = {
  'disable-vmintegrationservice': DisableVmIntegrationService,
  'enable-vmintegrationservice': EnableVmIntegrationService,
  'get-vmbus': GetVmBus,
  'get-vmintegrationservice': GetVmIntegrationService,
  'get-vmkvp': GetVmKvp,
  'remove-vmkvp': RemoveVmKvp,
  'set-vmkvp': SetVmKvp,
  'connect-vm': ConnectVm,
  'get-vm': GetVm,
  'get-vmcomport': GetVmComPort,
  'get-vmconsole': GetVmConsole,
  'get-vmevent': GetVmEvent,
  'get-vmhost': GetVmHost,
  'get-vmmemory': GetVmMemory,
  'get-vmprocessor': GetVmProcessor,
  'get-vmsecurity': GetVmSecurity,
  help: Help,
  'new-vm': NewVm,
  'remove-vm': RemoveVm,
  'rename-vm': RenameVm,
  'restart-vm': RestartVm,
  'resume-vm': ResumeVm,
  'save-vm': SaveVm,
  'set-vm': SetVm,
  'set-vmcomport': SetVmComPort,
  'set-vmhost': SetVmHost,
  'set-vmmemory': SetVmMemory,
  'set-vmprocessor': SetVmProcessor,
  'start-vm': StartVm,
  'stop-vm': StopVm,
  'suspend-vm': SuspendVm,
  'wait-vm': WaitVm,
  // Checkpoints, export and import (the *-vmsnapshot spellings are the commands' aliases).
  'checkpoint-vm': CheckpointVm,
  'compare-vm': CompareVm,
  'export-vm': ExportVm,
  'export-vmsnapshot': ExportVmSnapshot,
  'get-vmcheckpoint': GetVmCheckpoint,
  'import-vm': ImportVm,
  'remove-vmcheckpoint': RemoveVmCheckpoint,
  'rename-vmcheckpoint': RenameVmCheckpoint,
  'restore-vmcheckpoint': RestoreVmCheckpoint,
  // Firmware, boot order, video and configuration versions.
  'get-vmbios': GetVmBios,
  'get-vmfirmware': GetVmFirmware,
  'get-vmhostsupportedversion': GetVmHostSupportedVersion,
  'get-vmvideo': GetVmVideo,
  'remove-vmsavedstate': RemoveVmSavedState,
  'set-vmbios': SetVmBios,
  'set-vmfirmware': SetVmFirmware,
  'set-vmvideo': SetVmVideo,
  'update-vmversion': UpdateVmVersion,
  // Resource metering.
  'disable-vmresourcemetering': DisableVmResourceMetering,
  'enable-vmresourcemetering': EnableVmResourceMetering,
  'measure-vm': MeasureVm,
  'reset-vmresourcemetering': ResetVmResourceMetering,
  // Virtual hard disks.
  'convert-vhd': ConvertVhd,
  'dismount-vhd': DismountVhd,
  'get-vhd': GetVhd,
  'merge-vhd': MergeVhd,
  'mount-vhd': MountVhd,
  'new-vhd': NewVhd,
  'optimize-vhd': OptimizeVhd,
  'resize-vhd': ResizeVhd,
  'set-vhd': SetVhd,
  'test-vhd': TestVhd,
  // Drives and controllers.
  'add-vmharddiskdrive': AddVmHardDiskDrive,
  'get-vmharddiskdrive': GetVmHardDiskDrive,
  'set-vmharddiskdrive': SetVmHardDiskDrive,
  'remove-vmharddiskdrive': RemoveVmHardDiskDrive,
  'add-vmdvddrive': AddVmDvdDrive,
  'get-vmdvddrive': GetVmDvdDrive,
  'set-vmdvddrive': SetVmDvdDrive,
  'remove-vmdvddrive': RemoveVmDvdDrive,
  'add-vmscsicontroller': AddVmScsiController,
  'get-vmscsicontroller': GetVmScsiController,
  'remove-vmscsicontroller': RemoveVmScsiController,
  'get-vmidecontroller': GetVmIdeController,
  'get-vmfloppydiskdrive': GetVmFloppyDiskDrive,
  'set-vmfloppydiskdrive': SetVmFloppyDiskDrive,
  // Plug-in devices.
  'add-vmplugindevice': AddVmPluginDevice,
  'get-vmplugindevice': GetVmPluginDevice,
  'remove-vmplugindevice': RemoveVmPluginDevice,
}

/**
 * Every command, by id. oclif finds commands here (its "explicit" discovery), so
 * the whole command line ships as one bundle that starts fast; adding a cmdlet
 * means adding its file and one line.
 */
import GetVm from './get-vm.js'
import GetVmEvent from './get-vmevent.js'
import GetVmHost from './get-vmhost.js'
import GetVmMemory from './get-vmmemory.js'
import GetVmProcessor from './get-vmprocessor.js'
import Help from './help.js'
import NewVm from './new-vm.js'
import RemoveVm from './remove-vm.js'
import RenameVm from './rename-vm.js'
import SetVm from './set-vm.js'
import SetVmHost from './set-vmhost.js'
import SetVmMemory from './set-vmmemory.js'
import SetVmProcessor from './set-vmprocessor.js'

export const COMMANDS = {
  'get-vm': GetVm,
  'get-vmevent': GetVmEvent,
  'get-vmhost': GetVmHost,
  'get-vmmemory': GetVmMemory,
  'get-vmprocessor': GetVmProcessor,
  help: Help,
  'new-vm': NewVm,
  'remove-vm': RemoveVm,
  'rename-vm': RenameVm,
  'set-vm': SetVm,
  'set-vmhost': SetVmHost,
  'set-vmmemory': SetVmMemory,
  'set-vmprocessor': SetVmProcessor,
}

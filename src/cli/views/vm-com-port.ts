import type {ComPortRow} from '../../core/vmms/index.js'
import type {View} from '../render.js'

/** Get-VMComPort's VMComPort object. */
export function vmComPortObject({vm, number, settings}: ComPortRow) {
  return {
    VMName: vm.name,
    VMId: vm.id,
    Name: `COM ${number}`,
    Id: `Microsoft:${vm.id.toUpperCase()}\\ComPort\\${number - 1}`,
    Path: settings.path,
    DebuggerMode: settings.debuggerMode,
    IsDeleted: false,
  }
}

export const vmComPortView: View<ComPortRow, ReturnType<typeof vmComPortObject>> = {
  object: vmComPortObject,
  columns: [
    {header: 'VMName', value: ({vm}) => vm.name},
    {header: 'Name', value: ({number}) => `COM ${number}`},
    {header: 'Path', value: ({settings}) => settings.path},
  ],
}

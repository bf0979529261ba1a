import type {EventRecord} from '../../core/vmms/index.js'
import {formatDateTime, type View} from '../render.js'

/** An entry of the VMMS event log, shaped like Get-WinEvent's records. */
export function vmEventObject(event: EventRecord) {
  return {
    Id: event.id,
    TimeCreated: event.timeCreated,
    LevelDisplayName: event.level,
    VMName: event.vmName,
    VMId: event.vmId,
    UserName: event.user,
    Message: event.message,
  }
}

export const vmEventView: View<EventRecord, ReturnType<typeof vmEventObject>> = {
  object: vmEventObject,
  columns: [
    {header: 'TimeCreated', value: (e) => formatDateTime(e.timeCreated)},
    {header: 'Id', value: (e) => e.id, align: 'right'},
    {header: 'LevelDisplayName', value: (e) => e.level},
    {header: 'VMName', value: (e) => e.vmName},
    {header: 'Message', value: (e) => e.message},
  ],
}

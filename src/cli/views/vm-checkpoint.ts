import type {CheckpointView} from '../../core/vmms/checkpoints/checkpoint-service.js'
import {formatDateTime, type View} from '../render.js'

/** Get-VMSnapshot's VMSnapshot object: the properties scripts use, with stable names. */
export function checkpointObject({checkpoint, vm, parentName}: CheckpointView) {
  const config = checkpoint.configuration
  return {
    Id: checkpoint.id,
    Name: checkpoint.name,
    VMName: vm.name,
    VMId: vm.id,
    SnapshotType: checkpoint.snapshotType,
    CreationTime: checkpoint.creationTime,
    ParentCheckpointId: checkpoint.parentCheckpointId,
    ParentCheckpointName: parentName,
    ParentSnapshotId: checkpoint.parentCheckpointId,
    ParentSnapshotName: parentName,
    State: checkpoint.state,
    IsAutomaticCheckpoint: checkpoint.automatic,
    IsCurrent: vm.parentCheckpointId === checkpoint.id,
    Generation: config.generation,
    Version: config.version,
    ProcessorCount: config.processor.count,
    MemoryStartup: config.memory.startup,
    Notes: config.notes,
    MemoryPages: checkpoint.capture?.pages ?? 0,
    AddedBytes: checkpoint.capture?.addedBytes ?? 0,
  }
}

export const checkpointView: View<CheckpointView, ReturnType<typeof checkpointObject>> = {
  object: checkpointObject,
  columns: [
    {header: 'VMName', value: ({vm}) => vm.name},
    {header: 'Name', value: ({checkpoint}) => checkpoint.name},
    {header: 'SnapshotType', value: ({checkpoint}) => checkpoint.snapshotType},
    {header: 'CreationTime', value: ({checkpoint}) => formatDateTime(checkpoint.creationTime)},
    {header: 'ParentSnapshotName', value: ({parentName}) => parentName},
  ],
}

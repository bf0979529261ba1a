import {NotFoundError, StoreError} from '../../errors.js'
import type {CheckpointRecord, SnapshotType, VmRecord} from '../../store/schema.js'
import type {Store} from '../../store/store.js'
import {logEvent} from '../event-log.js'
import {pageStoreOf, withCheckpointLock} from './files.js'
import type {CaptureSource} from './page-store.js'
import {createDiskChildren, type DiskChild, pointDrivesAt, removeDiskFiles} from './checkpoint-disks.js'
import {addCheckpoint, configurationOf} from './tree.js'

/** What the VMMS decided about a checkpoint before anything is captured. */
export interface CheckpointPlan {
  id: string
  name: string
  snapshotType: SnapshotType
  automatic: boolean
  /** The differencing children the VM's disks get: the disks themselves become the checkpoint's. */
  disks?: DiskChild[]
}

/**
 * Take a checkpoint: write its files (capture and new pages) first, register it
 * in the store last, both under the VM's checkpoint lock. If anything fails
 * (a full disk, the VM gone or changed meanwhile), the files written are
 * removed and nothing is registered. `check` runs on the VM's fresh record
 * inside the store update and may throw to refuse.
 * Used by the VMMS for Off and Saved VMs and by the worker for running ones.
 */
export async function takeCheckpoint(
  store: Store,
  vm: Pick<VmRecord, 'id' | 'path' | 'settings'>,
  plan: CheckpointPlan,
  source: (() => CaptureSource | Promise<CaptureSource>) | null,
  check?: (vm: VmRecord) => void,
  user?: string,
): Promise<CheckpointRecord> {
  const pages = pageStoreOf(vm)
  return withCheckpointLock(vm, async () => {
    const written = source ? await pages.writeCapture(`capture-${plan.id}.json`, await source()).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOSPC' && error.code !== 'EDQUOT' && error.code !== 'EROFS' && error.code !== 'EACCES') throw error
      throw new StoreError(`Checkpoint operation failed: the checkpoint files cannot be written under ${pages.directory} (${error.code}). Nothing was registered and the partial files were removed.`)
    }) : null
    const disks = plan.disks ?? []
    try {
      createDiskChildren(disks)
    } catch (error) {
      if (written) await pages.removeFiles(written.files)
      throw error
    }
    try {
      return await store.update((doc) => {
        const current = doc.vms.find((v) => v.id === vm.id)
        if (!current) throw new NotFoundError(`Hyper-V was unable to find a virtual machine with ID "${vm.id}".`)
        check?.(current)
        const record: CheckpointRecord = {
          id: plan.id,
          vmId: current.id,
          name: plan.name,
          snapshotType: plan.snapshotType,
          creationTime: new Date().toISOString(),
          parentCheckpointId: current.parentCheckpointId,
          automatic: plan.automatic,
          state: written ? 'Saved' : 'Off',
          configuration: configurationOf(current),
          capture: written?.record ?? null,
        }
        addCheckpoint(doc, current, record)
        // The checkpoint keeps the disks as they are; the VM writes to their children from now on.
        pointDrivesAt(current, disks)
        const size = written ? `, ${written.record.pages} pages, ${(written.record.addedBytes / 1048576).toFixed(2)} MB added on disk` : ', configuration only'
        logEvent(doc, current, `${plan.automatic ? 'An automatic' : 'A'} ${plan.snapshotType.toLowerCase()} checkpoint '${plan.name}' of '${current.name}' was created${size}.`, 'Information', user)
        return record
      })
    } catch (error) {
      if (written) await pages.removeFiles(written.files)
      removeDiskFiles(disks.map((d) => d.childPath))
      throw error
    }
  })
}

import type {VmRecord} from '../../store/schema.js'
import type {Store} from '../../store/store.js'
import {CheckpointService} from './checkpoint-service.js'

/**
 * Hyper-V's automatic checkpoints (AutomaticCheckpointsEnabled, on by default
 * for new VMs as on Windows client hosts): when a VM that has no checkpoints
 * starts, a checkpoint of the type its CheckpointType asks for is taken first
 * (none when Disabled), so the user can go back to how it started; when the VM
 * then shuts down cleanly (the guest powers off, or stop-vm shuts it down), that
 * checkpoint is deleted again. A turned-off, saved or crashed VM keeps it.
 */
export function wantsAutomaticCheckpoint(vm: VmRecord, checkpointCount: number): boolean {
  return vm.automaticCheckpointsEnabled && vm.checkpointType !== 'Disabled' && checkpointCount === 0 &&
    ['Off', 'OffCritical', 'Saved', 'SavedCritical'].includes(vm.state)
}

/** At start: returns a warning when the checkpoint could not be taken (the start goes on). */
export async function takeAutomaticCheckpoint(store: Store, vm: VmRecord): Promise<string | undefined> {
  const doc = await store.read()
  if (!wantsAutomaticCheckpoint(vm, doc.checkpoints.filter((c) => c.vmId === vm.id).length)) return undefined
  try {
    await new CheckpointService(store).checkpoint(vm.id, undefined, {automatic: true})
    return undefined
  } catch (error) {
    return `The automatic checkpoint of '${vm.name}' was not taken: ${(error as Error).message}`
  }
}

/**
 * After a clean shutdown: the automatic checkpoints of the VM are deleted
 * (called by the worker once it has closed the VM's disks, so that their
 * checkpoint children merge back).
 */
export async function removeAutomaticCheckpoints(store: Store, vmId: string): Promise<void> {
  const doc = await store.read()
  const automatic = doc.checkpoints.filter((c) => c.vmId === vmId && c.automatic)
  if (automatic.length === 0) return
  await new CheckpointService(store).remove(vmId, automatic.map((c) => c.id), false, {disksClosed: true})
}

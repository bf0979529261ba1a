import {mkdir} from 'node:fs/promises'
import {join} from 'node:path'

import {withLock} from '../../store/interprocess-lock.js'
import type {VmRecord} from '../../store/schema.js'
import {vmDirectory} from '../vm-files.js'
import {PageStore} from './page-store.js'

/**
 * `<SnapshotFileLocation>/<VMId>/checkpoints/`: the VM's pack files and capture
 * files. SnapshotFileLocation is the VM's Path unless Set-VM moved it.
 */
export function checkpointDirectory(vm: CheckpointHolder): string {
  return join(vm.settings.snapshotFileLocation, vm.id, 'checkpoints')
}

type CheckpointHolder = Pick<VmRecord, 'id' | 'path' | 'settings'>

export function pageStoreOf(vm: CheckpointHolder): PageStore {
  return new PageStore(checkpointDirectory(vm))
}

/**
 * Every change to a VM's checkpoint files (take, apply, remove, export) holds
 * this lock, taken before the store lock: a checkpoint's files are written
 * and registered, or removed and collected, as one step per VM, in order.
 */
export async function withCheckpointLock<T>(vm: Pick<VmRecord, 'id' | 'path'>, fn: () => Promise<T>): Promise<T> {
  await mkdir(vmDirectory(vm), {recursive: true})
  return withLock(join(vmDirectory(vm), 'checkpoints.lock'), fn, {timeoutMs: 120_000, staleMs: 600_000})
}

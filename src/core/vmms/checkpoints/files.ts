import {mkdir} from 'node:fs/promises'
import {join} from 'node:path'

import {withLock} from '../../store/interprocess-lock.js'
import type {VmRecord} from '../../store/schema.js'
import {vmDirectory} from '../vm-files.js'
import {PageStore} from './page-store.js'

/** `<vm.path>/<VMId>/checkpoints/`: the VM's pack files and capture files. */
export function checkpointDirectory(vm: Pick<VmRecord, 'id' | 'path'>): string {
  return join(vmDirectory(vm), 'checkpoints')
}

export function pageStoreOf(vm: Pick<VmRecord, 'id' | 'path'>): PageStore {
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

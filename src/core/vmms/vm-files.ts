import {join} from 'node:path'

import type {VmRecord} from '../store/schema.js'

/**
 * Where a VM's runtime files live: a folder named by VMId under the VM's path,
 * as Hyper-V keeps `<Path>\\<VMId>\\` beside the configuration.
 */
export function vmDirectory(vm: Pick<VmRecord, 'id' | 'path'>): string {
  return join(vm.path, vm.id)
}

export const vmFiles = {
  /** Everything the guest wrote to COM1, as raw bytes. */
  console: (vm: Pick<VmRecord, 'id' | 'path'>) => join(vmDirectory(vm), 'console.log'),
  /** The worker process's own diagnostics. */
  workerLog: (vm: Pick<VmRecord, 'id' | 'path'>) => join(vmDirectory(vm), 'worker.log'),
  savedState: (vm: Pick<VmRecord, 'id' | 'path'>) => join(vmDirectory(vm), 'saved-state'),
}

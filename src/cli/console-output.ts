import {open, stat} from 'node:fs/promises'

import type {VmRecord, Vmms} from '../core/vmms/index.js'
import {vmFiles} from '../core/vmms/vm-files.js'
import {noColor} from './style.js'

/** The VM's console log as it is now (empty if the VM never ran), and its size. */
export async function readConsole(vm: VmRecord): Promise<{bytes: Buffer; size: number}> {
  const bytes = await readFrom(vmFiles.console(vm), 0)
  return {bytes, size: bytes.length}
}

/**
 * Console bytes as text for reading: CR LF and lone CR become LF, escape
 * sequences are kept only on a terminal, other control characters are dropped.
 */
export function consoleText(bytes: Buffer, terminal: boolean): string {
  let text = bytes.toString('latin1').replace(/\r\n?/g, '\n')
  if (!terminal || noColor()) text = text.replace(/\x1b\[[0-9;?]*[ -/]*[@-~]/g, '')
  return text.replace(terminal ? /[\x00-\x08\x0b-\x1a\x1c-\x1f\x7f]/g : /[\x00-\x08\x0b-\x1f\x7f]/g, '')
}

/** Print what the guest writes from `offset` on, until the VM is no longer running. */
export async function followConsole(vmms: Vmms, vm: VmRecord, offset: number, write: (chunk: Buffer) => void): Promise<void> {
  let position = offset
  let lastCheck = 0
  for (;;) {
    const size = await stat(vmFiles.console(vm)).then((s) => s.size, () => 0)
    if (size < position) position = 0 // a new boot started a new log
    if (size > position) {
      const chunk = await readFrom(vmFiles.console(vm), position)
      position += chunk.length
      write(chunk)
    }
    if (Date.now() - lastCheck > 500) {
      lastCheck = Date.now()
      const [current] = await vmms.getVms({ids: [vm.id]})
      if (!current.worker) {
        const rest = await readFrom(vmFiles.console(vm), position)
        if (rest.length) write(rest)
        return
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

async function readFrom(path: string, offset: number): Promise<Buffer> {
  let handle
  try {
    handle = await open(path, 'r')
  } catch {
    return Buffer.alloc(0)
  }
  try {
    const {size} = await handle.stat()
    const buffer = Buffer.alloc(Math.max(0, size - offset))
    if (buffer.length) await handle.read(buffer, 0, buffer.length, offset)
    return buffer
  } finally {
    await handle.close()
  }
}

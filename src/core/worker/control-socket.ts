import {tmpdir} from 'node:os'
import {join} from 'node:path'

/**
 * Where a VM's worker listens. Unix socket paths are limited to about 100
 * bytes, so a long HV_HOME gets its sockets under the temporary directory.
 */
export function controlSocketPath(home: string, vmId: string): string {
  if (process.platform === 'win32') return `\\\\.\\pipe\\hv-${hash(home)}-${vmId}`
  const preferred = join(home, 'run', `${vmId}.sock`)
  if (Buffer.byteLength(preferred) < 100) return preferred
  return join(tmpdir(), `hv-${hash(home)}`, `${vmId}.sock`)
}

/** FNV-1a: a short stable name for a directory (node:crypto would cost every command start-up time). */
function hash(text: string): string {
  let h = 0x811c9dc5
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193)
  return (h >>> 0).toString(16).padStart(8, '0')
}

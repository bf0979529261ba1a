/**
 * The VHDX disk image format ([MS-VHDX]): fixed, dynamic and differencing
 * images, behind the VirtualDisk contract of ../virtual-disk.ts.
 *
 * Choices where the format leaves room, or where hv departs from it:
 * - A read-only open of an image whose log still holds entries (a writer
 *   stopped before making them durable in place) replays the log in memory:
 *   reads see the replayed state and the file is not touched. A read-write
 *   open replays it into the file and clears the log GUID.
 * - A non-zero log GUID with no valid log entry is taken as an empty log
 *   (the format calls the file corrupt): it is what a writer stopped between
 *   setting the GUID and writing its first entry leaves.
 * - Zero, unmapped and (in images without a parent) undefined and not-present
 *   blocks read as zeros; a differencing image reads not-present and
 *   undefined blocks from its parent.
 * - A differencing image records its parent's absolute path as this host
 *   spells it in absolute_win32_path (Windows writes "\\?\d:\..." there),
 *   and a relative_path with "\" separators; it finds the parent through
 *   either. volume_path is never used. Stale paths are not rewritten on open.
 * - Files grow in 1 MiB steps and never shrink; space a crash orphaned at
 *   the end of a file stays unused.
 */
import {existsSync, closeSync, openSync, readSync} from 'node:fs'

import type {CreateDiskOptions, OpenDiskOptions, VirtualDisk} from '../virtual-disk.js'
import {createImage} from './create.js'
import {FILE_SIGNATURE, hasFileSignature} from './file-identifier.js'
import {openImage} from './open.js'

/** Create an image (refusing an existing path) and return it open for writing. */
export function createVhdx(options: CreateDiskOptions): VirtualDisk {
  return createImage(options)
}

/** Open an image (read-write unless asked otherwise); a differencing image opens its parent read-only. */
export function openVhdx(path: string, options: OpenDiskOptions = {}): VirtualDisk {
  return openImage(path, {readOnly: options.readOnly ?? false, skipParent: options.skipParent})
}

/** Whether the file at `path` starts with the VHDX signature. */
export function isVhdx(path: string): boolean {
  if (!existsSync(path)) return false
  let fd: number
  try {
    fd = openSync(path, 'r')
  } catch {
    return false
  }
  try {
    const start = new Uint8Array(FILE_SIGNATURE.length)
    return readSync(fd, start, 0, start.length, 0) === start.length && hasFileSignature(start)
  } catch {
    return false
  } finally {
    closeSync(fd)
  }
}

/**
 * Copying what one virtual disk holds into another, a chunk at a time, over
 * the ranges that can hold data (disk-ranges.ts). A chunk the destination
 * need not store (all zeros on a fresh dynamic image; the same bytes its
 * parent already has) is skipped, so the copy stays as sparse as it can.
 */
import type {VirtualDisk} from '../../storage/index.js'
import type {ByteRange} from './disk-ranges.js'

const CHUNK = 1024 * 1024

export interface CopyOptions {
  /** Leave out a chunk whose bytes are all zero (the destination reads zeros there already). */
  skipZeros: boolean
  /** Leave out a chunk whose bytes equal this disk's at the same place (a differencing destination's parent). */
  skipSameAs?: VirtualDisk | null
  /** Called with the bytes done and the bytes in all, after each chunk. */
  onProgress?: (done: number, total: number) => void
}

/** Copies `ranges` of `from` into `to` (same virtual size or larger). Returns the bytes written. */
export function copyDisk(from: VirtualDisk, to: VirtualDisk, ranges: readonly ByteRange[], options: CopyOptions): number {
  const total = ranges.reduce((sum, range) => sum + range.end - range.start, 0)
  const buffer = new Uint8Array(CHUNK)
  const compare = options.skipSameAs ? new Uint8Array(CHUNK) : null
  let done = 0
  let written = 0
  for (const range of ranges) {
    for (let offset = range.start; offset < range.end; offset += CHUNK) {
      const chunk = buffer.subarray(0, Math.min(CHUNK, range.end - offset))
      from.read(offset, chunk)
      if (!(options.skipZeros && isZero(chunk)) && !(compare && sameAs(options.skipSameAs!, offset, chunk, compare))) {
        to.write(offset, chunk)
        written += chunk.length
      }
      done += chunk.length
      options.onProgress?.(done, total)
    }
  }
  to.flush()
  return written
}

function isZero(bytes: Uint8Array): boolean {
  const words = new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.length >>> 2)
  for (let i = 0; i < words.length; i++) if (words[i] !== 0) return false
  for (let i = words.length << 2; i < bytes.length; i++) if (bytes[i] !== 0) return false
  return true
}

function sameAs(disk: VirtualDisk, offset: number, chunk: Uint8Array, scratch: Uint8Array): boolean {
  const theirs = scratch.subarray(0, chunk.length)
  disk.read(offset, theirs)
  return Buffer.from(theirs.buffer, theirs.byteOffset, theirs.length).equals(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length))
}

/**
 * Which byte ranges of a virtual disk can hold anything but zeros: the blocks
 * allocated in it or in any image below it in its differencing chain (a fixed
 * image anywhere in the chain makes that the whole disk). Copying, merging and
 * compacting visit only these, so a 127 GB dynamic disk with 1 GB written costs
 * 1 GB of I/O, not 127.
 */
import type {VirtualDisk} from '../../storage/index.js'

export interface ByteRange {
  start: number
  end: number
}

/** The allocated ranges of `disk` and, unless `stopAt` is reached, of its ancestors: sorted and merged. */
export function allocatedRanges(disk: VirtualDisk, stopAt: VirtualDisk | null = null): ByteRange[] {
  const ranges: ByteRange[] = []
  for (let level: VirtualDisk | null = disk; level !== null && level !== stopAt; level = level.parent) {
    if (level.type === 'Fixed') return [{start: 0, end: disk.size}]
    for (const block of level.allocatedBlocks()) {
      ranges.push({start: block.virtualOffset, end: Math.min(block.virtualOffset + level.blockSize, disk.size)})
    }
  }
  return mergeRanges(ranges)
}

export function mergeRanges(ranges: ByteRange[]): ByteRange[] {
  const sorted = [...ranges].sort((a, b) => a.start - b.start)
  const merged: ByteRange[] = []
  for (const range of sorted) {
    const last = merged[merged.length - 1]
    if (last && range.start <= last.end) last.end = Math.max(last.end, range.end)
    else merged.push({...range})
  }
  return merged
}

/** Bytes in all the ranges. */
export function rangeBytes(ranges: readonly ByteRange[]): number {
  return ranges.reduce((sum, range) => sum + range.end - range.start, 0)
}

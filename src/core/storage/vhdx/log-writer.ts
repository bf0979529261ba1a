/**
 * Metadata changes (BAT entries, sector bitmaps) reach the file only through
 * the log, so that a crash leaves either the old metadata or, after replay,
 * the new:
 *
 *   1. flush: what the new metadata will point at (a new block and its data)
 *      is durable before anything points at it;
 *   2. the first time since the log was last clean, give the header a new log
 *      GUID, which makes every older entry in the log stale;
 *   3. write the entry into the circular log and flush;
 *   4. write its sectors to their places and flush.
 *
 * Each entry is applied and flushed before the next is written, so an entry
 * never needs an older one: its tail field points at itself. Entries never
 * wrap around the end of the log; one that does not fit starts again at 0.
 * markClean() returns the header's log GUID to zero once everything applied
 * is durable, which is how the image is left when flushed or closed.
 */
import {ZERO_GUID, isZeroGuid, randomGuid} from './guid.js'
import type {HeaderState} from './headers.js'
import type {ImageFile} from './image-file.js'
import {alignDown, alignUp, LOG_SECTOR_SIZE, MiB} from './layout.js'
import {buildLogEntry, type SectorWrite} from './log-entry.js'
import type {Extent} from './region-table.js'
import {DiskFormatError} from '../virtual-disk.js'

export class LogWriter {
  /** Where the next entry goes, from the start of the log. */
  private position = 0
  private sequenceNumber = 1n

  constructor(
    private readonly file: ImageFile,
    private readonly headers: HeaderState,
    private readonly log: Extent,
  ) {}

  /** Rewrite the 4 KiB sectors `writes` of the file, through the log. */
  commit(writes: SectorWrite[]): void {
    if (writes.length === 0) return
    this.file.flush()
    if (isZeroGuid(this.headers.current.logGuid)) {
      this.headers.update({logGuid: randomGuid()})
      this.position = 0
      this.sequenceNumber = 1n
    }
    let entry = this.entry(writes)
    if (entry.length > this.log.length) throw new DiskFormatError(this.file.path, `the log (${this.log.length} bytes) is too small for an entry of ${entry.length} bytes`)
    if (this.position + entry.length > this.log.length) {
      this.position = 0
      entry = this.entry(writes)
    }
    this.file.write(this.log.offset + this.position, entry, 'log')
    this.file.flush()
    for (const write of writes) this.file.write(write.fileOffset, write.data, 'metadata')
    this.file.flush()
    this.position = (this.position + entry.length) % this.log.length
    this.sequenceNumber++
  }

  /** Everything committed is on the file: mark the log empty. */
  markClean(): void {
    if (isZeroGuid(this.headers.current.logGuid)) return
    this.file.flush()
    this.headers.update({logGuid: ZERO_GUID})
  }

  private entry(writes: SectorWrite[]): Uint8Array {
    const size = this.file.size()
    return buildLogEntry({
      sequenceNumber: this.sequenceNumber,
      tail: this.position,
      logGuid: this.headers.current.logGuid,
      // The file is flushed at this size, and every structure lies inside it.
      flushedFileOffset: alignDown(size, MiB),
      lastFileOffset: alignUp(size, MiB),
      writes: writes.map((write) => ({kind: 'data', ...write})),
    })
  }
}

/**
 * The 4 KiB sectors in which `next` differs from `old` (the same length, as
 * a structure at file offset `base` is and is to be), as log writes.
 */
export function changedSectors(old: Uint8Array, next: Uint8Array, base: number): SectorWrite[] {
  const writes: SectorWrite[] = []
  for (let at = 0; at < next.length; at += LOG_SECTOR_SIZE) {
    const sector = next.subarray(at, at + LOG_SECTOR_SIZE)
    if (!Buffer.from(sector).equals(Buffer.from(old.subarray(at, at + LOG_SECTOR_SIZE)))) writes.push({fileOffset: base + at, data: sector.slice()})
  }
  return writes
}

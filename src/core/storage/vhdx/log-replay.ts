/**
 * Replaying the log on open. The header's log GUID is non-zero when the
 * writer may have stopped between logging a change and making it durable in
 * place; the active sequence of entries is then found and applied again
 * (entries rewrite whole sectors, so applying one twice is harmless).
 *
 * Finding the active sequence follows the format's procedure: from each
 * candidate tail position, follow valid entries with consecutive sequence
 * numbers; such a run is a valid sequence when its last entry (the head)
 * names one of its entries as the tail; the valid sequence with the highest
 * head sequence number is active, and replay runs from its tail to its head.
 *
 * One deliberate leniency: a non-zero log GUID with no valid entry at all is
 * read as an empty log, not as a corrupt file. A writer sets the GUID before
 * it writes its first entry, so a crash between the two leaves exactly that,
 * and nothing had changed yet.
 *
 * Read-write opens apply the entries to the file; read-only opens apply them
 * to an overlay in memory that reads see, and leave the file alone.
 */
import {isZeroGuid, type Guid} from './guid.js'
import type {VhdxHeader} from './headers.js'
import type {ImageFile} from './image-file.js'
import {LOG_SECTOR_SIZE, MiB, REGION_TABLE_OFFSETS} from './layout.js'
import {ENTRY_HEADER_SIZE, parseLogEntry, readEntryHeader, type LogEntry} from './log-entry.js'
import type {Extent} from './region-table.js'
import {DiskFormatError} from '../virtual-disk.js'

/** No VHDX file is larger: 64 TiB of blocks and their metadata fit well below this. */
const MAX_FILE_SIZE = 2 ** 47

/** Where replay may write: nothing before the region tables (the identifier and headers never go through the log). */
const FIRST_LOGGED_OFFSET = REGION_TABLE_OFFSETS[0]

/** The entries to replay, tail first; empty when there are none. */
export function findActiveSequence(file: ImageFile, log: Extent, logGuid: Guid): LogEntry[] {
  const entries = new Map<number, LogEntry | null>()
  const entryAt = (position: number): LogEntry | null => {
    let entry = entries.get(position)
    if (entry === undefined) {
      entry = readEntry(file, log, position, logGuid)
      entries.set(position, entry)
    }
    return entry
  }

  let candidate: LogEntry[] = []
  let tail = 0
  let oldTail = 0
  for (;;) {
    const sequence: LogEntry[] = []
    const positions: number[] = []
    let head = tail
    let length = 0
    for (;;) {
      const entry = entryAt(head)
      if (!entry) break
      const previous = sequence.at(-1)
      if (previous && entry.sequenceNumber !== previous.sequenceNumber + 1n) break
      if (length + entry.entryLength > log.length) break
      sequence.push(entry)
      positions.push(head)
      length += entry.entryLength
      head = (head + entry.entryLength) % log.length
    }
    const last = sequence.at(-1)
    const tailIndex = last ? positions.indexOf(last.tail) : -1
    const valid = last !== undefined && tailIndex >= 0
    if (valid && (candidate.length === 0 || last.sequenceNumber > candidate.at(-1)!.sequenceNumber)) candidate = sequence.slice(tailIndex)
    tail = valid ? head : (tail + LOG_SECTOR_SIZE) % log.length
    if (tail <= oldTail) return candidate
    oldTail = tail
  }
}

/** The valid entry at `position` of the log, or null. Entries may wrap around the log's end. */
function readEntry(file: ImageFile, log: Extent, position: number, logGuid: Guid): LogEntry | null {
  const start = new Uint8Array(ENTRY_HEADER_SIZE)
  file.read(log.offset + position, start)
  const header = readEntryHeader(start, logGuid, log.length)
  if (!header) return null
  const bytes = new Uint8Array(header.entryLength)
  const beforeEnd = Math.min(bytes.length, log.length - position)
  file.read(log.offset + position, bytes.subarray(0, beforeEnd))
  if (beforeEnd < bytes.length) file.read(log.offset, bytes.subarray(beforeEnd))
  return parseLogEntry(bytes, logGuid, log.length)
}

/**
 * Replay the log `header` describes, if it holds anything. Returns whether
 * it did. The caller clears the header's log GUID afterwards (read-write).
 */
export function replayLog(file: ImageFile, header: Readonly<VhdxHeader>, into: 'file' | 'memory'): boolean {
  if (isZeroGuid(header.logGuid) || header.logLength === 0) return false
  const log = {offset: header.logOffset, length: header.logLength}
  const sequence = findActiveSequence(file, log, header.logGuid)
  const head = sequence.at(-1)
  if (!head) return false

  const fail = (problem: string) => new DiskFormatError(file.path, `log: ${problem}`)
  if (file.size() < head.flushedFileOffset) throw fail(`entry ${head.sequenceNumber} says the file was at least ${head.flushedFileOffset} bytes, but it is ${file.size()}: it has been truncated`)
  if (head.lastFileOffset > MAX_FILE_SIZE) throw fail(`entry ${head.sequenceNumber} gives the file a size of ${head.lastFileOffset} bytes, more than any VHDX file has`)
  const newSize = Math.max(file.size(), head.lastFileOffset)
  for (const entry of sequence) {
    for (const write of entry.writes) {
      const length = write.kind === 'data' ? write.data.length : write.length
      const where = `entry ${entry.sequenceNumber} writes ${length} bytes at offset ${write.fileOffset}`
      if (write.fileOffset < FIRST_LOGGED_OFFSET) throw fail(`${where}, into the file identifier or the headers`)
      if (write.fileOffset + length > newSize) throw fail(`${where}, past the end of the file (${newSize} bytes)`)
      if (write.fileOffset < log.offset + log.length && log.offset < write.fileOffset + length) throw fail(`${where}, into the log itself`)
    }
  }

  if (into === 'memory') {
    file.overlayGrow(newSize)
    for (const entry of sequence) {
      for (const write of entry.writes) {
        if (write.kind === 'data') file.overlayWrite(write.fileOffset, write.data)
        else file.overlayZero(write.fileOffset, write.length)
      }
    }
    return true
  }

  // The format extends the file after the writes; doing it first is the same
  // end state, and keeps every write inside the file.
  file.resize(newSize)
  for (const entry of sequence) {
    for (const write of entry.writes) {
      if (write.kind === 'data') file.write(write.fileOffset, write.data, 'replay')
      else writeZeros(file, write.fileOffset, write.length)
    }
  }
  file.flush()
  return true
}

function writeZeros(file: ImageFile, offset: number, length: number): void {
  const zeros = new Uint8Array(Math.min(length, MiB))
  for (let done = 0; done < length; done += zeros.length) file.write(offset + done, zeros.subarray(0, Math.min(zeros.length, length - done)), 'replay')
}

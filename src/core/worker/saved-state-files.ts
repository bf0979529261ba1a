import {mkdir, open, readFile, rename, rm} from 'node:fs/promises'
import {join} from 'node:path'

import {createSha256} from '../sha256.js'
import type {SavedStateRecord} from '../store/schema.js'
import {forEachNonZeroPage} from './memory-pages.js'
import {readWholeFile} from './read-whole-file.js'

/**
 * The files of a saved VM, as Firecracker keeps a snapshot: a memory file and
 * a versioned state file.
 *
 * Memory file: a 32-byte header, then one record per non-zero 4 KiB page
 * (u32 page index, 4096 bytes). Untouched memory costs nothing on disk.
 *   0  8  magic "HVMEMv1\0"
 *   8  4  format version (1)
 *  12  4  page size (4096)
 *  16  8  RAM bytes (u64)
 *  24  4  number of page records
 *  28  4  reserved
 * State file: JSON, with its own format name and version.
 * Both are written to temporary names and renamed into place; the record in
 * the store carries their sizes and SHA-256 sums, checked before a restore.
 */

export const MEMORY_MAGIC = 'HVMEMv1\0'
export const MEMORY_FORMAT_VERSION = 1
export const STATE_FORMAT = 'hv-saved-state'
export const STATE_FORMAT_VERSION = 1
const PAGE = 4096
const HEADER_BYTES = 32

export interface SavedStateDocument {
  format: typeof STATE_FORMAT
  version: number
  vmId: string
  savedAt: string
  /** Everything but memory: partition, processors, platform devices, worker bookkeeping. */
  machine: unknown
}

/** `written` (optional) tells which pages of `ram` may be non-zero; the others are not read. */
export async function writeSavedState(
  directory: string,
  vmId: string,
  ram: Uint8Array,
  machine: unknown,
  written?: Uint8Array,
): Promise<SavedStateRecord> {
  await mkdir(directory, {recursive: true})
  const memoryFile = join(directory, 'memory.bin')
  const stateFile = join(directory, 'state.json')
  const memory = await writeSparseMemory(memoryFile, ram, written)
  const document: SavedStateDocument = {format: STATE_FORMAT, version: STATE_FORMAT_VERSION, vmId, savedAt: new Date().toISOString(), machine}
  const stateBytes = Buffer.from(JSON.stringify(document))
  await writeAtomically(stateFile, [stateBytes])
  return {
    directory, memoryFile, stateFile,
    stateBytes: stateBytes.length, stateSha256: sha256([stateBytes]),
    memoryBytes: memory.bytes, memorySha256: memory.sha256,
    savedAt: document.savedAt,
  }
}

/**
 * Read and check a saved state: sizes and sums against the record, format and
 * version, then the memory into `ram` (which must be zero, as a new partition's
 * memory is). Any mismatch is an Error saying which, before memory is touched.
 */
export async function readSavedState(
  record: SavedStateRecord,
  vmId: string,
  ram: Uint8Array,
  written?: Uint8Array,
): Promise<SavedStateDocument> {
  const {document, memory} = await loadSavedState(record, vmId)
  readSparseMemory(memory, ram, written)
  return document
}

/**
 * The saved state's files, checked (sizes, sums, format, version, owner) but
 * not applied: the state document, and the sparse memory file whose pages
 * `forEachSavedPage` visits. Checkpoints of a Saved VM read it this way.
 */
export async function loadSavedState(record: SavedStateRecord, vmId: string): Promise<{document: SavedStateDocument; memory: Buffer}> {
  const stateBytes = await readFile(record.stateFile).catch(() => {
    throw new Error(`the saved state file ${record.stateFile} is missing`)
  })
  if (stateBytes.length !== record.stateBytes || sha256([stateBytes]) !== record.stateSha256) {
    throw new Error(`the saved state file ${record.stateFile} is corrupt (its checksum does not match)`)
  }
  let document: SavedStateDocument
  try {
    document = JSON.parse(stateBytes.toString('utf8')) as SavedStateDocument
  } catch {
    throw new Error(`the saved state file ${record.stateFile} is not valid JSON`)
  }
  if (document.format !== STATE_FORMAT) throw new Error(`${record.stateFile} is not an hv saved state`)
  if (document.version > STATE_FORMAT_VERSION) {
    throw new Error(`the saved state was written by a newer hv (format version ${document.version}; this hv reads ${STATE_FORMAT_VERSION})`)
  }
  if (document.vmId !== vmId) throw new Error('the saved state belongs to another virtual machine')
  const memory = await readWholeFile(record.memoryFile).catch(() => {
    throw new Error(`the saved memory file ${record.memoryFile} is missing`)
  })
  if (memory.length !== record.memoryBytes || sha256([memory]) !== record.memorySha256) {
    throw new Error(`the saved memory file ${record.memoryFile} is corrupt (its checksum does not match)`)
  }
  return {document, memory}
}

/** RAM bytes recorded in a sparse memory file, and each stored page in order. */
export function forEachSavedPage(file: Buffer, visit: (pageIndex: number, page: Uint8Array) => void): number {
  const ramBytes = checkSparseHeader(file)
  const count = file.readUInt32LE(24)
  const pageCount = ramBytes / PAGE
  for (let i = 0, at = HEADER_BYTES; i < count; i++, at += PAGE + 4) {
    const index = file.readUInt32LE(at)
    if (index >= pageCount) throw new Error('the saved memory file names a page outside memory')
    visit(index, file.subarray(at + 4, at + 4 + PAGE))
  }
  return ramBytes
}

function checkSparseHeader(file: Buffer): number {
  if (file.length < HEADER_BYTES || file.toString('latin1', 0, 8) !== MEMORY_MAGIC) throw new Error('the saved memory file has no hv header')
  if (file.readUInt32LE(8) > MEMORY_FORMAT_VERSION) throw new Error('the saved memory file was written by a newer hv')
  if (file.readUInt32LE(12) !== PAGE) throw new Error('the saved memory file uses another page size')
  const count = file.readUInt32LE(24)
  if (file.length !== HEADER_BYTES + count * (PAGE + 4)) throw new Error('the saved memory file is truncated')
  return Number(file.readBigUInt64LE(16))
}

export async function removeSavedState(record: SavedStateRecord | null): Promise<void> {
  if (record) await rm(record.directory, {recursive: true, force: true})
}

async function writeSparseMemory(path: string, ram: Uint8Array, written?: Uint8Array): Promise<{bytes: number; sha256: string}> {
  const pages = Buffer.from(ram.buffer, ram.byteOffset, ram.byteLength)
  const chunks: Buffer[] = []
  let count = 0
  forEachNonZeroPage(ram, (pageIndex) => {
    const index = Buffer.alloc(4)
    index.writeUInt32LE(pageIndex)
    // The page itself is not copied: the write gathers it straight from guest memory.
    chunks.push(index, pages.subarray(pageIndex * PAGE, (pageIndex + 1) * PAGE))
    count++
  }, written)
  const header = Buffer.alloc(HEADER_BYTES)
  header.write(MEMORY_MAGIC, 0, 'latin1')
  header.writeUInt32LE(MEMORY_FORMAT_VERSION, 8)
  header.writeUInt32LE(PAGE, 12)
  header.writeBigUInt64LE(BigInt(ram.byteLength), 16)
  header.writeUInt32LE(count, 24)
  const all = [header, ...chunks]
  await writeAtomically(path, all)
  return {bytes: HEADER_BYTES + count * (PAGE + 4), sha256: sha256(all)}
}

function readSparseMemory(file: Buffer, ram: Uint8Array, written?: Uint8Array): void {
  if (checkSparseHeader(file) !== ram.byteLength) throw new Error('the saved memory is not the size of this VM\'s memory')
  const count = file.readUInt32LE(24)
  // `ram` is fresh, hence zero: only the saved pages are written.
  const pageCount = ram.byteLength / PAGE
  for (let i = 0, at = HEADER_BYTES; i < count; i++, at += PAGE + 4) {
    const index = file.readUInt32LE(at)
    if (index >= pageCount) throw new Error('the saved memory file names a page outside memory')
    ram.set(file.subarray(at + 4, at + 4 + PAGE), index * PAGE)
    if (written) written[index] = 1
  }
}

async function writeAtomically(path: string, chunks: Buffer[]): Promise<void> {
  const temp = `${path}.${process.pid}.tmp`
  const handle = await open(temp, 'w')
  try {
    // writev takes at most IOV_MAX buffers per call.
    for (let i = 0; i < chunks.length; i += 1024) await handle.writev(chunks.slice(i, i + 1024))
    await handle.datasync()
  } finally {
    await handle.close()
  }
  await rename(temp, path)
}

function sha256(chunks: Buffer[]): string {
  const hash = createSha256()
  for (const chunk of chunks) hash.update(chunk)
  return hash.digest('hex')
}

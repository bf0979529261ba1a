import {open, rename, unlink} from 'node:fs/promises'

import {createSha256} from '../../sha256.js'
import {temporaryName} from '../../store/atomic-json-file.js'
import {readWholeFile} from '../../worker/read-whole-file.js'

/**
 * A pack file: many 4 KiB pages in one file, each named by its SHA-256, as git
 * packs objects. Pages are addressed by slot (their position in the pack's
 * index); the index maps a slot to the page's record and its hash, so a pack
 * can be compacted (dead records dropped) without changing any slot number.
 *
 *   header (96 bytes)
 *     0  8  magic "HVPACK1\0"
 *     8  4  format version (1)
 *    12  4  page size (4096)
 *    16  4  slots in the index
 *    20  4  page records stored
 *    24  8  index offset (u64)
 *    32 32  SHA-256 of the index
 *    64 32  reserved
 *   records: page records, 4096 bytes each, from offset 96
 *   index: one 36-byte entry per slot: u32 record number (0xFFFFFFFF: dropped), SHA-256 of the page
 *
 * Every page read is checked against its hash; the index against the header's.
 */

export const PACK_MAGIC = 'HVPACK1\0'
export const PACK_FORMAT_VERSION = 1
export const PAGE = 4096
const HEADER_BYTES = 96
const ENTRY_BYTES = 36
export const DROPPED = 0xffffffff

export interface PackIndexEntry {
  record: number
  hash: Buffer
}

export class PackCorruptError extends Error {}

export function sha256(data: Uint8Array): Buffer {
  return createSha256().update(data).digest()
}

/** Test hook: HV_FAULT_ENOSPC_AFTER_BYTES makes pack writes fail like a full disk after that many bytes. */
let fault: {limit: string; budget: number} | null = null
export function checkWriteBudget(bytes: number): void {
  const limit = process.env.HV_FAULT_ENOSPC_AFTER_BYTES
  if (limit === undefined) return
  if (fault?.limit !== limit) fault = {limit, budget: Number(limit)}
  const faultBudget = (fault.budget -= bytes)
  if (faultBudget < 0) {
    const error = new Error('ENOSPC: no space left on device, write') as NodeJS.ErrnoException
    error.code = 'ENOSPC'
    throw error
  }
}

/** Write a pack of `pages` (each exactly 4096 bytes, hashes given) atomically; returns its size. */
export async function writePack(path: string, pages: readonly Uint8Array[], hashes: readonly Buffer[]): Promise<number> {
  const index = Buffer.alloc(pages.length * ENTRY_BYTES)
  pages.forEach((_, i) => {
    index.writeUInt32LE(i, i * ENTRY_BYTES)
    hashes[i].copy(index, i * ENTRY_BYTES + 4)
  })
  const header = packHeader(pages.length, pages.length, HEADER_BYTES + pages.length * PAGE, index)
  const chunks = [header, ...pages.map((p) => Buffer.from(p.buffer, p.byteOffset, p.byteLength)), index]
  return writeFileAtomically(path, chunks)
}

function packHeader(slots: number, records: number, indexOffset: number, index: Buffer): Buffer {
  const header = Buffer.alloc(HEADER_BYTES)
  header.write(PACK_MAGIC, 0, 'latin1')
  header.writeUInt32LE(PACK_FORMAT_VERSION, 8)
  header.writeUInt32LE(PAGE, 12)
  header.writeUInt32LE(slots, 16)
  header.writeUInt32LE(records, 20)
  header.writeBigUInt64LE(BigInt(indexOffset), 24)
  sha256(index).copy(header, 32)
  return header
}

export async function writeFileAtomically(path: string, chunks: readonly Uint8Array[]): Promise<number> {
  const temp = temporaryName(path)
  let bytes = 0
  try {
    const handle = await open(temp, 'wx')
    try {
      for (let i = 0; i < chunks.length; i += 1024) {
        const batch = chunks.slice(i, i + 1024)
        const size = batch.reduce((sum, c) => sum + c.byteLength, 0)
        checkWriteBudget(size)
        await handle.writev(batch as Uint8Array[])
        bytes += size
      }
      await handle.datasync()
    } finally {
      await handle.close()
    }
    await rename(temp, path)
  } catch (error) {
    await unlink(temp).catch(() => {})
    throw error
  }
  return bytes
}

/** A pack read whole into memory, its header and index checked. */
export class Pack {
  private constructor(
    readonly path: string,
    private readonly data: Buffer,
    readonly entries: PackIndexEntry[],
  ) {}

  static async load(path: string): Promise<Pack> {
    let data: Buffer
    try {
      data = await readWholeFile(path)
    } catch (error) {
      throw new PackCorruptError(`the checkpoint page file ${path} is missing (${(error as NodeJS.ErrnoException).code ?? error})`)
    }
    const header = data.subarray(0, HEADER_BYTES)
    const indexOffset = checkHeader(path, header, data.length)
    return new Pack(path, data, parseIndex(path, header, data.subarray(indexOffset)))
  }

  /** Only the index (header and index read, not the pages): what dedup and garbage collection need. */
  static async loadIndex(path: string): Promise<PackIndexEntry[]> {
    const handle = await open(path, 'r').catch((error: NodeJS.ErrnoException) => {
      throw new PackCorruptError(`the checkpoint page file ${path} is missing (${error.code ?? error})`)
    })
    try {
      const size = (await handle.stat()).size
      const header = Buffer.alloc(HEADER_BYTES)
      await handle.read(header, 0, HEADER_BYTES, 0)
      const indexOffset = checkHeader(path, header, size)
      const index = Buffer.alloc(size - indexOffset)
      await handle.read(index, 0, index.length, indexOffset)
      return parseIndex(path, header, index)
    } finally {
      await handle.close()
    }
  }

  get slots(): number {
    return this.entries.length
  }

  /** The page in `slot`, checked against its hash. */
  page(slot: number): Buffer {
    const entry = this.entries[slot]
    if (!entry || entry.record === DROPPED) throw new PackCorruptError(`the checkpoint page file ${this.path} has no page in slot ${slot}`)
    const at = HEADER_BYTES + entry.record * PAGE
    const page = this.data.subarray(at, at + PAGE)
    if (page.length !== PAGE || !sha256(page).equals(entry.hash)) {
      throw new PackCorruptError(`the checkpoint page file ${this.path} is corrupt (page ${slot} does not match its checksum)`)
    }
    return page
  }

  /** Rewrite without the records of slots not in `live`; slot numbers stay. Returns the new size. */
  async compact(live: ReadonlySet<number>): Promise<number> {
    const pages: Buffer[] = []
    const index = Buffer.alloc(this.entries.length * ENTRY_BYTES)
    this.entries.forEach((entry, slot) => {
      let record = DROPPED
      if (entry.record !== DROPPED && live.has(slot)) {
        record = pages.length
        pages.push(this.page(slot))
      }
      index.writeUInt32LE(record, slot * ENTRY_BYTES)
      entry.hash.copy(index, slot * ENTRY_BYTES + 4)
    })
    const header = packHeader(this.entries.length, pages.length, HEADER_BYTES + pages.length * PAGE, index)
    return writeFileAtomically(this.path, [header, ...pages, index])
  }
}

const corruptPack = (path: string, why: string) => new PackCorruptError(`the checkpoint page file ${path} is corrupt (${why})`)

/** Checks the header against the file's size; returns where the index starts. */
function checkHeader(path: string, header: Buffer, fileSize: number): number {
  if (header.length < HEADER_BYTES || header.toString('latin1', 0, 8) !== PACK_MAGIC) throw corruptPack(path, 'no hv pack header')
  const version = header.readUInt32LE(8)
  if (version > PACK_FORMAT_VERSION) throw new PackCorruptError(`the checkpoint page file ${path} was written by a newer hv (format version ${version})`)
  if (header.readUInt32LE(12) !== PAGE) throw corruptPack(path, 'another page size')
  const slots = header.readUInt32LE(16)
  const records = header.readUInt32LE(20)
  const indexOffset = Number(header.readBigUInt64LE(24))
  if (indexOffset !== HEADER_BYTES + records * PAGE || fileSize !== indexOffset + slots * ENTRY_BYTES) throw corruptPack(path, 'truncated or wrong size')
  return indexOffset
}

function parseIndex(path: string, header: Buffer, index: Buffer): PackIndexEntry[] {
  const bad = (why: string) => corruptPack(path, why)
  const slots = header.readUInt32LE(16)
  const records = header.readUInt32LE(20)
  if (!sha256(index).equals(header.subarray(32, 64))) throw bad('its index does not match its checksum')
  const entries: PackIndexEntry[] = []
  for (let i = 0; i < slots; i++) {
    const record = index.readUInt32LE(i * ENTRY_BYTES)
    if (record !== DROPPED && record >= records) throw bad(`slot ${i} points outside the file`)
    entries.push({record, hash: Buffer.from(index.subarray(i * ENTRY_BYTES + 4, (i + 1) * ENTRY_BYTES))})
  }
  return entries
}

import {mkdir, readdir, readFile, stat, unlink} from 'node:fs/promises'
import {join} from 'node:path'

import type {CheckpointCaptureRecord} from '../../store/schema.js'
import {DROPPED, Pack, PackCorruptError, PAGE, sha256, writeFileAtomically, writePack} from './pack-file.js'

/**
 * A VM's checkpoint storage: content-addressed 4 KiB pages in pack files, and
 * one capture file per checkpoint. A capture holds the machine state (JSON)
 * and a page table: guest memory in chunks of 2 MiB (512 frames), each chunk a
 * 4 KiB page of (pack, slot) entries stored in the packs like any other page.
 * A page that another checkpoint already stored is not stored again, and a
 * table chunk that did not change is itself such a page, so a checkpoint costs
 * the pages that changed since any other checkpoint, plus a small capture file.
 * Garbage collection drops what no remaining capture references.
 */

export const CAPTURE_FORMAT = 'hv-checkpoint-capture'
export const CAPTURE_FORMAT_VERSION = 1
const ENTRIES_PER_CHUNK = PAGE / 8
/** A pack whose live records fall under this share is compacted. */
const COMPACT_BELOW = 0.5

/** [pack number (1-based), slot, SHA-256 hex] */
type ChunkRef = [number, number, string]

interface CaptureDocument {
  format: typeof CAPTURE_FORMAT
  version: number
  ramBytes: number
  pageSize: number
  pages: number
  machine: unknown
  /** One entry per 2 MiB of guest memory; null where all of it is zero. */
  table: Array<ChunkRef | null>
  console: {bytes: number; chunks: ChunkRef[]}
}

/** What a checkpoint captures: memory page by page (zero pages may be skipped), machine state, console transcript. */
export interface CaptureSource {
  ramBytes: number
  machine: unknown
  console: Uint8Array
  forEachPage(visit: (pageIndex: number, page: Uint8Array) => void): void
}

export interface WrittenCapture {
  record: CheckpointCaptureRecord
  /** Files this write created: removed again if the checkpoint is not registered. */
  files: string[]
}

export interface RestoredCapture {
  machine: unknown
  ramBytes: number
  /** Fills `ram` (zeroed, ramBytes long) and marks written pages. */
  fill(ram: Uint8Array, written?: Uint8Array): void
  console: Buffer
}

export class CaptureCorruptError extends Error {}

const packName = (n: number) => `pack-${String(n).padStart(6, '0')}.hvpack`
const PACK_FILE = /^pack-(\d+)\.hvpack$/

export class PageStore {
  constructor(readonly directory: string) {}

  private async packNumbers(): Promise<number[]> {
    const names = await readdir(this.directory).catch(() => [] as string[])
    return names.map((n) => Number(PACK_FILE.exec(n)?.[1] ?? NaN)).filter((n) => Number.isInteger(n)).sort((a, b) => a - b)
  }

  /** Store a capture. The caller holds the VM's checkpoint lock. */
  async writeCapture(fileName: string, source: CaptureSource): Promise<WrittenCapture> {
    await mkdir(this.directory, {recursive: true})
    const known = new Map<string, [number, number]>()
    const numbers = await this.packNumbers()
    for (const n of numbers) {
      const entries = await Pack.loadIndex(join(this.directory, packName(n))).catch(() => [])
      entries.forEach((entry, slot) => {
        if (entry.record !== DROPPED) known.set(entry.hash.toString('hex'), [n, slot])
      })
    }
    const packNo = (numbers.at(-1) ?? 0) + 1
    const newPages: Uint8Array[] = []
    const newHashes: Buffer[] = []
    const put = (page: Uint8Array): ChunkRef => {
      const hash = sha256(page)
      const hex = hash.toString('hex')
      let ref = known.get(hex)
      if (!ref) {
        ref = [packNo, newPages.length]
        known.set(hex, ref)
        newPages.push(page)
        newHashes.push(hash)
      }
      return [ref[0], ref[1], hex]
    }

    const chunks = new Map<number, Buffer>()
    let pages = 0
    source.forEachPage((index, page) => {
      const ref = put(page)
      const chunkIndex = Math.floor(index / ENTRIES_PER_CHUNK)
      let chunk = chunks.get(chunkIndex)
      if (!chunk) chunks.set(chunkIndex, (chunk = Buffer.alloc(PAGE)))
      const at = (index % ENTRIES_PER_CHUNK) * 8
      chunk.writeUInt32LE(ref[0], at)
      chunk.writeUInt32LE(ref[1], at + 4)
      pages++
    })
    const table: Array<ChunkRef | null> = Array.from({length: Math.ceil(source.ramBytes / PAGE / ENTRIES_PER_CHUNK)}, () => null)
    for (const [index, chunk] of [...chunks].sort((a, b) => a[0] - b[0])) table[index] = put(chunk)
    const consoleChunks: ChunkRef[] = []
    for (let at = 0; at < source.console.length; at += PAGE) {
      const piece = Buffer.alloc(PAGE)
      piece.set(source.console.subarray(at, at + PAGE))
      consoleChunks.push(put(piece))
    }

    const files: string[] = []
    try {
      let addedBytes = 0
      if (newPages.length) {
        const path = join(this.directory, packName(packNo))
        files.push(path)
        addedBytes += await writePack(path, newPages, newHashes)
      }
      const document: CaptureDocument = {
        format: CAPTURE_FORMAT, version: CAPTURE_FORMAT_VERSION, ramBytes: source.ramBytes, pageSize: PAGE, pages,
        machine: source.machine, table, console: {bytes: source.console.length, chunks: consoleChunks},
      }
      const bytes = Buffer.from(JSON.stringify(document))
      const path = join(this.directory, fileName)
      files.push(path)
      addedBytes += await writeFileAtomically(path, [bytes])
      return {
        record: {file: fileName, bytes: bytes.length, sha256: sha256(bytes).toString('hex'), ramBytes: source.ramBytes, pages, addedBytes},
        files,
      }
    } catch (error) {
      await this.removeFiles(files)
      throw error
    }
  }

  async removeFiles(files: readonly string[]): Promise<void> {
    for (const file of files) await unlink(file).catch(() => {})
  }

  /** Read and check a capture: its file against the record, then every page against its hash as it is used. */
  async readCapture(record: CheckpointCaptureRecord): Promise<RestoredCapture> {
    const document = await this.captureDocument(record)
    const packs = new Map<number, Pack>()
    const load = async (n: number) => {
      let pack = packs.get(n)
      if (!pack) packs.set(n, (pack = await Pack.load(join(this.directory, packName(n)))))
      return pack
    }
    const chunkPage = async ([n, slot, hex]: ChunkRef): Promise<Buffer> => {
      const page = (await load(n)).page(slot)
      if (sha256(page).toString('hex') !== hex) {
        throw new CaptureCorruptError(`the checkpoint file ${join(this.directory, record.file)} names a page that does not match its checksum`)
      }
      return page
    }
    // Load everything first, so a missing or corrupt file is reported before guest memory is touched.
    const chunkPages: Array<[number, Buffer]> = []
    for (const [index, ref] of document.table.entries()) if (ref) chunkPages.push([index, await chunkPage(ref)])
    const frameCount = document.ramBytes / PAGE
    const frames: Array<[number, Buffer]> = []
    for (const [chunkIndex, chunk] of chunkPages) {
      for (let e = 0; e < ENTRIES_PER_CHUNK; e++) {
        const n = chunk.readUInt32LE(e * 8)
        if (n === 0) continue
        const frame = chunkIndex * ENTRIES_PER_CHUNK + e
        if (frame >= frameCount) throw new CaptureCorruptError(`the checkpoint file ${join(this.directory, record.file)} names a page outside memory`)
        frames.push([frame, (await load(n)).page(chunk.readUInt32LE(e * 8 + 4))])
      }
    }
    const consoleParts: Buffer[] = []
    for (const ref of document.console.chunks) consoleParts.push(await chunkPage(ref))
    return {
      machine: document.machine,
      ramBytes: document.ramBytes,
      console: Buffer.concat(consoleParts).subarray(0, document.console.bytes),
      fill(ram, written) {
        for (const [frame, page] of frames) {
          ram.set(page, frame * PAGE)
          if (written) written[frame] = 1
        }
      },
    }
  }

  private async captureDocument(record: CheckpointCaptureRecord): Promise<CaptureDocument> {
    const path = join(this.directory, record.file)
    const bytes = await readFile(path).catch((error: NodeJS.ErrnoException) => {
      throw new CaptureCorruptError(`the checkpoint file ${path} is missing (${error.code ?? error})`)
    })
    if (bytes.length !== record.bytes || sha256(bytes).toString('hex') !== record.sha256) {
      throw new CaptureCorruptError(`the checkpoint file ${path} is corrupt (its checksum does not match)`)
    }
    const document = JSON.parse(bytes.toString('utf8')) as CaptureDocument
    if (document.format !== CAPTURE_FORMAT) throw new CaptureCorruptError(`${path} is not an hv checkpoint capture`)
    if (document.version > CAPTURE_FORMAT_VERSION) {
      throw new CaptureCorruptError(`the checkpoint file ${path} was written by a newer hv (format version ${document.version})`)
    }
    if (document.pageSize !== PAGE || document.ramBytes !== record.ramBytes) throw new CaptureCorruptError(`the checkpoint file ${path} does not match its record`)
    return document
  }

  /**
   * Drop every page and file that no capture in `live` references: packs with
   * nothing live are deleted, packs mostly dead are compacted, capture files
   * of removed checkpoints and temporary files of failed writes are deleted.
   * If a live capture cannot be read, nothing is collected (its references
   * are unknown). The caller holds the VM's checkpoint lock.
   */
  async collectGarbage(live: readonly CheckpointCaptureRecord[]): Promise<{freedBytes: number; skipped?: string}> {
    const referenced = new Map<number, Set<number>>()
    const mark = (n: number, slot: number) => {
      let set = referenced.get(n)
      if (!set) referenced.set(n, (set = new Set()))
      set.add(slot)
    }
    const packs = new Map<number, Pack>()
    const load = async (n: number) => {
      let pack = packs.get(n)
      if (!pack) packs.set(n, (pack = await Pack.load(join(this.directory, packName(n)))))
      return pack
    }
    try {
      for (const record of live) {
        const document = await this.captureDocument(record)
        for (const ref of [...document.table.filter((r): r is ChunkRef => r !== null), ...document.console.chunks]) mark(ref[0], ref[1])
        for (const ref of document.table) {
          if (!ref) continue
          const chunk = (await load(ref[0])).page(ref[1])
          for (let e = 0; e < ENTRIES_PER_CHUNK; e++) {
            const n = chunk.readUInt32LE(e * 8)
            if (n !== 0) mark(n, chunk.readUInt32LE(e * 8 + 4))
          }
        }
      }
    } catch (error) {
      if (error instanceof PackCorruptError || error instanceof CaptureCorruptError) return {freedBytes: 0, skipped: error.message}
      throw error
    }
    let freedBytes = 0
    const liveFiles = new Set(live.map((r) => r.file))
    for (const name of await readdir(this.directory).catch(() => [] as string[])) {
      const path = join(this.directory, name)
      const size = await stat(path).then((s) => s.size, () => 0)
      const packMatch = PACK_FILE.exec(name)
      if (packMatch) {
        const n = Number(packMatch[1])
        const slots = referenced.get(n)
        if (!slots) {
          await unlink(path)
          freedBytes += size
          continue
        }
        const pack = await load(n).catch(() => null)
        if (!pack) continue
        const stored = pack.entries.filter((e) => e.record !== DROPPED).length
        if (slots.size < stored * COMPACT_BELOW) freedBytes += size - (await pack.compact(slots))
      } else if ((/^capture-.*\.json$/.test(name) && !liveFiles.has(name)) || name.endsWith('.tmp')) {
        await unlink(path).catch(() => {})
        freedBytes += size
      }
    }
    return {freedBytes}
  }

  /** Bytes on disk under the store's folder. */
  async diskBytes(): Promise<number> {
    let total = 0
    for (const name of await readdir(this.directory).catch(() => [] as string[])) {
      total += await stat(join(this.directory, name)).then((s) => s.size, () => 0)
    }
    return total
  }
}

/**
 * The image file itself: synchronous, bounds-checked reads and writes, and
 * the two things the rest of the library needs beyond plain I/O.
 *
 * - A read-only open of an image whose log still holds entries replays them
 *   into memory: the replayed writes are kept here as an overlay that every
 *   read sees, and the file is never touched.
 * - Tests observe and interrupt the writes through hooks, to kill a writer at
 *   every point of a series of writes and check what the file holds then.
 *
 * Every read and write must lie inside the file; the file only grows through
 * resize(). A request outside it is a validation gap upstream: it is refused
 * with a DiskFormatError (and reported to the outOfBounds hook) instead of
 * reading zeros or growing the file by accident.
 */
import {closeSync, fstatSync, fsyncSync, ftruncateSync, openSync, readSync, writeSync} from 'node:fs'

import {NotFoundError} from '../../errors.js'
import {DiskFormatError} from '../virtual-disk.js'

/** Why a write happens: lets tests aim a simulated crash at a step. */
export type WritePurpose =
  | 'create' // building a new image
  | 'header' // a header update
  | 'payload' // virtual disk data
  | 'log' // a log entry
  | 'metadata' // applying a committed log entry (BAT, sector bitmaps)
  | 'replay' // applying the log found on open
  | 'relocate' // a structure written anew where nothing points yet (a BAT that outgrew its region)
  | 'resize' // growing the file, or cutting off what a shrunk disk no longer uses

export interface FileWrite {
  purpose: WritePurpose
  offset: number
  /** Bytes written; for 'resize', the new file size. */
  length: number
}

export interface FileHooks {
  /**
   * Called before every write and resize. Throwing stops the write there, as
   * a killed process would; returning 'torn' lets only the first half of the
   * bytes reach the file and then throws a SimulatedTornWrite.
   */
  beforeWrite?(write: FileWrite): 'torn' | void
  /** Called after every fsync: what was written before it is durable. */
  afterFlush?(): void
  /** Called when a read or write outside the file is refused. */
  outOfBounds?(problem: string): void
}

/** Thrown after a write the beforeWrite hook asked to tear. */
export class SimulatedTornWrite extends Error {
  constructor() {
    super('simulated crash in the middle of a write')
    this.name = 'SimulatedTornWrite'
  }
}

/** One write replayed into memory: bytes, or a run of zeros when `data` is null. */
interface OverlayWrite {
  offset: number
  length: number
  data: Uint8Array | null
}

export class ImageFile {
  private fd: number | null
  /** The file's size as this process has made it (the file is not shared while open). */
  private physicalSize: number
  /** Writes of a log replayed into memory, in order; later ones win. */
  private readonly overlay: OverlayWrite[] = []
  /** The size the replayed log gave the file, when larger than the file. */
  private overlaySize = 0

  private constructor(
    readonly path: string,
    readonly readOnly: boolean,
    fd: number,
    private readonly hooks: FileHooks,
  ) {
    this.fd = fd
    this.physicalSize = fstatSync(fd).size
  }

  /** Open an existing file; a missing one is a NotFoundError. */
  static open(path: string, readOnly: boolean, hooks: FileHooks = {}): ImageFile {
    let fd: number
    try {
      fd = openSync(path, readOnly ? 'r' : 'r+')
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      if (code === 'ENOENT') throw new NotFoundError(`${path}: no such virtual disk file`)
      if (code === 'EISDIR') throw new DiskFormatError(path, 'this is a directory, not a virtual disk file')
      throw error
    }
    try {
      if (!fstatSync(fd).isFile()) throw new DiskFormatError(path, 'this is not a regular file')
      return new ImageFile(path, readOnly, fd, hooks)
    } catch (error) {
      closeSync(fd)
      throw error
    }
  }

  /** Create a new file, refusing one that exists (the caller says so more clearly first). */
  static create(path: string, hooks: FileHooks = {}): ImageFile {
    let fd: number
    try {
      fd = openSync(path, 'wx')
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new NotFoundError(`${path}: the directory for the new virtual disk does not exist`)
      throw error
    }
    return new ImageFile(path, false, fd, hooks)
  }

  /** The file's size in bytes, including growth replayed into memory. */
  size(): number {
    return Math.max(this.physicalSize, this.overlaySize)
  }

  /** Fill `into` with the bytes at `offset`; all of them must be inside the file. */
  read(offset: number, into: Uint8Array): void {
    this.checkInside('read', offset, into.length)
    const fd = this.descriptor()
    const fromFile = Math.max(0, Math.min(into.length, this.physicalSize - offset))
    let done = 0
    while (done < fromFile) {
      const got = readSync(fd, into, done, fromFile - done, offset + done)
      if (got === 0) throw new DiskFormatError(this.path, `the file ended at ${offset + done} while reading up to ${offset + fromFile}; was it truncated while open?`)
      done += got
    }
    // Past the file's end, inside the size a replayed log gave it: zeros.
    into.fill(0, fromFile)
    for (const write of this.overlay) applyOverlay(write, offset, into)
  }

  /** Write `data` at `offset`, inside the file. */
  write(offset: number, data: Uint8Array, purpose: WritePurpose): void {
    this.checkWritable()
    this.checkInside('write', offset, data.length)
    const fd = this.descriptor()
    let length = data.length
    const torn = this.hooks.beforeWrite?.({purpose, offset, length}) === 'torn'
    if (torn) length = Math.floor(length / 2 / 512) * 512
    let done = 0
    while (done < length) done += writeSync(fd, data, done, length - done, offset + done)
    if (torn) throw new SimulatedTornWrite()
  }

  /** Grow the file to `newSize` bytes; the new bytes read as zeros. */
  resize(newSize: number): void {
    this.checkWritable()
    if (!Number.isSafeInteger(newSize) || newSize < this.physicalSize) throw new Error(`${this.path}: cannot resize the file from ${this.physicalSize} to ${newSize} bytes`)
    if (newSize === this.physicalSize) return
    this.hooks.beforeWrite?.({purpose: 'resize', offset: this.physicalSize, length: newSize})
    ftruncateSync(this.descriptor(), newSize)
    this.physicalSize = newSize
  }

  /**
   * Cut the file to `newSize` bytes. Only for space nothing refers to any
   * more, once the log that could refer to it is clean: a replay checks the
   * file is as large as its entries say.
   */
  truncate(newSize: number): void {
    this.checkWritable()
    if (!Number.isSafeInteger(newSize) || newSize < 0 || newSize > this.physicalSize) throw new Error(`${this.path}: cannot truncate the file from ${this.physicalSize} to ${newSize} bytes`)
    if (newSize === this.physicalSize) return
    this.hooks.beforeWrite?.({purpose: 'resize', offset: newSize, length: newSize})
    ftruncateSync(this.descriptor(), newSize)
    this.physicalSize = newSize
  }

  /** Make every write so far durable. */
  flush(): void {
    if (this.readOnly) return
    fsyncSync(this.descriptor())
    this.hooks.afterFlush?.()
  }

  /** Record a write of a log replayed into memory (read-only opens). */
  overlayWrite(offset: number, data: Uint8Array): void {
    this.overlay.push({offset, length: data.length, data: data.slice()})
  }

  overlayZero(offset: number, length: number): void {
    this.overlay.push({offset, length, data: null})
  }

  overlayGrow(newSize: number): void {
    this.overlaySize = Math.max(this.overlaySize, newSize)
  }

  get closed(): boolean {
    return this.fd === null
  }

  close(): void {
    if (this.fd === null) return
    const fd = this.fd
    this.fd = null
    closeSync(fd)
  }

  private descriptor(): number {
    if (this.fd === null) throw new Error(`${this.path}: the image file is closed`)
    return this.fd
  }

  private checkWritable(): void {
    if (this.readOnly) throw new Error(`${this.path}: the image file is open read-only`)
  }

  private checkInside(what: 'read' | 'write', offset: number, length: number): void {
    if (Number.isSafeInteger(offset) && offset >= 0 && Number.isSafeInteger(length) && length >= 0 && offset + length <= this.size()) return
    const problem = `${what} of ${length} bytes at offset ${offset} is outside the file (${this.size()} bytes)`
    this.hooks.outOfBounds?.(problem)
    throw new DiskFormatError(this.path, problem)
  }
}

/** Copy the part of a replayed write that falls inside [offset, offset + into.length). */
function applyOverlay(write: OverlayWrite, offset: number, into: Uint8Array): void {
  const start = Math.max(write.offset, offset)
  const end = Math.min(write.offset + write.length, offset + into.length)
  if (start >= end) return
  if (write.data === null) into.fill(0, start - offset, end - offset)
  else into.set(write.data.subarray(start - write.offset, end - write.offset), start - offset)
}

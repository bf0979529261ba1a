/**
 * Shared by the VHD tests: temporary folders removed after each test,
 * recognisable data, and in-memory image files for the crash and fuzz tests.
 */
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterEach} from 'vitest'

import type {ImageFile, ImageFileOpener} from '../../../../src/core/storage/vhd/image-file.js'
import {openHostFile} from '../../../../src/core/storage/vhd/image-file.js'

export const KIB = 1024
export const MIB = 1024 * KIB
export const GIB = 1024 * MIB

/** A fresh folder for each test that calls it, removed when the test ends. */
export function useTempDir(): () => string {
  const dirs: string[] = []
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, {recursive: true, force: true})
  })
  return () => {
    const dir = mkdtempSync(join(tmpdir(), 'hv-vhd-test-'))
    dirs.push(dir)
    return dir
  }
}

/**
 * `length` bytes of data for virtual offset `offset`, different in every
 * sector and for every `seed`: each sector starts with its own offset and the
 * seed, so a sector read from the wrong place shows.
 */
export function pattern(offset: number, length: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(length)
  const view = new DataView(bytes.buffer)
  for (let at = 0; at < length; at += 512) {
    view.setFloat64(at, offset + at)
    view.setUint32(at + 8, seed)
    for (let i = 12; i < 512; i++) bytes[at + i] = (seed * 31 + i + (offset + at) / 512) & 0xff
  }
  return bytes
}

/**
 * A model of what a disk should hold: the bytes written so far, zero or the
 * parent's elsewhere. The tests write to the model and the image alike and
 * compare.
 */
export class DiskModel {
  readonly bytes: Uint8Array

  constructor(size: number, initial?: Uint8Array) {
    this.bytes = new Uint8Array(size)
    if (initial) this.bytes.set(initial)
  }

  write(offset: number, data: Uint8Array): void {
    this.bytes.set(data, offset)
  }
}

/** An error an in-memory file raises for an access outside it: the fuzz tests fail on it. */
export class OutsideFileError extends Error {}

/**
 * An image file held in memory: `base` with `patches` (offset to byte)
 * applied, `length` bytes long (shorter truncates, longer adds zeros). Any
 * read outside the file raises OutsideFileError, not the DiskFormatError a
 * host file raises, so a test can tell the opener's checks from the safety
 * net. Writes go to a copy-on-write overlay.
 */
export class MemoryImageFile implements ImageFile {
  private readonly overlay = new Map<number, Uint8Array>()

  constructor(
    readonly path: string,
    readonly readOnly: boolean,
    private readonly base: Uint8Array,
    private readonly patches: ReadonlyMap<number, number> = new Map(),
    private length = base.length,
  ) {}

  size(): number {
    return this.length
  }

  read(position: number, into: Uint8Array): void {
    if (!Number.isSafeInteger(position) || position < 0 || position + into.length > this.length) {
      throw new OutsideFileError(`${this.path}: read of ${into.length} bytes at ${position} outside the ${this.length}-byte file`)
    }
    into.fill(0)
    const available = Math.max(0, Math.min(into.length, this.base.length - position))
    into.set(this.base.subarray(position, position + available))
    for (const [offset, value] of this.patches) {
      if (offset >= position && offset < position + into.length) into[offset - position] = value
    }
    for (const [offset, data] of this.overlay) {
      const start = Math.max(offset, position)
      const end = Math.min(offset + data.length, position + into.length)
      if (start < end) into.set(data.subarray(start - offset, end - offset), start - position)
    }
  }

  write(position: number, data: Uint8Array): void {
    if (this.readOnly) throw new Error(`${this.path}: write to a read-only file`)
    if (!Number.isSafeInteger(position) || position < 0) throw new OutsideFileError(`${this.path}: write at ${position}`)
    this.overlay.set(position, data.slice())
    this.length = Math.max(this.length, position + data.length)
  }

  sync(): void {}

  close(): void {}
}

/** One write an image made to its file, or a sync. */
export type FileEvent = {kind: 'write'; path: string; position: number; bytes: Uint8Array} | {kind: 'sync'; path: string}

/** Opens host files, logging every write and sync to `events`. */
export function recordingOpener(events: FileEvent[]): ImageFileOpener {
  return (path, readOnly) => {
    const file = openHostFile(path, readOnly)
    return {
      path: file.path,
      readOnly: file.readOnly,
      size: () => file.size(),
      read: (position, into) => file.read(position, into),
      write: (position, bytes) => {
        events.push({kind: 'write', path, position, bytes: bytes.slice()})
        file.write(position, bytes)
      },
      sync: () => {
        events.push({kind: 'sync', path})
        file.sync()
      },
      close: () => file.close(),
    }
  }
}

/**
 * The image file as the rest of this library sees it: whole, synchronous,
 * bounds-checked reads and writes at byte positions. Every access the format
 * code makes goes through this interface, which lets tests substitute a file
 * that records each write (to replay a crash after any of them) or that
 * checks no access leaves the file.
 */
import {closeSync, fstatSync, fsyncSync, openSync, readSync, writeSync} from 'node:fs'

import {ConflictError, NotFoundError} from '../../errors.js'
import {DiskFormatError} from '../virtual-disk.js'

export interface ImageFile {
  readonly path: string
  readonly readOnly: boolean
  /** The file's size now. */
  size(): number
  /** Fill `into` from `position`; a DiskFormatError if that runs past the end of the file. */
  read(position: number, into: Uint8Array): void
  /** Write all of `data` at `position`, growing the file if it ends there or earlier. */
  write(position: number, data: Uint8Array): void
  /** Everything written is on the storage device when this returns. */
  sync(): void
  close(): void
}

export type ImageFileOpener = (path: string, readOnly: boolean) => ImageFile

/** The host file at `path`; a missing file is a NotFoundError, a folder a DiskFormatError. */
export function openHostFile(path: string, readOnly: boolean): ImageFile {
  let fd: number
  try {
    fd = openSync(path, readOnly ? 'r' : 'r+')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT') throw new NotFoundError(`${path}: the file does not exist`)
    if (code === 'EISDIR') throw new DiskFormatError(path, 'a folder, not an image file')
    throw error
  }
  if (fstatSync(fd).isDirectory()) {
    closeSync(fd)
    throw new DiskFormatError(path, 'a folder, not an image file')
  }
  return new HostImageFile(path, readOnly, fd)
}

/** A new, empty host file at `path`, open for writing; an existing file is a ConflictError, a missing folder a NotFoundError. */
export function createHostFile(path: string): ImageFile {
  let fd: number
  try {
    fd = openSync(path, 'wx')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'EEXIST') throw new ConflictError(`Cannot create the virtual hard disk '${path}': the file already exists.`)
    if (code === 'ENOENT') throw new NotFoundError(`Cannot create the virtual hard disk '${path}': its folder does not exist.`)
    throw error
  }
  return new HostImageFile(path, false, fd)
}

class HostImageFile implements ImageFile {
  /** The size as of the last fstat or growing write: reads are checked against it without a system call each. */
  private knownSize: number
  private fd: number | null

  constructor(
    readonly path: string,
    readonly readOnly: boolean,
    fd: number,
  ) {
    this.fd = fd
    this.knownSize = fstatSync(fd).size
  }

  size(): number {
    this.knownSize = fstatSync(this.descriptor()).size
    return this.knownSize
  }

  read(position: number, into: Uint8Array): void {
    const fd = this.descriptor()
    if (position < 0 || position + into.length > this.knownSize) {
      throw new DiskFormatError(this.path, `a read of ${into.length} bytes at offset ${position} runs past the end of the file (${this.knownSize} bytes)`)
    }
    let done = 0
    while (done < into.length) {
      const got = readSync(fd, into, done, into.length - done, position + done)
      if (got === 0) {
        throw new DiskFormatError(this.path, `the file ended at offset ${position + done} while reading it (was it truncated?)`)
      }
      done += got
    }
  }

  write(position: number, data: Uint8Array): void {
    const fd = this.descriptor()
    let done = 0
    while (done < data.length) done += writeSync(fd, data, done, data.length - done, position + done)
    this.knownSize = Math.max(this.knownSize, position + data.length)
  }

  sync(): void {
    fsyncSync(this.descriptor())
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
}

import {link, open, readdir, readFile, rename, unlink} from 'node:fs/promises'
import {basename, dirname, join} from 'node:path'

import type {Adapter} from 'lowdb'

import {StoreError} from '../errors.js'
import {processIsAlive} from './process-alive.js'

/**
 * lowdb adapter for the store document. Every write lands by atomic rename from
 * a unique temporary name (lowdb's own JSONFile reuses one fixed temporary name,
 * which two writers can interleave on), after fsync, so a reader or a process
 * killed at any instant sees either the old document or the new one. Before the
 * new document replaces the old, the old is kept as the last-good copy.
 */
export class AtomicJsonFile<T> implements Adapter<T> {
  constructor(
    readonly file: string,
    readonly lastGoodFile: string,
    /**
     * Every write happens under an inter-process lock the caller holds (the
     * store's), so while one writes, any other temporary file of this file or
     * its last-good copy belongs to a writer that died: it is removed whatever
     * its PID, which the OS may since have given to another process.
     */
    private readonly writesAreExclusive = false,
  ) {}

  async read(): Promise<T | null> {
    let text: string
    try {
      text = await readFile(this.file, 'utf8')
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      if (code === 'ENOENT') return null
      throw new StoreError(`Cannot read the hv store ${this.file} (${code ?? error}).`)
    }
    try {
      return JSON.parse(text) as T
    } catch (error) {
      throw corrupt(this.file, this.lastGoodFile, (error as Error).message)
    }
  }

  async write(data: T): Promise<void> {
    const temp = temporaryName(this.file)
    try {
      const handle = await open(temp, 'wx')
      try {
        await handle.writeFile(JSON.stringify(data, null, 1))
        await handle.datasync()
      } finally {
        await handle.close()
      }
      await this.keepLastGood()
      await rename(temp, this.file)
    } catch (error) {
      await unlink(temp).catch(() => {})
      if (error instanceof StoreError) throw error
      const code = (error as NodeJS.ErrnoException).code ?? String(error)
      throw new StoreError(`Cannot write the hv store ${this.file} (${code}).`)
    }
    await this.removeOrphans()
  }

  /**
   * Temporary files of writers that were killed before their rename: those of
   * dead processes, and with exclusive writes every other one of this file's.
   */
  private async removeOrphans(): Promise<void> {
    const folder = dirname(this.file)
    const ours = [`${basename(this.file)}.`, `${basename(this.lastGoodFile)}.`]
    const names = await readdir(folder).catch(() => [] as string[])
    for (const name of names) {
      const pid = Number(TEMPORARY_NAME.exec(name)?.[1])
      if (!pid || pid === process.pid) continue
      const orphan = (this.writesAreExclusive && ours.some((prefix) => name.startsWith(prefix))) || !processIsAlive(pid)
      if (orphan) await unlink(join(folder, name)).catch(() => {})
    }
  }

  /** Hard-link the current document to the last-good name: no copy, and atomic. */
  private async keepLastGood(): Promise<void> {
    const temp = temporaryName(this.lastGoodFile)
    try {
      await link(this.file, temp)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return // first write
      throw error
    }
    await rename(temp, this.lastGoodFile)
    // When the last-good copy already is this document (a writer was killed
    // between keeping it and its own rename), both names are links to one file
    // and rename(2) does nothing, leaving the temporary name behind.
    await unlink(temp).catch(() => {})
  }
}


/** Every temporary file in the hv home is named TARGET.PID.RANDOM.tmp, so orphans can be recognised. */
const TEMPORARY_NAME = /\.(\d+)\.[0-9a-z]+\.tmp$/

export function temporaryName(target: string): string {
  return `${target}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`
}

export function corrupt(file: string, lastGoodFile: string, reason: string): StoreError {
  return new StoreError(
    `The hv store ${file} is corrupt (${reason}). Nothing was changed. ` +
      `To recover, copy the last good copy over it (cp '${lastGoodFile}' '${file}') or move it aside to start empty.`,
  )
}

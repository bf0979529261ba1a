import {open, readFile, rename, link, unlink} from 'node:fs/promises'

import type {Adapter} from 'lowdb'

import {StoreError} from '../errors.js'

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
    const temp = `${this.file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`
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
  }

  /** Hard-link the current document to the last-good name: no copy, and atomic. */
  private async keepLastGood(): Promise<void> {
    const temp = `${this.lastGoodFile}.${process.pid}.tmp`
    try {
      await link(this.file, temp)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return // first write
      throw error
    }
    await rename(temp, this.lastGoodFile)
  }
}

export function corrupt(file: string, lastGoodFile: string, reason: string): StoreError {
  return new StoreError(
    `The hv store ${file} is corrupt (${reason}). Nothing was changed. ` +
      `To recover, copy the last good copy over it (cp '${lastGoodFile}' '${file}') or move it aside to start empty.`,
  )
}

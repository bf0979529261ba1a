import {link, readFile, stat, unlink, writeFile} from 'node:fs/promises'

import {ConflictError, StoreError} from '../errors.js'
import {temporaryName} from './atomic-json-file.js'
import {processIsAlive} from './process-alive.js'

/**
 * An exclusive lock between processes on one host, held for the length of one
 * store read-modify-write.
 *
 * The lock is a file created atomically with its content (written to a unique
 * name, then hard-linked into place, which fails if the lock exists). It names
 * the holder's PID, so a holder that was killed is recognised at once and its
 * lock broken, instead of every later command waiting out a staleness timer
 * (which is what a time-only lock such as proper-lockfile must do); a zombie or
 * a later process given the same PID is no holder (process-alive.ts). Breaking is
 * itself serialised by a second lock file, so two waiters cannot both break the
 * same stale lock and then both enter.
 */
export interface LockOptions {
  /** Give up waiting after this long. */
  timeoutMs?: number
  /** A lock whose holder is alive but older than this is presumed stale (PID reuse). */
  staleMs?: number
}

const BREAKER_STALE_MS = 5_000

export class InterProcessLock {
  private readonly breakerPath: string
  private token: string | null = null

  constructor(
    readonly path: string,
    private readonly options: LockOptions = {},
  ) {
    this.breakerPath = `${path}.break`
  }

  async acquire(): Promise<void> {
    const timeoutMs = this.options.timeoutMs ?? 30_000
    const deadline = Date.now() + timeoutMs
    const token = `${process.pid} ${Date.now()} ${Math.random().toString(36).slice(2)}\n`
    let delay = 1
    for (;;) {
      if (await this.tryCreate(token)) {
        this.token = token
        return
      }
      const holder = await this.readHolder()
      if (holder && this.isStale(holder)) {
        await this.breakStale(holder.content)
        continue
      }
      if (Date.now() >= deadline) {
        throw new ConflictError(
          `The hv store is locked by process ${holder?.pid ?? 'unknown'}; gave up after ${timeoutMs} ms (lock file ${this.path}).`,
        )
      }
      await sleep(delay + Math.random() * delay)
      delay = Math.min(delay * 2, 25)
    }
  }

  async release(): Promise<void> {
    if (this.token === null) return
    this.token = null
    await unlink(this.path).catch(() => {})
  }

  private async tryCreate(token: string): Promise<boolean> {
    const temp = temporaryName(this.path)
    try {
      await writeFile(temp, token)
    } catch (error) {
      throw unwritable(this.path, error)
    }
    try {
      await link(temp, this.path)
      return true
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false
      throw unwritable(this.path, error)
    } finally {
      await unlink(temp).catch(() => {})
    }
  }

  private async readHolder(): Promise<{content: string; pid: number; since: number} | null> {
    try {
      const content = await readFile(this.path, 'utf8')
      const [pid, since] = content.split(' ').map(Number)
      return {content, pid, since}
    } catch {
      return null // released between our attempt and this read: just try again
    }
  }

  private isStale(holder: {pid: number; since: number}): boolean {
    if (!Number.isInteger(holder.pid) || holder.pid <= 0) return true
    if (Date.now() - holder.since > (this.options.staleMs ?? 60_000)) return true
    // The holder was running when it took the lock: a process started later only reuses its PID.
    return !processIsAlive(holder.pid, {notAfter: holder.since})
  }

  private async breakStale(expectedContent: string): Promise<void> {
    try {
      await writeFile(this.breakerPath, String(process.pid), {flag: 'wx'})
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw unwritable(this.path, error)
      // Someone else is breaking it; a breaker left by a killed process expires.
      const age = await stat(this.breakerPath).then((s) => Date.now() - s.mtimeMs, () => 0)
      if (age > BREAKER_STALE_MS) await unlink(this.breakerPath).catch(() => {})
      await sleep(2)
      return
    }
    try {
      const current = await readFile(this.path, 'utf8').catch(() => null)
      if (current === expectedContent) await unlink(this.path).catch(() => {})
    } finally {
      await unlink(this.breakerPath).catch(() => {})
    }
  }
}

export async function withLock<T>(path: string, fn: () => Promise<T>, options?: LockOptions): Promise<T> {
  const lock = new InterProcessLock(path, options)
  await lock.acquire()
  try {
    return await fn()
  } finally {
    await lock.release()
  }
}


function unwritable(path: string, error: unknown): StoreError {
  const code = (error as NodeJS.ErrnoException).code ?? String(error)
  return new StoreError(`Cannot write to the hv store directory (${code}): ${path}`)
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

import {closeSync, openSync, renameSync, writeSync} from 'node:fs'

/** A chatty guest cannot fill the disk: past this size the log starts over, keeping one previous file. */
export const CONSOLE_LOG_LIMIT = 64 * 1024 * 1024

/**
 * What the guest writes to COM1: appended to the VM's console log file (which
 * `get-vmconsole` reads) and copied to every attached terminal. Bytes are
 * gathered and written in batches; the run loop flushes after each slice.
 */
export class ConsoleLog {
  private fd: number
  private pending: number[] = []
  private readonly listeners = new Set<(bytes: Buffer) => void>()
  /** Bytes written since the file was opened (the session's console size). */
  written = 0

  /** `fresh` starts a new log (a boot); otherwise the log continues (a restore). */
  constructor(
    private readonly path: string,
    fresh: boolean,
    private readonly limit = CONSOLE_LOG_LIMIT,
  ) {
    this.fd = openSync(path, fresh ? 'w' : 'a')
  }

  push(byte: number): void {
    this.pending.push(byte & 0xff)
    if (this.pending.length >= 4096) this.flush()
  }

  flush(): void {
    if (this.pending.length === 0) return
    const bytes = Buffer.from(this.pending)
    this.pending = []
    if (this.written + bytes.length > this.limit) this.rotate()
    writeSync(this.fd, bytes)
    this.written += bytes.length
    for (const listener of this.listeners) listener(bytes)
  }

  subscribe(listener: (bytes: Buffer) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  /** The full log becomes console.log.1 (replacing an older one) and a new one starts. */
  private rotate(): void {
    closeSync(this.fd)
    renameSync(this.path, `${this.path}.1`)
    this.fd = openSync(this.path, 'w')
    this.written = 0
  }

  close(): void {
    this.flush()
    closeSync(this.fd)
  }
}

import {closeSync, openSync, writeSync} from 'node:fs'

/**
 * What the guest writes to COM1: appended to the VM's console log file (which
 * `get-vmconsole` reads) and copied to every attached terminal. Bytes are
 * gathered and written in batches; the run loop flushes after each slice.
 */
export class ConsoleLog {
  private readonly fd: number
  private pending: number[] = []
  private readonly listeners = new Set<(bytes: Buffer) => void>()
  /** Bytes written since the file was opened (the session's console size). */
  written = 0

  /** `fresh` starts a new log (a boot); otherwise the log continues (a restore). */
  constructor(path: string, fresh: boolean) {
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
    writeSync(this.fd, bytes)
    this.written += bytes.length
    for (const listener of this.listeners) listener(bytes)
  }

  subscribe(listener: (bytes: Buffer) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  close(): void {
    this.flush()
    closeSync(this.fd)
  }
}

/**
 * Drives a guest image in QEMU with COM1 on the process's stdin/stdout, for
 * the guest tests. Only used when qemu-system-i386 is installed.
 */
import {spawn, type ChildProcessWithoutNullStreams} from 'node:child_process'

import {hasTool} from '../helpers/tools.js'

export const QEMU = 'qemu-system-i386'

export function haveQemu(): boolean {
  return hasTool(QEMU)
}

/** CR LF as the guest sends it, LF as the tests compare it. */
export function lf(s: string): string {
  return s.replace(/\r\n/g, '\n')
}

export class QemuGuest {
  private output = ''
  private waiters: Array<() => void> = []
  readonly exited: Promise<number | null>
  private exitCode: number | null | undefined

  private constructor(private readonly proc: ChildProcessWithoutNullStreams) {
    proc.stdout.setEncoding('latin1')
    proc.stdout.on('data', (chunk: string) => {
      this.output += chunk
      this.wake()
    })
    proc.stderr.setEncoding('utf8')
    proc.stderr.on('data', (chunk: string) => {
      this.stderr += chunk
    })
    // A guest that powers off closes the pipe under us; that is not an error.
    proc.stdin.on('error', () => {})
    this.exited = new Promise((resolve) => {
      // 'close', not 'exit': by then everything QEMU wrote has been read.
      proc.on('close', (code) => {
        this.exitCode = code
        this.wake()
        resolve(code)
      })
    })
  }

  stderr = ''

  /** Boots a Multiboot image: `-kernel IMAGE`, COM1 on stdio, the debug-exit device at 0xF4. */
  static boot(image: string, extra: string[] = []): QemuGuest {
    const proc = spawn(
      QEMU,
      [
        '-kernel', image,
        '-serial', 'stdio',
        '-display', 'none',
        '-monitor', 'none',
        '-nodefaults',
        '-no-reboot',
        '-accel', 'tcg',
        '-m', '64',
        '-device', 'isa-debug-exit,iobase=0xf4,iosize=4',
        ...extra,
      ],
      {stdio: ['pipe', 'pipe', 'pipe']},
    )
    return new QemuGuest(proc)
  }

  /** Everything the guest has written to COM1 so far. */
  get console(): string {
    return this.output
  }

  private wake(): void {
    const w = this.waiters
    this.waiters = []
    for (const f of w) f()
  }

  /**
   * Resolves with the index of `text` in the output at or after `from`, or
   * rejects after `timeoutMs` (or when QEMU exits first) showing what came.
   */
  async waitFor(text: string, from = 0, timeoutMs = 10_000): Promise<number> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const at = this.output.indexOf(text, from)
      if (at >= 0) return at
      if (this.exitCode !== undefined) {
        throw new Error(`QEMU exited (${this.exitCode}) before ${JSON.stringify(text)} appeared; console:\n${this.output}\n${this.stderr}`)
      }
      const left = deadline - Date.now()
      if (left <= 0) {
        throw new Error(`timed out waiting for ${JSON.stringify(text)}; console:\n${this.output}\n${this.stderr}`)
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left)
        this.waiters.push(() => {
          clearTimeout(timer)
          resolve()
        })
      })
    }
  }

  send(text: string): void {
    this.proc.stdin.write(text, 'latin1')
  }

  /**
   * Types a line (ending it with CR, as a terminal does) at the shell prompt
   * and returns what the guest printed up to the next prompt, with LF line
   * ends. The first line is the echo of what was typed.
   */
  async command(line: string, timeoutMs = 10_000): Promise<string> {
    const start = this.output.length
    this.send(`${line}\r`)
    const at = await this.waitFor('tinyos> ', start, timeoutMs)
    return lf(this.output.slice(start, at))
  }

  /** Resolves with QEMU's exit status, killing it after `timeoutMs`. */
  async exit(timeoutMs = 10_000): Promise<number | null> {
    const timer = setTimeout(() => this.kill(), timeoutMs)
    try {
      return await this.exited
    } finally {
      clearTimeout(timer)
    }
  }

  kill(): void {
    if (this.exitCode === undefined) this.proc.kill('SIGKILL')
  }
}

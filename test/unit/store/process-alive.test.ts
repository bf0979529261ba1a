import {spawn} from 'node:child_process'
import {existsSync, readFileSync} from 'node:fs'

import {describe, expect, it} from 'vitest'

import {processIsAlive} from '../../../src/core/store/process-alive.js'

const HAS_PROC = existsSync('/proc/self/stat')

describe('processIsAlive', () => {
  it('is true for this process, false for PIDs no process has', () => {
    expect(processIsAlive(process.pid)).toBe(true)
    expect(processIsAlive(0)).toBe(false)
    expect(processIsAlive(-1)).toBe(false)
    expect(processIsAlive(2 ** 22 + 1)).toBe(false)
  })

  it.skipIf(!HAS_PROC)('checks the start window: this process is not one that started an hour ago, nor one that starts later', () => {
    const hourAgo = Date.now() - 3_600_000
    expect(processIsAlive(process.pid, {notAfter: hourAgo})).toBe(false)
    expect(processIsAlive(process.pid, {notBefore: Date.now() + 60_000})).toBe(false)
    expect(processIsAlive(process.pid, {notBefore: hourAgo, notAfter: Date.now()})).toBe(true)
  })

  it.skipIf(!HAS_PROC)('counts a zombie as dead', async () => {
    // The shell's child is killed once the shell has become sleep, which never reaps it.
    const parent = spawn('sh', ['-c', 'sleep 600 & echo $!; exec sleep 600'], {stdio: ['ignore', 'pipe', 'ignore']})
    try {
      const pid = await new Promise<number>((resolve) => parent.stdout!.once('data', (c: Buffer) => resolve(Number(c.toString().trim()))))
      while (readFileSync(`/proc/${parent.pid}/comm`, 'utf8') !== 'sleep\n') await new Promise((r) => setTimeout(r, 10))
      expect(processIsAlive(pid)).toBe(true)
      process.kill(pid, 'SIGKILL')
      while (!readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.startsWith('Z')) await new Promise((r) => setTimeout(r, 10))
      expect(() => process.kill(pid, 0)).not.toThrow()
      expect(processIsAlive(pid)).toBe(false)
    } finally {
      parent.kill('SIGKILL')
    }
  })
})

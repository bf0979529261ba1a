/**
 * The small Multiboot test programs in guests/images, booted by QEMU.
 */
import {afterEach, describe, expect, it} from 'vitest'
import {readFileSync} from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {haveQemu, lf, QemuGuest} from './qemu.js'

const imagesDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../guests/images')
const qemu = haveQemu()

let guest: QemuGuest | undefined
afterEach(() => {
  guest?.kill()
  guest = undefined
})

describe.skipIf(!qemu)(`example programs in QEMU${qemu ? '' : ' (skipped: qemu-system-i386 not installed)'}`, () => {
  it('exit42 prints its line and exits with status 42 (QEMU: 85)', async () => {
    guest = QemuGuest.boot(path.join(imagesDir, 'exit42.bin'))
    expect(await guest.exit()).toBe((42 << 1) | 1)
    expect(guest.console).toBe('hello from a multiboot kernel\r\n')
  })

  it('fpu-series prints guests/examples/fpu-series.expected', async () => {
    guest = QemuGuest.boot(path.join(imagesDir, 'fpu-series.bin'))
    expect(await guest.exit()).toBe(1)
    expect(guest.console).toBe(readFileSync(path.resolve(imagesDir, '../examples/fpu-series.expected'), 'latin1'))
  }, 60_000)

  it('counter prints consecutive counter lines, the same on every run', async () => {
    const run = async (): Promise<string> => {
      guest = QemuGuest.boot(path.join(imagesDir, 'counter.bin'))
      await guest.waitFor('counter 6\r\n')
      const out = lf(guest.console)
      guest.kill()
      await guest.exited
      return out
    }
    const first = await run()
    const lines = first.split('\n')
    expect(lines.slice(0, 6)).toEqual(['counter 1', 'counter 2', 'counter 3', 'counter 4', 'counter 5', 'counter 6'])
    // Whatever else came before the kill continues the sequence.
    lines.slice(6).forEach((l, i) => {
      if (l !== '') expect(`counter ${i + 7}`.startsWith(l)).toBe(true)
    })
    const second = await run()
    const n = Math.min(first.length, second.length)
    expect(second.slice(0, n)).toBe(first.slice(0, n))
  })
})

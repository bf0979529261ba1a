/**
 * Checkpoints: each differential program is stopped again and again (after
 * growing, odd instruction counts), its processor state saved through JSON and
 * restored on a fresh processor with a copy of RAM, and continued there. The output must
 * still equal QEMU's, so the saved state must hold everything that matters.
 */
import {describe, it} from 'vitest'
import {readFileSync, readdirSync} from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {TestMachine} from '../helpers/cpu-machine.js'

const here = path.dirname(fileURLToPath(import.meta.url))
const imagesDir = path.join(here, 'images')
const goldenDir = path.join(here, 'golden')
const names = readdirSync(imagesDir).filter((f) => f.endsWith('.bin')).map((f) => f.slice(0, -4)).sort()

/** Programs whose plain run does not match QEMU yet: a checkpoint cannot fix that. */
const SKIP = new Set<string>([])

/** 16 MiB is enough for every program (paging maps up to 16 MiB) and halves the copying. */
const RAM = 16 * 1024 * 1024

/** Instructions between checkpoints: early ones catch the start-up state, odd counts land anywhere. */
const LEGS = [1, 6, 93, 900, 9_001, 90_007, 400_009, 1_000_003]

describe('save and restore in the middle of the differential programs', () => {
  for (const name of names) {
    it.skipIf(SKIP.has(name))(name, () => {
      const image = new Uint8Array(readFileSync(path.join(imagesDir, `${name}.bin`)))
      const want = readFileSync(path.join(goldenDir, `${name}.txt`), 'latin1')
      let machine = new TestMachine({ramBytes: RAM})
      machine.boot(image)
      let done = 0
      let leg = 0
      for (;;) {
        const budget = LEGS[Math.min(leg++, LEGS.length - 1)]!
        const r = machine.run(budget)
        if (r.reason !== 'budget') {
          if (r.serial !== want || r.reason !== 'debug-exit') {
            const at = [...want].findIndex((c, k) => r.serial[k] !== c)
            throw new Error(`${name}: after ${leg - 1} save/restore cycles (${done} instructions), the run ended by ${r.reason}` +
              (r.serial === want ? '' : `; output differs from QEMU at byte ${at}: ${JSON.stringify(r.serial.slice(Math.max(0, at - 40), at + 40))}`))
          }
          return
        }
        done += r.instructions
        // continue on a fresh machine from the checkpoint
        machine = TestMachine.restore(machine.snapshot(), {ramBytes: RAM})
      }
    })
  }
})

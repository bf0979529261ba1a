/**
 * Checkpoints: each differential program is stopped again and again, its
 * processor state saved through JSON and restored on a fresh processor (on the
 * same memory, or every fourth time on a fresh machine with a copy of RAM),
 * and continued there. The output must still equal QEMU's, so the saved state
 * must hold everything that matters.
 */
import {describe, it} from 'vitest'
import {readFileSync, readdirSync} from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {TestMachine} from '../helpers/cpu-machine.js'
import {KNOWN_GAPS} from './known-gaps.js'

const here = path.dirname(fileURLToPath(import.meta.url))
const imagesDir = path.join(here, 'images')
const goldenDir = path.join(here, 'golden')
const names = readdirSync(imagesDir).filter((f) => f.endsWith('.bin')).map((f) => f.slice(0, -4)).sort()

/** Programs whose plain run does not match QEMU yet: a checkpoint cannot fix that. */
const SKIP = new Set<string>(Object.keys(KNOWN_GAPS))

/** 16 MiB is enough for every program (paging maps up to 16 MiB) and halves the copying. */
const RAM = 16 * 1024 * 1024

/**
 * Instructions to the next checkpoint: irregular steps of 1000-9000 over the
 * first 40000 instructions (most system programs are shorter than that, so
 * their checkpoints land all along them: in V86 mode, ring 3, other tasks...),
 * then growing steps. The steps come from a generator seeded by the name, so
 * a failure reproduces.
 */
function legs(name: string): () => number {
  let seed = 0x9e3779b9
  for (const c of name) seed = Math.imul(seed ^ c.charCodeAt(0), 0x85ebca6b) >>> 0
  let done = 0
  let step = 40_000
  return () => {
    let n: number
    if (done < 40_000) {
      seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0
      n = 1000 + (seed % 8000)
    } else {
      step = Math.min(step * 3, 1_500_000)
      n = step
    }
    done += n
    return n
  }
}

describe('save and restore in the middle of the differential programs', () => {
  for (const name of names) {
    it.skipIf(SKIP.has(name))(name, () => {
      const image = new Uint8Array(readFileSync(path.join(imagesDir, `${name}.bin`)))
      const want = readFileSync(path.join(goldenDir, `${name}.txt`), 'latin1')
      let machine = new TestMachine({ramBytes: RAM})
      machine.boot(image)
      const next = legs(name)
      let done = 0
      let leg = 0
      for (;;) {
        leg++
        const r = machine.run(next())
        if (r.reason !== 'budget') {
          if (r.serial !== want || r.reason !== 'debug-exit') {
            const at = [...want].findIndex((c, k) => r.serial[k] !== c)
            throw new Error(`${name}: after ${leg - 1} save/restore cycles (${done} instructions), the run ended by ${r.reason}` +
              (r.serial === want ? '' : `; output differs from QEMU at byte ${at}: ${JSON.stringify(r.serial.slice(Math.max(0, at - 40), at + 40))}`))
          }
          return
        }
        done += r.instructions
        // continue on a fresh processor from the checkpoint; every fourth time
        // on a fresh machine with a copy of RAM as well
        machine = leg % 4 === 0 ? TestMachine.restore(machine.snapshot(), {ramBytes: RAM}) : machine.resumeOnNewProcessor()
      }
    })
  }
})

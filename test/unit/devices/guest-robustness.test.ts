import {describe, expect, it} from 'vitest'
import {ManualClock} from '../../../src/core/devices/clock.js'
import {createGen1Platform} from '../../../src/core/devices/platform.js'

/** A small deterministic generator (xorshift32), so a failure reproduces from its seed. */
function random(seed: number) {
  let state = seed >>> 0 || 1
  return () => {
    state ^= state << 13
    state >>>= 0
    state ^= state >>> 17
    state ^= state << 5
    state >>>= 0
    return state
  }
}

const CLAIMED_PORTS = [
  0x20, 0x21, 0xa0, 0xa1, 0x4d0, 0x4d1, 0x40, 0x41, 0x42, 0x43, 0x61, 0x60, 0x64, 0x70, 0x71, 0x80, 0x92, 0xf4,
  ...Array.from({length: 8}, (_, i) => 0x3f8 + i),
  ...Array.from({length: 8}, (_, i) => 0x2f8 + i),
  0x604, 0x605, 0x608, 0x609, 0x60a, 0x60b,
]

describe('Generation 1 platform under arbitrary guest I/O', () => {
  it.each([1, 2, 3, 0xc0ffee])('never throws and always saves a restorable state (seed %i)', (seed) => {
    const next = random(seed)
    const clock = new ManualClock()
    const platform = createGen1Platform({memoryBytes: 2 ** 25, clock, powerOnTime: new Date(Date.UTC(2099, 11, 31, 23, 59, 50))})
    platform.writePort(0x20, 1, 0x11)
    platform.writePort(0x21, 1, 0x20)
    for (let step = 0; step < 20_000; step++) {
      const port = CLAIMED_PORTS[next() % CLAIMED_PORTS.length]!
      const size = [1, 1, 1, 2, 4][next() % 5]!
      if (next() & 1) platform.writePort(port, size, next())
      else platform.readPort(port, size)
      if (step % 7 === 0) clock.advanceBy(next() % 2_000_000)
      if (step % 11 === 0) platform.sendConsoleInput(Uint8Array.of(next() & 0xff))
      const ic = platform.interruptController!
      if (ic.hasInterrupt()) expect(ic.acknowledge()).toBeLessThan(256)
      if (step % 2_000 === 0) platform.restoreState(JSON.parse(JSON.stringify(platform.saveState())))
    }
  })
})

import {describe, expect, it} from 'vitest'
import {ManualClock} from '../../../src/core/devices/clock.js'
import type {IrqLine} from '../../../src/core/devices/device.js'
import {PIT_INPUT_HZ} from '../../../src/core/devices/emulated/pit-channel.js'
import {Pit} from '../../../src/core/devices/emulated/pit.js'
import {nsForTicks} from '../../../src/core/devices/time-base.js'

function pitOnClock(startNs = 0) {
  const clock = new ManualClock(startNs)
  const irq0 = {pulses: [] as number[]}
  const line: IrqLine = {
    setLevel() {},
    pulse: () => irq0.pulses.push(clock.nowNs()),
  }
  const pit = new Pit(clock, line)
  return {clock, pit, irq0}
}

/** Guest time of input clock tick `tick` after `startNs`. */
const at = (startNs: number, tick: number) => startNs + nsForTicks(tick, PIT_INPUT_HZ)

function program(pit: Pit, channel: number, mode: number, count: number, {bcd = false} = {}) {
  pit.writePort(0x43, 1, (channel << 6) | (3 << 4) | (mode << 1) | (bcd ? 1 : 0))
  pit.writePort(0x40 + channel, 1, count & 0xff)
  pit.writePort(0x40 + channel, 1, count >> 8)
}

function latchedCount(pit: Pit, channel: number): number {
  pit.writePort(0x43, 1, channel << 6) // counter latch command
  return pit.readPort(0x40 + channel, 1) | (pit.readPort(0x40 + channel, 1) << 8)
}

const out2 = (pit: Pit) => (pit.readPort(0x61, 1) & 0x20) !== 0

describe('8254: output waveforms (channel 2, seen at port 0x61 bit 5)', () => {
  it.each([
    // mode, count, [tick, OUT] pairs from the datasheet's waveform diagrams
    {mode: 0, count: 4, samples: [[0, false], [3, false], [4, true], [9, true]]},
    {mode: 2, count: 4, samples: [[0, true], [2, true], [3, false], [4, true], [7, false], [8, true]]},
    {mode: 3, count: 4, samples: [[0, true], [1, true], [2, false], [3, false], [4, true], [6, false]]},
    {mode: 3, count: 5, samples: [[0, true], [2, true], [3, false], [4, false], [5, true]]},
    {mode: 4, count: 4, samples: [[0, true], [3, true], [4, false], [5, true], [9, true]]},
  ] as const)('mode $mode, count $count', ({mode, count, samples}) => {
    const {clock, pit} = pitOnClock()
    pit.writePort(0x61, 1, 0x01) // gate high
    program(pit, 2, mode, count)
    for (const [tick, expected] of samples) {
      clock.advanceTo(at(0, tick))
      expect(out2(pit), `tick ${tick}`).toBe(expected)
    }
  })

  it.each([
    {mode: 1, count: 3, samples: [[0, false], [2, false], [3, true], [8, true]]},
    {mode: 5, count: 3, samples: [[0, true], [2, true], [3, false], [4, true]]},
  ] as const)('mode $mode, count $count, triggered by the gate', ({mode, count, samples}) => {
    const {clock, pit} = pitOnClock()
    program(pit, 2, mode, count)
    clock.advanceTo(at(0, 10))
    expect(out2(pit)).toBe(true) // waiting for the trigger
    const trigger = clock.nowNs()
    pit.writePort(0x61, 1, 0x01)
    for (const [tick, expected] of samples) {
      clock.advanceTo(at(trigger, tick))
      expect(out2(pit), `tick ${tick}`).toBe(expected)
    }
  })

  it('mode 0 stops counting while the gate is low', () => {
    const {clock, pit} = pitOnClock()
    pit.writePort(0x61, 1, 0x01)
    program(pit, 2, 0, 100)
    clock.advanceTo(at(0, 40))
    pit.writePort(0x61, 1, 0x00)
    clock.advanceTo(at(0, 1000))
    expect(latchedCount(pit, 2)).toBe(60)
    expect(out2(pit)).toBe(false)
    pit.writePort(0x61, 1, 0x01)
    const resumed = clock.nowNs()
    clock.advanceTo(at(resumed, 60))
    expect(out2(pit)).toBe(true)
  })

  it('mode 0 holds OUT low after the first byte of a new count', () => {
    const {clock, pit} = pitOnClock()
    pit.writePort(0x61, 1, 0x01)
    program(pit, 2, 0, 5)
    clock.advanceTo(at(0, 10))
    expect(out2(pit)).toBe(true)
    pit.writePort(0x42, 1, 0x10)
    expect(out2(pit)).toBe(false)
    pit.writePort(0x42, 1, 0x00)
    const loaded = clock.nowNs()
    clock.advanceTo(at(loaded, 16))
    expect(out2(pit)).toBe(true)
  })
})

describe('8254: counts', () => {
  it.each([
    {mode: 0, count: 1000, tick: 250, expected: 750},
    {mode: 0, count: 10, tick: 15, expected: 0x10000 - 5}, // wraps after terminal count
    {mode: 2, count: 100, tick: 130, expected: 70},
    {mode: 3, count: 100, tick: 10, expected: 80}, // mode 3 counts down by two
    {mode: 4, count: 0, tick: 1, expected: 0xffff}, // 0 is 65536
  ])('mode $mode count $count reads $expected at tick $tick', ({mode, count, tick, expected}) => {
    const {clock, pit} = pitOnClock()
    program(pit, 0, mode, count)
    clock.advanceTo(at(0, tick))
    expect(latchedCount(pit, 0)).toBe(expected)
  })

  it('counts in BCD', () => {
    const {clock, pit} = pitOnClock()
    program(pit, 0, 2, 0x0100, {bcd: true})
    clock.advanceTo(at(0, 30))
    expect(latchedCount(pit, 0)).toBe(0x0070)
  })

  it('supports LSB-only and MSB-only access', () => {
    const {clock, pit} = pitOnClock()
    pit.writePort(0x43, 1, 0x14) // channel 0, LSB only, mode 2
    pit.writePort(0x40, 1, 200)
    clock.advanceTo(at(0, 50))
    expect(pit.readPort(0x40, 1)).toBe(150)
    pit.writePort(0x43, 1, 0x24) // MSB only, mode 2
    pit.writePort(0x40, 1, 0x02) // 0x200
    const loaded = clock.nowNs()
    clock.advanceTo(at(loaded, 0x100))
    expect(pit.readPort(0x40, 1)).toBe(0x01)
  })

  it('holds a latched count until it is read, whatever time does', () => {
    const {clock, pit} = pitOnClock()
    program(pit, 0, 2, 1000)
    clock.advanceTo(at(0, 100))
    pit.writePort(0x43, 1, 0x00)
    clock.advanceTo(at(0, 300))
    pit.writePort(0x43, 1, 0x00) // a second latch before reading is ignored
    expect(pit.readPort(0x40, 1) | (pit.readPort(0x40, 1) << 8)).toBe(900)
    expect(pit.readPort(0x40, 1) | (pit.readPort(0x40, 1) << 8)).toBe(700)
  })

  it('read-back latches status and count, status first', () => {
    const {clock, pit} = pitOnClock()
    program(pit, 1, 3, 500)
    clock.advanceTo(at(0, 100))
    pit.writePort(0x43, 1, 0xc4) // read-back, count and status, channel 1
    // OUT high (first half of 500), null count clear, LSB-then-MSB, mode 3, binary.
    expect(pit.readPort(0x41, 1)).toBe(0x80 | 0x30 | (3 << 1))
    expect(pit.readPort(0x41, 1) | (pit.readPort(0x41, 1) << 8)).toBe(300)
  })

  it('reports null count between a control word and the count', () => {
    const {pit} = pitOnClock()
    pit.writePort(0x43, 1, 0xb0) // channel 2, mode 0
    pit.writePort(0x43, 1, 0xe8) // read-back status only, channel 2
    expect(pit.readPort(0x42, 1)).toBe(0x40 | 0x30)
  })

  it('mode 2 takes a new count at the end of the current period', () => {
    const {clock, pit, irq0} = pitOnClock()
    program(pit, 0, 2, 100)
    clock.advanceTo(at(0, 150))
    pit.writePort(0x40, 1, 10)
    pit.writePort(0x40, 1, 0)
    expect(latchedCount(pit, 0)).toBe(50)
    clock.advanceTo(at(0, 200))
    expect(latchedCount(pit, 0)).toBe(10)
    clock.advanceTo(at(0, 230))
    expect(irq0.pulses.length).toBe(2 + 3)
  })
})

describe('8254: IRQ 0', () => {
  it('pulses IRQ 0 at each period in mode 2, at the exact tick', () => {
    const {clock, pit, irq0} = pitOnClock()
    program(pit, 0, 2, 1193)
    clock.advanceTo(at(0, 1193) - 1)
    expect(irq0.pulses).toEqual([])
    clock.advanceTo(at(0, 1193 * 10))
    expect(irq0.pulses).toEqual(Array.from({length: 10}, (_, k) => at(0, 1193 * (k + 1))))
  })

  it('runs at 18.2 Hz with count 0 in mode 3, as the BIOS programs it', () => {
    const {clock, pit, irq0} = pitOnClock()
    program(pit, 0, 3, 0)
    clock.advanceTo(1_000_000_000)
    expect(irq0.pulses.length).toBe(Math.floor(PIT_INPUT_HZ / 65536))
  })

  it('pulses once at terminal count in mode 0 and then stays quiet', () => {
    const {clock, pit, irq0} = pitOnClock()
    program(pit, 0, 0, 5000)
    clock.advanceTo(1_000_000_000)
    expect(irq0.pulses).toEqual([at(0, 5000)])
  })

  it('needs no timers while channel 0 has nothing to say', () => {
    const {clock, pit} = pitOnClock()
    program(pit, 2, 3, 100)
    expect(clock.pendingTimers).toBe(0)
  })

  it('stops when reprogrammed with a control word', () => {
    const {clock, pit, irq0} = pitOnClock()
    program(pit, 0, 2, 100)
    clock.advanceTo(at(0, 250))
    pit.writePort(0x43, 1, 0x34)
    clock.advanceTo(at(0, 10_000))
    expect(irq0.pulses.length).toBe(2)
  })
})

describe('8254: port 0x61', () => {
  it('keeps the writable bits and toggles the refresh bit every 15.085 µs', () => {
    const {clock, pit} = pitOnClock()
    pit.writePort(0x61, 1, 0xf3)
    expect(pit.readPort(0x61, 1) & 0x0f).toBe(0x03)
    const first = pit.readPort(0x61, 1) & 0x10
    clock.advanceBy(15_085)
    expect(pit.readPort(0x61, 1) & 0x10).toBe(first ^ 0x10)
  })
})

describe('8254: saved state', () => {
  it('restores onto a clock at another time and continues identically', () => {
    const a = pitOnClock()
    program(a.pit, 0, 2, 1000)
    a.pit.writePort(0x61, 1, 0x01)
    program(a.pit, 2, 3, 300)
    a.clock.advanceTo(at(0, 2500))
    a.pit.writePort(0x43, 1, 0x80) // latch channel 2 and leave it latched
    const saved = JSON.parse(JSON.stringify(a.pit.saveState()))

    const b = pitOnClock(7_000_000_000)
    b.pit.restoreState(saved)
    const offsetA = a.clock.nowNs()
    const offsetB = b.clock.nowNs()
    a.irq0.pulses.length = 0
    a.clock.advanceTo(offsetA + 5_000_000)
    b.clock.advanceTo(offsetB + 5_000_000)
    expect(b.irq0.pulses.map((t) => t - offsetB)).toEqual(a.irq0.pulses.map((t) => t - offsetA))
    expect(latchedCount(b.pit, 0)).toBe(latchedCount(a.pit, 0))
    expect(b.pit.readPort(0x42, 1)).toBe(a.pit.readPort(0x42, 1))
    expect(b.pit.readPort(0x61, 1) & 0x2f).toBe(a.pit.readPort(0x61, 1) & 0x2f)
  })

  it('refuses another version and malformed channels', () => {
    const {pit} = pitOnClock()
    const saved = pit.saveState()
    expect(() => pit.restoreState({...saved, version: 2})).toThrow(/pit: saved state version 2/)
    expect(() => pit.restoreState({...saved, channels: []})).toThrow(/"channels"/)
  })
})

describe('8254: any guest write is harmless', () => {
  it('accepts every byte on every port without throwing', () => {
    const {clock, pit} = pitOnClock()
    for (let value = 0; value < 256; value++) {
      for (const port of [0x43, 0x40, 0x41, 0x42, 0x61]) {
        pit.writePort(port, 1, value)
        pit.readPort(port, 1)
      }
      clock.advanceBy(1000)
    }
  })
})

describe('8254: a host that runs late', () => {
  /** A clock whose time jumps ahead of its timers, as host time does when the worker sleeps or is starved. */
  function lateClock() {
    let now = 0
    const timers: {deadline: number; fn: () => void; live: boolean}[] = []
    return {
      nowNs: () => now,
      setTimer(deadline: number, fn: () => void) {
        const t = {deadline, fn, live: true}
        timers.push(t)
        return {cancel: () => void (t.live = false)}
      },
      jumpTo(ns: number) {
        now = ns
      },
      /** Fire the earliest due timer, if any, without moving time. */
      fireOne(): boolean {
        const due = timers.filter((t) => t.live && t.deadline <= now).sort((a, b) => a.deadline - b.deadline)[0]
        if (!due) return false
        due.live = false
        due.fn()
        return true
      },
    }
  }

  it('delivers every periodic interrupt that fell due while it slept', () => {
    const clock = lateClock()
    const pulses: number[] = []
    const pit = new Pit(clock, {setLevel() {}, pulse: () => pulses.push(clock.nowNs())})
    program(pit, 0, 2, 11932) // 100 Hz
    clock.jumpTo(nsForTicks(11932 * 5 + 10, PIT_INPUT_HZ)) // five periods and a bit later
    while (clock.fireOne()) {}
    expect(pulses).toHaveLength(5)
  })

  it('drops a backlog of more than a second (a suspended host) instead of replaying it', () => {
    const clock = lateClock()
    const pulses: number[] = []
    const pit = new Pit(clock, {setLevel() {}, pulse: () => pulses.push(clock.nowNs())})
    program(pit, 0, 2, 11932)
    clock.jumpTo(5_000_000_000) // five seconds: 500 periods
    while (clock.fireOne()) {}
    expect(pulses.length).toBeLessThan(150)
    expect(pulses.length).toBeGreaterThan(0)
  })
})

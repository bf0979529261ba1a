import {describe, expect, it} from 'vitest'
import {ManualClock} from '../../../src/core/devices/clock.js'
import type {IrqLine} from '../../../src/core/devices/device.js'
import {CmosRtc} from '../../../src/core/devices/emulated/cmos-rtc.js'

const SECOND = 1_000_000_000
const POWER_ON = new Date('2026-11-23T19:45:30.000Z')

function rtc(powerOnTime = POWER_ON, startNs = 0) {
  const clock = new ManualClock(startNs)
  const irq = {level: false, edges: 0}
  const line: IrqLine = {
    setLevel(high) {
      if (high && !irq.level) irq.edges++
      irq.level = high
    },
    pulse() {},
  }
  const device = new CmosRtc({clock, irq: line, powerOnTime})
  const read = (index: number) => {
    device.writePort(0x70, 1, index)
    return device.readPort(0x71, 1)
  }
  const write = (index: number, value: number) => {
    device.writePort(0x70, 1, index)
    device.writePort(0x71, 1, value)
  }
  return {clock, device, irq, read, write}
}

const timeRegisters = (read: (index: number) => number) => [0x00, 0x02, 0x04, 0x06, 0x07, 0x08, 0x09, 0x32].map(read)

describe('MC146818: time formats', () => {
  const monday = 2 // 2026-11-23 is a Monday; Sunday = 1
  it.each([
    {name: 'BCD, 24-hour (the PC default)', b: 0x02, expected: [0x30, 0x45, 0x19, monday, 0x23, 0x11, 0x26, 0x20]},
    {name: 'binary, 24-hour', b: 0x06, expected: [30, 45, 19, monday, 23, 11, 26, 20]},
    {name: 'BCD, 12-hour', b: 0x00, expected: [0x30, 0x45, 0x87, monday, 0x23, 0x11, 0x26, 0x20]},
    {name: 'binary, 12-hour', b: 0x04, expected: [30, 45, 0x87, monday, 23, 11, 26, 20]},
  ])('shows the power-on time in $name', ({b, expected}) => {
    const {read, write} = rtc()
    write(0x0b, b)
    expect(timeRegisters(read)).toEqual(expected)
  })

  it.each([
    {hour: 0, twelve: 0x12},
    {hour: 11, twelve: 0x11},
    {hour: 12, twelve: 0x92},
    {hour: 23, twelve: 0x91},
  ])('shows hour $hour as 0x$twelve in 12-hour BCD', ({hour, twelve}) => {
    const {read, write} = rtc(new Date(Date.UTC(2026, 0, 1, hour, 0, 0)))
    write(0x0b, 0x00)
    expect(read(0x04)).toBe(twelve)
    write(0x04, twelve) // writing it back in the same format keeps the hour
    write(0x0b, 0x06)
    expect(read(0x04)).toBe(hour)
  })
})

describe('MC146818: updates', () => {
  it('advances once a second with guest time', () => {
    const {clock, read} = rtc()
    clock.advanceBy(SECOND - 1)
    expect(read(0x00)).toBe(0x30)
    clock.advanceBy(1)
    expect(read(0x00)).toBe(0x31)
    clock.advanceBy(90 * SECOND)
    expect([read(0x02), read(0x00)]).toEqual([0x47, 0x01])
  })

  it('carries across midnight, month, year and century', () => {
    const {clock, read, write} = rtc()
    write(0x0b, 0x82) // SET: stop updates while setting
    // Saturday 31 December 2099, 23:59:59
    const values = [0x59, 0x59, 0x23, 0x07, 0x31, 0x12, 0x99, 0x20]
    ;[0x00, 0x02, 0x04, 0x06, 0x07, 0x08, 0x09, 0x32].forEach((index, i) => write(index, values[i]!))
    clock.advanceBy(10 * SECOND)
    expect(read(0x00)).toBe(0x59) // stopped while SET
    write(0x0b, 0x02)
    clock.advanceBy(SECOND)
    expect(timeRegisters(read)).toEqual([0x00, 0x00, 0x00, 0x01, 0x01, 0x01, 0x00, 0x21])
  })

  it('raises UIP during the 244 µs before an update', () => {
    const {clock, read} = rtc()
    clock.advanceTo(SECOND - 300_000)
    expect(read(0x0a) & 0x80).toBe(0)
    clock.advanceTo(SECOND - 200_000)
    expect(read(0x0a) & 0x80).toBe(0x80)
    clock.advanceTo(SECOND)
    expect(read(0x0a) & 0x80).toBe(0)
  })

  it('stops while the divider is held in reset', () => {
    const {clock, read, write} = rtc()
    write(0x0a, 0x66)
    clock.advanceBy(5 * SECOND)
    expect(read(0x00)).toBe(0x30)
    write(0x0a, 0x26)
    clock.advanceBy(SECOND / 2)
    expect(read(0x00)).toBe(0x31) // first update half a second after the divider starts
  })
})

describe('MC146818: interrupts on IRQ 8', () => {
  /** Runs the guest's handler (read register C) on each interrupt for `ns`; returns the interrupt count. */
  function serviceFor(setup: ReturnType<typeof rtc>, ns: number): number {
    const end = setup.clock.nowNs() + ns
    let count = 0
    for (;;) {
      const next = setup.clock.nextDeadline()
      if (next === null || next > end) break
      setup.clock.advanceTo(next)
      if (setup.irq.level) {
        count++
        setup.read(0x0c)
      }
    }
    setup.clock.advanceTo(end)
    return count
  }

  it.each([
    {rate: 0x06, hz: 1024},
    {rate: 0x03, hz: 8192},
    {rate: 0x0f, hz: 2},
    {rate: 0x01, hz: 256},
  ])('periodic rate select $rate gives $hz interrupts a second', ({rate, hz}) => {
    const setup = rtc()
    setup.write(0x0a, 0x20 | rate)
    setup.write(0x0b, 0x42)
    expect(serviceFor(setup, SECOND)).toBe(hz)
  })

  it('holds IRQ 8 until register C is read, and reading C clears every flag', () => {
    const setup = rtc()
    setup.write(0x0b, 0x42)
    setup.clock.advanceBy(10_000_000)
    expect(setup.irq.level).toBe(true)
    expect(setup.irq.edges).toBe(1)
    expect(setup.clock.pendingTimers).toBe(0) // nothing more can happen until C is read
    expect(setup.read(0x0c)).toBe(0xc0)
    expect(setup.irq.level).toBe(false)
    expect(setup.read(0x0c)).toBe(0x00)
  })

  it('sets flags whose interrupts are disabled without raising IRQ 8', () => {
    const setup = rtc()
    setup.clock.advanceBy(2 * SECOND)
    expect(setup.irq.edges).toBe(0)
    expect(setup.read(0x0c)).toBe(0x50) // periodic and update-ended, no IRQF
  })

  it('raises update-ended interrupts once a second', () => {
    const setup = rtc()
    setup.write(0x0b, 0x12)
    expect(serviceFor(setup, 5 * SECOND)).toBe(5)
  })

  it('raises the alarm when the time matches, with 0xC0-0xFF as "any"', () => {
    const setup = rtc()
    setup.write(0x01, 0x40) // 19:45:40
    setup.write(0x03, 0x45)
    setup.write(0x05, 0x19)
    setup.write(0x0b, 0x22)
    setup.clock.advanceBy(9 * SECOND)
    expect(setup.irq.level).toBe(false)
    setup.clock.advanceBy(SECOND)
    expect(setup.irq.level).toBe(true)
    expect(setup.read(0x0c) & 0xa0).toBe(0xa0)
    setup.write(0x03, 0xff) // any minute: next match at 19:46:40
    expect(serviceFor(setup, 60 * SECOND)).toBe(1)
  })

  it('finds an alarm that matched while nobody was looking', () => {
    const setup = rtc()
    setup.write(0x01, 0xc0)
    setup.write(0x03, 0x00)
    setup.write(0x05, 0x20) // 20:00:xx
    setup.clock.advanceBy(3600 * SECOND)
    expect(setup.read(0x0c) & 0x20).toBe(0x20)
  })

  it('clears the interrupt enables on reset and keeps time and RAM', () => {
    const setup = rtc()
    setup.write(0x0b, 0x72)
    setup.write(0x40, 0xab)
    setup.device.reset()
    expect(setup.read(0x0b)).toBe(0x02)
    expect(setup.read(0x40)).toBe(0xab)
    expect(setup.read(0x00)).toBe(0x30)
  })
})

describe('CMOS RAM', () => {
  it('holds 128 bytes, masks NMI with bit 7 of the index, and reports valid RAM in register D', () => {
    const {device, read, write} = rtc()
    write(0x7f, 0x42)
    expect(read(0x7f)).toBe(0x42)
    device.writePort(0x70, 1, 0x8f)
    expect(device.nmiMasked).toBe(true)
    device.writePort(0x71, 1, 0x0a)
    device.writePort(0x70, 1, 0x0f)
    expect(device.nmiMasked).toBe(false)
    expect(device.readPort(0x71, 1)).toBe(0x0a)
    expect(read(0x0d)).toBe(0x80)
    write(0x0d, 0x00)
    expect(read(0x0d)).toBe(0x80)
  })

  it.each([
    {memory: 64 * 2 ** 20, base: 640, extended: 63 * 1024, above16M: 768},
    {memory: 8 * 2 ** 20, base: 640, extended: 7 * 1024, above16M: 0},
    {memory: 512 * 2 ** 20, base: 640, extended: 0xffff, above16M: (512 - 16) * 16},
    {memory: 3 * 2 ** 30, base: 640, extended: 0xffff, above16M: (3072 - 16) * 16},
    // Everything below the MMIO gap: 0x34/0x35 still fit, and nothing lies above 4 GiB.
    {memory: 0xf8000000, base: 640, extended: 0xffff, above16M: 0xf700},
  ])('records $memory bytes of memory with a valid checksum', ({memory, base, extended, above16M}) => {
    const {device, read} = rtc()
    device.setStandardContents({memoryBytes: memory})
    const word = (low: number) => read(low) | (read(low + 1) << 8)
    expect(word(0x15)).toBe(base)
    expect(word(0x17)).toBe(extended)
    expect(word(0x30)).toBe(extended)
    expect(word(0x34)).toBe(above16M)
    expect([read(0x5b), read(0x5c), read(0x5d)]).toEqual([0, 0, 0])
    expect(read(0x14)).toBe(0x00)
    let sum = 0
    for (let index = 0x10; index <= 0x2d; index++) sum += read(index)
    expect((read(0x2e) << 8) | read(0x2f)).toBe(sum & 0xffff)
    expect(sum).toBeGreaterThan(0)
  })

  it('reports a math coprocessor in the equipment byte when asked', () => {
    const {device, read} = rtc()
    device.setStandardContents({memoryBytes: 2 ** 24, mathCoprocessor: true})
    expect(read(0x14)).toBe(0x02)
  })
})

describe('MC146818: saved state', () => {
  it('keeps its own time across a restore on a clock with another base and another host date', () => {
    const a = rtc()
    a.write(0x0b, 0x46) // binary, periodic on
    a.clock.advanceBy(12.5 * SECOND)
    const saved = JSON.parse(JSON.stringify(a.device.saveState()))
    const b = rtc(new Date('2030-01-01T00:00:00Z'), 40 * SECOND)
    b.device.restoreState(saved)
    expect(timeRegisters(b.read)).toEqual(timeRegisters(a.read))
    a.clock.advanceBy(SECOND / 2)
    b.clock.advanceBy(SECOND / 2)
    expect(b.read(0x00)).toBe(43)
    expect(timeRegisters(b.read)).toEqual(timeRegisters(a.read))
    expect(b.read(0x0c)).toBe(a.read(0x0c))
  })

  it('refuses a wrong version and a short RAM image', () => {
    const {device} = rtc()
    const saved = device.saveState()
    expect(() => device.restoreState({...saved, version: 7})).toThrow(/cmos-rtc: saved state version 7/)
    expect(() => device.restoreState({...saved, ram: [1, 2, 3]})).toThrow(/"ram"/)
  })
})

describe('MC146818: any guest access is harmless', () => {
  it('accepts every value at every index', () => {
    const {clock, read, write} = rtc()
    for (let index = 0; index < 128; index++) {
      for (const value of [0x00, 0x5a, 0x99, 0xff]) {
        write(index, value)
        read(index)
      }
      clock.advanceBy(SECOND / 3)
    }
  })
})

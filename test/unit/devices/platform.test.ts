import {describe, expect, it} from 'vitest'
import {ManualClock} from '../../../src/core/devices/clock.js'
import {createGen1Platform, createGen2Platform, type Platform, type PlatformOptions} from '../../../src/core/devices/platform.js'

function gen1(extra: Partial<PlatformOptions> = {}) {
  const clock = new ManualClock()
  const console: number[] = []
  const events = {powerOff: [] as number[], exits: [] as number[], resets: 0, a20: [] as boolean[], wakeUps: 0}
  const platform = createGen1Platform({
    memoryBytes: 32 * 2 ** 20,
    clock,
    powerOnTime: new Date('2026-11-23T19:45:30Z'),
    com1Output: (byte) => console.push(byte),
    onPowerOff: (type) => events.powerOff.push(type),
    onExit: (status) => events.exits.push(status),
    onResetRequest: () => events.resets++,
    onA20Change: (enabled) => events.a20.push(enabled),
    onInterruptRequest: () => events.wakeUps++,
    ...extra,
  })
  return {clock, console, events, platform}
}

/** What a kernel does first: remap the PICs to 0x20/0x28 and mask nothing. */
function initialisePics(p: Platform) {
  for (const base of [0x20, 0xa0]) {
    const vectorBase = base === 0x20 ? 0x20 : 0x28
    const cascade = base === 0x20 ? 0x04 : 0x02
    for (const [port, value] of [[base, 0x11], [base + 1, vectorBase], [base + 1, cascade], [base + 1, 0x01]] as const) {
      p.writePort(port, 1, value)
    }
  }
}

/** The processor's side: take every pending interrupt, EOI it, and return the vectors. */
function takeInterrupts(p: Platform): number[] {
  const vectors: number[] = []
  const ic = p.interruptController!
  while (ic.hasInterrupt()) {
    const vector = ic.acknowledge()
    vectors.push(vector)
    if (vector >= 0x28) p.writePort(0xa0, 1, 0x20)
    p.writePort(0x20, 1, 0x20)
  }
  return vectors
}

describe('Generation 1 platform', () => {
  it('delivers the PIT on IRQ 0 as vector 0x20 at 100 Hz', () => {
    const {clock, platform, events} = gen1()
    initialisePics(platform)
    platform.writePort(0x43, 1, 0x34)
    // 11931 ticks = 9.9992 ms: the hundredth edge falls just inside the second (11932 would be just past it).
    platform.writePort(0x40, 1, 11931 & 0xff)
    platform.writePort(0x40, 1, 11931 >> 8)
    const vectors: number[] = []
    for (let ms = 1; ms <= 1000; ms++) {
      clock.advanceTo(ms * 1_000_000)
      vectors.push(...takeInterrupts(platform))
    }
    expect(vectors.filter((v) => v === 0x20).length).toBe(100)
    expect(events.wakeUps).toBeGreaterThanOrEqual(100)
    expect(platform.counters()).toMatchObject({irqsRaised: {'0': 100}})
  })

  it('writes COM1 to the console sink and takes console input with IRQ 4', () => {
    const {platform, console} = gen1()
    initialisePics(platform)
    for (const c of 'ok\n') platform.writePort(0x3f8, 1, c.charCodeAt(0))
    expect(String.fromCharCode(...console)).toBe('ok\n')
    platform.writePort(0x3fc, 1, 0x08) // OUT2
    platform.writePort(0x3f9, 1, 0x01) // received-data interrupt
    platform.sendConsoleInput(new TextEncoder().encode('x'))
    expect(takeInterrupts(platform)).toEqual([0x24])
    expect(platform.readPort(0x3f8, 1)).toBe(0x78)
  })

  it('delivers the RTC periodic interrupt through the slave as vector 0x28', () => {
    const {clock, platform} = gen1()
    initialisePics(platform)
    platform.writePort(0x70, 1, 0x0b)
    platform.writePort(0x71, 1, 0x42)
    clock.advanceBy(1_000_000)
    expect(takeInterrupts(platform)).toEqual([0x28])
  })

  it('has COM2, the keyboard controller, CMOS memory sizes and port 0x92 in their places', () => {
    const {platform} = gen1()
    platform.writePort(0x2ff, 1, 0xa5)
    expect(platform.readPort(0x2ff, 1)).toBe(0xa5)
    platform.writePort(0x64, 1, 0xaa)
    expect(platform.readPort(0x60, 1)).toBe(0x55)
    platform.writePort(0x70, 1, 0x17)
    const low = platform.readPort(0x71, 1)
    platform.writePort(0x70, 1, 0x18)
    expect(low | (platform.readPort(0x71, 1) << 8)).toBe(31 * 1024)
    expect(platform.motherboard.describePort(0x92)).toEqual({device: 'port92', range: 'System control port A'})
  })

  it('reports power off, debug exit and reset requests', () => {
    const {platform, events} = gen1()
    platform.writePort(0x604, 2, 0x2000)
    platform.writePort(0xf4, 1, 3)
    platform.writePort(0x64, 1, 0xfe)
    platform.writePort(0x92, 1, 0x01)
    expect(events).toMatchObject({powerOff: [0], exits: [3], resets: 2})
  })

  it('combines the two A20 sources', () => {
    const {platform, events} = gen1()
    platform.writePort(0x92, 1, 0x02)
    platform.writePort(0x64, 1, 0xdf)
    platform.writePort(0x92, 1, 0x00)
    expect(events.a20).toEqual([true])
    platform.writePort(0x64, 1, 0xdd)
    expect(events.a20).toEqual([true, false])
    expect(platform.legacy!.a20.enabled).toBe(false)
  })

  it('saves and restores the whole machine, which then runs identically', () => {
    const a = gen1()
    initialisePics(a.platform)
    a.platform.writePort(0x43, 1, 0x34)
    a.platform.writePort(0x40, 1, 0x00)
    a.platform.writePort(0x40, 1, 0x10) // 0x1000: about 291 Hz
    a.platform.writePort(0x3fc, 1, 0x0b)
    a.platform.writePort(0x3f9, 1, 0x01)
    a.platform.sendConsoleInput(new TextEncoder().encode('abc'))
    a.clock.advanceBy(3_333_333)
    const saved = JSON.parse(JSON.stringify(a.platform.saveState()))

    const b = gen1({powerOnTime: new Date('2000-01-01T00:00:00Z')})
    b.clock.advanceBy(123_456_789)
    b.platform.restoreState(saved)
    const run = (m: ReturnType<typeof gen1>) => {
      const trace: number[] = []
      for (let step = 0; step < 200; step++) {
        m.clock.advanceBy(100_000)
        trace.push(...takeInterrupts(m.platform))
        if (step % 50 === 0) trace.push(m.platform.readPort(0x3f8, 1), m.platform.readPort(0x40, 1))
      }
      m.platform.writePort(0x70, 1, 0x00)
      trace.push(m.platform.readPort(0x71, 1))
      return trace
    }
    expect(run(b)).toEqual(run(a))
  })

  it('has an I/O APIC beside the PICs on the same ISA lines, with the PIT on pin 2 and the cascade on no pin', () => {
    const deliveries: {vector: number; pin: number}[] = []
    const {platform, clock} = gen1({onApicInterrupt: (d) => deliveries.push({vector: d.vector, pin: d.pin})})
    const route = (pin: number, vector: number) => {
      platform.writeMmio(0xfec00000, 4, 0x10 + pin * 2)
      platform.writeMmio(0xfec00010, 4, vector) // fixed, edge, unmasked
    }
    route(2, 0x30)
    route(4, 0x34)
    route(0, 0x40)
    // COM1 raises IRQ 4: THR empty with its interrupt enabled and OUT2 set.
    platform.writePort(0x3fc, 1, 0x08)
    platform.writePort(0x3f9, 1, 0x02)
    // The PIT's IRQ0 arrives on pin 2, never on pin 0.
    platform.writePort(0x43, 1, 0x34)
    platform.writePort(0x40, 1, 0x00)
    platform.writePort(0x40, 1, 0x10)
    for (let ms = 1; ms <= 50; ms++) clock.advanceBy(1_000_000) // about 14 periods of 3.4 ms
    expect(deliveries[0]).toEqual({vector: 0x34, pin: 4})
    expect(deliveries.slice(1).every((d) => d.vector === 0x30 && d.pin === 2)).toBe(true)
    expect(deliveries.length).toBeGreaterThan(10)
    // The PICs still see the same lines.
    initialisePics(platform)
    platform.writePort(0x3f9, 1, 0x00)
    platform.writePort(0x3f9, 1, 0x02)
    expect(takeInterrupts(platform)).toContain(0x24)
  })

  it('restores a state saved before Generation 1 had its I/O APIC, with the I/O APIC at power-on', () => {
    const a = gen1()
    initialisePics(a.platform)
    const saved = JSON.parse(JSON.stringify(a.platform.saveState()))
    delete saved.devices['io-apic']
    const b = gen1()
    b.platform.writeMmio(0xfec00000, 4, 0x18)
    b.platform.writeMmio(0xfec00010, 4, 0x34)
    b.platform.restoreState(saved)
    b.platform.writeMmio(0xfec00000, 4, 0x18)
    expect(b.platform.readMmio(0xfec00010, 4)).toBe(0x10000) // masked, as at power-on
    expect(b.platform.readPort(0x21, 1)).toBe(0x00)
  })

  it('returns to power-on state on reset', () => {
    const {platform} = gen1()
    initialisePics(platform)
    platform.writePort(0x21, 1, 0xff)
    platform.reset()
    expect(platform.readPort(0x21, 1)).toBe(0x00)
  })
})

describe('Generation 2 platform', () => {
  it('has no legacy devices, only COM ports, power management, POST and debug exit', () => {
    const clock = new ManualClock()
    const console: number[] = []
    const exits: number[] = []
    const platform = createGen2Platform({memoryBytes: 2 ** 26, clock, com1Output: (b) => console.push(b), onExit: (s) => exits.push(s)})
    expect(platform.interruptController).toBeNull()
    expect(platform.legacy).toBeNull()
    for (const port of [0x20, 0xa0, 0x40, 0x60, 0x64, 0x70, 0x92]) expect(platform.readPort(port, 1)).toBe(0xff)
    platform.writePort(0x3f8, 1, 0x41)
    platform.writePort(0x2ff, 1, 0x11)
    expect(platform.readPort(0x2ff, 1)).toBe(0x11)
    platform.writePort(0x80, 1, 0x42)
    platform.writePort(0xf4, 1, 0)
    expect(console).toEqual([0x41])
    expect(exits).toEqual([0])
    expect(platform.counters()).toMatchObject({devices: {'post-code': {lastPostCode: 0x42}}, ports: {unclaimedReads: {'0x0020': 1}}})
    const copy = createGen2Platform({memoryBytes: 2 ** 26, clock})
    copy.restoreState(JSON.parse(JSON.stringify(platform.saveState())))
    expect(copy.readPort(0x2ff, 1)).toBe(0x11)
    expect(() => copy.restoreState(createGen1Platform({memoryBytes: 2 ** 26, clock}).saveState())).toThrow(/unknown devices/)
  })
})

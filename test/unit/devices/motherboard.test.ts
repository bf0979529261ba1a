import {describe, expect, it} from 'vitest'
import type {DeviceSavedState, MmioDevice, PortIoDevice, PortRange} from '../../../src/core/devices/device.js'
import type {InterruptRouter} from '../../../src/core/devices/interrupt-router.js'
import {IsaInterruptLines} from '../../../src/core/devices/isa-interrupt-lines.js'
import {Motherboard} from '../../../src/core/devices/motherboard.js'
import {SavedStateReader} from '../../../src/core/devices/saved-state.js'

/** A device with one register per claimed port, recording every access. */
class RegisterFile implements PortIoDevice {
  readonly portRanges: readonly PortRange[]
  readonly accesses: string[] = []
  value = 0

  constructor(
    readonly name: string,
    ranges: [number, number][],
  ) {
    this.portRanges = ranges.map(([start, length]) => ({name: `${name} registers`, start, length}))
  }

  reset(): void {
    this.value = 0
  }

  readPort(port: number, size: number): number {
    this.accesses.push(`in ${port.toString(16)}/${size}`)
    return this.value
  }

  writePort(port: number, size: number, value: number): void {
    this.accesses.push(`out ${port.toString(16)}/${size}=${value.toString(16)}`)
    this.value = value
  }

  statistics() {
    return {accesses: this.accesses.length}
  }

  saveState(): DeviceSavedState {
    return {version: 1, value: this.value}
  }

  restoreState(state: DeviceSavedState): void {
    this.value = SavedStateReader.open(state, this.name, 1).integer('value', 0, 0xffffffff)
  }
}

class MmioWindow implements MmioDevice {
  readonly mmioRanges
  readonly writes: [number, number, number][] = []

  constructor(
    readonly name: string,
    start: number,
    length: number,
  ) {
    this.mmioRanges = [{name: `${name} window`, start, length}]
  }

  reset(): void {}
  readMmio(address: number, size: number): number {
    return (address + size) >>> 0
  }
  writeMmio(address: number, size: number, value: number): void {
    this.writes.push([address, size, value])
  }
  saveState(): DeviceSavedState {
    return {version: 1}
  }
  restoreState(): void {}
}

function board(devices: (PortIoDevice | MmioDevice)[], routers: InterruptRouter[] = []) {
  return new Motherboard({devices, irqLines: new IsaInterruptLines(routers), interruptController: null})
}

describe('motherboard: port I/O', () => {
  it('dispatches each access to the device that claims its first port, with size and value', () => {
    const a = new RegisterFile('a', [[0x100, 4]])
    const b = new RegisterFile('b', [[0x200, 1], [0x300, 2]])
    const mb = board([a, b])
    mb.writePort(0x102, 2, 0xbeef)
    expect(mb.readPort(0x102, 2)).toBe(0xbeef)
    mb.writePort(0x301, 1, 7)
    expect(a.accesses).toEqual(['out 102/2=beef', 'in 102/2'])
    expect(b.accesses).toEqual(['out 301/1=7'])
    expect(mb.describePort(0x301)).toEqual({device: 'b', range: 'b registers'})
    expect(mb.describePort(0x302)).toBeNull()
  })

  it.each([
    {size: 1, value: 0xff},
    {size: 2, value: 0xffff},
    {size: 4, value: 0xffffffff},
  ])('reads an unclaimed port as all ones ($size bytes) and counts it', ({size, value}) => {
    const mb = board([new RegisterFile('a', [[0x100, 1]])])
    expect(mb.readPort(0x1234, size)).toBe(value)
    mb.writePort(0x1234, size, 0)
    mb.readPort(0x100, 1)
    mb.writePort(0x100, 1, 1)
    mb.writePort(0x100, 1, 2)
    expect(mb.portCounters.snapshot()).toEqual({
      reads: {'0x0100': 1},
      writes: {'0x0100': 2},
      unclaimedReads: {'0x1234': 1},
      unclaimedWrites: {'0x1234': 1},
    })
  })

  it('refuses overlapping port claims, naming both devices', () => {
    expect(() => board([new RegisterFile('uart', [[0x3f8, 8]]), new RegisterFile('other', [[0x3ff, 2]])])).toThrow(
      /other \("other registers"\) claims port 0x3ff, already claimed by uart \("uart registers"\)/,
    )
  })

  it('refuses invalid ranges and duplicate names', () => {
    expect(() => board([new RegisterFile('a', [[0xffff, 2]])])).toThrow(/invalid port range/)
    expect(() => board([new RegisterFile('a', [[0x10, 0]])])).toThrow(/invalid port range/)
    expect(() => board([new RegisterFile('a', [[0x10, 1]]), new RegisterFile('a', [[0x20, 1]])])).toThrow(/unique/)
  })
})

describe('motherboard: MMIO', () => {
  it('dispatches to the claiming window and reads holes as all ones', () => {
    const low = new MmioWindow('low', 0xfec00000, 0x1000)
    const high = new MmioWindow('high', 0xfee00000, 0x1000)
    const mb = board([high, low])
    expect(mb.readMmio(0xfec00010, 4)).toBe(0xfec00014)
    expect(mb.readMmio(0xfee00ffc, 4)).toBe(0xfee01000)
    expect(mb.readMmio(0xfed00000, 4)).toBe(0xffffffff)
    mb.writeMmio(0xfee000b0, 4, 0)
    mb.writeMmio(0x1000, 4, 0)
    expect(high.writes).toEqual([[0xfee000b0, 4, 0]])
    expect(mb.claimsMmio(0xfec00fff)).toBe(true)
    expect(mb.claimsMmio(0xfec01000)).toBe(false)
  })

  it('refuses overlapping MMIO claims', () => {
    expect(() => board([new MmioWindow('a', 0x1000, 0x1000), new MmioWindow('b', 0x1fff, 2)])).toThrow(
      /b \("b window"\) claims MMIO 0x1fff-0x2000, overlapping a/,
    )
  })
})

describe('motherboard: interrupt lines', () => {
  it('routes lines to every connected router and counts rising edges and pulses', () => {
    const seen: string[] = []
    const router: InterruptRouter = {
      setIrqLevel: (irq, high) => seen.push(`${irq}:${high ? 1 : 0}`),
      pulseIrq: (irq) => seen.push(`${irq}:pulse`),
    }
    const mb = board([], [router])
    const second: string[] = []
    mb.irqLines.connect({setIrqLevel: (irq) => second.push(`level ${irq}`), pulseIrq: (irq) => second.push(`pulse ${irq}`)})
    mb.irq(4).setLevel(true)
    mb.irq(4).setLevel(true)
    mb.irq(4).setLevel(false)
    mb.irq(0).pulse()
    expect(seen).toEqual(['4:1', '4:1', '4:0', '0:pulse'])
    expect(second).toEqual(['level 4', 'level 4', 'level 4', 'pulse 0'])
    expect(mb.counters().irqsRaised).toEqual({'0': 1, '4': 1})
    expect(() => mb.irq(16)).toThrow(/no ISA interrupt line 16/)
  })
})

describe('motherboard: reset, counters and saved state', () => {
  it('resets every device and reports device statistics', () => {
    const a = new RegisterFile('a', [[0x100, 1]])
    const mb = board([a])
    mb.writePort(0x100, 1, 9)
    mb.reset()
    expect(a.value).toBe(0)
    expect(mb.counters().devices).toEqual({a: {accesses: 1}})
  })

  it('saves all devices as one versioned object and restores them', () => {
    const make = () => [new RegisterFile('a', [[0x100, 1]]), new RegisterFile('b', [[0x200, 1]])] as const
    const [a, b] = make()
    const mb = board([a, b])
    mb.writePort(0x100, 1, 1)
    mb.writePort(0x200, 1, 2)
    const saved = JSON.parse(JSON.stringify(mb.saveState()))
    expect(saved).toEqual({version: 1, devices: {a: {version: 1, value: 1}, b: {version: 1, value: 2}}})
    const [c, d] = make()
    board([c, d]).restoreState(saved)
    expect([c.value, d.value]).toEqual([1, 2])
  })

  it('refuses a wrong version, unknown or missing devices', () => {
    const mb = board([new RegisterFile('a', [[0x100, 1]])])
    expect(() => mb.restoreState({version: 2, devices: {}})).toThrow(/motherboard: saved state version 2/)
    expect(() => mb.restoreState(null)).toThrow(/not an object/)
    expect(() => mb.restoreState({version: 1, devices: {a: {version: 1, value: 0}, z: {version: 1}}})).toThrow(/unknown devices: z/)
    expect(() => mb.restoreState({version: 1, devices: {}})).toThrow(/lacks devices: a/)
  })

  it('restores all devices or none', () => {
    const a = new RegisterFile('a', [[0x100, 1]])
    const b = new RegisterFile('b', [[0x200, 1]])
    const mb = board([a, b])
    a.value = 5
    b.value = 6
    expect(() => mb.restoreState({version: 1, devices: {a: {version: 1, value: 1}, b: {version: 1, value: -1}}})).toThrow(/b/)
    expect([a.value, b.value]).toEqual([5, 6])
  })
})

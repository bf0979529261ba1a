import {describe, expect, it} from 'vitest'

import {ManualClock} from '../../../src/core/devices/clock.js'
import {IO_APIC_BASE, IoApic, type IoApicDelivery} from '../../../src/core/devices/emulated/io-apic.js'
import {createGen2Platform} from '../../../src/core/devices/platform.js'

function ioApic() {
  const sent: IoApicDelivery[] = []
  const apic = new IoApic({deliver: (d) => void sent.push(d)})
  const write = (register: number, value: number) => {
    apic.writeMmio(IO_APIC_BASE, 4, register)
    apic.writeMmio(IO_APIC_BASE + 0x10, 4, value)
  }
  const read = (register: number) => {
    apic.writeMmio(IO_APIC_BASE, 4, register)
    return apic.readMmio(IO_APIC_BASE + 0x10, 4)
  }
  return {apic, sent, write, read}
}

describe('I/O APIC', () => {
  it('reports its version and ID through IOREGSEL/IOWIN, with every entry masked at reset', () => {
    const {read, write} = ioApic()
    expect(read(0x01)).toBe(0x00170011)
    write(0x00, 0x0f000000 | 0xffffff)
    expect(read(0x00)).toBe(0x0f000000)
    for (let pin = 0; pin < 24; pin++) expect(read(0x10 + pin * 2)).toBe(0x10000)
  })

  it('sends an edge entry once per rising edge, and not while masked', () => {
    const {apic, sent, write} = ioApic()
    apic.setIrqLevel(4, true)
    apic.setIrqLevel(4, false)
    expect(sent).toHaveLength(0)
    write(0x10 + 4 * 2 + 1, 0x01000000)
    write(0x10 + 4 * 2, 0x34)
    apic.setIrqLevel(4, true)
    apic.setIrqLevel(4, true)
    apic.setIrqLevel(4, false)
    apic.pulseIrq(4)
    expect(sent).toEqual([
      {vector: 0x34, deliveryMode: 0, level: false, destination: 1, logical: false, pin: 4},
      {vector: 0x34, deliveryMode: 0, level: false, destination: 1, logical: false, pin: 4},
    ])
  })

  it('holds a level entry with remote IRR until the EOI of its vector, and sends again if still asserted', () => {
    const {apic, sent, write, read} = ioApic()
    write(0x10 + 5 * 2, 0x8035) // level, vector 0x35
    apic.setIrqLevel(5, true)
    apic.setIrqLevel(5, true)
    expect(sent).toHaveLength(1)
    expect(read(0x10 + 5 * 2) & 0x4000).toBe(0x4000) // remote IRR
    apic.endOfInterrupt(0x36) // another vector: nothing
    expect(sent).toHaveLength(1)
    apic.endOfInterrupt(0x35)
    expect(sent).toHaveLength(2)
    apic.setIrqLevel(5, false)
    apic.endOfInterrupt(0x35)
    expect(sent).toHaveLength(2)
    expect(read(0x10 + 5 * 2) & 0x4000).toBe(0)
    expect(sent[1]).toMatchObject({vector: 0x35, level: true})
  })

  it('sends at once when a level entry is unmasked with its line asserted', () => {
    const {apic, sent, write} = ioApic()
    apic.setIrqLevel(9, true)
    write(0x10 + 9 * 2, 0x18039)
    expect(sent).toHaveLength(0)
    write(0x10 + 9 * 2, 0x8039)
    expect(sent).toHaveLength(1)
  })

  it('saves and restores its registers and lines, and refuses another version', () => {
    const {apic, write} = ioApic()
    write(0x10 + 3 * 2, 0x8033)
    apic.setIrqLevel(3, true)
    const copy = ioApic()
    copy.apic.restoreState(JSON.parse(JSON.stringify(apic.saveState())))
    expect(copy.read(0x10 + 3 * 2)).toBe(0xc033)
    copy.apic.endOfInterrupt(0x33)
    expect(copy.sent).toHaveLength(1) // the line is still high
    expect(() => copy.apic.restoreState({version: 9})).toThrow(/version 9/)
  })

  it('takes the ISA lines of a Generation 2 machine', () => {
    const sent: IoApicDelivery[] = []
    const platform = createGen2Platform({memoryBytes: 2 ** 26, clock: new ManualClock(), onApicInterrupt: (d) => void sent.push(d)})
    expect(platform.ioApic).not.toBeNull()
    platform.writeMmio(IO_APIC_BASE, 4, 0x10 + 4 * 2)
    platform.writeMmio(IO_APIC_BASE + 0x10, 4, 0x24) // COM1's IRQ 4, edge, vector 0x24
    platform.writePort(0x3fc, 1, 0x08) // UART: OUT2 gates its IRQ onto the line
    platform.writePort(0x3f9, 1, 0x02) // THR-empty interrupt enabled
    expect(sent).toEqual([{vector: 0x24, deliveryMode: 0, level: false, destination: 0, logical: false, pin: 4}])
    platform.writeMmio(IO_APIC_BASE, 4, 0x01)
    expect(platform.readMmio(IO_APIC_BASE + 0x10, 4)).toBe(0x00170011)
  })
})

import {describe, expect, it} from 'vitest'
import type {IrqLine} from '../../../src/core/devices/device.js'
import {A20Gate} from '../../../src/core/devices/emulated/a20-gate.js'
import {I8042} from '../../../src/core/devices/emulated/i8042.js'
import {SystemControlPortA} from '../../../src/core/devices/emulated/system-control-port-a.js'

function controller(options: {a20Enabled?: boolean} = {}) {
  const events = {resets: 0, a20: [] as boolean[]}
  const irq1 = {level: false, edges: 0}
  const line: IrqLine = {
    setLevel(high) {
      if (high && !irq1.level) irq1.edges++
      irq1.level = high
    },
    pulse() {},
  }
  const device = new I8042({
    irq1: line,
    onResetRequest: () => events.resets++,
    onA20Change: (enabled) => events.a20.push(enabled),
    a20Enabled: options.a20Enabled,
  })
  const command = (value: number) => device.writePort(0x64, 1, value)
  const data = (value: number) => device.writePort(0x60, 1, value)
  const status = () => device.readPort(0x64, 1)
  /** Reads every byte waiting in the output buffer, as a driver's flush loop does. */
  const drain = () => {
    const bytes: number[] = []
    while (status() & 0x01) bytes.push(device.readPort(0x60, 1))
    return bytes
  }
  return {device, events, irq1, command, data, status, drain}
}

describe('8042: controller commands', () => {
  it('passes its self test with 0x55 and sets the system flag', () => {
    const {command, drain, status} = controller()
    command(0xaa)
    expect(status() & 0x0d).toBe(0x0d) // output full, system flag, last write was a command
    expect(drain()).toEqual([0x55])
    expect(status() & 0x01).toBe(0)
  })

  it.each([
    {command: 0xab, reply: 0x00, name: 'keyboard interface test'},
    {command: 0xa9, reply: 0x00, name: 'aux interface test'},
    {command: 0xc0, reply: 0x80, name: 'read input port'},
  ])('answers $name', ({command: value, reply}) => {
    const {command, drain} = controller()
    command(value)
    expect(drain()).toEqual([reply])
  })

  it('reads and writes the command byte', () => {
    const {command, data, drain, status} = controller()
    command(0x20)
    expect(drain()).toEqual([0x65])
    command(0x60)
    data(0x00)
    expect(status() & 0x04).toBe(0) // the system flag follows command byte bit 2
    command(0x20)
    expect(drain()).toEqual([0x00])
  })

  it('disables and enables the ports through the command byte', () => {
    const {command, drain, device} = controller()
    command(0xad)
    command(0xa8)
    expect(device.commandByte).toBe(0x55)
    command(0xae)
    command(0xa7)
    expect(device.commandByte).toBe(0x65)
    expect(drain()).toEqual([])
  })

  it('reads and writes the output port, reporting A20 changes', () => {
    const {command, data, drain, events, device} = controller()
    command(0xd0)
    expect(drain()).toEqual([0x01])
    command(0xd1)
    data(0xdf)
    expect(events.a20).toEqual([true])
    expect(device.a20Enabled).toBe(true)
    command(0xd0)
    expect(drain()).toEqual([0xcf]) // output-full bits reflect the buffer, not the written value
    command(0xdd)
    expect(events.a20).toEqual([true, false])
    expect(events.resets).toBe(0)
  })

  it.each([
    {how: 'command 0xFE', act: (c: ReturnType<typeof controller>) => c.command(0xfe)},
    {how: 'command 0xF0 (bit 0 pulsed too)', act: (c: ReturnType<typeof controller>) => c.command(0xf0)},
    {how: 'output port bit 0 written as 0', act: (c: ReturnType<typeof controller>) => (c.command(0xd1), c.data(0x02))},
  ])('requests a reset through $how', ({act}) => {
    const c = controller()
    act(c)
    expect(c.events.resets).toBe(1)
  })

  it('does not reset for pulses that leave bit 0 alone', () => {
    const c = controller()
    c.command(0xff)
    c.command(0xf1)
    expect(c.events.resets).toBe(0)
  })

  it('puts 0xD2 data in the buffer as if the keyboard sent it', () => {
    const {command, data, drain, status} = controller()
    command(0xd2)
    data(0x1c)
    expect(status() & 0x20).toBe(0)
    expect(drain()).toEqual([0x1c])
    command(0xd3)
    data(0x08)
    expect(status() & 0x21).toBe(0x21) // aux data
    expect(drain()).toEqual([0x08])
  })
})

describe('8042: the keyboard behind it', () => {
  it.each([
    {name: 'reset', bytes: [0xff], reply: [0xfa, 0xaa]},
    {name: 'echo', bytes: [0xee], reply: [0xee]},
    {name: 'set LEDs', bytes: [0xed, 0x07], reply: [0xfa, 0xfa]},
    {name: 'identify (translated)', bytes: [0xf2], reply: [0xfa, 0xab, 0x41]},
    {name: 'get scan code set (translated)', bytes: [0xf0, 0x00], reply: [0xfa, 0xfa, 0x41]},
    {name: 'set scan code set 1', bytes: [0xf0, 0x01], reply: [0xfa, 0xfa]},
    {name: 'enable scanning', bytes: [0xf4], reply: [0xfa]},
    {name: 'disable scanning', bytes: [0xf5], reply: [0xfa]},
    {name: 'typematic rate', bytes: [0xf3, 0x20], reply: [0xfa, 0xfa]},
    {name: 'unknown command', bytes: [0x12], reply: [0xfe]},
  ])('answers $name', ({bytes, reply}) => {
    const {data, drain} = controller()
    for (const byte of bytes) data(byte)
    expect(drain()).toEqual(reply)
  })

  it('sends untranslated bytes when translation is off', () => {
    const {command, data, drain} = controller()
    command(0x60)
    data(0x25)
    data(0xf2)
    expect(drain()).toEqual([0xfa, 0xab, 0x83])
  })

  it('remembers LEDs and the scan code set', () => {
    const {data, drain, device} = controller()
    data(0xed)
    data(0x05)
    data(0xf0)
    data(0x03)
    drain()
    expect(device.keyboard.leds).toBe(5)
    expect(device.keyboard.scanCodeSet).toBe(3)
  })

  it('raises IRQ 1 for each byte when enabled, with a fresh edge per byte', () => {
    const {data, drain, irq1, command} = controller()
    data(0xff)
    expect(irq1.level).toBe(true)
    drain()
    expect(irq1.edges).toBe(2)
    expect(irq1.level).toBe(false)
    command(0x60)
    data(0x64) // interrupts off
    data(0xee)
    expect(irq1.level).toBe(false)
    expect(drain()).toEqual([0xee])
  })
})

describe('8042: saved state', () => {
  it('restores pending output and a half-finished command', () => {
    const a = controller()
    a.data(0xff)
    a.command(0xd1)
    const saved = JSON.parse(JSON.stringify(a.device.saveState()))
    const b = controller()
    b.device.restoreState(saved)
    expect(b.irq1.level).toBe(true)
    b.data(0x03)
    expect(b.events.a20).toEqual([true])
    expect(b.drain()).toEqual([0xfa, 0xaa])
  })

  it('refuses a wrong version and a malformed queue', () => {
    const {device} = controller()
    const saved = device.saveState()
    expect(() => device.restoreState({...saved, version: 3})).toThrow(/i8042: saved state version 3/)
    expect(() => device.restoreState({...saved, queue: [1]})).toThrow(/queue/)
  })
})

describe('8042: any guest access is harmless', () => {
  it('accepts every command and data byte', () => {
    const {command, data, drain, device} = controller()
    for (let value = 0; value < 256; value++) {
      command(value)
      data(value)
      data(value ^ 0xff)
      drain()
      device.readPort(0x60, 4)
    }
  })
})

describe('port 0x92 and the A20 gate', () => {
  it('reports A20 from bit 1 and a fast reset on a rising bit 0', () => {
    const events = {resets: 0, a20: [] as boolean[]}
    const port = new SystemControlPortA({onResetRequest: () => events.resets++, onA20Change: (on) => events.a20.push(on)})
    port.writePort(0x92, 1, 0x02)
    expect(port.readPort(0x92, 1)).toBe(0x02)
    port.writePort(0x92, 1, 0x03)
    port.writePort(0x92, 1, 0x03)
    expect(events).toEqual({resets: 1, a20: [true]})
    const copy = new SystemControlPortA()
    copy.restoreState(JSON.parse(JSON.stringify(port.saveState())))
    expect(copy.readPort(0x92, 1)).toBe(0x03)
    expect(() => copy.restoreState({version: 2, value: 0})).toThrow(/port92: saved state version 2/)
  })

  it('enables A20 when either source does', () => {
    const changes: boolean[] = []
    const gate = new A20Gate((on) => changes.push(on))
    gate.set('i8042', true)
    gate.set('port92', true)
    gate.set('i8042', false)
    expect(gate.enabled).toBe(true)
    gate.set('port92', false)
    expect(changes).toEqual([true, false])
  })
})

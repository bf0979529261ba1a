import {describe, expect, it} from 'vitest'
import {ManualClock} from '../../../src/core/devices/clock.js'
import type {IrqLine} from '../../../src/core/devices/device.js'
import {Uart16550} from '../../../src/core/devices/emulated/uart16550.js'

const BASE = 0x3f8
const [RBR, IER, IIR, LCR, MCR, LSR, MSR, SCR] = [0, 1, 2, 3, 4, 5, 6, 7].map((offset) => BASE + offset) as [
  number, number, number, number, number, number, number, number,
]
const THR = RBR
const FCR = IIR

function uart() {
  const clock = new ManualClock()
  const output: number[] = []
  const irq = {level: false, edges: 0}
  const line: IrqLine = {
    setLevel(high) {
      if (high && !irq.level) irq.edges++
      irq.level = high
    },
    pulse() {},
  }
  const device = new Uart16550({name: 'COM1', basePort: BASE, irq: line, clock, onTransmit: (byte) => output.push(byte)})
  const out = (port: number, value: number) => device.writePort(port, 1, value)
  const inb = (port: number) => device.readPort(port, 1)
  return {clock, device, output, irq, out, inb}
}

describe('16550: registers', () => {
  it('sends THR writes to the sink and is ready again at once', () => {
    const {out, inb, output} = uart()
    for (const byte of [...'hi\n'].map((c) => c.charCodeAt(0))) out(THR, byte)
    expect(output).toEqual([0x68, 0x69, 0x0a])
    expect(inb(LSR)).toBe(0x60)
  })

  it('puts the divisor latch behind DLAB', () => {
    const {out, inb} = uart()
    out(IER, 0x05)
    out(LCR, 0x83)
    out(RBR, 0x01) // DLL: 115200 baud
    out(IER, 0x00) // DLM
    expect([inb(RBR), inb(IER)]).toEqual([0x01, 0x00])
    out(LCR, 0x03)
    expect(inb(IER)).toBe(0x05)
    expect(inb(LCR)).toBe(0x03)
  })

  it('keeps the scratch register and MCR bits', () => {
    const {out, inb} = uart()
    out(SCR, 0x5a)
    out(MCR, 0xff)
    expect([inb(SCR), inb(MCR)]).toEqual([0x5a, 0x1f])
  })

  it('reports a terminal present on the modem lines', () => {
    const {inb} = uart()
    expect(inb(MSR)).toBe(0xb0) // DCD, DSR, CTS
  })

  it('reads IIR as "no interrupt" with FIFO bits when FIFOs are enabled', () => {
    const {out, inb} = uart()
    expect(inb(IIR)).toBe(0x01)
    out(FCR, 0x01)
    expect(inb(IIR)).toBe(0xc1)
  })
})

describe('16550: receiving', () => {
  it('delivers host input byte by byte and refills from the host queue, losing nothing', () => {
    const {device, inb} = uart()
    device.receive(new TextEncoder().encode('hello, world'))
    const got: number[] = []
    while (inb(LSR) & 0x01) got.push(inb(RBR))
    expect(new TextDecoder().decode(Uint8Array.from(got))).toBe('hello, world')
  })

  it('fills a 16-byte FIFO in FIFO mode', () => {
    const {device, out, inb} = uart()
    out(FCR, 0x07)
    device.receive(new Uint8Array(40).fill(0x41))
    expect(device.saveState().receiveFifo).toHaveLength(16)
    expect(inb(RBR)).toBe(0x41)
  })

  it('raises received-data at the FIFO trigger level', () => {
    const {device, out, inb, irq} = uart()
    out(MCR, 0x08) // OUT2
    out(FCR, 0x81) // FIFO on, trigger 8
    out(IER, 0x01)
    device.receive(new Uint8Array(7))
    expect(inb(IIR) & 0x0f).toBe(0x01)
    device.receive(new Uint8Array(1))
    expect(inb(IIR)).toBe(0xc4)
    expect(irq.level).toBe(true)
  })

  it('raises a character timeout for data below the trigger level after four character times', () => {
    const {clock, device, out, inb, irq} = uart()
    out(LCR, 0x83)
    out(RBR, 0x01) // 115200 baud: a 10-bit character is 86.8 µs
    out(LCR, 0x03)
    out(MCR, 0x08)
    out(FCR, 0xc1) // trigger 14
    out(IER, 0x01)
    device.receive([0x61])
    clock.advanceBy(340_000)
    expect(irq.level).toBe(false)
    clock.advanceBy(10_000)
    expect(inb(IIR)).toBe(0xcc)
    expect(irq.level).toBe(true)
    expect(inb(RBR)).toBe(0x61)
    expect(inb(IIR)).toBe(0xc1)
    expect(irq.level).toBe(false)
  })

  it('sets overrun in loopback when the holding register is full, and reports it as line status', () => {
    const {out, inb, irq} = uart()
    out(MCR, 0x18) // loopback, OUT2
    out(IER, 0x05)
    out(THR, 1)
    out(THR, 2)
    expect(inb(IIR)).toBe(0x06)
    expect(irq.level).toBe(false) // loopback disconnects the interrupt from the bus
    expect(inb(LSR)).toBe(0x63)
    expect(inb(LSR)).toBe(0x61) // reading LSR clears the error
    expect(inb(RBR)).toBe(1)
  })
})

describe('16550: interrupt identification order', () => {
  it('reports line status, received data, THR empty, modem status in that order', () => {
    const {out, inb} = uart()
    out(MCR, 0x08)
    out(IER, 0x0f) // all four; enabling THRE while empty raises it
    out(MCR, 0x0b) // DTR/RTS changes in non-loopback do not move the modem inputs...
    out(MCR, 0x18) // ...but entering loopback drops CTS/DSR/DCD: modem status deltas
    out(THR, 0x31)
    out(THR, 0x32) // overrun: line status
    expect(inb(IIR)).toBe(0x06)
    inb(LSR)
    expect(inb(IIR)).toBe(0x04)
    inb(RBR)
    expect(inb(IIR)).toBe(0x02) // reading IIR that reports THRE clears it
    expect(inb(IIR)).toBe(0x00)
    expect(inb(MSR) & 0x0f).not.toBe(0)
    expect(inb(IIR)).toBe(0x01)
  })

  it('gates the IRQ line with OUT2 and re-raises THRE after each transmitted byte', () => {
    const {out, inb, irq} = uart()
    out(IER, 0x02)
    expect(irq.level).toBe(false)
    out(MCR, 0x08)
    expect(irq.level).toBe(true)
    expect(inb(IIR)).toBe(0x02)
    expect(irq.level).toBe(false)
    out(THR, 0x41)
    expect(irq.level).toBe(true)
    expect(irq.edges).toBe(2)
  })
})

describe('16550: loopback', () => {
  it('returns transmitted bytes to the receiver instead of the sink and mirrors MCR on MSR', () => {
    const {out, inb, output} = uart()
    out(MCR, 0x10 | 0x01 | 0x02 | 0x04 | 0x08)
    out(THR, 0x55)
    expect(output).toEqual([])
    expect(inb(RBR)).toBe(0x55)
    expect(inb(MSR) & 0xf0).toBe(0xf0)
    out(MCR, 0x10 | 0x02)
    expect(inb(MSR)).toBe(0x10 | 0x02 | 0x04 | 0x08) // CTS; deltas for DSR, trailing RI, DCD
  })
})

describe('16550: saved state', () => {
  it('restores a UART that then behaves identically', () => {
    const a = uart()
    a.out(LCR, 0x83)
    a.out(RBR, 0x03)
    a.out(LCR, 0x1b)
    a.out(FCR, 0x41)
    a.out(MCR, 0x0b)
    a.out(IER, 0x03)
    a.device.receive(new TextEncoder().encode('abcdefghijklmnopqrstuvwxyz'))
    a.inb(RBR)
    const saved = JSON.parse(JSON.stringify(a.device.saveState()))
    const b = uart()
    b.device.restoreState(saved)
    expect(b.irq.level).toBe(a.irq.level)
    const trace = (u: ReturnType<typeof uart>) => {
      const values = [u.inb(IIR), u.inb(LSR), u.inb(LCR), u.inb(MCR)]
      while (u.inb(LSR) & 1) values.push(u.inb(RBR))
      return values
    }
    expect(trace(b)).toEqual(trace(a))
  })

  it('refuses a wrong version and malformed fields', () => {
    const {device} = uart()
    const saved = device.saveState()
    expect(() => device.restoreState({...saved, version: 0})).toThrow(/COM1: saved state version 0/)
    expect(() => device.restoreState({...saved, receiveTrigger: 5})).toThrow(/receiveTrigger/)
    expect(() => device.restoreState({...saved, receiveFifo: new Array(17).fill(0)})).toThrow(/receiveFifo/)
  })
})

describe('16550: any guest access is harmless', () => {
  it('accepts every byte on every register in every DLAB/loopback/FIFO state', () => {
    const {out, inb, clock, device} = uart()
    device.receive(new Uint8Array(100).fill(7))
    for (let value = 0; value < 256; value++) {
      for (let offset = 0; offset < 8; offset++) {
        out(BASE + offset, value)
        inb(BASE + offset)
      }
      clock.advanceBy(50_000)
    }
    device.writePort(BASE, 4, 0xdeadbeef)
    device.readPort(BASE + 6, 2)
  })
})

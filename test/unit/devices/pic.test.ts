import {describe, expect, it} from 'vitest'
import {PicPair} from '../../../src/core/devices/emulated/pic.js'

/** The initialisation every PC BIOS and kernel performs: vectors 0x20 and 0x28, cascade on IR2, 8086 mode. */
function initialisedPic(options: {masterIcw4?: number; slaveIcw4?: number} = {}): PicPair {
  const pic = new PicPair()
  pic.writePort(0x20, 1, 0x11) // ICW1: edge, cascade, ICW4 needed
  pic.writePort(0x21, 1, 0x20) // ICW2: vector base
  pic.writePort(0x21, 1, 0x04) // ICW3: slave on IR2
  pic.writePort(0x21, 1, options.masterIcw4 ?? 0x01)
  pic.writePort(0xa0, 1, 0x11)
  pic.writePort(0xa1, 1, 0x28)
  pic.writePort(0xa1, 1, 0x02)
  pic.writePort(0xa1, 1, options.slaveIcw4 ?? 0x01)
  return pic
}

function readIsr(pic: PicPair, commandPort = 0x20): number {
  pic.writePort(commandPort, 1, 0x0b) // OCW3: read ISR
  const isr = pic.readPort(commandPort, 1)
  pic.writePort(commandPort, 1, 0x0a) // back to IRR
  return isr
}

describe('8259A pair: initialisation', () => {
  it('takes its vector base from ICW2 and clears the mask on ICW1', () => {
    const pic = initialisedPic()
    expect(pic.readPort(0x21, 1)).toBe(0)
    pic.pulseIrq(0)
    expect(pic.hasInterrupt()).toBe(true)
    expect(pic.acknowledge()).toBe(0x20)
  })

  it('drops requests latched before ICW1 and presents ones latched during the sequence only once it ends', () => {
    const pic = initialisedPic()
    pic.writePort(0x21, 1, 0xff)
    pic.pulseIrq(3) // latched in IRR, masked
    pic.writePort(0x20, 1, 0x11) // ICW1 resets the edge-sense latches
    pic.writePort(0x21, 1, 0x08)
    pic.pulseIrq(1)
    expect(pic.hasInterrupt()).toBe(false)
    pic.writePort(0x21, 1, 0x04)
    pic.writePort(0x21, 1, 0x01)
    expect(pic.hasInterrupt()).toBe(true)
    expect(pic.acknowledge()).toBe(0x09)
    pic.writePort(0x20, 1, 0x20)
    expect(pic.hasInterrupt()).toBe(false) // IR3's old request is gone
  })

  it('skips ICW3 in single mode and ICW4 when ICW1 does not ask for it', () => {
    const pic = new PicPair()
    pic.writePort(0x20, 1, 0x12) // single, no ICW4
    pic.writePort(0x21, 1, 0x40)
    pic.writePort(0x21, 1, 0xfe) // now OCW1
    expect(pic.readPort(0x21, 1)).toBe(0xfe)
    pic.pulseIrq(0)
    expect(pic.acknowledge()).toBe(0x40)
  })
})

describe('8259A pair: priority, EOI and masking', () => {
  it.each([
    {lines: [3, 1, 5], order: [1, 3, 5]},
    {lines: [7, 0], order: [0, 7]},
    {lines: [6, 4, 2 + 8 - 2 /* IRQ 8 */], order: [8, 4, 6]},
  ])('serves simultaneous requests $lines in fully nested order $order', ({lines, order}) => {
    const pic = initialisedPic()
    for (const line of lines) pic.pulseIrq(line)
    const served: number[] = []
    for (let i = 0; i < lines.length; i++) {
      const vector = pic.acknowledge()
      const irq = vector >= 0x28 ? vector - 0x28 + 8 : vector - 0x20
      served.push(irq)
      if (irq >= 8) pic.writePort(0xa0, 1, 0x20)
      pic.writePort(0x20, 1, 0x20)
    }
    expect(served).toEqual(order)
  })

  it('holds lower priorities while a higher one is in service, and lets higher ones nest', () => {
    const pic = initialisedPic()
    pic.pulseIrq(3)
    expect(pic.acknowledge()).toBe(0x23)
    pic.pulseIrq(5)
    expect(pic.hasInterrupt()).toBe(false)
    pic.pulseIrq(1)
    expect(pic.hasInterrupt()).toBe(true)
    expect(pic.acknowledge()).toBe(0x21)
    expect(readIsr(pic)).toBe(0b1010)
    pic.writePort(0x20, 1, 0x20) // non-specific EOI ends IR1, the highest in service
    expect(readIsr(pic)).toBe(0b1000)
    expect(pic.hasInterrupt()).toBe(false)
    pic.writePort(0x20, 1, 0x63) // specific EOI for IR3
    expect(pic.acknowledge()).toBe(0x25)
  })

  it('masks with OCW1 and delivers a masked edge once unmasked', () => {
    const pic = initialisedPic()
    pic.writePort(0x21, 1, 0x10)
    pic.pulseIrq(4)
    expect(pic.hasInterrupt()).toBe(false)
    expect(pic.readPort(0x20, 1) & 0x10).toBe(0x10) // still requested in IRR
    pic.writePort(0x21, 1, 0x00)
    expect(pic.acknowledge()).toBe(0x24)
  })

  it('rotates priority on EOI so that the ended level becomes lowest', () => {
    const pic = initialisedPic()
    pic.pulseIrq(0)
    expect(pic.acknowledge()).toBe(0x20)
    pic.writePort(0x20, 1, 0xa0) // rotate on non-specific EOI: IR0 lowest, IR1 highest
    pic.pulseIrq(0)
    pic.pulseIrq(5)
    expect(pic.acknowledge()).toBe(0x25)
    pic.writePort(0x20, 1, 0xc4) // set priority: IR4 lowest, so IR5 highest
    pic.writePort(0x20, 1, 0x65)
    pic.pulseIrq(3)
    pic.pulseIrq(6)
    expect(pic.acknowledge()).toBe(0x26)
  })

  it('special mask mode lets lower priorities in while a masked level is in service', () => {
    const pic = initialisedPic()
    pic.pulseIrq(2 + 1) // IR3
    expect(pic.acknowledge()).toBe(0x23)
    pic.pulseIrq(6)
    expect(pic.hasInterrupt()).toBe(false)
    pic.writePort(0x21, 1, 0x08) // mask IR3
    pic.writePort(0x20, 1, 0x68) // OCW3: set special mask
    expect(pic.acknowledge()).toBe(0x26)
    pic.writePort(0x20, 1, 0x48) // reset special mask
  })
})

describe('8259A pair: cascade', () => {
  it('delivers slave requests through master IR2 and needs EOIs to both', () => {
    const pic = initialisedPic()
    pic.pulseIrq(12)
    expect(pic.hasInterrupt()).toBe(true)
    expect(pic.acknowledge()).toBe(0x2c)
    expect(readIsr(pic)).toBe(0x04)
    expect(readIsr(pic, 0xa0)).toBe(0x10)
    pic.pulseIrq(14)
    expect(pic.hasInterrupt()).toBe(false) // master IR2 in service
    pic.writePort(0xa0, 1, 0x20)
    expect(pic.hasInterrupt()).toBe(false)
    pic.writePort(0x20, 1, 0x20)
    expect(pic.acknowledge()).toBe(0x2e)
  })

  it('masks the whole slave through master IR2', () => {
    const pic = initialisedPic()
    pic.writePort(0x21, 1, 0x04)
    pic.pulseIrq(8)
    expect(pic.hasInterrupt()).toBe(false)
    pic.writePort(0x21, 1, 0x00)
    expect(pic.acknowledge()).toBe(0x28)
  })

  it('lets a higher slave request through in special fully nested mode', () => {
    const pic = initialisedPic({masterIcw4: 0x11})
    pic.pulseIrq(12)
    expect(pic.acknowledge()).toBe(0x2c)
    pic.pulseIrq(9)
    expect(pic.hasInterrupt()).toBe(true)
    expect(pic.acknowledge()).toBe(0x29)
  })

  it('sends an ISA card on IRQ 2 to IRQ 9', () => {
    const pic = initialisedPic()
    pic.pulseIrq(2)
    expect(pic.acknowledge()).toBe(0x29)
  })
})

describe('8259A pair: trigger modes, auto-EOI, spurious, poll', () => {
  it('re-requests a level-triggered line that stays high after EOI', () => {
    const pic = initialisedPic()
    pic.writePort(0x4d1, 1, 0x08) // IRQ 11 level
    expect(pic.readPort(0x4d1, 1)).toBe(0x08)
    pic.setIrqLevel(11, true)
    expect(pic.acknowledge()).toBe(0x2b)
    pic.writePort(0xa0, 1, 0x20)
    pic.writePort(0x20, 1, 0x20)
    expect(pic.hasInterrupt()).toBe(true)
    expect(pic.acknowledge()).toBe(0x2b)
    pic.setIrqLevel(11, false) // the handler quiets the device before its EOIs
    pic.writePort(0xa0, 1, 0x20)
    pic.writePort(0x20, 1, 0x20)
    expect(pic.hasInterrupt()).toBe(false)
  })

  it('keeps the ELCR bits of the timer, keyboard, cascade, RTC and FPU at edge', () => {
    const pic = new PicPair()
    pic.writePort(0x4d0, 2, 0xffff)
    expect(pic.readPort(0x4d0, 2)).toBe(0xdef8)
  })

  it('an edge-triggered line needs a new rising edge', () => {
    const pic = initialisedPic()
    pic.setIrqLevel(3, true)
    expect(pic.acknowledge()).toBe(0x23)
    pic.writePort(0x20, 1, 0x20)
    expect(pic.hasInterrupt()).toBe(false)
    pic.setIrqLevel(3, false)
    pic.setIrqLevel(3, true)
    expect(pic.hasInterrupt()).toBe(true)
  })

  it('auto-EOI sets no ISR bit', () => {
    const pic = initialisedPic({masterIcw4: 0x03})
    pic.pulseIrq(5)
    expect(pic.acknowledge()).toBe(0x25)
    expect(readIsr(pic)).toBe(0)
    pic.pulseIrq(6)
    expect(pic.acknowledge()).toBe(0x26)
  })

  it('answers an INTA whose request has gone with IR7 and sets no ISR bit', () => {
    const pic = initialisedPic()
    pic.writePort(0x4d0, 1, 0x20) // IRQ 5 level
    pic.setIrqLevel(5, true)
    expect(pic.hasInterrupt()).toBe(true)
    pic.setIrqLevel(5, false) // the device drops its request before the processor's INTA
    expect(pic.acknowledge()).toBe(0x27)
    expect(readIsr(pic)).toBe(0)
    expect(pic.statistics()).toEqual({spuriousInterrupts: 1})
  })

  it('answers with IR15 when a slave request goes away after the master latched it, leaving master IR2 in service', () => {
    const pic = initialisedPic()
    pic.writePort(0x4d1, 1, 0x02) // IRQ 9 level
    pic.setIrqLevel(9, true)
    pic.setIrqLevel(9, false)
    expect(pic.hasInterrupt()).toBe(true) // the master latched the slave's rising INT on IR2
    expect(pic.acknowledge()).toBe(0x2f)
    expect(readIsr(pic, 0xa0)).toBe(0)
    expect(readIsr(pic)).toBe(0x04) // so the guest must EOI the master, and only the master
    pic.writePort(0x20, 1, 0x20)
    expect(readIsr(pic)).toBe(0)
    expect(pic.hasInterrupt()).toBe(false)
  })

  it('keeps serving a slave whose output stays high between requests (auto-EOI slave)', () => {
    const pic = initialisedPic({slaveIcw4: 0x03})
    pic.pulseIrq(9)
    pic.pulseIrq(10)
    expect(pic.acknowledge()).toBe(0x29)
    pic.writePort(0x20, 1, 0x20)
    expect(pic.acknowledge()).toBe(0x2a)
  })

  it('poll command reports and acknowledges the highest request', () => {
    const pic = initialisedPic()
    pic.writePort(0x20, 1, 0x0c)
    expect(pic.readPort(0x20, 1)).toBe(0x00)
    pic.pulseIrq(6)
    pic.writePort(0x20, 1, 0x0c)
    expect(pic.readPort(0x20, 1)).toBe(0x86)
    expect(readIsr(pic)).toBe(0x40)
    expect(pic.hasInterrupt()).toBe(false)
  })

  it('reports a rising INT output to the owner', () => {
    let wakeUps = 0
    const pic = new PicPair({onInterruptRequest: () => wakeUps++})
    pic.writePort(0x20, 1, 0x11)
    pic.writePort(0x21, 1, 0x20)
    pic.writePort(0x21, 1, 0x04)
    pic.writePort(0x21, 1, 0x01)
    pic.pulseIrq(1)
    pic.pulseIrq(3)
    expect(wakeUps).toBe(1)
  })
})

describe('8259A pair: saved state', () => {
  it('restores a pair that then behaves identically', () => {
    const pic = initialisedPic()
    pic.writePort(0x21, 1, 0x80)
    pic.pulseIrq(3)
    pic.acknowledge()
    pic.pulseIrq(5)
    pic.pulseIrq(12)
    const saved = JSON.parse(JSON.stringify(pic.saveState()))
    const copy = new PicPair()
    copy.restoreState(saved)
    for (const p of [pic, copy]) p.writePort(0x20, 1, 0x20)
    const trace = (p: PicPair) => [p.acknowledge(), p.readPort(0x21, 1), readIsr(p), readIsr(p, 0xa0)]
    expect(trace(copy)).toEqual(trace(pic))
  })

  it('refuses a wrong version or a malformed state without changing anything', () => {
    const pic = initialisedPic()
    const saved = pic.saveState()
    expect(() => pic.restoreState({...saved, version: 99})).toThrow(/version 99 is not supported/)
    expect(() => pic.restoreState({...saved, master: {...(saved.master as object), imr: 300}})).toThrow(/"imr"/)
    pic.pulseIrq(0)
    expect(pic.acknowledge()).toBe(0x20)
  })
})

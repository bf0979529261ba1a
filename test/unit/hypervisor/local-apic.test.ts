import {describe, expect, it} from 'vitest'

import {ManualClock} from '../../../src/core/devices/clock.js'
import {APIC_MIN_PERIOD_NS, APIC_REG as R, type Ipi, LocalApic, type LocalApicHost} from '../../../src/core/hypervisor/local-apic.js'

function makeApic(index = 0) {
  const clock = new ManualClock()
  const events = {pending: 0, eois: [] as number[], ipis: [] as Ipi[], nmis: 0}
  let apic!: LocalApic
  const host: LocalApicHost = {
    time: clock,
    interruptPending: () => void events.pending++,
    endOfInterrupt: (vector) => void events.eois.push(vector),
    sendIpi: (source, ipi) => {
      events.ipis.push(ipi)
      if (apic.acceptsIpi(source, ipi)) apic.receiveIpi(ipi)
    },
    raiseNmi: () => void events.nmis++,
  }
  apic = new LocalApic(index, host)
  return {apic, clock, events}
}

function enable(apic: LocalApic): void {
  apic.writeRegister(R.SVR, 0x1ff)
}

describe('local APIC', () => {
  it('resets to enabled in IA32_APIC_BASE, software-disabled, LVT masked', () => {
    const {apic} = makeApic()
    expect(apic.baseMsr).toBe(0xfee00900)
    expect(apic.readRegister(R.SVR)).toBe(0xff)
    expect(apic.readRegister(R.LVT_LINT0)).toBe(0x10000)
    expect(apic.readRegister(R.DFR)).toBe(0xffffffff)
    expect(apic.decodes(0xfee00300)).toBe(true)
    expect(apic.decodes(0xfee01000)).toBe(false)
    expect(makeApic(1).apic.baseMsr).toBe(0xfee00800) // not the BSP
  })

  it('delivers by priority class, holds lower classes while one is in service, and EOI ends the highest', () => {
    const {apic, events} = makeApic()
    enable(apic)
    apic.raise(0x31)
    apic.raise(0x52)
    expect(events.pending).toBe(1)
    expect(apic.hasInterrupt()).toBe(true)
    expect(apic.acknowledge()).toBe(0x52)
    expect(apic.readRegister(R.ISR + 0x20)).toBe(1 << (0x52 - 64))
    expect(apic.processorPriority()).toBe(0x50)
    expect(apic.hasInterrupt()).toBe(false) // 0x31 is class 3, below PPR
    apic.raise(0x61)
    expect(apic.acknowledge()).toBe(0x61) // a higher class nests
    apic.endOfInterrupt()
    apic.endOfInterrupt()
    expect(apic.acknowledge()).toBe(0x31)
    apic.endOfInterrupt()
    expect(apic.hasInterrupt()).toBe(false)
    expect(apic.acknowledge()).toBe(0xff) // nothing left: the spurious vector
  })

  it('blocks vectors at or below the TPR class', () => {
    const {apic} = makeApic()
    enable(apic)
    apic.writeRegister(R.TPR, 0x40)
    apic.raise(0x45)
    expect(apic.hasInterrupt()).toBe(false)
    expect(apic.readRegister(R.PPR)).toBe(0x40)
    apic.writeRegister(R.TPR, 0x3f)
    expect(apic.hasInterrupt()).toBe(true)
  })

  it('accepts fixed interrupts while software-disabled but presents them only once enabled', () => {
    const {apic} = makeApic()
    expect(apic.raise(0x40)).toBe(true)
    expect(apic.hasInterrupt()).toBe(false)
    enable(apic)
    expect(apic.acknowledge()).toBe(0x40)
  })

  it('refuses vectors below 16 with the receive-illegal-vector error', () => {
    const {apic} = makeApic()
    enable(apic)
    expect(apic.raise(5)).toBe(false)
    apic.writeRegister(R.ESR, 0)
    expect(apic.readRegister(R.ESR)).toBe(0x40)
  })

  it('does not put auto-EOI vectors in service, and reports the EOI of level-triggered ones', () => {
    const {apic, events} = makeApic()
    enable(apic)
    apic.raise(0x50, {autoEoi: true})
    expect(apic.acknowledge()).toBe(0x50)
    expect(apic.readRegister(R.ISR + 0x20)).toBe(0)
    apic.raise(0x60, {level: true})
    expect(apic.readRegister(R.TMR + 0x30)).toBe(1)
    expect(apic.acknowledge()).toBe(0x60)
    apic.endOfInterrupt()
    expect(events.eois).toEqual([0x60])
    apic.raise(0x61)
    apic.acknowledge()
    apic.endOfInterrupt()
    expect(events.eois).toEqual([0x60]) // edge: no broadcast
  })

  it('passes the PIC through as ExtINT while software-disabled or with LINT0 in ExtINT mode', () => {
    const {apic} = makeApic()
    let picPending = true
    apic.setExternalInterruptSource({hasInterrupt: () => picPending, acknowledge: () => ((picPending = false), 0x08)})
    expect(apic.hasInterrupt()).toBe(true)
    expect(apic.acknowledge()).toBe(0x08)
    picPending = true
    enable(apic) // LINT0 still masked: the wire is cut
    expect(apic.hasInterrupt()).toBe(false)
    apic.writeRegister(R.LVT_LINT0, 0x700) // ExtINT, unmasked
    expect(apic.hasInterrupt()).toBe(true)
    expect(apic.acknowledge()).toBe(0x08)
  })

  it('enters virtual wire mode as firmware leaves it: enabled, LINT0 ExtINT and LINT1 NMI unmasked', () => {
    const {apic} = makeApic()
    let picPending = true
    apic.setExternalInterruptSource({hasInterrupt: () => picPending, acknowledge: () => ((picPending = false), 0x30)})
    apic.enterVirtualWireMode()
    expect(apic.softwareEnabled).toBe(true)
    expect(apic.readRegister(R.LVT_LINT0)).toBe(0x8700)
    expect(apic.readRegister(R.LVT_LINT1)).toBe(0x8400)
    expect(apic.acknowledge()).toBe(0x30)
  })

  it('runs a one-shot timer on the partition clock with the divider', () => {
    const {apic, clock} = makeApic()
    enable(apic)
    apic.writeRegister(R.LVT_TIMER, 0x30)
    apic.writeRegister(R.TIMER_DIVIDE, 0) // divide by 2: 20 ns per tick
    apic.writeRegister(R.TIMER_INITIAL, 1000)
    clock.advanceTo(10_000)
    expect(apic.readRegister(R.TIMER_CURRENT)).toBe(500)
    expect(apic.hasInterrupt()).toBe(false)
    clock.advanceTo(20_000)
    expect(apic.readRegister(R.TIMER_CURRENT)).toBe(0)
    expect(apic.acknowledge()).toBe(0x30)
    apic.endOfInterrupt()
    clock.advanceTo(100_000)
    expect(apic.hasInterrupt()).toBe(false) // one-shot
  })

  it('runs a periodic timer, no faster than its minimum period, and a masked one raises nothing', () => {
    const {apic, clock} = makeApic()
    enable(apic)
    apic.writeRegister(R.TIMER_DIVIDE, 0xb)
    apic.writeRegister(R.LVT_TIMER, 0x20030)
    apic.writeRegister(R.TIMER_INITIAL, 10) // 100 ns asked; the minimum applies
    let count = 0
    for (let t = 0; t < 10 * APIC_MIN_PERIOD_NS; t += APIC_MIN_PERIOD_NS / 4) {
      clock.advanceTo(t + APIC_MIN_PERIOD_NS / 4)
      if (apic.hasInterrupt()) {
        apic.acknowledge()
        apic.endOfInterrupt()
        count++
      }
    }
    expect(count).toBe(10)
    apic.writeRegister(R.LVT_TIMER, 0x30030)
    clock.advanceBy(5 * APIC_MIN_PERIOD_NS)
    expect(apic.hasInterrupt()).toBe(false)
  })

  it('sends self and broadcast IPIs, NMIs, and flags illegal vectors', () => {
    const {apic, events} = makeApic()
    enable(apic)
    apic.writeRegister(R.ICR_LOW, 0x40041) // self
    expect(apic.acknowledge()).toBe(0x41)
    apic.writeRegister(R.ICR_HIGH, 0x00000000)
    apic.writeRegister(R.ICR_LOW, 0x00042) // physical destination 0 = this APIC
    expect(apic.readRegister(R.IRR + 0x20)).toBe(1 << 2)
    apic.writeRegister(R.ICR_LOW, 0x40400) // NMI to self
    expect(events.nmis).toBe(1)
    apic.writeRegister(R.ICR_LOW, 0x40003)
    apic.writeRegister(R.ESR, 0)
    expect(apic.readRegister(R.ESR)).toBe(0x20)
    expect(events.ipis).toHaveLength(3)
  })

  it('resets when IA32_APIC_BASE clears the global enable, and refuses x2APIC mode', () => {
    const {apic} = makeApic()
    enable(apic)
    apic.writeRegister(R.TPR, 0x20)
    expect(apic.writeBaseMsr(0xfee00000, 0)).toBe(true)
    expect(apic.hardwareEnabled).toBe(false)
    expect(apic.decodes(0xfee00000)).toBe(false)
    expect(apic.writeBaseMsr(0xfee00800, 0)).toBe(true)
    expect(apic.readRegister(R.TPR)).toBe(0)
    expect(apic.readRegister(R.SVR)).toBe(0xff)
    expect(apic.writeBaseMsr(0xfee00c00, 0)).toBe(false)
    expect(apic.writeBaseMsr(0xfee00800, 1)).toBe(false)
  })

  it('reads registers through the page at any width, and ignores narrow writes', () => {
    const {apic} = makeApic()
    expect(apic.readMmio(0xfee00030, 4)).toBe(0x00050014)
    expect(apic.readMmio(0xfee00032, 1)).toBe(0x05)
    expect(apic.readMmio(0xfee00034, 4)).toBe(0)
    apic.writeMmio(0xfee00080, 1, 0x50)
    expect(apic.readRegister(R.TPR)).toBe(0)
    apic.writeMmio(0xfee00080, 4, 0x50)
    expect(apic.readRegister(R.TPR)).toBe(0x50)
  })

  it('saves and restores registers and a running timer', () => {
    const {apic, clock} = makeApic()
    enable(apic)
    apic.writeRegister(R.LVT_TIMER, 0x30)
    apic.writeRegister(R.TIMER_DIVIDE, 0xb)
    apic.writeRegister(R.TIMER_INITIAL, 1000) // expires at 10 µs
    apic.raise(0x70)
    clock.advanceTo(4000)
    const saved = JSON.parse(JSON.stringify(apic.saveState()))
    const copy = makeApic()
    copy.clock.advanceTo(50_000)
    copy.apic.restoreState(saved)
    expect(copy.apic.readRegister(R.TIMER_CURRENT)).toBe(600)
    expect(copy.apic.acknowledge()).toBe(0x70)
    copy.apic.endOfInterrupt()
    copy.clock.advanceTo(56_000)
    expect(copy.apic.acknowledge()).toBe(0x30)
    expect(() => copy.apic.restoreState({...saved, lvt: [1]})).toThrow(/lvt/)
  })
})

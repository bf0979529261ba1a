import {describe, expect, it} from 'vitest'
import {ManualClock} from '../../../src/core/devices/clock.js'
import {DebugExit} from '../../../src/core/devices/emulated/debug-exit.js'
import {POST_CODE_HISTORY_LENGTH, PostCode} from '../../../src/core/devices/emulated/post-code.js'
import {PM_TIMER_HZ, PowerManagement} from '../../../src/core/devices/emulated/power-management.js'

describe('power management: PM1a control', () => {
  function pm() {
    const clock = new ManualClock()
    const powerOffs: number[] = []
    const device = new PowerManagement({clock, onPowerOff: (type) => powerOffs.push(type)})
    return {clock, device, powerOffs}
  }

  it('powers off on outw(0x604, 0x2000)', () => {
    const {device, powerOffs} = pm()
    device.writePort(0x604, 2, 0x2000)
    expect(powerOffs).toEqual([0])
  })

  it('reports the sleep type written with SLP_EN, also through a byte write to the high half', () => {
    const {device, powerOffs} = pm()
    device.writePort(0x605, 1, 0x20 | (5 << 2))
    expect(powerOffs).toEqual([5])
  })

  it('does nothing without SLP_EN, reads SCI_EN set and never reads SLP_EN back', () => {
    const {device, powerOffs} = pm()
    device.writePort(0x604, 2, 0x1400)
    expect(powerOffs).toEqual([])
    expect(device.readPort(0x604, 2)).toBe(0x1401)
    device.writePort(0x604, 2, 0x2000)
    expect(device.readPort(0x604, 2) & 0x2000).toBe(0)
  })
})

describe('power management: PM timer', () => {
  it('counts at 3.579545 MHz in 24 bits', () => {
    const clock = new ManualClock()
    const device = new PowerManagement({clock})
    expect(device.readPort(0x608, 4)).toBe(0)
    clock.advanceTo(1_000_000)
    expect(device.readPort(0x608, 4)).toBe(3579)
    clock.advanceTo(1_000_000_000)
    expect(device.readPort(0x608, 4)).toBe(PM_TIMER_HZ & 0xffffff)
    clock.advanceTo(10_000_000_000)
    expect(device.readPort(0x608, 4)).toBe((PM_TIMER_HZ * 10) % 2 ** 24)
    expect(device.readPort(0x608, 2)).toBe((PM_TIMER_HZ * 10) % 2 ** 16)
    device.writePort(0x608, 4, 0)
    expect(device.readPort(0x608, 4)).toBe((PM_TIMER_HZ * 10) % 2 ** 24)
  })

  it('saves the control register and refuses another version', () => {
    const clock = new ManualClock()
    const a = new PowerManagement({clock})
    a.writePort(0x604, 2, 0x0c00)
    const b = new PowerManagement({clock})
    b.restoreState(JSON.parse(JSON.stringify(a.saveState())))
    expect(b.readPort(0x604, 2)).toBe(0x0c01)
    expect(() => b.restoreState({version: 9})).toThrow(/power-management: saved state version 9/)
    expect(() => b.restoreState({version: 1, control: 'x'})).toThrow(/"control"/)
  })
})

describe('POST code port', () => {
  it('latches the last code and keeps a bounded history', () => {
    const post = new PostCode()
    for (let code = 0; code < POST_CODE_HISTORY_LENGTH + 10; code++) post.writePort(0x80, 1, code)
    expect(post.lastCode).toBe(POST_CODE_HISTORY_LENGTH + 9)
    expect(post.readPort(0x80, 1)).toBe(POST_CODE_HISTORY_LENGTH + 9)
    expect(post.codes).toHaveLength(POST_CODE_HISTORY_LENGTH)
    expect(post.codes[0]).toBe(10)
    expect(post.statistics()).toMatchObject({postCodesWritten: POST_CODE_HISTORY_LENGTH + 10})
    const copy = new PostCode()
    copy.restoreState(JSON.parse(JSON.stringify(post.saveState())))
    expect(copy.codes).toEqual(post.codes)
    expect(() => copy.restoreState({...post.saveState(), history: new Array(POST_CODE_HISTORY_LENGTH + 1).fill(0)})).toThrow(
      /"history"/,
    )
  })

  it('keeps only the byte lane of a wider write', () => {
    const post = new PostCode()
    post.writePort(0x80, 4, 0x12345678)
    expect(post.lastCode).toBe(0x78)
  })
})

describe('debug exit port', () => {
  it.each([
    {size: 1, value: 0x1ff, status: 0xff},
    {size: 1, value: 0, status: 0},
    {size: 2, value: 0x12345, status: 0x2345},
    {size: 4, value: 0xffffffff, status: 0xffffffff},
  ])('a $size-byte write of $value exits with status $status', ({size, value, status}) => {
    const exits: number[] = []
    const port = new DebugExit({onExit: (s) => exits.push(s)})
    port.writePort(0xf4, size, value)
    expect(exits).toEqual([status])
    expect(port.exitStatus).toBe(status)
    expect(port.readPort(0xf4, size)).toBe(size === 1 ? 0xff : size === 2 ? 0xffff : 0xffffffff)
  })

  it('refuses another saved-state version', () => {
    expect(() => new DebugExit().restoreState({version: 2})).toThrow(/debug-exit/)
  })
})

describe('power management: PM1a status and enable', () => {
  function pm() {
    const clock = new ManualClock()
    const sci = {level: false, setLevel(high: boolean) { this.level = high }, pulse() {}}
    const device = new PowerManagement({clock, sci})
    return {clock, device, sci}
  }

  it('decodes PM1a status at 0x600 and enable at 0x602, as the FADT and PIIX4 PMBA say', () => {
    const {device} = pm()
    expect(device.portRanges.some((range) => range.start === 0x600 && range.length === 4)).toBe(true)
    expect(device.readPort(0x600, 2)).toBe(0)
    expect(device.readPort(0x602, 2)).toBe(0)
    // ACPICA disables the fixed events at start-up (RTC_EN included) and reads them back.
    device.writePort(0x602, 2, 0x0721)
    expect(device.readPort(0x602, 2)).toBe(0x0721)
    device.writePort(0x602, 2, 0x0000)
    expect(device.readPort(0x602, 2)).toBe(0)
    device.writePort(0x602, 2, 0xffff)
    expect(device.readPort(0x602, 2)).toBe(0x0721)
  })

  it('sets TMR_STS when the timer’s bit 23 changes, clears it on a written one, and raises the SCI with TMR_EN', () => {
    const {clock, device, sci} = pm()
    const carryNs = Math.ceil((2 ** 23 / PM_TIMER_HZ) * 1e9)
    clock.advanceTo(carryNs + 1000)
    expect(device.readPort(0x600, 2) & 1).toBe(1)
    expect(sci.level).toBe(false)
    device.writePort(0x600, 2, 0x0001)
    expect(device.readPort(0x600, 2) & 1).toBe(0)
    device.writePort(0x602, 2, 0x0001)
    clock.advanceTo(2 * carryNs + 1000)
    expect(sci.level).toBe(true)
    device.writePort(0x600, 2, 0x0001)
    expect(sci.level).toBe(false)
  })

  it('latches the power button until cleared and signals it when enabled; a dword write reaches status, enable and control', () => {
    const {device, sci} = pm()
    device.pressPowerButton()
    expect(device.readPort(0x600, 2)).toBe(0x0100)
    expect(sci.level).toBe(false)
    device.writePort(0x602, 2, 0x0100)
    expect(sci.level).toBe(true)
    device.writePort(0x600, 4, 0x0100_0100)
    expect(device.readPort(0x600, 2)).toBe(0)
    expect(sci.level).toBe(false)
    expect(device.readPort(0x600, 4)).toBe(0x0100_0000)
  })

  it('restores version-1 states (no event registers) and keeps the new registers in version 2', () => {
    const {device} = pm()
    device.writePort(0x602, 2, 0x0100)
    device.pressPowerButton()
    const saved = JSON.parse(JSON.stringify(device.saveState()))
    const other = pm()
    other.device.restoreState(saved)
    expect(other.device.readPort(0x600, 4)).toBe(0x0100_0100)
    expect(other.sci.level).toBe(true)
    other.device.restoreState({version: 1, control: 0x0c00})
    expect(other.device.readPort(0x600, 4)).toBe(0)
    expect(other.device.readPort(0x604, 2)).toBe(0x0c01)
  })
})

/**
 * The example plug-in examples/vdevs/countdown-timer.mjs, loaded as hv loads
 * plug-ins and driven through its ports on a manual clock: its registers,
 * one-shot and periodic expiry, the level interrupt it raises on a
 * Generation 1 board's PIC, late timers, saved state, and its configuration
 * check. And its test guest, guests/images/plugin-timer.bin, which must match
 * its source when nasm is installed.
 */
import {spawnSync} from 'node:child_process'
import {mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

import {afterAll, beforeEach, describe, expect, it} from 'vitest'

import {ManualClock} from '../../../../src/core/devices/clock.js'
import type {PortIoDevice} from '../../../../src/core/devices/device.js'
import {createGen1Platform} from '../../../../src/core/devices/platform.js'
import {createPluginDevice, loadDeviceKind} from '../../../../src/core/devices/plugins/index.js'
import {hasTool} from '../../../helpers/tools.js'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..')
const MODULE = path.join(root, 'examples/vdevs/countdown-timer.mjs')
const kind = loadDeviceKind(MODULE)
const BASE = 0x310
const [RELOAD, CURRENT, CONTROL, STATUS, ID, VERSION, EXPIRIES] = [0, 4, 8, 9, 10, 11, 12].map((offset) => BASE + offset)
const RUN = 1
const PERIODIC = 2
const IRQ = 4
const MS = 1_000_000

/** The timer alone, with its interrupt line recorded. */
function timer(config: object = {}, lateNs = 0) {
  const clock = new ManualClock()
  // A host that runs timers late, as a busy or idle-slack worker may.
  const deviceClock = {nowNs: () => clock.nowNs(), setTimer: (deadlineNs: number, callback: () => void) => clock.setTimer(deadlineNs + lateNs, callback)}
  const levels: boolean[] = []
  const device = createPluginDevice(
    {name: 'timer', path: MODULE, kind: kind.id, config},
    {clock: deviceClock, irq: () => ({setLevel: (high) => levels.push(high), pulse: () => {}}), log: () => {}},
  ) as PortIoDevice
  const line = () => levels.at(-1) ?? false
  return {clock, device, line, levels}
}

describe('countdown-timer', () => {
  let t: ReturnType<typeof timer>
  beforeEach(() => {
    t = timer()
  })

  it('claims 16 ports at its base and identifies itself', () => {
    expect(t.device.portRanges).toEqual([{name: 'Countdown timer', start: BASE, length: 16}])
    expect(t.device.readPort(ID, 1)).toBe(0x54)
    expect(t.device.readPort(VERSION, 1)).toBe(1)
    expect(t.device.readPort(ID, 2)).toBe(0x0154)
  })

  it('keeps RELOAD as written, by any width, and counts CURRENT down from it while running', () => {
    t.device.writePort(RELOAD, 4, 0x12345678)
    expect(t.device.readPort(RELOAD, 4)).toBe(0x12345678)
    t.device.writePort(RELOAD + 1, 1, 0)
    expect(t.device.readPort(RELOAD, 4)).toBe(0x12340078)
    t.device.writePort(RELOAD, 4, 10)
    expect(t.device.readPort(CURRENT, 4)).toBe(0)
    t.device.writePort(CONTROL, 1, RUN)
    expect(t.device.readPort(CURRENT, 4)).toBe(10)
    t.clock.advanceBy(3.5 * MS)
    expect(t.device.readPort(CURRENT, 4)).toBe(7)
  })

  it('one-shot: expires once, sets EXPIRED, stops; no interrupt unless IRQ is set', () => {
    t.device.writePort(RELOAD, 4, 5)
    t.device.writePort(CONTROL, 1, RUN)
    t.clock.advanceBy(5 * MS - 1)
    expect(t.device.readPort(STATUS, 1)).toBe(0)
    t.clock.advanceBy(1)
    expect(t.device.readPort(STATUS, 1)).toBe(1)
    expect(t.device.readPort(CONTROL, 1)).toBe(0)
    expect(t.device.readPort(EXPIRIES, 4)).toBe(1)
    t.clock.advanceBy(100 * MS)
    expect(t.device.readPort(EXPIRIES, 4)).toBe(1)
    expect(t.line()).toBe(false)
  })

  it('raises its line while EXPIRED and IRQ are set; writing 1 to STATUS drops it', () => {
    t.device.writePort(RELOAD, 4, 2)
    t.device.writePort(CONTROL, 1, RUN | IRQ)
    t.clock.advanceBy(2 * MS)
    expect(t.line()).toBe(true)
    t.device.writePort(STATUS, 1, 0)
    expect(t.line()).toBe(true)
    t.device.writePort(STATUS, 1, 1)
    expect(t.line()).toBe(false)
    expect(t.device.readPort(STATUS, 1)).toBe(0)
  })

  it('periodic: expires every RELOAD ticks from the first deadline, and counts every period a late timer missed', () => {
    t.device.writePort(RELOAD, 4, 4)
    t.device.writePort(CONTROL, 1, RUN | PERIODIC)
    t.clock.advanceBy(12 * MS)
    expect(t.device.readPort(EXPIRIES, 4)).toBe(3)
    expect(t.device.readPort(CURRENT, 4)).toBe(4)
    // Timers that fire 10 ms late: the expiries missed are counted, the phase is kept.
    const late = timer({}, 10 * MS)
    late.device.writePort(RELOAD, 4, 4)
    late.device.writePort(CONTROL, 1, RUN | PERIODIC)
    late.clock.advanceTo(13 * MS)
    expect(late.device.readPort(EXPIRIES, 4)).toBe(0)
    late.clock.advanceTo(14 * MS)
    expect(late.device.readPort(EXPIRIES, 4)).toBe(3)
    expect(late.device.readPort(CURRENT, 4)).toBe(2)
  })

  it('stops when RUN is cleared, and reset returns it to power-on', () => {
    t.device.writePort(RELOAD, 4, 4)
    t.device.writePort(CONTROL, 1, RUN | PERIODIC | IRQ)
    t.clock.advanceBy(4 * MS)
    t.device.writePort(CONTROL, 1, 0)
    expect(t.line()).toBe(false)
    t.clock.advanceBy(40 * MS)
    expect(t.device.readPort(EXPIRIES, 4)).toBe(1)
    t.device.reset()
    expect([RELOAD, EXPIRIES].map((port) => t.device.readPort(port, 4))).toEqual([0, 0])
    expect(t.clock.pendingTimers).toBe(0)
  })

  it('saves its state with the time left, and restores it on a clock at another time', () => {
    t.device.writePort(RELOAD, 4, 10)
    t.device.writePort(CONTROL, 1, RUN | PERIODIC | IRQ)
    t.clock.advanceBy(13 * MS)
    const saved = t.device.saveState()
    expect(saved).toEqual({version: 1, reload: 10, control: 7, status: 1, expiries: 1, remainingNs: 7 * MS})
    const other = timer()
    other.clock.advanceBy(1000 * MS)
    other.device.restoreState(saved)
    expect(other.line()).toBe(true)
    expect(other.device.readPort(CURRENT, 4)).toBe(7)
    other.clock.advanceBy(7 * MS)
    expect(other.device.readPort(EXPIRIES, 4)).toBe(2)
  })

  it('refuses a saved state of another version or with a bad field, changing nothing', () => {
    t.device.writePort(RELOAD, 4, 9)
    const good = t.device.saveState()
    expect(() => t.device.restoreState({...good, version: 2})).toThrow('cannot restore its saved state: saved state version 2 is not supported (expected 1)')
    expect(() => t.device.restoreState({...good, control: 8})).toThrow('saved field "control" is not valid: 8')
    expect(() => t.device.restoreState({...good, remainingNs: 'soon'})).toThrow('saved field "remainingNs" is not a number')
    expect(t.device.readPort(RELOAD, 4)).toBe(9)
  })

  it('takes its base port, line and tick from the configuration, and refuses bad fields by name', () => {
    expect(kind.parseConfig({})).toEqual({basePort: 0x310, irq: 5, tickNs: MS})
    expect(kind.parseConfig({basePort: 0x200, irq: 10, tickNs: 1000})).toEqual({basePort: 0x200, irq: 10, tickNs: 1000})
    expect(() => kind.parseConfig({irq: 16})).toThrow('"irq" must be an integer from 0 to 15, not 16')
    expect(() => kind.parseConfig({basePort: 0xfffa})).toThrow('"basePort" must be an integer from 0 to 65520')
    expect(() => kind.parseConfig({tickNs: 1.5})).toThrow('"tickNs" must be an integer')
    expect(() => kind.parseConfig({port: 1})).toThrow('unknown field "port"')
    expect(() => kind.parseConfig([])).toThrow('the configuration must be a JSON object')
  })

  it('interrupts through a Generation 1 board\'s PIC on the line configured', () => {
    const clock = new ManualClock()
    const platform = createGen1Platform({
      memoryBytes: 32 * 2 ** 20,
      clock,
      extraDevices: (irq) => [createPluginDevice({name: 'timer', path: MODULE, kind: kind.id, config: {irq: 10}}, {clock, irq, log: () => {}})],
    })
    platform.writePort(RELOAD, 4, 1)
    platform.writePort(CONTROL, 1, RUN | PERIODIC | IRQ)
    clock.advanceBy(MS)
    expect(platform.motherboard.irqLines.level(10)).toBe(true)
    expect(platform.counters()).toMatchObject({irqsRaised: {'10': 1}, devices: {'Plug-in timer': {expiries: 1, running: true}}})
    platform.writePort(STATUS, 1, 1)
    expect(platform.motherboard.irqLines.level(10)).toBe(false)
  })
})

describe.skipIf(!hasTool('nasm', ['-v']))('guests/images/plugin-timer.bin', () => {
  const tmp = mkdtempSync(path.join(tmpdir(), 'hv-plugin-timer-'))
  afterAll(() => rmSync(tmp, {recursive: true, force: true}))

  it('reassembles byte for byte from guests/examples/plugin-timer.asm', () => {
    const out = path.join(tmp, 'plugin-timer.bin')
    const result = spawnSync('nasm', ['-f', 'bin', '-o', out, path.join(root, 'guests/examples/plugin-timer.asm')], {encoding: 'utf8'})
    expect(result.status, result.stderr).toBe(0)
    expect(Buffer.compare(readFileSync(out), readFileSync(path.join(root, 'guests/images/plugin-timer.bin')))).toBe(0)
  })
})

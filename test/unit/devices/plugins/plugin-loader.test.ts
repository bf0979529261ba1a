/**
 * Plug-in VDevs: loading a device kind from a module by path, and the
 * refusals, each one line naming the file or the device; the device as the
 * motherboard holds it (its board name, its claims beside the board's own
 * devices, its part of the saved state) on both generations.
 */
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterAll, describe, expect, it} from 'vitest'

import {ManualClock} from '../../../../src/core/devices/clock.js'
import type {DeviceContext} from '../../../../src/core/devices/device-kind.js'
import {disconnectedIrqLine, type IrqLine} from '../../../../src/core/devices/device.js'
import {createGen1Platform, createGen2Platform} from '../../../../src/core/devices/platform.js'
import {createPluginDevice, loadDeviceKind, type PluginDeviceSpec} from '../../../../src/core/devices/plugins/index.js'
import {HvError} from '../../../../src/core/errors.js'

const dir = mkdtempSync(join(tmpdir(), 'hv-plugins-'))
afterAll(() => rmSync(dir, {recursive: true, force: true}))
let files = 0

/** A module file with this source; a new path each time, since Node caches modules by path. */
function module(source: string, extension = 'mjs'): string {
  const path = join(dir, `plugin-${++files}.${extension}`)
  writeFileSync(path, source)
  return path
}

/**
 * A kind with a one-byte scratch register at `port` (its configuration may
 * set "port"); `create` adds code to create(), `device` members to the device.
 */
function scratchKind({id = 'test.scratch', port = 0x320, device = '', create = ''} = {}): string {
  return module(`
    export default {
      id: ${JSON.stringify(id)},
      description: 'a scratch register',
      parseConfig(config) {
        if (config.port !== undefined && typeof config.port !== 'number') throw new Error('"port" must be a number')
        return {port: config.port ?? ${port}}
      },
      create(config, context) {
        ${create}
        let value = 0
        return {
          name: 'ignored',
          portRanges: [{name: 'Scratch', start: config.port, length: 1}],
          readPort: () => value,
          writePort: (port, size, v) => { value = v & 0xff },
          reset() { value = 0 },
          saveState: () => ({version: 1, value}),
          restoreState(state) {
            if (state.version !== 1) throw new Error('saved state version ' + state.version + ' is not supported')
            value = state.value
          },
          statistics: () => ({value}),
          ${device}
        }
      },
    }
  `)
}

const clock = new ManualClock()
const context: DeviceContext = {clock, irq: () => disconnectedIrqLine, log: () => {}}
const spec = (path: string, extra: Partial<PluginDeviceSpec> = {}): PluginDeviceSpec => ({name: 'scratch', path, kind: 'test.scratch', config: {}, ...extra})

/** The error `action` throws: an HvError of `kind` whose message is one line. */
function refusal(action: () => unknown, kind: string): string {
  try {
    action()
  } catch (error) {
    expect(error).toBeInstanceOf(HvError)
    expect((error as HvError).kind).toBe(kind)
    expect((error as Error).message).not.toContain('\n')
    return (error as Error).message
  }
  throw new Error('expected a refusal')
}

describe('loadDeviceKind', () => {
  it('loads the default export of an ES module by absolute path', () => {
    const kind = loadDeviceKind(scratchKind())
    expect(kind.id).toBe('test.scratch')
    expect(kind.parseConfig({})).toEqual({port: 0x320})
  })

  it('refuses a relative path and a file that does not exist', () => {
    expect(refusal(() => loadDeviceKind('plugin.mjs'), 'invalid-argument')).toBe("The plug-in module path 'plugin.mjs' is not absolute.")
    expect(refusal(() => loadDeviceKind(join(dir, 'none.mjs')), 'not-found')).toBe(`The plug-in module '${join(dir, 'none.mjs')}' does not exist.`)
    expect(refusal(() => loadDeviceKind(dir), 'not-found')).toContain('does not exist')
  })

  it('refuses a module that does not load: a syntax error, top-level await, a throw while loading', () => {
    const broken = module('export default {')
    expect(refusal(() => loadDeviceKind(broken), 'invalid-argument')).toMatch(new RegExp(`^The plug-in module '${broken}' cannot be loaded: SyntaxError: `))
    expect(refusal(() => loadDeviceKind(module('await Promise.resolve(); export default {}')), 'invalid-argument')).toMatch(/cannot be loaded: it uses top-level await/)
    expect(refusal(() => loadDeviceKind(module('throw new Error("no\\nway")')), 'invalid-argument')).toMatch(/cannot be loaded: no$/)
  })

  it('refuses a module whose default export is not a device kind, saying what is missing', () => {
    const cases: Array<[string, string]> = [
      ['export const id = "a.b"', 'it has no default export'],
      ['export default 42', 'its default export is not an object'],
      ['export default {id: "scratch", description: "d", parseConfig() {}, create() {}}', 'its default export has no "id" of the form vendor.name'],
      ['export default {id: "a.b", parseConfig() {}, create() {}}', '"a.b" has no "description"'],
      ['export default {id: "a.b", description: "d", create() {}}', '"a.b" has no parseConfig() function'],
      ['export default {id: "a.b", description: "d", parseConfig() {}}', '"a.b" has no create() function'],
    ]
    for (const [source, problem] of cases) {
      const path = module(source)
      expect(refusal(() => loadDeviceKind(path), 'invalid-argument')).toBe(`'${path}' is not a device kind: ${problem}.`)
    }
    // A JSON file loads, but is no module with a default export.
    const json = module('{"id": "a.b"}', 'json')
    expect(refusal(() => loadDeviceKind(json), 'invalid-argument')).toContain('it has no default export')
  })
})

describe('createPluginDevice', () => {
  it('builds the device under its board name, with the claims it declared', () => {
    const device = createPluginDevice(spec(scratchKind()), context) as ReturnType<typeof createPluginDevice> & {portRanges: unknown; writePort: Function; readPort: Function}
    expect(device.name).toBe('Plug-in scratch')
    expect(device.portRanges).toEqual([{name: 'Scratch', start: 0x320, length: 1}])
    device.writePort(0x320, 1, 0x1ab)
    expect(device.readPort(0x320, 1)).toBe(0xab)
    expect(device.saveState()).toEqual({version: 1, value: 0xab})
    expect(device.statistics?.()).toEqual({value: 0xab})
    expect('mmioRanges' in device).toBe(false)
  })

  it('names the device in a missing module, a changed kind, a bad configuration and a failing create()', () => {
    expect(refusal(() => createPluginDevice(spec(join(dir, 'gone.mjs')), context), 'not-found')).toBe(
      `Plug-in device 'scratch': The plug-in module '${join(dir, 'gone.mjs')}' does not exist.`,
    )
    const other = scratchKind({id: 'test.other'})
    expect(refusal(() => createPluginDevice(spec(other), context), 'invalid-argument')).toBe(
      `Plug-in device 'scratch': '${other}' now holds the device kind "test.other", not "test.scratch" as when it was added; remove the device and add it again.`,
    )
    expect(refusal(() => createPluginDevice(spec(scratchKind(), {config: {port: 'x'}}), context), 'invalid-argument')).toBe(
      `Plug-in device 'scratch' (test.scratch) has a bad configuration: "port" must be a number`,
    )
    expect(refusal(() => createPluginDevice(spec(scratchKind({create: 'context.irq(16)'})), context), 'invalid-argument')).toBe(
      `Plug-in device 'scratch' (test.scratch) could not be created: there is no ISA interrupt line 16 (lines are 0-15)`,
    )
  })

  it('refuses what create() returns when it is not a device the board can hold', () => {
    const cases: Array<[string, string]> = [
      ['reset: undefined,', 'it has no reset() function'],
      ['portRanges: {start: 1},', '"portRanges" is not a list of {name, start, length}'],
      ['readPort: undefined,', 'it has portRanges but no readPort() and writePort()'],
      ['mmioRanges: [{name: "m", start: 0xfe000000, length: 16}],', 'it has mmioRanges but no readMmio() and writeMmio()'],
    ]
    for (const [device, problem] of cases) {
      expect(refusal(() => createPluginDevice(spec(scratchKind({device})), context), 'invalid-argument')).toBe(
        `Plug-in device 'scratch' (test.scratch) is not a device: ${problem}.`,
      )
    }
  })

  it('names the device when it throws at run time, and reads a non-number as the empty bus', () => {
    const device = createPluginDevice(spec(scratchKind({device: 'writePort() { throw new Error("broken") }, readPort: () => "x",'})), context) as any
    expect(() => device.writePort(0x320, 1, 1)).toThrow('Plug-in scratch failed in writePort(): broken')
    expect(device.readPort(0x320, 1)).toBe(0xff)
    expect(device.readPort(0x320, 2)).toBe(0xffff)
  })

  it('names the device when one of its timers throws, and prefixes its log lines', () => {
    const lines: string[] = []
    const timers = new ManualClock()
    createPluginDevice(
      spec(scratchKind({create: 'context.log("hello"); context.clock.setTimer(context.clock.nowNs() + 10, () => { throw new Error("late") })'})),
      {clock: timers, irq: () => disconnectedIrqLine, log: (line) => lines.push(line)},
    )
    expect(lines).toEqual(['Plug-in scratch: hello'])
    expect(() => timers.advanceBy(10)).toThrow('Plug-in scratch failed in timer: late')
  })
})

describe('plug-in devices on the motherboard', () => {
  const platformOf = (generation: 1 | 2, specs: PluginDeviceSpec[]) => {
    const board = new ManualClock()
    const options = {
      memoryBytes: 32 * 2 ** 20,
      clock: board,
      extraDevices: (irq: (line: number) => IrqLine) => specs.map((s) => createPluginDevice(s, {clock: board, irq, log: () => {}})),
    }
    return generation === 1 ? createGen1Platform(options) : createGen2Platform(options)
  }

  it.each([1, 2] as const)('Generation %i decodes its ports and keeps its state under its board name', (generation) => {
    const platform = platformOf(generation, [spec(scratchKind())])
    platform.writePort(0x320, 1, 0x5a)
    expect(platform.readPort(0x320, 1)).toBe(0x5a)
    const saved = platform.saveState()
    expect(saved.devices['Plug-in scratch']).toEqual({version: 1, value: 0x5a})
    platform.writePort(0x320, 1, 0)
    platform.restoreState(saved)
    expect(platform.readPort(0x320, 1)).toBe(0x5a)
    platform.reset()
    expect(platform.readPort(0x320, 1)).toBe(0)
  })

  it('refuses ports the board\'s own devices or another plug-in claim, naming the plug-in', () => {
    expect(() => platformOf(1, [spec(scratchKind({port: 0x3f8}))])).toThrow('Plug-in scratch ("Scratch") claims port 0x3f8, already claimed by COM1 ("COM1")')
    // The PIT is Generation 1's only: the same port is free on Generation 2.
    expect(() => platformOf(1, [spec(scratchKind({port: 0x40}))])).toThrow(/Plug-in scratch \("Scratch"\) claims port 0x40, already claimed by pit/i)
    expect(() => platformOf(2, [spec(scratchKind({port: 0x40}))])).not.toThrow()
    const path = scratchKind()
    expect(() => platformOf(2, [spec(path), spec(path, {name: 'second'})])).toThrow('Plug-in second ("Scratch") claims port 0x320, already claimed by Plug-in scratch ("Scratch")')
  })

  it('a saved state the plug-in refuses fails the whole restore, naming it, and changes nothing', () => {
    const platform = platformOf(1, [spec(scratchKind())])
    platform.writePort(0x320, 1, 7)
    const saved = platform.saveState()
    const damaged = {...saved, devices: {...saved.devices, 'Plug-in scratch': {version: 9, value: 1}}}
    platform.writePort(0x320, 1, 3)
    expect(() => platform.restoreState(damaged)).toThrow('Plug-in scratch (test.scratch) cannot restore its saved state: saved state version 9 is not supported')
    expect(platform.readPort(0x320, 1)).toBe(3)
    // A state saved without the plug-in (it was added since) or with one that is gone is refused by the board.
    const without = {...saved, devices: Object.fromEntries(Object.entries(saved.devices).filter(([name]) => name !== 'Plug-in scratch'))}
    expect(() => platform.restoreState(without)).toThrow('saved state lacks devices: Plug-in scratch')
    expect(() => platformOf(1, []).restoreState(saved)).toThrow('saved state has unknown devices: Plug-in scratch')
  })
})

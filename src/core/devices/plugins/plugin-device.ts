import {HvError, InvalidArgumentError} from '../../errors.js'
import type {Device, DeviceSavedState, MmioDevice, PortIoDevice, PortRange} from '../device.js'
import type {DeviceContext, DeviceKind} from '../device-kind.js'
import {ISA_IRQ_COUNT} from '../isa-interrupt-lines.js'
import {floatingBus} from '../port-access.js'
import {firstLine, loadDeviceKind} from './load-device-kind.js'

/** One plug-in device of a VM, as its configuration keeps it. */
export interface PluginDeviceSpec {
  /** Unique in the VM; the device's name on the motherboard is `Plug-in <name>`. */
  name: string
  /** Absolute path of the module. */
  path: string
  /** The kind's id when the device was added. */
  kind: string
  /** The JSON configuration given to the kind's parseConfig(). */
  config: unknown
}

/** The name a plug-in device has on the motherboard: it keys its saved state and counters, and names it in errors. */
export function pluginBoardName(name: string): string {
  return `Plug-in ${name}`
}

/** The kind's check of a configuration, as an invalid argument naming the device. */
export function parsePluginConfig(kind: DeviceKind, name: string, config: unknown): unknown {
  try {
    return kind.parseConfig(config)
  } catch (error) {
    throw new InvalidArgumentError(`Plug-in device '${name}' (${kind.id}) has a bad configuration: ${firstLine(error)}`)
  }
}

/**
 * Loads the spec's module and builds its device. A module that now exports
 * another kind than the one the device was added as is refused rather than
 * given a configuration (and saved state) meant for something else.
 */
export function createPluginDevice(spec: PluginDeviceSpec, context: DeviceContext): Device {
  let kind: DeviceKind
  try {
    kind = loadDeviceKind(spec.path)
  } catch (error) {
    if (error instanceof HvError) throw new HvError(error.kind, `Plug-in device '${spec.name}': ${error.message}`)
    throw error
  }
  if (kind.id !== spec.kind) {
    throw new InvalidArgumentError(
      `Plug-in device '${spec.name}': '${spec.path}' now holds the device kind "${kind.id}", not "${spec.kind}" as when it was added; remove the device and add it again.`,
    )
  }
  const config = parsePluginConfig(kind, spec.name, spec.config)
  const boardName = pluginBoardName(spec.name)
  let device: Device
  try {
    device = kind.create(config, guardedContext(context, boardName))
  } catch (error) {
    throw new InvalidArgumentError(`Plug-in device '${spec.name}' (${kind.id}) could not be created: ${firstLine(error)}`)
  }
  const problem = deviceProblem(device)
  if (problem) throw new InvalidArgumentError(`Plug-in device '${spec.name}' (${kind.id}) is not a device: ${problem}.`)
  return boardDevice(boardName, kind.id, device)
}

/**
 * The context as the plug-in sees it: interrupt lines checked, and timer
 * callbacks that fail say which device they belong to.
 */
function guardedContext(context: DeviceContext, boardName: string): DeviceContext {
  return {
    clock: {
      nowNs: () => context.clock.nowNs(),
      setTimer: (deadlineNs, callback) => context.clock.setTimer(deadlineNs, () => named(boardName, 'timer', callback)),
    },
    irq(line) {
      if (!Number.isInteger(line) || line < 0 || line >= ISA_IRQ_COUNT) {
        throw new Error(`there is no ISA interrupt line ${line} (lines are 0-${ISA_IRQ_COUNT - 1})`)
      }
      return context.irq(line)
    },
    log: (message) => context.log(`${boardName}: ${message}`),
  }
}

/** What keeps `value` (create()'s result) from being a device the motherboard can hold, or null. */
function deviceProblem(value: unknown): string | null {
  if (typeof value !== 'object' || value === null) return 'create() did not return an object'
  const device = value as Record<string, unknown>
  for (const method of ['reset', 'saveState', 'restoreState']) {
    if (typeof device[method] !== 'function') return `it has no ${method}() function`
  }
  for (const [ranges, read, write] of [['portRanges', 'readPort', 'writePort'], ['mmioRanges', 'readMmio', 'writeMmio']] as const) {
    if (!(ranges in device)) continue
    const list = device[ranges]
    if (!Array.isArray(list) || !list.every(isRange)) return `"${ranges}" is not a list of {name, start, length}`
    if (typeof device[read] !== 'function' || typeof device[write] !== 'function') return `it has ${ranges} but no ${read}() and ${write}()`
  }
  return null
}

function isRange(range: unknown): boolean {
  const r = range as Partial<PortRange> | null
  return typeof r === 'object' && r !== null && typeof r.name === 'string' && typeof r.start === 'number' && typeof r.length === 'number'
}

/** Runs one call into the plug-in; an exception from it carries the device's name into the worker's log and the VM's event. */
function named<T>(boardName: string, what: string, call: () => T): T {
  try {
    return call()
  } catch (error) {
    throw new Error(`${boardName} failed in ${what}: ${firstLine(error)}`)
  }
}

/**
 * The plug-in's device under its board name. The motherboard tells port and
 * MMIO devices apart by the presence of their range lists, so the adapter has
 * exactly the lists the plug-in declared (copied: the claims are fixed once
 * the board is built).
 */
function boardDevice(name: string, kindId: string, inner: Device): Device {
  const plugin = inner as Partial<PortIoDevice & MmioDevice>
  const device: Device & Partial<PortIoDevice & MmioDevice> = {
    name,
    reset: () => named(name, 'reset()', () => inner.reset()),
    saveState: () => named(name, 'saveState()', () => inner.saveState()),
    restoreState: (state: DeviceSavedState) => {
      try {
        inner.restoreState(state)
      } catch (error) {
        throw new Error(`${name} (${kindId}) cannot restore its saved state: ${firstLine(error)}`)
      }
    },
    statistics: () => named(name, 'statistics()', () => inner.statistics?.() ?? {}),
  }
  if (plugin.portRanges) {
    const {readPort, writePort} = plugin as PortIoDevice
    Object.assign(device, {
      portRanges: plugin.portRanges.map((range) => ({...range})),
      readPort: (port: number, size: number) => busValue(named(name, 'readPort()', () => readPort.call(inner, port, size)), size),
      writePort: (port: number, size: number, value: number) => named(name, 'writePort()', () => writePort.call(inner, port, size, value)),
    })
  }
  if (plugin.mmioRanges) {
    const {readMmio, writeMmio} = plugin as MmioDevice
    Object.assign(device, {
      mmioRanges: plugin.mmioRanges.map((range) => ({...range})),
      readMmio: (address: number, size: number) => busValue(named(name, 'readMmio()', () => readMmio.call(inner, address, size)), size),
      writeMmio: (address: number, size: number, value: number) => named(name, 'writeMmio()', () => writeMmio.call(inner, address, size, value)),
    })
  }
  return device
}

/** A read's result as the processor takes it: the access's width of a number; anything else reads as an empty bus. */
function busValue(value: unknown, size: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) return floatingBus(size)
  return size >= 4 ? value >>> 0 : value & ((1 << (size * 8)) - 1)
}

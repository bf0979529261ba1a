import type {DeviceSavedState, PortIoDevice, PortRange} from '../device.js'
import {floatingBus} from '../port-access.js'
import {SavedStateReader} from '../saved-state.js'
import {PCI_CONFIG_SPACE_SIZE} from './config-space.js'
import type {PciFunction} from './pci-function.js'

const SAVED_STATE_VERSION = 1

export const PCI_CONFIG_ADDRESS_PORT = 0xcf8
export const PCI_CONFIG_DATA_PORT = 0xcfc
/** PIIX's reset control register, a byte port inside the configuration address dword. */
export const RESET_CONTROL_PORT = 0xcf9

const ENABLE = 0x80000000
/** Bits the address register keeps: enable, bus, device, function, dword register number. */
const ADDRESS_MASK = 0x80fffffc
/** Reset control: SYS_RST selects a full reset, RST_CPU (written as one) starts it. */
const RESET_CONTROL_SYS_RST = 0x02
const RESET_CONTROL_RST_CPU = 0x04

export interface PciConfigBusOptions {
  functions: readonly PciFunction[]
  /** The reset control register asked for a reset. */
  onResetRequest?: () => void
}

/**
 * PCI configuration mechanism #1 (PCI Local Bus 3.0, 3.2.2.3.2) on bus 0: the
 * dword CONFIG_ADDRESS register at 0xCF8 and the CONFIG_DATA window at
 * 0xCFC-0xCFF, which takes byte, word and dword accesses at the offset the
 * port adds to the selected register. Only dword accesses reach
 * CONFIG_ADDRESS, as on the i440BX; a byte at 0xCF9 is PIIX4's reset control
 * register, and other narrower accesses there are the ISA bus's, where nothing
 * answers. A function that does not exist, any bus but 0, or the enable bit
 * clear reads as all ones, which is how the OS finds empty slots.
 */
export class PciConfigBus implements PortIoDevice {
  readonly name = 'pci-config'
  readonly portRanges: readonly PortRange[] = [
    {name: 'PCI configuration address', start: PCI_CONFIG_ADDRESS_PORT, length: 4},
    {name: 'PCI configuration data', start: PCI_CONFIG_DATA_PORT, length: 4},
  ]

  private address = 0
  private resetControl = 0
  private readonly slots = new Map<number, PciFunction>()
  private configReads = 0
  private configWrites = 0
  private resetRequests = 0

  constructor(private readonly options: PciConfigBusOptions) {
    const names = new Set<string>()
    for (const fn of options.functions) {
      const slot = slotOf(fn.device, fn.function)
      if (fn.device < 0 || fn.device > 31 || fn.function < 0 || fn.function > 7) {
        throw new Error(`PCI function ${fn.name} is at an invalid address ${fn.device}.${fn.function}`)
      }
      if (this.slots.has(slot)) throw new Error(`Two PCI functions are at 00:${hex2(fn.device)}.${fn.function}`)
      if (names.has(fn.name)) throw new Error(`Two PCI functions are named "${fn.name}"`)
      names.add(fn.name)
      this.slots.set(slot, fn)
    }
  }

  get functions(): PciFunction[] {
    return [...this.slots.values()]
  }

  reset(): void {
    this.address = 0
    this.resetControl = 0
    for (const fn of this.slots.values()) fn.config.reset()
  }

  /** The function CONFIG_ADDRESS selects, or null for an empty slot, another bus, or a disabled cycle. */
  private selected(): PciFunction | null {
    if (!(this.address & ENABLE)) return null
    const bus = (this.address >>> 16) & 0xff
    if (bus !== 0) return null
    return this.slots.get(slotOf((this.address >>> 11) & 0x1f, (this.address >>> 8) & 0x7)) ?? null
  }

  readPort(port: number, size: number): number {
    if (port >= PCI_CONFIG_DATA_PORT) {
      this.configReads++
      const fn = this.selected()
      if (!fn) return floatingBus(size)
      const offset = (this.address & 0xfc) + (port - PCI_CONFIG_DATA_PORT)
      // An access that crosses the end of the data window reads ones for the missing bytes.
      const inside = Math.min(size, PCI_CONFIG_DATA_PORT + 4 - port)
      const value = fn.config.read(offset, inside)
      return inside === size ? value : (value | (floatingBus(size) & ~((1 << (8 * inside)) - 1))) >>> 0
    }
    if (port === PCI_CONFIG_ADDRESS_PORT && size === 4) return this.address >>> 0
    if (port === RESET_CONTROL_PORT && size === 1) return this.resetControl
    return floatingBus(size)
  }

  writePort(port: number, size: number, value: number): void {
    if (port >= PCI_CONFIG_DATA_PORT) {
      this.configWrites++
      const fn = this.selected()
      if (!fn) return
      const offset = (this.address & 0xfc) + (port - PCI_CONFIG_DATA_PORT)
      fn.config.write(offset, Math.min(size, PCI_CONFIG_DATA_PORT + 4 - port), value)
      return
    }
    if (port === PCI_CONFIG_ADDRESS_PORT && size === 4) {
      this.address = (value & ADDRESS_MASK) >>> 0
    } else if (port === RESET_CONTROL_PORT && size === 1) {
      // RST_CPU is a command bit: it starts the reset and does not stay set.
      this.resetControl = value & RESET_CONTROL_SYS_RST
      if (value & RESET_CONTROL_RST_CPU) {
        this.resetRequests++
        this.options.onResetRequest?.()
      }
    }
  }

  statistics(): Record<string, unknown> {
    return {
      configReads: this.configReads,
      configWrites: this.configWrites,
      resetRequests: this.resetRequests,
      functions: this.functions.map((fn) => `00:${hex2(fn.device)}.${fn.function} ${fn.name}`),
    }
  }

  saveState(): DeviceSavedState {
    const functions: Record<string, number[]> = {}
    for (const fn of this.slots.values()) functions[fn.name] = fn.config.snapshot()
    return {version: SAVED_STATE_VERSION, address: this.address, resetControl: this.resetControl, functions}
  }

  restoreState(state: DeviceSavedState): void {
    const reader = SavedStateReader.open(state, this.name, SAVED_STATE_VERSION)
    const address = reader.integer('address', 0, 0xffffffff)
    const resetControl = reader.integer('resetControl', 0, 0xff)
    const spaces = reader.object('functions')
    const restored = this.functions.map((fn) => ({fn, bytes: spaces.integers(fn.name, 0xff, PCI_CONFIG_SPACE_SIZE)}))
    this.address = (address & ADDRESS_MASK) >>> 0
    this.resetControl = resetControl & RESET_CONTROL_SYS_RST
    for (const {fn, bytes} of restored) fn.config.restore(bytes)
  }
}

function slotOf(device: number, fn: number): number {
  return (device << 3) | fn
}

function hex2(value: number): string {
  return value.toString(16).padStart(2, '0')
}

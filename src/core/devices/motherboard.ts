import type {InterruptController} from '../cpu/api.js'
import {
  isMmioDevice,
  isPortIoDevice,
  type Device,
  type DeviceSavedState,
  type MmioDevice,
  type PortIoDevice,
} from './device.js'
import {ISA_IRQ_COUNT, type IsaInterruptLines} from './isa-interrupt-lines.js'
import {PortCounters} from './motherboard-counters.js'
import {floatingBus} from './port-access.js'

const SAVED_STATE_VERSION = 1
const PORT_COUNT = 0x10000

export interface MotherboardOptions {
  /**
   * Every device on the board. Saved state is restored in this order, so the
   * interrupt controllers come first: devices restored after them re-drive
   * their lines to levels the controllers already know, without false edges.
   */
  devices: readonly Device[]
  irqLines: IsaInterruptLines
  /** What the processor takes interrupts from: the PIC pair, later a local APIC; null when nothing is wired yet. */
  interruptController: InterruptController | null
}

function isValidRange(start: number, length: number, limit: number): boolean {
  return Number.isInteger(start) && Number.isInteger(length) && length >= 1 && start >= 0 && start + length <= limit
}

interface MmioClaim {
  start: number
  /** Exclusive. */
  end: number
  name: string
  device: MmioDevice
}

export interface MotherboardSavedState {
  version: number
  devices: Record<string, DeviceSavedState>
}

/**
 * The virtual motherboard: the port I/O map and the MMIO map built from what
 * the devices declare, the dispatch of intercepted accesses to them, the ISA
 * interrupt lines, and the machine-wide reset and saved state. An access no
 * device claims reads as all ones and writes into nothing, as on an empty bus,
 * and is counted as unclaimed.
 */
export class Motherboard {
  readonly devices: readonly Device[]
  readonly irqLines: IsaInterruptLines
  readonly interruptController: InterruptController | null
  readonly portCounters = new PortCounters()

  /** Index into `portDevices` + 1 for each port; 0 = unclaimed. */
  private readonly portOwner = new Uint8Array(PORT_COUNT)
  private readonly portDevices: PortIoDevice[] = []
  private readonly portRangeNames = new Map<number, string>()
  private readonly mmioClaims: MmioClaim[] = []

  constructor(options: MotherboardOptions) {
    this.devices = [...options.devices]
    this.irqLines = options.irqLines
    this.interruptController = options.interruptController
    const names = new Set<string>()
    for (const device of this.devices) {
      if (names.has(device.name)) throw new Error(`Two devices are named "${device.name}"; device names must be unique`)
      names.add(device.name)
      if (isPortIoDevice(device)) this.claimPorts(device)
      if (isMmioDevice(device)) this.claimMmio(device)
    }
  }

  private claimPorts(device: PortIoDevice): void {
    if (this.portDevices.length >= 255) throw new Error('A motherboard holds at most 255 port I/O devices')
    this.portDevices.push(device)
    const owner = this.portDevices.length
    for (const range of device.portRanges) {
      if (!isValidRange(range.start, range.length, PORT_COUNT)) {
        throw new Error(
          `${device.name} claims an invalid port range "${range.name}" (start ${range.start}, length ${range.length})`,
        )
      }
      for (let port = range.start; port < range.start + range.length; port++) {
        if (this.portOwner[port]) {
          const other = this.portDevices[this.portOwner[port]! - 1]!
          const otherRange = this.portRangeNames.get(port)
          throw new Error(
            `${device.name} ("${range.name}") claims port 0x${port.toString(16)}, ` +
              `already claimed by ${other.name} ("${otherRange}")`,
          )
        }
        this.portOwner[port] = owner
        this.portRangeNames.set(port, range.name)
      }
    }
  }

  private claimMmio(device: MmioDevice): void {
    for (const range of device.mmioRanges) {
      const start = range.start
      const end = range.start + range.length
      if (!isValidRange(start, range.length, 2 ** 32)) {
        throw new Error(`${device.name} claims an invalid MMIO range "${range.name}" (start ${start}, length ${range.length})`)
      }
      const overlap = this.mmioClaims.find((claim) => start < claim.end && claim.start < end)
      if (overlap) {
        throw new Error(
          `${device.name} ("${range.name}") claims MMIO 0x${start.toString(16)}-0x${(end - 1).toString(16)}, ` +
            `overlapping ${overlap.device.name} ("${overlap.name}")`,
        )
      }
      this.mmioClaims.push({start, end, name: range.name, device})
    }
    this.mmioClaims.sort((a, b) => a.start - b.start)
  }

  /** The ISA interrupt line `irq` (0-15), for wiring devices created later. */
  irq(irq: number) {
    return this.irqLines.line(irq)
  }

  /** Which device and range decode `port`, for diagnostics. */
  describePort(port: number): {device: string; range: string} | null {
    const owner = this.portOwner[port & 0xffff]
    if (!owner) return null
    return {device: this.portDevices[owner - 1]!.name, range: this.portRangeNames.get(port & 0xffff)!}
  }

  // Port I/O dispatch.

  readPort(port: number, size: number): number {
    port &= 0xffff
    const owner = this.portOwner[port]
    this.portCounters.countRead(port, owner !== 0)
    if (!owner) return floatingBus(size)
    return this.portDevices[owner - 1]!.readPort(port, size)
  }

  writePort(port: number, size: number, value: number): void {
    port &= 0xffff
    const owner = this.portOwner[port]
    this.portCounters.countWrite(port, owner !== 0)
    if (owner) this.portDevices[owner - 1]!.writePort(port, size, value)
  }

  // MMIO dispatch.

  private findMmio(address: number): MmioClaim | undefined {
    let low = 0
    let high = this.mmioClaims.length - 1
    while (low <= high) {
      const middle = (low + high) >> 1
      const claim = this.mmioClaims[middle]!
      if (address < claim.start) high = middle - 1
      else if (address >= claim.end) low = middle + 1
      else return claim
    }
    return undefined
  }

  /** Whether an MMIO device decodes `address` (for the hypervisor's GPA map). */
  claimsMmio(address: number): boolean {
    return this.findMmio(address >>> 0) !== undefined
  }

  readMmio(address: number, size: number): number {
    const claim = this.findMmio(address >>> 0)
    return claim ? claim.device.readMmio(address >>> 0, size) : floatingBus(size)
  }

  writeMmio(address: number, size: number, value: number): void {
    this.findMmio(address >>> 0)?.device.writeMmio(address >>> 0, size, value)
  }

  // Machine-wide operations.

  /** Hardware reset of every device. Counters are statistics of the VM's life and survive. */
  reset(): void {
    for (const device of this.devices) device.reset()
  }

  saveState(): MotherboardSavedState {
    const devices: Record<string, DeviceSavedState> = {}
    for (const device of this.devices) devices[device.name] = device.saveState()
    return {version: SAVED_STATE_VERSION, devices}
  }

  /**
   * Restores every device, or none: if any device refuses its part, the devices
   * already restored are put back as they were and the error is rethrown.
   */
  restoreState(state: unknown): void {
    if (typeof state !== 'object' || state === null || Array.isArray(state)) {
      throw new Error('Cannot restore the motherboard: saved state is not an object')
    }
    const saved = state as Partial<MotherboardSavedState>
    if (saved.version !== SAVED_STATE_VERSION) {
      const version = JSON.stringify(saved.version)
      throw new Error(
        `Cannot restore the motherboard: saved state version ${version} is not supported (expected ${SAVED_STATE_VERSION})`,
      )
    }
    const parts = saved.devices
    if (typeof parts !== 'object' || parts === null || Array.isArray(parts)) {
      throw new Error('Cannot restore the motherboard: "devices" is not an object')
    }
    const known = new Set(this.devices.map((device) => device.name))
    const unknown = Object.keys(parts).filter((name) => !known.has(name))
    if (unknown.length) throw new Error(`Cannot restore the motherboard: saved state has unknown devices: ${unknown.join(', ')}`)
    const missing = [...known].filter((name) => !(name in parts))
    if (missing.length) throw new Error(`Cannot restore the motherboard: saved state lacks devices: ${missing.join(', ')}`)

    const before = this.devices.map((device) => device.saveState())
    let restored = 0
    try {
      for (const device of this.devices) {
        device.restoreState(parts[device.name]!)
        restored++
      }
    } catch (error) {
      for (let index = 0; index < restored; index++) this.devices[index]!.restoreState(before[index]!)
      throw error
    }
  }

  /** Counters for status reports: port accesses, interrupts raised per line, and each device's own figures. */
  counters(): Record<string, unknown> {
    const irqsRaised: Record<string, number> = {}
    for (let irq = 0; irq < ISA_IRQ_COUNT; irq++) {
      if (this.irqLines.raised[irq]) irqsRaised[String(irq)] = this.irqLines.raised[irq]!
    }
    const devices: Record<string, Record<string, unknown>> = {}
    for (const device of this.devices) {
      const statistics = device.statistics?.()
      if (statistics) devices[device.name] = statistics
    }
    return {ports: this.portCounters.snapshot(), irqsRaised, devices}
  }
}

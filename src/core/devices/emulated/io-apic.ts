import type {DeviceSavedState, MmioDevice, MmioRange} from '../device.js'
import type {InterruptRouter} from '../interrupt-router.js'
import {SavedStateReader} from '../saved-state.js'

const SAVED_STATE_VERSION = 1
export const IO_APIC_BASE = 0xfec00000
/** Redirection table entries (pins). */
export const IO_APIC_PINS = 24
/** IOAPICVER: version 0x11 (82093AA), maximum redirection entry 23. */
export const IO_APIC_VERSION = 0x00170011

const IOREGSEL = 0x00
const IOWIN = 0x10
const REG_ID = 0x00
const REG_VERSION = 0x01
const REG_ARBITRATION = 0x02
const REG_REDIRECTION = 0x10

/** Redirection entry bits (low dword). */
export const REDIRECTION = {
  VECTOR: 0xff,
  DELIVERY_MODE_SHIFT: 8,
  DEST_LOGICAL: 1 << 11,
  DELIVERY_STATUS: 1 << 12,
  POLARITY_LOW: 1 << 13,
  REMOTE_IRR: 1 << 14,
  LEVEL: 1 << 15,
  MASKED: 1 << 16,
  /** What the guest may write (delivery status and remote IRR are read-only). */
  WRITABLE: 0x1afff,
} as const

/** One interrupt the I/O APIC sends to the local APICs. */
export interface IoApicDelivery {
  vector: number
  /** 0 fixed, 1 lowest priority, ... (10:8 of the entry). */
  deliveryMode: number
  /** Level-triggered: the I/O APIC waits for the EOI of `vector` before sending it again. */
  level: boolean
  destination: number
  logical: boolean
  pin: number
}

export interface IoApicOptions {
  /** Send an interrupt to the processors (the worker: WinHv.assertVirtualInterrupt). */
  deliver?: (delivery: IoApicDelivery) => void
  base?: number
}

/**
 * The I/O APIC (82093AA-compatible): IOREGSEL at +0x00 and IOWIN at +0x10 of
 * its page at 0xFEC00000, the ID, version (24 entries) and arbitration
 * registers, and 24 redirection entries. It is an InterruptRouter whose inputs
 * are its pins: Generation 2 connects ISA line n to pin n, Generation 1 through
 * PcIoApicWiring (IRQ0 on pin 2).
 * Edge entries send on a rising edge; level entries send while the line is
 * asserted and remote IRR is clear, set remote IRR, and send again after the
 * EOI broadcast of their vector (`endOfInterrupt`) if the line is still high.
 * Masked edge entries lose their edges, as on the chip. Polarity is kept but
 * not applied: ISA lines are active high here.
 */
export class IoApic implements MmioDevice, InterruptRouter {
  readonly name = 'io-apic'
  readonly mmioRanges: readonly MmioRange[]
  private id = 0
  private select = 0
  private readonly low = new Uint32Array(IO_APIC_PINS)
  private readonly high = new Uint32Array(IO_APIC_PINS)
  private readonly lines = new Uint8Array(IO_APIC_PINS)
  /** Interrupts sent, for statistics. */
  private delivered = 0

  constructor(private readonly options: IoApicOptions = {}) {
    this.mmioRanges = [{name: 'I/O APIC', start: options.base ?? IO_APIC_BASE, length: 0x1000}]
    this.reset()
  }

  reset(): void {
    // The wires stay as they are (devices re-drive them); the registers go to power-on values.
    this.id = 0
    this.select = 0
    this.low.fill(REDIRECTION.MASKED)
    this.high.fill(0)
  }

  // ---- InterruptRouter ----

  setIrqLevel(irq: number, high: boolean): void {
    if (irq < 0 || irq >= IO_APIC_PINS) return
    const was = this.lines[irq] === 1
    this.lines[irq] = high ? 1 : 0
    const entry = this.low[irq]
    if (entry & REDIRECTION.LEVEL) {
      if (high) this.trySend(irq)
    } else if (high && !was) {
      this.trySend(irq)
    }
  }

  pulseIrq(irq: number): void {
    if (irq < 0 || irq >= IO_APIC_PINS) return
    // A pulse is an edge; a level entry sees the line high only for an instant, which is one interrupt.
    this.lines[irq] = 1
    this.trySend(irq)
    this.lines[irq] = 0
  }

  /** The local APICs' EOI broadcast of `vector`: level entries with that vector clear remote IRR. */
  endOfInterrupt(vector: number): void {
    for (let pin = 0; pin < IO_APIC_PINS; pin++) {
      const entry = this.low[pin]
      if ((entry & REDIRECTION.LEVEL) === 0 || (entry & REDIRECTION.VECTOR) !== vector || (entry & REDIRECTION.REMOTE_IRR) === 0) continue
      this.low[pin] = entry & ~REDIRECTION.REMOTE_IRR
      if (this.lines[pin]) this.trySend(pin)
    }
  }

  private trySend(pin: number): void {
    const entry = this.low[pin]
    if (entry & REDIRECTION.MASKED) return
    const level = (entry & REDIRECTION.LEVEL) !== 0
    if (level) {
      if (entry & REDIRECTION.REMOTE_IRR) return
      this.low[pin] = entry | REDIRECTION.REMOTE_IRR
    }
    this.delivered++
    this.options.deliver?.({
      vector: entry & REDIRECTION.VECTOR,
      deliveryMode: (entry >>> REDIRECTION.DELIVERY_MODE_SHIFT) & 7,
      level,
      destination: this.high[pin] >>> 24,
      logical: (entry & REDIRECTION.DEST_LOGICAL) !== 0,
      pin,
    })
  }

  // ---- MMIO ----

  readMmio(address: number, size: number): number {
    const offset = address & 0xfff
    let value: number
    if (offset >= IOREGSEL && offset < IOREGSEL + 4) value = this.select >>> ((offset - IOREGSEL) * 8)
    else if (offset >= IOWIN && offset < IOWIN + 4) value = this.readRegister(this.select) >>> ((offset - IOWIN) * 8)
    else return size === 4 ? 0xffffffff : size === 2 ? 0xffff : 0xff
    return size === 4 ? value >>> 0 : value & (size === 2 ? 0xffff : 0xff)
  }

  writeMmio(address: number, size: number, value: number): void {
    const offset = address & 0xfff
    if (offset === IOREGSEL) this.select = value & 0xff
    else if (offset === IOWIN && size === 4) this.writeRegister(this.select, value >>> 0)
  }

  private readRegister(register: number): number {
    if (register === REG_ID) return this.id
    if (register === REG_VERSION) return IO_APIC_VERSION
    if (register === REG_ARBITRATION) return this.id
    const entry = register - REG_REDIRECTION
    if (entry >= 0 && entry < IO_APIC_PINS * 2) return (entry & 1 ? this.high : this.low)[entry >>> 1]
    return 0
  }

  private writeRegister(register: number, value: number): void {
    if (register === REG_ID) {
      this.id = value & 0x0f000000
      return
    }
    const entry = register - REG_REDIRECTION
    if (entry < 0 || entry >= IO_APIC_PINS * 2) return
    const pin = entry >>> 1
    if (entry & 1) {
      this.high[pin] = value & 0xff000000
      return
    }
    const kept = this.low[pin] & REDIRECTION.REMOTE_IRR
    let low = (value & REDIRECTION.WRITABLE) | kept
    // An edge entry has no remote IRR.
    if ((low & REDIRECTION.LEVEL) === 0) low &= ~REDIRECTION.REMOTE_IRR
    this.low[pin] = low >>> 0
    // Unmasking a level entry whose line is asserted sends at once.
    if ((low & (REDIRECTION.MASKED | REDIRECTION.LEVEL)) === REDIRECTION.LEVEL && this.lines[pin]) this.trySend(pin)
  }

  /** A redirection entry as [low, high], for tests and diagnostics. */
  redirectionEntry(pin: number): [number, number] {
    return [this.low[pin], this.high[pin]]
  }

  statistics(): Record<string, unknown> {
    return {delivered: this.delivered}
  }

  saveState(): DeviceSavedState {
    return {
      version: SAVED_STATE_VERSION,
      id: this.id,
      select: this.select,
      low: [...this.low],
      high: [...this.high],
      lines: [...this.lines],
    }
  }

  restoreState(state: DeviceSavedState): void {
    const r = SavedStateReader.open(state, this.name, SAVED_STATE_VERSION)
    const id = r.integer('id', 0, 0x0f000000)
    const select = r.integer('select', 0, 0xff)
    const low = r.integers('low', 0xffffffff, IO_APIC_PINS)
    const high = r.integers('high', 0xffffffff, IO_APIC_PINS)
    const lines = r.integers('lines', 1, IO_APIC_PINS)
    this.id = id
    this.select = select
    this.low.set(low)
    this.high.set(high)
    this.lines.set(lines)
  }
}

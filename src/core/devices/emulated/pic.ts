import type {InterruptController} from '../../cpu/api.js'
import type {DeviceSavedState, PortIoDevice, PortRange} from '../device.js'
import type {InterruptRouter} from '../interrupt-router.js'
import {readBytewise, writeBytewise} from '../port-access.js'
import {SavedStateReader} from '../saved-state.js'
import {I8259Chip} from './i8259-chip.js'

/** The slave's INT output is wired to master input 2. */
const CASCADE_IRQ = 2
/** An ISA card driving IRQ 2 actually reaches slave input 1 (IRQ 9) on AT-class boards. */
const ISA_IRQ2_REDIRECT = 9
/** Inputs whose ELCR bits are fixed at edge (PIIX): timer, keyboard, cascade; RTC and FPU error. */
const MASTER_ELCR_WRITABLE = 0xf8
const SLAVE_ELCR_WRITABLE = 0xde

const SAVED_STATE_VERSION = 1

export interface PicPairOptions {
  /** Called when the pair's INT output rises: a halted processor has work. */
  onInterruptRequest?: () => void
}

/**
 * The PC/AT pair of 8259A controllers (master at 0x20, slave at 0xA0, slave
 * cascaded on master IR2) with the chipset's edge/level control registers at
 * 0x4D0/0x4D1. Towards the processor the pair is the `InterruptController`:
 * `acknowledge` is the INTA cycle, returning the vector.
 */
export class PicPair implements PortIoDevice, InterruptController, InterruptRouter {
  readonly name = 'pic'
  readonly portRanges: readonly PortRange[] = [
    {name: 'PIC master', start: 0x20, length: 2},
    {name: 'PIC slave', start: 0xa0, length: 2},
    {name: 'PIC edge/level control', start: 0x4d0, length: 2},
  ]

  readonly master = new I8259Chip(MASTER_ELCR_WRITABLE, 1 << CASCADE_IRQ)
  readonly slave = new I8259Chip(SLAVE_ELCR_WRITABLE, 0)
  /** Cached INT output, so the processor's per-instruction check costs one load. */
  private intOutput = false
  /** The slave's INT output as last seen, for the master's edge detection on IR2. */
  private slaveOutput = false
  private spuriousCount = 0

  constructor(private readonly options: PicPairOptions = {}) {}

  reset(): void {
    // Reset leaves the wires as they are: devices re-drive their lines after their own reset.
    const masterLines = this.master.regs.lines
    const slaveLines = this.slave.regs.lines
    this.master.reset()
    this.slave.reset()
    this.master.regs.lines = masterLines
    this.slave.regs.lines = slaveLines
    this.slaveOutput = false
    this.update()
  }

  // InterruptRouter: the motherboard's ISA lines 0-15.

  setIrqLevel(irq: number, high: boolean): void {
    const line = irq === CASCADE_IRQ ? ISA_IRQ2_REDIRECT : irq
    if (line < 8) this.master.setLine(line, high)
    else this.slave.setLine(line - 8, high)
    this.update()
  }

  pulseIrq(irq: number): void {
    this.setIrqLevel(irq, true)
    this.setIrqLevel(irq, false)
  }

  // InterruptController: the processor's view.

  hasInterrupt(): boolean {
    return this.intOutput
  }

  acknowledge(): number {
    const irq = this.master.pendingIrq(this.slaveRequesting())
    let vector: number
    if (irq < 0) {
      // The request went away before INTA: the 8259A answers with IR7's vector and sets no ISR bit.
      this.spuriousCount++
      vector = this.master.regs.vectorBase | 7
    } else if (irq === CASCADE_IRQ) {
      this.master.acknowledge(CASCADE_IRQ)
      const slaveIrq = this.slave.pendingIrq()
      if (slaveIrq < 0) {
        this.spuriousCount++
        vector = this.slave.regs.vectorBase | 7
      } else {
        this.slave.acknowledge(slaveIrq)
        vector = this.slave.regs.vectorBase | slaveIrq
      }
    } else {
      this.master.acknowledge(irq)
      vector = this.master.regs.vectorBase | irq
    }
    this.update()
    return vector
  }

  private slaveRequesting(): boolean {
    return this.slave.pendingIrq() >= 0
  }

  private update(): void {
    const slaveOutput = this.slaveRequesting()
    if (slaveOutput && !this.slaveOutput) {
      // Master IR2 is edge-sensitive: the slave's rising INT stays latched even if
      // the slave's request goes away before INTA, which is what makes the slave
      // answer with its IR7 vector (spurious IRQ 15) while the master marks IR2 in service.
      this.master.regs.irr |= 1 << CASCADE_IRQ
    }
    this.slaveOutput = slaveOutput
    const wasRequesting = this.intOutput
    this.intOutput = this.master.pendingIrq(slaveOutput) >= 0
    if (this.intOutput && !wasRequesting) this.options.onInterruptRequest?.()
  }

  // Port I/O.

  readPort(port: number, size: number): number {
    return readBytewise(port, size, (p) => this.readByte(p))
  }

  writePort(port: number, size: number, value: number): void {
    writeBytewise(port, size, value, (p, byte) => this.writeByte(p, byte))
  }

  private readByte(port: number): number {
    let value: number
    switch (port) {
      case 0x20:
        value = this.master.readCommandPort(this.slaveRequesting(), (irq) => this.master.acknowledge(irq))
        break
      case 0x21:
        value = this.master.readDataPort()
        break
      case 0xa0:
        value = this.slave.readCommandPort(false, (irq) => this.slave.acknowledge(irq))
        break
      case 0xa1:
        value = this.slave.readDataPort()
        break
      case 0x4d0:
        value = this.master.regs.elcr
        break
      case 0x4d1:
        value = this.slave.regs.elcr
        break
      default:
        return 0xff
    }
    this.update()
    return value
  }

  private writeByte(port: number, value: number): void {
    switch (port) {
      case 0x20:
        this.master.writeCommandPort(value)
        break
      case 0x21:
        this.master.writeDataPort(value)
        break
      case 0xa0:
        this.slave.writeCommandPort(value)
        break
      case 0xa1:
        this.slave.writeDataPort(value)
        break
      case 0x4d0:
        this.writeElcr(this.master, value)
        break
      case 0x4d1:
        this.writeElcr(this.slave, value)
        break
      default:
        return
    }
    this.update()
  }

  private writeElcr(chip: I8259Chip, value: number): void {
    const r = chip.regs
    r.elcr = value & chip.elcrWritableMask
    // Inputs switched to level mode take their request from the pin at once.
    r.irr = (r.irr & ~r.elcr) | (r.lines & r.elcr)
  }

  statistics(): Record<string, unknown> {
    return {spuriousInterrupts: this.spuriousCount}
  }

  saveState(): DeviceSavedState {
    return {
      version: SAVED_STATE_VERSION,
      master: {...this.master.saveRegisters()},
      slave: {...this.slave.saveRegisters()},
    }
  }

  restoreState(state: DeviceSavedState): void {
    const reader = SavedStateReader.open(state, this.name, SAVED_STATE_VERSION)
    const master = I8259Chip.readRegisters(reader.object('master'))
    const slave = I8259Chip.readRegisters(reader.object('slave'))
    this.master.regs = master
    this.slave.regs = slave
    // The saved IRR already holds any latched cascade edge: take the slave's output as it is, without a new edge.
    this.slaveOutput = this.slaveRequesting()
    this.intOutput = false
    this.update()
  }
}

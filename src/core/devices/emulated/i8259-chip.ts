import type {SavedStateReader} from '../saved-state.js'

/**
 * One Intel 8259A programmable interrupt controller, in 8086 mode, as the pair
 * in `pic.ts` wires it. Register and command semantics follow the 8259A
 * datasheet: ICW1-ICW4 initialisation, OCW1 (mask), OCW2 (EOI and rotation),
 * OCW3 (register read select, poll, special mask), fully nested priority with
 * rotation, auto-EOI, edge or level sensing per input.
 */

/** Where the chip is in its initialisation sequence: the next data-port write is this ICW. */
const enum InitStep {
  Ready = 0,
  ExpectIcw2 = 2,
  ExpectIcw3 = 3,
  ExpectIcw4 = 4,
}

export interface I8259Registers {
  /** Interrupt request register: inputs asking for service. */
  irr: number
  /** In-service register: interrupts acknowledged and not yet ended. */
  isr: number
  /** Interrupt mask register (OCW1). */
  imr: number
  /** Per-input level-sensitive mode (the chipset's ELCR); the rest are edge-sensitive. */
  elcr: number
  /** Current level of each input pin, for edge detection. */
  lines: number
  initStep: number
  icw4Expected: boolean
  singleMode: boolean
  /** ICW1 LTIM: all inputs level-sensitive. */
  levelTriggeredAll: boolean
  vectorBase: number
  autoEoi: boolean
  rotateOnAutoEoi: boolean
  specialFullyNested: boolean
  specialMask: boolean
  /** OCW3 RIS: command-port reads return ISR (true) or IRR (false). */
  readIsr: boolean
  /** OCW3 P: the next command-port read is a poll. */
  pollPending: boolean
  /** The input with the lowest priority; the one after it has the highest. */
  lowestPriority: number
}

/** The priority rank of the highest-priority set bit of `mask`, 0 best, or 8 when none is set. */
function bestRank(mask: number, lowestPriority: number): number {
  if (!mask) return 8
  for (let rank = 0; rank < 8; rank++) {
    if (mask & (1 << ((lowestPriority + 1 + rank) & 7))) return rank
  }
  return 8
}

export class I8259Chip {
  regs: I8259Registers = I8259Chip.powerOnRegisters(0)

  constructor(
    /** Inputs that are always edge-sensitive whatever the ELCR says (the timer, keyboard, cascade, RTC, FPU). */
    readonly elcrWritableMask: number,
    /** The master sees the slave's INT on this input (bit mask); 0 on the slave. */
    private readonly cascadeInput: number,
  ) {}

  static powerOnRegisters(elcr: number): I8259Registers {
    return {
      irr: 0,
      isr: 0,
      imr: 0,
      elcr,
      lines: 0,
      initStep: InitStep.Ready,
      icw4Expected: false,
      singleMode: false,
      levelTriggeredAll: false,
      vectorBase: 0,
      autoEoi: false,
      rotateOnAutoEoi: false,
      specialFullyNested: false,
      specialMask: false,
      readIsr: false,
      pollPending: false,
      lowestPriority: 7,
    }
  }

  reset(): void {
    this.regs = I8259Chip.powerOnRegisters(0)
  }

  private isLevelSensitive(bit: number): boolean {
    return this.regs.levelTriggeredAll || (this.regs.elcr & bit) !== 0
  }

  /** Drive input `irq` (0-7). */
  setLine(irq: number, high: boolean): void {
    const bit = 1 << irq
    const r = this.regs
    const wasHigh = (r.lines & bit) !== 0
    if (high) r.lines |= bit
    else r.lines &= ~bit
    if (this.isLevelSensitive(bit)) {
      // Level mode: the request follows the pin.
      if (high) r.irr |= bit
      else r.irr &= ~bit
    } else if (high && !wasHigh) {
      // Edge mode: a rising edge latches the request until it is acknowledged.
      r.irr |= bit
    }
  }

  /** The inputs requesting service as the priority logic sees them. */
  private requests(slaveRequesting: boolean): number {
    let irr = this.regs.irr
    // The cascade input sees the slave's INT output: latched on its rising edge
    // (the pair latches it into IRR) and also as a level, so that a slave whose
    // output never drops between two requests is not lost.
    if (slaveRequesting) irr |= this.cascadeInput
    return irr & ~this.regs.imr
  }

  /** The input the chip would present on INTA, or -1 when its INT output is low. */
  pendingIrq(slaveRequesting = false): number {
    const r = this.regs
    if (r.initStep !== InitStep.Ready) return -1
    const requestRank = bestRank(this.requests(slaveRequesting), r.lowestPriority)
    if (requestRank === 8) return -1
    let inService = r.isr
    // Special mask mode: masked in-service levels no longer inhibit lower priorities.
    if (r.specialMask) inService &= ~r.imr
    // Special fully nested mode: the slave may interrupt while its cascade input is in service.
    if (r.specialFullyNested && this.cascadeInput) inService &= ~this.cascadeInput
    if (requestRank >= bestRank(inService, r.lowestPriority)) return -1
    return (r.lowestPriority + 1 + requestRank) & 7
  }

  /**
   * The chip's part of an INTA cycle (or a poll) for input `irq`: mark it in
   * service (unless auto-EOI) and drop an edge-latched request.
   */
  acknowledge(irq: number): void {
    const r = this.regs
    const bit = 1 << irq
    if (!this.isLevelSensitive(bit)) r.irr &= ~bit
    if (r.autoEoi) {
      if (r.rotateOnAutoEoi) r.lowestPriority = irq
    } else {
      r.isr |= bit
    }
  }

  readCommandPort(slaveRequesting: boolean, onPollAcknowledge: (irq: number) => void): number {
    const r = this.regs
    if (r.pollPending) {
      r.pollPending = false
      const irq = this.pendingIrq(slaveRequesting)
      if (irq < 0) return 0
      onPollAcknowledge(irq)
      return 0x80 | irq
    }
    return r.readIsr ? r.isr : r.irr
  }

  readDataPort(): number {
    return this.regs.imr
  }

  writeCommandPort(value: number): void {
    if (value & 0x10) {
      this.startInitialisation(value)
    } else if ((value & 0x18) === 0x08) {
      this.writeOcw3(value)
    } else {
      this.writeOcw2(value)
    }
  }

  writeDataPort(value: number): void {
    const r = this.regs
    switch (r.initStep) {
      case InitStep.ExpectIcw2:
        r.vectorBase = value & 0xf8
        r.initStep = r.singleMode ? (r.icw4Expected ? InitStep.ExpectIcw4 : InitStep.Ready) : InitStep.ExpectIcw3
        break
      case InitStep.ExpectIcw3:
        // The cascade wiring is fixed on this board (slave on master IR2, slave ID 2); the value only completes the sequence.
        r.initStep = r.icw4Expected ? InitStep.ExpectIcw4 : InitStep.Ready
        break
      case InitStep.ExpectIcw4:
        // Bit 0 selects 8086 mode; 8080/8085 mode (CALL opcodes on the bus) has no meaning here and is treated as 8086.
        r.autoEoi = (value & 0x02) !== 0
        r.specialFullyNested = (value & 0x10) !== 0
        r.initStep = InitStep.Ready
        break
      default:
        r.imr = value & 0xff
    }
  }

  private startInitialisation(icw1: number): void {
    const r = this.regs
    r.initStep = InitStep.ExpectIcw2
    r.icw4Expected = (icw1 & 0x01) !== 0
    r.singleMode = (icw1 & 0x02) !== 0
    r.levelTriggeredAll = (icw1 & 0x08) !== 0
    // ICW1 clears the mask, resets priority so IR7 is lowest, clears special mask
    // mode, selects IRR for reads, and resets the edge-sense latches: a request
    // needs a fresh low-to-high transition after initialisation.
    r.imr = 0
    r.isr = 0
    r.irr = 0
    for (let irq = 0; irq < 8; irq++) {
      const bit = 1 << irq
      if (this.isLevelSensitive(bit) && r.lines & bit) r.irr |= bit
    }
    r.lowestPriority = 7
    r.specialMask = false
    r.readIsr = false
    r.pollPending = false
    r.rotateOnAutoEoi = false
    // Without ICW4 its fields are zero.
    r.autoEoi = false
    r.specialFullyNested = false
  }

  private writeOcw2(value: number): void {
    const r = this.regs
    const level = value & 7
    const highestInService = (): number => {
      const rank = bestRank(r.isr, r.lowestPriority)
      return rank === 8 ? -1 : (r.lowestPriority + 1 + rank) & 7
    }
    switch (value >> 5) {
      case 0b001: {
        // Non-specific EOI: end the highest-priority level in service.
        const irq = highestInService()
        if (irq >= 0) r.isr &= ~(1 << irq)
        break
      }
      case 0b011:
        r.isr &= ~(1 << level)
        break
      case 0b101: {
        // Rotate on non-specific EOI: the ended level becomes the lowest priority.
        const irq = highestInService()
        if (irq >= 0) {
          r.isr &= ~(1 << irq)
          r.lowestPriority = irq
        }
        break
      }
      case 0b111:
        r.isr &= ~(1 << level)
        r.lowestPriority = level
        break
      case 0b110:
        r.lowestPriority = level
        break
      case 0b100:
        r.rotateOnAutoEoi = true
        break
      case 0b000:
        r.rotateOnAutoEoi = false
        break
      default:
        // 0b010: no operation.
        break
    }
  }

  private writeOcw3(value: number): void {
    const r = this.regs
    if (value & 0x04) r.pollPending = true
    if (value & 0x02) r.readIsr = (value & 0x01) !== 0
    if (value & 0x40) r.specialMask = (value & 0x20) !== 0
  }

  saveRegisters(): I8259Registers {
    return {...this.regs}
  }

  static readRegisters(reader: SavedStateReader): I8259Registers {
    const byte = (field: string) => reader.integer(field, 0, 0xff)
    return {
      irr: byte('irr'),
      isr: byte('isr'),
      imr: byte('imr'),
      elcr: byte('elcr'),
      lines: byte('lines'),
      initStep: reader.integer('initStep', 0, 4),
      icw4Expected: reader.boolean('icw4Expected'),
      singleMode: reader.boolean('singleMode'),
      levelTriggeredAll: reader.boolean('levelTriggeredAll'),
      vectorBase: byte('vectorBase') & 0xf8,
      autoEoi: reader.boolean('autoEoi'),
      rotateOnAutoEoi: reader.boolean('rotateOnAutoEoi'),
      specialFullyNested: reader.boolean('specialFullyNested'),
      specialMask: reader.boolean('specialMask'),
      readIsr: reader.boolean('readIsr'),
      pollPending: reader.boolean('pollPending'),
      lowestPriority: reader.integer('lowestPriority', 0, 7),
    }
  }
}

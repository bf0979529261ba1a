import type {DeviceSavedState, IrqLine, PortIoDevice, PortRange, TimerHandle, VirtualClock} from '../device.js'
import {readBytewise, writeBytewise} from '../port-access.js'
import {SavedStateReader} from '../saved-state.js'

const SAVED_STATE_VERSION = 1
const FIFO_SIZE = 16
/** The UART's reference clock divided by 16: the baud rate at divisor 1. */
const BAUD_BASE = 115_200
/** Host input waiting for room in the receive FIFO; beyond this the oldest typed bytes are dropped. */
const HOST_INPUT_LIMIT = 64 * 1024

// Register bits, from the 16550 datasheet.
const IER_RECEIVED_DATA = 0x01
const IER_THR_EMPTY = 0x02
const IER_LINE_STATUS = 0x04
const IER_MODEM_STATUS = 0x08

const IIR_NO_INTERRUPT = 0x01
const IIR_MODEM_STATUS = 0x00
const IIR_THR_EMPTY = 0x02
const IIR_RECEIVED_DATA = 0x04
const IIR_LINE_STATUS = 0x06
const IIR_CHARACTER_TIMEOUT = 0x0c
const IIR_FIFOS_ENABLED = 0xc0

const FCR_ENABLE = 0x01
const FCR_CLEAR_RECEIVE = 0x02

const LCR_DLAB = 0x80

const MCR_DTR = 0x01
const MCR_RTS = 0x02
const MCR_OUT1 = 0x04
const MCR_OUT2 = 0x08
const MCR_LOOPBACK = 0x10

const LSR_DATA_READY = 0x01
const LSR_OVERRUN = 0x02
const LSR_ERRORS = 0x1e
const LSR_THR_EMPTY = 0x20
const LSR_TRANSMITTER_EMPTY = 0x40

const MSR_DELTAS = 0x0f
const MSR_CTS = 0x10
const MSR_DSR = 0x20
const MSR_RI = 0x40
const MSR_DCD = 0x80

const RECEIVE_TRIGGER_LEVELS = [1, 4, 8, 14] as const

export interface Uart16550Options {
  /** "COM1", "COM2": the device name and its port range's name. */
  name: string
  basePort: number
  irq: IrqLine
  clock: VirtualClock
  /** Every byte the guest transmits (not in loopback). */
  onTransmit?: (byte: number) => void
}

interface UartRegisters {
  divisor: number
  ier: number
  lcr: number
  mcr: number
  /** Error bits of the LSR (overrun, parity, framing, break); DR and THRE derive from the FIFOs. */
  lineErrors: number
  /** Delta bits of the MSR. */
  modemDeltas: number
  scr: number
  fifoEnabled: boolean
  receiveTrigger: number
  receiveFifo: number[]
  /** A THR-empty interrupt is pending (cleared by reading IIR while it is the reported source, or writing THR). */
  thrEmptyPending: boolean
  /** The receive FIFO has held data below the trigger level for four character times. */
  characterTimeout: boolean
}

/**
 * A National Semiconductor 16550A UART as a PC's COM port. Transmission is
 * instantaneous: a byte written to THR goes straight to the sink and THR is
 * empty again at once, which guests cannot distinguish from a fast line
 * except by timing. Input from the host queues behind the receive FIFO and
 * enters it as the guest makes room, like a terminal with flow control, so
 * pasted text is never lost to an overrun.
 */
export class Uart16550 implements PortIoDevice {
  readonly name: string
  readonly portRanges: readonly PortRange[]

  private regs: UartRegisters = Uart16550.powerOnRegisters()
  private hostInput: number[] = []
  private timeoutTimer: TimerHandle | null = null
  private irqHigh = false
  private bytesTransmitted = 0
  private bytesReceived = 0

  constructor(private readonly options: Uart16550Options) {
    this.name = options.name
    this.portRanges = [{name: options.name, start: options.basePort, length: 8}]
  }

  private static powerOnRegisters(): UartRegisters {
    return {
      divisor: 12, // 9600 baud; undefined on the chip, this is what firmware would leave
      ier: 0,
      lcr: 0x03,
      mcr: 0,
      lineErrors: 0,
      modemDeltas: 0,
      scr: 0,
      fifoEnabled: false,
      receiveTrigger: 1,
      receiveFifo: [],
      thrEmptyPending: false,
      characterTimeout: false,
    }
  }

  reset(): void {
    this.cancelTimeout()
    this.regs = Uart16550.powerOnRegisters()
    this.refillFromHost()
    this.updateIrq()
  }

  /** Bytes arriving from the host side of the line (the console). */
  receive(bytes: Uint8Array | readonly number[]): void {
    for (const byte of bytes) this.hostInput.push(byte & 0xff)
    if (this.hostInput.length > HOST_INPUT_LIMIT) this.hostInput.splice(0, this.hostInput.length - HOST_INPUT_LIMIT)
    // In loopback mode the receiver is disconnected from the line.
    if (!(this.regs.mcr & MCR_LOOPBACK)) this.refillFromHost()
    this.updateIrq()
  }

  private get fifoCapacity(): number {
    return this.regs.fifoEnabled ? FIFO_SIZE : 1
  }

  private refillFromHost(): void {
    const r = this.regs
    if (r.mcr & MCR_LOOPBACK) return
    let moved = false
    while (this.hostInput.length && r.receiveFifo.length < this.fifoCapacity) {
      r.receiveFifo.push(this.hostInput.shift()!)
      this.bytesReceived++
      moved = true
    }
    if (moved) this.restartTimeout()
  }

  /** A byte arriving at the receiver from the line (or from the transmitter in loopback). */
  private receiveFromLine(byte: number): void {
    const r = this.regs
    if (r.receiveFifo.length >= this.fifoCapacity) {
      // The FIFO (or holding register) is full: the new character is lost.
      r.lineErrors |= LSR_OVERRUN
    } else {
      r.receiveFifo.push(byte)
      this.bytesReceived++
    }
    this.restartTimeout()
  }

  // Character timeout: in FIFO mode, data below the trigger level that nobody
  // reads for four character times raises an interrupt, so drivers that wait
  // for the trigger level still see a single typed key.

  private characterTimeNs(): number {
    const r = this.regs
    const dataBits = 5 + (r.lcr & 3)
    const stopBits = r.lcr & 0x04 ? (dataBits === 5 ? 1.5 : 2) : 1
    const parityBits = r.lcr & 0x08 ? 1 : 0
    const baud = BAUD_BASE / (r.divisor || 0x10000)
    return ((1 + dataBits + parityBits + stopBits) / baud) * 1e9
  }

  private restartTimeout(): void {
    this.cancelTimeout()
    const r = this.regs
    r.characterTimeout = false
    if (!r.fifoEnabled || r.receiveFifo.length === 0) return
    this.timeoutTimer = this.options.clock.setTimer(this.options.clock.nowNs() + Math.ceil(4 * this.characterTimeNs()), () => {
      this.timeoutTimer = null
      if (this.regs.receiveFifo.length) this.regs.characterTimeout = true
      this.updateIrq()
    })
  }

  private cancelTimeout(): void {
    this.timeoutTimer?.cancel()
    this.timeoutTimer = null
  }

  // Interrupt identification, highest priority first.

  private pendingInterrupt(): number {
    const r = this.regs
    if (r.ier & IER_LINE_STATUS && r.lineErrors & LSR_ERRORS) return IIR_LINE_STATUS
    if (r.ier & IER_RECEIVED_DATA) {
      if (r.receiveFifo.length >= (r.fifoEnabled ? r.receiveTrigger : 1)) return IIR_RECEIVED_DATA
      if (r.characterTimeout) return IIR_CHARACTER_TIMEOUT
    }
    if (r.ier & IER_THR_EMPTY && r.thrEmptyPending) return IIR_THR_EMPTY
    if (r.ier & IER_MODEM_STATUS && r.modemDeltas) return IIR_MODEM_STATUS
    return IIR_NO_INTERRUPT
  }

  /**
   * On a PC the interrupt reaches the bus only through the OUT2-controlled
   * buffer; in loopback mode OUT2 is disconnected from the pin, so no IRQ.
   */
  private irqAsserted(): boolean {
    const mcr = this.regs.mcr
    return this.pendingInterrupt() !== IIR_NO_INTERRUPT && (mcr & MCR_OUT2) !== 0 && !(mcr & MCR_LOOPBACK)
  }

  private updateIrq(): void {
    const high = this.irqAsserted()
    if (high !== this.irqHigh) {
      this.irqHigh = high
      this.options.irq.setLevel(high)
    }
  }

  /** Modem inputs: looped back from MCR, or a terminal that is present and ready. */
  private modemInputs(): number {
    const mcr = this.regs.mcr
    if (mcr & MCR_LOOPBACK) {
      return (
        (mcr & MCR_RTS ? MSR_CTS : 0) |
        (mcr & MCR_DTR ? MSR_DSR : 0) |
        (mcr & MCR_OUT1 ? MSR_RI : 0) |
        (mcr & MCR_OUT2 ? MSR_DCD : 0)
      )
    }
    return MSR_CTS | MSR_DSR | MSR_DCD
  }

  private writeMcr(value: number): void {
    const r = this.regs
    const before = this.modemInputs()
    const wasLoopback = (r.mcr & MCR_LOOPBACK) !== 0
    r.mcr = value & 0x1f
    const after = this.modemInputs()
    const changed = before ^ after
    if (changed & MSR_CTS) r.modemDeltas |= 0x01
    if (changed & MSR_DSR) r.modemDeltas |= 0x02
    // Trailing edge of RI only.
    if (before & MSR_RI && !(after & MSR_RI)) r.modemDeltas |= 0x04
    if (changed & MSR_DCD) r.modemDeltas |= 0x08
    if (wasLoopback && !(r.mcr & MCR_LOOPBACK)) this.refillFromHost()
  }

  // Port I/O.

  readPort(port: number, size: number): number {
    return readBytewise(port, size, (p) => this.readRegister(p - this.options.basePort))
  }

  writePort(port: number, size: number, value: number): void {
    writeBytewise(port, size, value, (p, byte) => this.writeRegister(p - this.options.basePort, byte))
  }

  private readRegister(offset: number): number {
    const r = this.regs
    const dlab = (r.lcr & LCR_DLAB) !== 0
    let value: number
    switch (offset) {
      case 0:
        if (dlab) return r.divisor & 0xff
        value = r.receiveFifo.length ? r.receiveFifo.shift()! : 0
        this.refillFromHost()
        this.restartTimeout()
        break
      case 1:
        return dlab ? r.divisor >> 8 : r.ier
      case 2: {
        const id = this.pendingInterrupt()
        if (id === IIR_THR_EMPTY) r.thrEmptyPending = false
        value = id | (r.fifoEnabled ? IIR_FIFOS_ENABLED : 0)
        break
      }
      case 3:
        return r.lcr
      case 4:
        return r.mcr
      case 5:
        value = this.lineStatus()
        r.lineErrors = 0
        break
      case 6:
        value = this.modemInputs() | r.modemDeltas
        r.modemDeltas = 0
        break
      case 7:
        return r.scr
      default:
        return 0xff
    }
    this.updateIrq()
    return value
  }

  private lineStatus(): number {
    const r = this.regs
    return (r.receiveFifo.length ? LSR_DATA_READY : 0) | r.lineErrors | LSR_THR_EMPTY | LSR_TRANSMITTER_EMPTY
  }

  private writeRegister(offset: number, value: number): void {
    const r = this.regs
    const dlab = (r.lcr & LCR_DLAB) !== 0
    switch (offset) {
      case 0:
        if (dlab) r.divisor = (r.divisor & 0xff00) | value
        else this.transmit(value)
        break
      case 1:
        if (dlab) {
          r.divisor = (r.divisor & 0x00ff) | (value << 8)
        } else {
          // Enabling the THR-empty interrupt while THR is empty raises it at once.
          if (value & IER_THR_EMPTY && !(r.ier & IER_THR_EMPTY)) r.thrEmptyPending = true
          r.ier = value & 0x0f
        }
        break
      case 2:
        this.writeFcr(value)
        break
      case 3:
        r.lcr = value
        break
      case 4:
        this.writeMcr(value)
        break
      case 7:
        r.scr = value
        break
      default:
        // LSR and MSR are read-only (writing them is a factory test feature).
        return
    }
    this.updateIrq()
  }

  private transmit(byte: number): void {
    const r = this.regs
    if (r.mcr & MCR_LOOPBACK) {
      this.receiveFromLine(byte)
    } else {
      this.bytesTransmitted++
      this.options.onTransmit?.(byte)
    }
    // The byte is gone at once: THR is empty again and says so.
    r.thrEmptyPending = true
  }

  private writeFcr(value: number): void {
    const r = this.regs
    const enable = (value & FCR_ENABLE) !== 0
    if (enable !== r.fifoEnabled) {
      // Switching FIFO mode clears both FIFOs.
      r.receiveFifo = []
      r.fifoEnabled = enable
    }
    if (!enable) {
      this.refillFromHost()
      return
    }
    if (value & FCR_CLEAR_RECEIVE) r.receiveFifo = []
    // Clearing the transmit FIFO (bit 2) has no visible effect: it is always empty here.
    r.receiveTrigger = RECEIVE_TRIGGER_LEVELS[value >> 6]!
    this.refillFromHost()
    this.restartTimeout()
  }

  statistics(): Record<string, unknown> {
    return {bytesTransmitted: this.bytesTransmitted, bytesReceived: this.bytesReceived, hostInputQueued: this.hostInput.length}
  }

  saveState(): DeviceSavedState {
    const r = this.regs
    return {
      version: SAVED_STATE_VERSION,
      divisor: r.divisor,
      ier: r.ier,
      lcr: r.lcr,
      mcr: r.mcr,
      lineErrors: r.lineErrors,
      modemDeltas: r.modemDeltas,
      scr: r.scr,
      fifoEnabled: r.fifoEnabled,
      receiveTrigger: r.receiveTrigger,
      receiveFifo: [...r.receiveFifo],
      thrEmptyPending: r.thrEmptyPending,
      characterTimeout: r.characterTimeout,
      hostInput: [...this.hostInput],
    }
  }

  restoreState(state: DeviceSavedState): void {
    const reader = SavedStateReader.open(state, this.name, SAVED_STATE_VERSION)
    const receiveTrigger = reader.integer('receiveTrigger', 1, 14)
    if (!(RECEIVE_TRIGGER_LEVELS as readonly number[]).includes(receiveTrigger)) {
      throw new Error(`Cannot restore ${this.name}: field "receiveTrigger" must be one of 1, 4, 8, 14`)
    }
    const regs: UartRegisters = {
      divisor: reader.integer('divisor', 0, 0xffff),
      ier: reader.integer('ier', 0, 0x0f),
      lcr: reader.integer('lcr', 0, 0xff),
      mcr: reader.integer('mcr', 0, 0x1f),
      lineErrors: reader.integer('lineErrors', 0, LSR_ERRORS),
      modemDeltas: reader.integer('modemDeltas', 0, MSR_DELTAS),
      scr: reader.integer('scr', 0, 0xff),
      fifoEnabled: reader.boolean('fifoEnabled'),
      receiveTrigger,
      receiveFifo: reader.integers('receiveFifo', 0xff, null, FIFO_SIZE),
      thrEmptyPending: reader.boolean('thrEmptyPending'),
      characterTimeout: reader.boolean('characterTimeout'),
    }
    const hostInput = reader.integers('hostInput', 0xff, null, HOST_INPUT_LIMIT)
    this.cancelTimeout()
    this.regs = regs
    this.hostInput = hostInput
    if (!regs.characterTimeout) this.restartTimeout()
    this.driveIrqExactly()
  }

  /** After a restore: drive the line to its computed level without a glitch that would look like a new edge. */
  private driveIrqExactly(): void {
    this.irqHigh = this.irqAsserted()
    this.options.irq.setLevel(this.irqHigh)
  }
}

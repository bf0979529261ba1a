import type {DeviceSavedState, IrqLine, PortIoDevice, PortRange} from '../device.js'
import {disconnectedIrqLine} from '../device.js'
import {readBytewise, writeBytewise} from '../port-access.js'
import {SavedStateReader} from '../saved-state.js'
import {Ps2Keyboard} from './ps2-keyboard.js'

const SAVED_STATE_VERSION = 1
const RAM_SIZE = 32
/** Bytes waiting behind the output buffer; more than any command sequence produces. */
const OUTPUT_QUEUE_LIMIT = 16

// Status register (port 0x64 read).
const STATUS_OUTPUT_FULL = 0x01
const STATUS_SYSTEM_FLAG = 0x04
const STATUS_LAST_WRITE_WAS_COMMAND = 0x08
const STATUS_NOT_INHIBITED = 0x10
const STATUS_AUX_DATA = 0x20

// Command byte (controller RAM byte 0).
const COMMAND_KEYBOARD_INTERRUPT = 0x01
const COMMAND_AUX_INTERRUPT = 0x02
const COMMAND_SYSTEM_FLAG = 0x04
const COMMAND_KEYBOARD_DISABLED = 0x10
const COMMAND_AUX_DISABLED = 0x20
const COMMAND_TRANSLATE = 0x40
/** What firmware leaves behind: keyboard interrupt on, POST passed, translation to set 1, no mouse. */
const COMMAND_BYTE_AFTER_FIRMWARE = COMMAND_KEYBOARD_INTERRUPT | COMMAND_SYSTEM_FLAG | COMMAND_AUX_DISABLED | COMMAND_TRANSLATE

// Output port (commands 0xD0/0xD1).
const OUTPUT_PORT_RESET_DEASSERTED = 0x01
const OUTPUT_PORT_A20 = 0x02
const OUTPUT_PORT_KEYBOARD_FULL = 0x10
const OUTPUT_PORT_AUX_FULL = 0x20

const SELF_TEST_PASSED = 0x55
const INTERFACE_TEST_PASSED = 0x00

/** Translation from scan code set 2 bytes to set 1 for the replies a keyboard sends (the 8042's table). */
const TRANSLATED_REPLY_BYTES = new Map([
  [0x01, 0x43],
  [0x02, 0x41],
  [0x03, 0x3f],
  [0x83, 0x41],
])

const enum Source {
  Controller = 0,
  Keyboard = 1,
  Aux = 2,
}

/** Controller commands whose parameter comes as the next write to port 0x60. */
const enum PendingData {
  None = 0,
  WriteRam = 0x60,
  WriteOutputPort = 0xd1,
  WriteKeyboardOutput = 0xd2,
  WriteAuxOutput = 0xd3,
  WriteAuxDevice = 0xd4,
}

export interface I8042Options {
  irq1: IrqLine
  irq12?: IrqLine
  /** The output port's reset line was pulsed low (command 0xFE, or bit 0 written as 0). */
  onResetRequest?: () => void
  /** The output port's A20 bit changed. */
  onA20Change?: (enabled: boolean) => void
  /** A20 at power-on. Real boards start with A20 off; a loader that hands over with A20 on says so. */
  a20Enabled?: boolean
}

interface ControllerState {
  ram: number[]
  outputPort: number
  pending: number
  /** Which RAM byte a pending 0x60-0x7F command writes. */
  pendingRamIndex: number
  lastWriteWasCommand: boolean
  systemFlag: boolean
  outputFull: boolean
  outputByte: number
  outputSource: number
  queue: {byte: number; source: number}[]
}

/**
 * The 8042 keyboard controller at ports 0x60 (data) and 0x64 (status and
 * command), with a PS/2 keyboard behind it. Enough of it is here for guests
 * to probe and reset the keyboard, read and write the command byte, and use
 * the output port for the A20 gate and the CPU reset line. No auxiliary
 * (mouse) device is attached: the aux interface tests pass, and bytes sent to
 * the aux device get no answer, as with an empty PS/2 mouse socket.
 */
export class I8042 implements PortIoDevice {
  readonly name = 'i8042'
  readonly portRanges: readonly PortRange[] = [
    {name: 'Keyboard controller data', start: 0x60, length: 1},
    {name: 'Keyboard controller status/command', start: 0x64, length: 1},
  ]

  readonly keyboard = new Ps2Keyboard()
  private state: ControllerState
  private irq1High = false
  private irq12High = false
  private readonly irq12: IrqLine

  constructor(private readonly options: I8042Options) {
    this.irq12 = options.irq12 ?? disconnectedIrqLine
    this.state = this.powerOnState()
  }

  private powerOnState(): ControllerState {
    const ram = new Array<number>(RAM_SIZE).fill(0)
    ram[0] = COMMAND_BYTE_AFTER_FIRMWARE
    return {
      ram,
      outputPort: OUTPUT_PORT_RESET_DEASSERTED | (this.options.a20Enabled ? OUTPUT_PORT_A20 : 0),
      pending: PendingData.None,
      pendingRamIndex: 0,
      lastWriteWasCommand: false,
      systemFlag: true,
      outputFull: false,
      outputByte: 0,
      outputSource: Source.Controller,
      queue: [],
    }
  }

  reset(): void {
    const a20Before = (this.state.outputPort & OUTPUT_PORT_A20) !== 0
    this.state = this.powerOnState()
    this.keyboard.reset()
    this.updateIrqs()
    const a20After = (this.state.outputPort & OUTPUT_PORT_A20) !== 0
    if (a20After !== a20Before) this.options.onA20Change?.(a20After)
  }

  get commandByte(): number {
    return this.state.ram[0]!
  }

  get a20Enabled(): boolean {
    return (this.state.outputPort & OUTPUT_PORT_A20) !== 0
  }

  // Output buffer.

  private enqueue(byte: number, source: Source): void {
    const s = this.state
    if (source === Source.Keyboard && s.ram[0]! & COMMAND_TRANSLATE) byte = TRANSLATED_REPLY_BYTES.get(byte) ?? byte
    if (s.queue.length < OUTPUT_QUEUE_LIMIT) s.queue.push({byte, source})
    this.fillOutputBuffer()
  }

  private fillOutputBuffer(): void {
    const s = this.state
    if (!s.outputFull && s.queue.length) {
      const next = s.queue.shift()!
      s.outputFull = true
      s.outputByte = next.byte
      s.outputSource = next.source
    }
    this.updateIrqs()
  }

  /** `force` drives both lines even when unchanged (after a restore, when the lines' state is unknown). */
  private updateIrqs(force = false): void {
    const s = this.state
    const command = s.ram[0]!
    const aux = s.outputSource === Source.Aux
    const irq1 = s.outputFull && !aux && (command & COMMAND_KEYBOARD_INTERRUPT) !== 0
    const irq12 = s.outputFull && aux && (command & COMMAND_AUX_INTERRUPT) !== 0
    if (force || irq1 !== this.irq1High) {
      this.irq1High = irq1
      this.options.irq1.setLevel(irq1)
    }
    if (force || irq12 !== this.irq12High) {
      this.irq12High = irq12
      this.irq12.setLevel(irq12)
    }
  }

  // Port I/O.

  readPort(port: number, size: number): number {
    return readBytewise(port, size, (p) => this.readByte(p))
  }

  writePort(port: number, size: number, value: number): void {
    writeBytewise(port, size, value, (p, byte) => this.writeByte(p, byte))
  }

  private readByte(port: number): number {
    const s = this.state
    if (port === 0x64) return this.status()
    if (port !== 0x60) return 0xff
    // Reading an empty buffer returns the last byte again.
    const byte = s.outputByte
    if (s.outputFull) {
      s.outputFull = false
      // Drop the line first so the next byte makes a fresh edge.
      this.updateIrqs()
      this.fillOutputBuffer()
    }
    return byte
  }

  private status(): number {
    const s = this.state
    return (
      (s.outputFull ? STATUS_OUTPUT_FULL : 0) |
      (s.systemFlag ? STATUS_SYSTEM_FLAG : 0) |
      (s.lastWriteWasCommand ? STATUS_LAST_WRITE_WAS_COMMAND : 0) |
      STATUS_NOT_INHIBITED |
      (s.outputFull && s.outputSource === Source.Aux ? STATUS_AUX_DATA : 0)
    )
  }

  private writeByte(port: number, value: number): void {
    if (port === 0x64) {
      this.state.lastWriteWasCommand = true
      this.command(value)
    } else if (port === 0x60) {
      this.state.lastWriteWasCommand = false
      this.data(value)
    }
  }

  private command(command: number): void {
    const s = this.state
    s.pending = PendingData.None
    if (command >= 0x20 && command <= 0x3f) {
      this.enqueue(s.ram[command - 0x20]!, Source.Controller)
      return
    }
    if (command >= 0x60 && command <= 0x7f) {
      s.pending = PendingData.WriteRam
      s.pendingRamIndex = command - 0x60
      return
    }
    if (command >= 0xf0) {
      // Pulse output port bits 0-3 low where the command's bit is 0; bit 0 is the CPU reset line.
      if (!(command & 0x01)) this.options.onResetRequest?.()
      return
    }
    switch (command) {
      case 0xa7:
        this.setCommandByte(s.ram[0]! | COMMAND_AUX_DISABLED)
        break
      case 0xa8:
        this.setCommandByte(s.ram[0]! & ~COMMAND_AUX_DISABLED)
        break
      case 0xa9:
      case 0xab:
        this.enqueue(INTERFACE_TEST_PASSED, Source.Controller)
        break
      case 0xaa:
        s.systemFlag = true
        this.enqueue(SELF_TEST_PASSED, Source.Controller)
        break
      case 0xad:
        this.setCommandByte(s.ram[0]! | COMMAND_KEYBOARD_DISABLED)
        break
      case 0xae:
        this.setCommandByte(s.ram[0]! & ~COMMAND_KEYBOARD_DISABLED)
        break
      case 0xc0:
        // Input port: keyboard not inhibited (bit 7), colour display (bit 6 clear).
        this.enqueue(0x80, Source.Controller)
        break
      case 0xd0:
        this.enqueue(this.outputPortValue(), Source.Controller)
        break
      case 0xd1:
      case 0xd2:
      case 0xd3:
      case 0xd4:
        s.pending = command
        break
      case 0xdd:
        this.setOutputPort(s.outputPort & ~OUTPUT_PORT_A20)
        break
      case 0xdf:
        this.setOutputPort(s.outputPort | OUTPUT_PORT_A20)
        break
      case 0xe0:
        this.enqueue(0x00, Source.Controller)
        break
      default:
        // Unknown controller commands are ignored.
        break
    }
  }

  private data(value: number): void {
    const s = this.state
    const pending = s.pending
    s.pending = PendingData.None
    switch (pending) {
      case PendingData.WriteRam:
        if (s.pendingRamIndex === 0) this.setCommandByte(value)
        else s.ram[s.pendingRamIndex] = value
        break
      case PendingData.WriteOutputPort:
        this.setOutputPort(value)
        break
      case PendingData.WriteKeyboardOutput:
        this.enqueue(value, Source.Keyboard)
        break
      case PendingData.WriteAuxOutput:
        this.enqueue(value, Source.Aux)
        break
      case PendingData.WriteAuxDevice:
        // No mouse is attached: the byte goes nowhere and no reply comes.
        break
      default:
        for (const reply of this.keyboard.receive(value)) this.enqueue(reply, Source.Keyboard)
    }
  }

  private setCommandByte(value: number): void {
    const s = this.state
    s.ram[0] = value
    s.systemFlag = (value & COMMAND_SYSTEM_FLAG) !== 0
    this.updateIrqs()
  }

  private outputPortValue(): number {
    const s = this.state
    let value = s.outputPort & ~(OUTPUT_PORT_KEYBOARD_FULL | OUTPUT_PORT_AUX_FULL)
    if (s.outputFull) value |= s.outputSource === Source.Aux ? OUTPUT_PORT_AUX_FULL : OUTPUT_PORT_KEYBOARD_FULL
    return value
  }

  private setOutputPort(value: number): void {
    const s = this.state
    const a20Changed = ((s.outputPort ^ value) & OUTPUT_PORT_A20) !== 0
    // Bit 0 is the reset line and reads back as deasserted: the reset it causes resets the controller.
    s.outputPort = (value & ~(OUTPUT_PORT_KEYBOARD_FULL | OUTPUT_PORT_AUX_FULL)) | OUTPUT_PORT_RESET_DEASSERTED
    if (a20Changed) this.options.onA20Change?.((value & OUTPUT_PORT_A20) !== 0)
    if (!(value & OUTPUT_PORT_RESET_DEASSERTED)) this.options.onResetRequest?.()
  }

  saveState(): DeviceSavedState {
    const s = this.state
    return {
      version: SAVED_STATE_VERSION,
      ram: [...s.ram],
      outputPort: s.outputPort,
      pending: s.pending,
      pendingRamIndex: s.pendingRamIndex,
      lastWriteWasCommand: s.lastWriteWasCommand,
      systemFlag: s.systemFlag,
      outputFull: s.outputFull,
      outputByte: s.outputByte,
      outputSource: s.outputSource,
      queue: s.queue.flatMap((entry) => [entry.byte, entry.source]),
      keyboard: {...this.keyboard.state, lastSent: [...this.keyboard.state.lastSent]},
    }
  }

  restoreState(state: DeviceSavedState): void {
    const reader = SavedStateReader.open(state, this.name, SAVED_STATE_VERSION)
    const flatQueue = reader.integers('queue', 0xff, null, OUTPUT_QUEUE_LIMIT * 2)
    if (flatQueue.length % 2 || flatQueue.some((value, index) => index % 2 === 1 && value > Source.Aux)) {
      throw new Error(`Cannot restore ${this.name}: field "queue" must hold byte/source pairs`)
    }
    const queue: ControllerState['queue'] = []
    for (let index = 0; index < flatQueue.length; index += 2) queue.push({byte: flatQueue[index]!, source: flatQueue[index + 1]!})
    const restored: ControllerState = {
      ram: reader.integers('ram', 0xff, RAM_SIZE),
      outputPort: reader.integer('outputPort', 0, 0xff),
      pending: reader.integer('pending', 0, 0xff),
      pendingRamIndex: reader.integer('pendingRamIndex', 0, RAM_SIZE - 1),
      lastWriteWasCommand: reader.boolean('lastWriteWasCommand'),
      systemFlag: reader.boolean('systemFlag'),
      outputFull: reader.boolean('outputFull'),
      outputByte: reader.integer('outputByte', 0, 0xff),
      outputSource: reader.integer('outputSource', 0, Source.Aux),
      queue,
    }
    const keyboard = Ps2Keyboard.read(reader.object('keyboard'))
    const a20Before = this.a20Enabled
    this.state = restored
    this.keyboard.state = keyboard
    // Drive the lines to their levels without a low glitch, which would look like a new edge.
    this.updateIrqs(true)
    if (this.a20Enabled !== a20Before) this.options.onA20Change?.(this.a20Enabled)
  }
}

import type {DeviceSavedState} from '../../device.js'
import type {BlockMedium} from '../../storage/block-medium.js'
import {SavedStateReader} from '../../saved-state.js'
import {DIAGNOSTIC_PASSED, STATUS_DRQ} from './ata-constants.js'
import type {DmaEngine} from './bus-master.js'
import type {TaskFile} from './task-file.js'

/** What a device needs from its channel. */
export interface DriveHost {
  /** The device asserts INTRQ (the channel drives the IRQ line if it is selected and nIEN is clear). */
  interruptChanged(): void
  /** The device has a DMA data phase ready for the bus master (which runs it if it is started). */
  dmaRequested(): void
}

/** Counters a device keeps, summed per controller in its statistics. */
export interface DriveCounters {
  commands: number
  sectorsRead: number
  sectorsWritten: number
  errors: number
  flushes: number
  packetCommands: number
}

/** The largest PIO buffer a saved state may carry: 16 sectors of READ MULTIPLE, or one ATAPI DRQ block. */
const MAX_SAVED_BUFFER = 0x10000

type Direction = 'none' | 'in' | 'out'

/**
 * What ATA disks and ATAPI drives share: their register copy, status and
 * error, the interrupt they assert, and the PIO data buffer the host moves
 * through the data port, 16 or 32 bits at a time. When the buffer is
 * exhausted (read) or full (written) the device continues the command in
 * `bufferDone`. Everything completes within the port access: the devices
 * never show BSY to a guest except during a software reset.
 */
export abstract class IdeDrive {
  abstract readonly kind: 'HardDisk' | 'DvdDrive'
  status = 0
  error = DIAGNOSTIC_PASSED
  interruptPending = false
  protected buffer: Uint8Array = new Uint8Array(0)
  protected bufferPosition = 0
  protected direction: Direction = 'none'
  readonly counters: DriveCounters = {commands: 0, sectorsRead: 0, sectorsWritten: 0, errors: 0, flushes: 0, packetCommands: 0}

  /** The SET FEATURES transfer mode the host chose (0: PIO default), reported in IDENTIFY words 63 and 88. */
  protected transferMode = 0

  constructor(
    protected readonly host: DriveHost,
    readonly taskFile: TaskFile,
    readonly medium: BlockMedium | null,
    /** The controller has a bus master with guest memory: the device offers DMA modes. */
    readonly dmaCapable = false,
  ) {}

  /** A DMA data phase is waiting for the bus master. */
  abstract get dmaReady(): boolean
  /** Runs the waiting DMA data phase through the bus master and completes the command. */
  abstract executeDma(engine: DmaEngine): void

  /**
   * SET FEATURES 03h: PIO default or PIO flow-control modes 0-4; multiword
   * DMA 0-2 and Ultra DMA 0-2 (PIIX4's UDMA/33) when the controller can do
   * DMA. Returns whether the mode was accepted.
   */
  protected selectTransferMode(mode: number): boolean {
    const pio = mode <= 0x01 || (mode >= 0x08 && mode <= 0x0c)
    const dma = this.dmaCapable && ((mode >= 0x20 && mode <= 0x22) || (mode >= 0x40 && mode <= 0x42))
    if (!pio && !dma) return false
    this.transferMode = mode
    return true
  }

  /** Runs a command written to the command register while this device is selected. */
  abstract execute(command: number): void
  /** The status and signature a hardware or software reset leaves. */
  abstract resetSignature(): void
  /** The PIO buffer was read or written to its end. */
  protected abstract bufferDone(): void
  protected abstract saveCommandState(): Record<string, unknown>
  /** Checks the command state and returns how to apply it, changing nothing yet. */
  protected abstract parseCommandState(reader: SavedStateReader, raw: Record<string, unknown>): () => void

  /** Power-on or hardware reset. */
  powerOn(): void {
    this.transferMode = 0
    this.endTransfer()
    this.interruptPending = false
    this.resetSignature()
  }

  /** SRST rose: the device stops what it was doing and is busy until SRST falls. */
  abortForReset(): void {
    this.endTransfer()
    this.interruptPending = false
  }

  protected raiseInterrupt(): void {
    this.interruptPending = true
    this.host.interruptChanged()
  }

  /** EXECUTE DEVICE DIAGNOSTIC finished: the reporting device interrupts. */
  postDiagnosticResult(): void {
    this.raiseInterrupt()
  }

  /** Reading the status register acknowledges the interrupt. */
  acknowledgeInterrupt(): void {
    if (!this.interruptPending) return
    this.interruptPending = false
    this.host.interruptChanged()
  }

  protected beginDataIn(data: Uint8Array): void {
    this.buffer = data
    this.bufferPosition = 0
    this.direction = 'in'
  }

  protected beginDataOut(length: number): void {
    this.buffer = new Uint8Array(length)
    this.bufferPosition = 0
    this.direction = 'out'
  }

  protected endTransfer(): void {
    this.direction = 'none'
    this.buffer = new Uint8Array(0) as Uint8Array
    this.bufferPosition = 0
    this.status &= ~STATUS_DRQ
  }

  get transferring(): boolean {
    return this.direction !== 'none'
  }

  /** A data-port read: the next 1, 2 or 4 bytes of a data-in transfer; all ones outside one. */
  readData(size: number): number {
    if (this.direction !== 'in') return size === 4 ? 0xffffffff : size === 2 ? 0xffff : 0xff
    let value = 0
    for (let i = 0; i < size; i++) {
      const at = this.bufferPosition + i
      value |= (at < this.buffer.length ? this.buffer[at]! : 0) << (8 * i)
    }
    this.bufferPosition += size
    if (this.bufferPosition >= this.buffer.length) {
      this.direction = 'none'
      this.status &= ~STATUS_DRQ
      this.bufferDone()
    }
    return value >>> 0
  }

  /** A data-port write: 1, 2 or 4 bytes of a data-out transfer; ignored outside one. */
  writeData(size: number, value: number): void {
    if (this.direction !== 'out') return
    for (let i = 0; i < size && this.bufferPosition + i < this.buffer.length; i++) {
      this.buffer[this.bufferPosition + i] = (value >>> (8 * i)) & 0xff
    }
    this.bufferPosition += size
    if (this.bufferPosition >= this.buffer.length) {
      this.direction = 'none'
      this.status &= ~STATUS_DRQ
      this.bufferDone()
    }
  }

  saveState(): DeviceSavedState {
    return {
      version: 1,
      kind: this.kind,
      status: this.status,
      error: this.error,
      interruptPending: this.interruptPending,
      direction: this.direction,
      buffer: Buffer.from(this.buffer).toString('base64'),
      bufferPosition: this.bufferPosition,
      transferMode: this.transferMode,
      counters: {...this.counters},
      command: this.saveCommandState(),
    }
  }

  /** Checks a saved device and returns how to apply it, changing nothing yet. */
  parseState(raw: unknown, where: string): () => void {
    const reader = SavedStateReader.open(raw, where, 1)
    const fields = raw as Record<string, unknown>
    if (fields.kind !== this.kind) {
      throw new Error(`Cannot restore ${where}: the saved device is ${JSON.stringify(fields.kind)}, this one is ${this.kind}`)
    }
    const status = reader.integer('status', 0, 0xff)
    const error = reader.integer('error', 0, 0xff)
    const interruptPending = reader.boolean('interruptPending')
    const direction = fields.direction
    if (direction !== 'none' && direction !== 'in' && direction !== 'out') {
      throw new Error(`Cannot restore ${where}: field "direction" must be none, in or out`)
    }
    const buffer = decodeBytes(fields.buffer, where, 'buffer', MAX_SAVED_BUFFER)
    const bufferPosition = reader.integer('bufferPosition', 0, buffer.length)
    const transferMode = reader.integer('transferMode', 0, 0xff)
    const countersReader = reader.object('counters')
    const counters = Object.fromEntries(
      Object.keys(this.counters).map((key) => [key, countersReader.integer(key, 0, Number.MAX_SAFE_INTEGER)]),
    ) as unknown as DriveCounters
    const commandRaw = fields.command
    const applyCommand = this.parseCommandState(reader.object('command'), commandRaw as Record<string, unknown>)
    return () => {
      this.status = status
      this.error = error
      this.interruptPending = interruptPending
      this.direction = direction
      this.buffer = buffer
      this.bufferPosition = bufferPosition
      this.transferMode = transferMode
      Object.assign(this.counters, counters)
      applyCommand()
    }
  }
}

/** A base64 byte string from a saved state, checked. */
export function decodeBytes(value: unknown, where: string, field: string, maxLength: number): Uint8Array {
  if (typeof value !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(value) || value.length % 4 !== 0) {
    throw new Error(`Cannot restore ${where}: field "${field}" must be a base64 string`)
  }
  const bytes = new Uint8Array(Buffer.from(value, 'base64'))
  if (bytes.length > maxLength) throw new Error(`Cannot restore ${where}: field "${field}" holds more than ${maxLength} bytes`)
  return bytes
}

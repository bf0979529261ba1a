import type {BlockMedium} from '../../storage/block-medium.js'
import type {SavedStateReader} from '../../saved-state.js'
import {
  ATAPI_SIGNATURE_HIGH,
  ATAPI_SIGNATURE_MID,
  AtaCommand,
  DIAGNOSTIC_PASSED,
  ERROR_ABRT,
  FEATURE_SET_TRANSFER_MODE,
  REASON_COD,
  REASON_IO,
  STATUS_DRDY,
  STATUS_DRQ,
  STATUS_DSC,
  STATUS_ERR,
} from './ata-constants.js'
import {identifyPacketDevice, serialNumberOf} from './identify.js'
import type {DmaEngine} from './bus-master.js'
import {decodeBytes, type DriveHost, IdeDrive} from './ide-drive.js'
import {CD_BLOCK_SIZE, executeMmc, NO_SENSE, type Sense, SENSE_ILLEGAL_REQUEST} from './mmc-commands.js'
import {REG_COUNT, REG_LBA_HIGH, REG_LBA_MID, type TaskFile} from './task-file.js'

const PACKET_LENGTH = 12
/** A byte count limit of zero is invalid; drives treat it as the largest even count. */
const MAX_BYTE_COUNT = 0xfffe
const READY = STATUS_DRDY | STATUS_DSC

/** Where a data-in command's bytes come from: a response built in memory, or the disc. */
type Source = {kind: 'bytes'; data: Uint8Array; offset: number} | {kind: 'medium'; offset: number; remaining: number}

type Phase = 'idle' | 'identify' | 'packet' | 'data-in' | 'dma'

/**
 * A DVD drive (an ATAPI packet device, ATA8-APT's PACKET protocol) with an
 * ISO image or no disc. The PACKET command takes 12 command bytes through
 * the data port (DRQ with interrupt reason C/D set, no interrupt: IDENTIFY
 * PACKET DEVICE promises DRQ within 50 us); data moves in DRQ blocks of at
 * most the byte count limit the host wrote to LBA mid/high, each announced
 * by an interrupt with the block's size in LBA mid/high and reason I/O; the
 * end is an interrupt with reason I/O+C/D. A failed command ends with ERR,
 * the sense key in the error register's upper nibble, and the full sense for
 * REQUEST SENSE.
 */
export class AtapiDvd extends IdeDrive {
  readonly kind = 'DvdDrive' as const
  private phase: Phase = 'idle'
  private byteLimit = MAX_BYTE_COUNT
  private source: Source | null = null
  private sense: Sense = NO_SENSE
  /** The PACKET command asked for its data by DMA (features bit 0). */
  private dmaPacket = false
  private readonly serial: string

  constructor(host: DriveHost, taskFile: TaskFile, medium: BlockMedium | null, dmaCapable = false) {
    super(host, taskFile, medium, dmaCapable)
    this.serial = serialNumberOf(medium?.diskIdentifier ?? '')
  }

  override powerOn(): void {
    super.powerOn()
    this.phase = 'idle'
    this.source = null
    this.sense = NO_SENSE
    this.dmaPacket = false
  }

  override abortForReset(): void {
    super.abortForReset()
    this.phase = 'idle'
    this.source = null
  }

  resetSignature(): void {
    this.taskFile.setSignature(ATAPI_SIGNATURE_MID, ATAPI_SIGNATURE_HIGH)
    // A packet device does not set DRDY after reset: the host identifies it first.
    this.status = 0
    this.error = DIAGNOSTIC_PASSED
  }

  execute(command: number): void {
    this.counters.commands++
    this.endTransfer()
    this.phase = 'idle'
    this.source = null
    this.error = 0
    switch (command) {
      case AtaCommand.Packet:
        return this.packet()
      case AtaCommand.IdentifyPacketDevice:
        // An ATA PIO data-in command, not a packet: one block, then done without an interrupt.
        this.phase = 'identify'
        this.beginDataIn(identifyPacketDevice(this.serial, this.dmaCapable, this.transferMode))
        this.status = READY | STATUS_DRQ
        return this.raiseInterrupt()
      case AtaCommand.DeviceReset:
        // Like a software reset of this device alone; it does not interrupt.
        this.resetSignature()
        return
      case AtaCommand.SetFeatures:
        // Of the features only the transfer mode means anything to this drive; the rest are accepted.
        if ((this.taskFile.features & 0xff) !== FEATURE_SET_TRANSFER_MODE || this.selectTransferMode(this.taskFile.count & 0xff)) {
          return this.complete()
        }
        return this.abort()
      case AtaCommand.CheckPowerMode:
        this.taskFile.set(REG_COUNT, 0xff)
        return this.complete()
      case AtaCommand.IdleImmediate:
      case AtaCommand.StandbyImmediate:
      case AtaCommand.Sleep:
        return this.complete()
      default:
        // ATA commands a packet device does not take (IDENTIFY DEVICE above all) abort and
        // leave the signature in place, which is how hosts tell a packet device from a disk.
        this.taskFile.setSignature(ATAPI_SIGNATURE_MID, ATAPI_SIGNATURE_HIGH)
        return this.abort()
    }
  }

  private complete(): void {
    this.status = READY
    this.raiseInterrupt()
  }

  private abort(): void {
    this.counters.errors++
    this.error = ERROR_ABRT
    this.status = READY | STATUS_ERR
    this.raiseInterrupt()
  }

  private packet(): void {
    // Features bit 0 asks for DMA, which needs a bus master with guest memory.
    this.dmaPacket = (this.taskFile.features & 0x01) !== 0
    if (this.dmaPacket && !this.dmaCapable) return this.abort()
    this.counters.packetCommands++
    const limit = ((this.taskFile.lbaHigh & 0xff) << 8) | (this.taskFile.lbaMid & 0xff)
    this.byteLimit = limit === 0 || limit === 0xffff ? MAX_BYTE_COUNT : limit
    this.phase = 'packet'
    this.taskFile.set(REG_COUNT, REASON_COD)
    this.beginDataOut(PACKET_LENGTH)
    this.status = READY | STATUS_DRQ
  }

  protected bufferDone(): void {
    if (this.phase === 'packet') return this.runPacket(this.buffer.slice(0, PACKET_LENGTH))
    if (this.phase === 'data-in') return this.sendBlock()
    if (this.phase === 'identify') {
      this.phase = 'idle'
      this.status = READY
    }
  }

  private remaining(): number {
    const source = this.source
    if (!source) return 0
    return source.kind === 'bytes' ? source.data.length - source.offset : source.remaining
  }

  private runPacket(cdb: Uint8Array): void {
    const result = executeMmc(cdb, {medium: this.medium, sense: this.sense, serial: this.serial})
    // REQUEST SENSE reports the sense and clears it; any other command replaces it.
    this.sense = result.kind === 'check' ? result.sense : NO_SENSE
    switch (result.kind) {
      case 'check':
        return this.checkCondition(result.sense)
      case 'none':
        return this.finishPacket()
      case 'data':
        if (result.data.length === 0) return this.finishPacket()
        this.source = {kind: 'bytes', data: result.data, offset: 0}
        break
      case 'read':
        this.source = {kind: 'medium', offset: result.offset, remaining: result.length}
        break
    }
    if (this.dmaPacket) {
      // The data moves in one phase once the bus master runs; until then DRQ shows the device waiting.
      this.phase = 'dma'
      this.status = READY | STATUS_DRQ
      this.host.dmaRequested()
      return
    }
    this.phase = 'data-in'
    this.sendBlock()
  }

  /** The next DRQ block of a data-in command, or the end of the command when nothing is left. */
  private sendBlock(): void {
    const left = this.remaining()
    if (left === 0) return this.finishPacket()
    // Every block but the last is even-sized so that 16-bit transfers never split a word.
    const length = left > this.byteLimit ? this.byteLimit & ~1 : left
    let data: Uint8Array
    try {
      data = this.take(length)
    } catch {
      // The host file failed under the read: a medium error (sense key 3, unrecovered read error).
      return this.checkCondition({key: 0x03, asc: 0x11, ascq: 0})
    }
    this.beginDataIn(data)
    this.taskFile.set(REG_COUNT, REASON_IO)
    this.taskFile.set(REG_LBA_MID, length & 0xff)
    this.taskFile.set(REG_LBA_HIGH, length >> 8)
    this.status = READY | STATUS_DRQ
    this.raiseInterrupt()
  }

  private take(length: number): Uint8Array {
    const source = this.source!
    if (source.kind === 'bytes') {
      const out = source.data.subarray(source.offset, source.offset + length)
      source.offset += length
      return out
    }
    // The medium is read in whole blocks around the bytes wanted.
    const start = Math.floor(source.offset / CD_BLOCK_SIZE) * CD_BLOCK_SIZE
    const end = Math.ceil((source.offset + length) / CD_BLOCK_SIZE) * CD_BLOCK_SIZE
    const blocks = new Uint8Array(end - start)
    this.medium!.read(start, blocks)
    const out = blocks.slice(source.offset - start, source.offset - start + length)
    this.counters.sectorsRead += Math.floor((source.offset + length) / CD_BLOCK_SIZE) - Math.floor(source.offset / CD_BLOCK_SIZE)
    source.offset += length
    source.remaining -= length
    return out
  }

  get dmaReady(): boolean {
    return this.phase === 'dma'
  }

  executeDma(engine: DmaEngine): void {
    if (this.phase !== 'dma') return
    const length = this.remaining()
    let data: Uint8Array
    try {
      data = this.take(length)
    } catch {
      return this.checkCondition({key: 0x03, asc: 0x11, ascq: 0})
    }
    // A table shorter than the data: the command ends as ABORTED COMMAND.
    if (engine.toMemory(data) < length) return this.checkCondition({key: 0x0b, asc: 0, ascq: 0})
    this.finishPacket()
  }

  private finishPacket(): void {
    this.phase = 'idle'
    this.source = null
    this.taskFile.set(REG_COUNT, REASON_IO | REASON_COD)
    this.status = READY
    this.raiseInterrupt()
  }

  private checkCondition(sense: Sense): void {
    this.counters.errors++
    this.sense = sense
    this.phase = 'idle'
    this.source = null
    this.endTransfer()
    this.error = (sense.key << 4) | (sense.key === SENSE_ILLEGAL_REQUEST ? ERROR_ABRT : 0)
    this.taskFile.set(REG_COUNT, REASON_IO | REASON_COD)
    this.status = READY | STATUS_ERR
    this.raiseInterrupt()
  }

  protected saveCommandState(): Record<string, unknown> {
    const source = this.source
    return {
      phase: this.phase,
      dmaPacket: this.dmaPacket,
      byteLimit: this.byteLimit,
      sense: {...this.sense},
      source:
        source === null
          ? null
          : source.kind === 'bytes'
            ? {kind: 'bytes', data: Buffer.from(source.data).toString('base64'), offset: source.offset}
            : {...source},
    }
  }

  protected parseCommandState(reader: SavedStateReader, raw: Record<string, unknown>): () => void {
    const phase = raw.phase
    if (phase !== 'idle' && phase !== 'identify' && phase !== 'packet' && phase !== 'data-in' && phase !== 'dma') {
      throw new Error('Cannot restore the IDE DVD drive: field "phase" must be idle, identify, packet, data-in or dma')
    }
    const dmaPacket = reader.boolean('dmaPacket')
    const byteLimit = reader.integer('byteLimit', 1, 0xffff)
    const s = reader.object('sense')
    const sense = {key: s.integer('key', 0, 15), asc: s.integer('asc', 0, 0xff), ascq: s.integer('ascq', 0, 0xff)}
    let source: Source | null = null
    const rawSource = raw.source as Record<string, unknown> | null
    if (rawSource !== null) {
      const r = reader.object('source')
      if (rawSource.kind === 'bytes') {
        const data = decodeBytes(rawSource.data, 'the IDE DVD drive', 'source.data', 0x10000)
        source = {kind: 'bytes', data, offset: r.integer('offset', 0, data.length)}
      } else if (rawSource.kind === 'medium') {
        const size = this.medium?.size ?? 0
        const offset = r.integer('offset', 0, size)
        source = {kind: 'medium', offset, remaining: r.integer('remaining', 0, size - offset)}
      } else {
        throw new Error('Cannot restore the IDE DVD drive: field "source.kind" must be bytes or medium')
      }
    }
    return () => {
      this.phase = phase
      this.dmaPacket = dmaPacket
      this.byteLimit = byteLimit
      this.sense = sense
      this.source = source
    }
  }
}


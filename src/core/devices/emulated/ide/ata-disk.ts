import type {BlockMedium} from '../../storage/block-medium.js'
import type {SavedStateReader} from '../../saved-state.js'
import {
  AtaCommand,
  DIAGNOSTIC_PASSED,
  DEVICE_LBA,
  ERROR_ABRT,
  ERROR_IDNF,
  ERROR_UNC,
  FEATURE_DISABLE_READ_LOOKAHEAD,
  FEATURE_DISABLE_REVERTING,
  FEATURE_DISABLE_WRITE_CACHE,
  FEATURE_ENABLE_READ_LOOKAHEAD,
  FEATURE_ENABLE_REVERTING,
  FEATURE_ENABLE_WRITE_CACHE,
  FEATURE_SET_TRANSFER_MODE,
  MAX_MULTIPLE_SECTORS,
  SECTOR_SIZE,
  STATUS_DRDY,
  STATUS_DRQ,
  STATUS_DSC,
  STATUS_ERR,
} from './ata-constants.js'
import {type ChsGeometry, defaultGeometry, identifyDevice, serialNumberOf} from './identify.js'
import type {DmaEngine} from './bus-master.js'
import {type DriveHost, IdeDrive} from './ide-drive.js'
import {REG_COUNT, type TaskFile} from './task-file.js'

/** A READ or WRITE command in progress: where the next block goes and how much is left. */
interface SectorTransfer {
  command: number
  lba: number
  remaining: number
  /** Sectors per DRQ block: 1, or the multiple count for READ/WRITE MULTIPLE. */
  blockSectors: number
  write: boolean
  ext: boolean
  /** A DMA command: the whole transfer moves in one data phase through the bus master. */
  dma: boolean
}

const READY = STATUS_DRDY | STATUS_DSC

/**
 * An ATA hard disk on a BlockMedium: 512-byte logical sectors (a disk with
 * 4 KiB physical sectors says so in IDENTIFY word 106), LBA28, LBA48 and CHS
 * addressing, PIO single-sector and multiple-sector transfers, and READ/WRITE
 * DMA (EXT) when the controller has a bus master with guest memory (without
 * one IDENTIFY offers no DMA mode, so drivers stay on PIO).
 */
export class AtaDisk extends IdeDrive {
  readonly kind = 'HardDisk' as const
  readonly sectors: number
  private multipleSectors = 0
  private geometry: ChsGeometry | null
  private writeCache = true
  private transfer: SectorTransfer | null = null

  constructor(host: DriveHost, taskFile: TaskFile, medium: BlockMedium, dmaCapable = false) {
    super(host, taskFile, medium, dmaCapable)
    this.sectors = Math.floor(medium.size / SECTOR_SIZE)
    this.geometry = defaultGeometry(this.sectors)
  }

  private get disk(): BlockMedium {
    return this.medium!
  }

  override powerOn(): void {
    super.powerOn()
    this.transfer = null
    this.multipleSectors = 0
    this.geometry = defaultGeometry(this.sectors)
    this.writeCache = true
  }

  override abortForReset(): void {
    super.abortForReset()
    this.transfer = null
  }

  resetSignature(): void {
    this.taskFile.setSignature(0, 0)
    this.status = READY
    this.error = DIAGNOSTIC_PASSED
  }

  execute(command: number): void {
    this.counters.commands++
    this.endTransfer()
    this.transfer = null
    this.error = 0
    switch (command) {
      case AtaCommand.IdentifyDevice:
        return this.dataIn(
          identifyDevice({
            sectors: this.sectors,
            physicalSectorSize: this.disk.physicalSectorSize,
            serial: serialNumberOf(this.disk.diskIdentifier),
            current: this.geometry,
            multipleSectors: this.multipleSectors,
            writeCache: this.writeCache,
            dma: this.dmaCapable,
            transferMode: this.transferMode,
          }),
        )
      case AtaCommand.ReadSectors:
      case AtaCommand.ReadSectorsNoRetry:
        return this.startSectors(command, false, false, 1)
      case AtaCommand.ReadSectorsExt:
        return this.startSectors(command, false, true, 1)
      case AtaCommand.WriteSectors:
      case AtaCommand.WriteSectorsNoRetry:
        return this.startSectors(command, true, false, 1)
      case AtaCommand.WriteSectorsExt:
        return this.startSectors(command, true, true, 1)
      case AtaCommand.ReadMultiple:
        return this.startMultiple(command, false, false)
      case AtaCommand.ReadMultipleExt:
        return this.startMultiple(command, false, true)
      case AtaCommand.WriteMultiple:
        return this.startMultiple(command, true, false)
      case AtaCommand.WriteMultipleExt:
      case AtaCommand.WriteMultipleFuaExt:
        return this.startMultiple(command, true, true)
      case AtaCommand.ReadDma:
      case AtaCommand.ReadDmaNoRetry:
        return this.startDma(command, false, false)
      case AtaCommand.ReadDmaExt:
        return this.startDma(command, false, true)
      case AtaCommand.WriteDma:
      case AtaCommand.WriteDmaNoRetry:
        return this.startDma(command, true, false)
      case AtaCommand.WriteDmaExt:
        return this.startDma(command, true, true)
      case AtaCommand.ReadVerifySectors:
      case AtaCommand.ReadVerifySectorsNoRetry:
      case AtaCommand.ReadVerifySectorsExt:
        return this.verify(command === AtaCommand.ReadVerifySectorsExt)
      case AtaCommand.SetMultipleMode:
        return this.setMultipleMode()
      case AtaCommand.InitializeDeviceParameters:
        return this.initializeDeviceParameters()
      case AtaCommand.FlushCache:
      case AtaCommand.FlushCacheExt:
        return this.flush()
      case AtaCommand.SetFeatures:
        return this.setFeatures()
      case AtaCommand.CheckPowerMode:
        // Always active or idle.
        this.taskFile.set(REG_COUNT, 0xff)
        return this.complete()
      case AtaCommand.StandbyImmediate:
      case AtaCommand.IdleImmediate:
      case AtaCommand.Standby:
      case AtaCommand.Idle:
      case AtaCommand.Sleep:
        return this.complete()
      default:
        // RECALIBRATE (1xh) and SEEK (7xh) move no data: nothing to seek on a virtual disk.
        if ((command & 0xf0) === AtaCommand.Recalibrate || (command & 0xf0) === AtaCommand.Seek) return this.complete()
        // NOP, DEVICE RESET and PACKET are for packet devices, everything else unknown: aborted.
        return this.fail(ERROR_ABRT)
    }
  }

  private complete(): void {
    this.status = READY
    this.raiseInterrupt()
  }

  private fail(error: number, lba?: number, ext = false): void {
    this.counters.errors++
    this.transfer = null
    this.endTransfer()
    if (lba !== undefined) this.taskFile.setLba(lba, ext)
    this.error = error
    this.status = READY | STATUS_ERR
    this.raiseInterrupt()
  }

  /** A whole-buffer data-in command (IDENTIFY): DRQ and an interrupt. */
  private dataIn(data: Uint8Array): void {
    this.beginDataIn(data)
    this.status = READY | STATUS_DRQ
    this.raiseInterrupt()
  }

  /** The command's starting LBA, or null for a CHS address outside the current translation. */
  private address(ext: boolean): number | null {
    const tf = this.taskFile
    if (ext) return tf.lba48()
    if (tf.device & DEVICE_LBA) return tf.lba28()
    const chs = this.geometry
    const sector = tf.lbaLow & 0xff
    const head = tf.device & 0x0f
    const cylinder = ((tf.lbaHigh & 0xff) << 8) | (tf.lbaMid & 0xff)
    if (!chs || sector === 0 || sector > chs.sectorsPerTrack || head >= chs.heads || cylinder >= 65536) return null
    return (cylinder * chs.heads + head) * chs.sectorsPerTrack + sector - 1
  }

  private sectorCount(ext: boolean): number {
    const count = ext ? this.taskFile.count & 0xffff : this.taskFile.count & 0xff
    return count === 0 ? (ext ? 65536 : 256) : count
  }

  private startMultiple(command: number, write: boolean, ext: boolean): void {
    if (this.multipleSectors === 0) return this.fail(ERROR_ABRT)
    this.startSectors(command, write, ext, this.multipleSectors)
  }

  private startSectors(command: number, write: boolean, ext: boolean, blockSectors: number): void {
    const lba = this.address(ext)
    const count = this.sectorCount(ext)
    if (lba === null || lba + count > this.sectors) return this.fail(ERROR_IDNF, lba ?? undefined, ext)
    if (write && this.disk.readOnly) return this.fail(ERROR_ABRT)
    this.transfer = {command, lba, remaining: count, blockSectors, write, ext, dma: false}
    if (write) {
      // The host sends the first block without waiting for an interrupt.
      this.beginDataOut(this.blockLength())
      this.status = READY | STATUS_DRQ
    } else {
      this.loadReadBlock()
    }
  }

  /** A DMA command waits, DRQ set, for the bus master to be started (or runs now if it is). */
  private startDma(command: number, write: boolean, ext: boolean): void {
    if (!this.dmaCapable) return this.fail(ERROR_ABRT)
    const lba = this.address(ext)
    const count = this.sectorCount(ext)
    if (lba === null || lba + count > this.sectors) return this.fail(ERROR_IDNF, lba ?? undefined, ext)
    if (write && this.disk.readOnly) return this.fail(ERROR_ABRT)
    this.transfer = {command, lba, remaining: count, blockSectors: count, write, ext, dma: true}
    this.status = READY | STATUS_DRQ
    this.host.dmaRequested()
  }

  get dmaReady(): boolean {
    return this.transfer?.dma === true
  }

  executeDma(engine: DmaEngine): void {
    const transfer = this.transfer
    if (!transfer?.dma) return
    const length = transfer.remaining * SECTOR_SIZE
    if (transfer.write) {
      const data = engine.fromMemory(length)
      // A table shorter than the command, or a region outside RAM: the command fails, nothing is written.
      if (data.length < length) return this.fail(ERROR_ABRT)
      try {
        this.disk.write(transfer.lba * SECTOR_SIZE, data)
        if (!this.writeCache) this.disk.flush()
      } catch {
        return this.fail(ERROR_UNC, transfer.lba, transfer.ext)
      }
      this.counters.sectorsWritten += transfer.remaining
    } else {
      const data = new Uint8Array(length)
      try {
        this.disk.read(transfer.lba * SECTOR_SIZE, data)
      } catch {
        return this.fail(ERROR_UNC, transfer.lba, transfer.ext)
      }
      if (engine.toMemory(data) < length) return this.fail(ERROR_ABRT)
      this.counters.sectorsRead += transfer.remaining
    }
    this.transfer = null
    this.complete()
  }

  private blockLength(): number {
    const transfer = this.transfer!
    return Math.min(transfer.blockSectors, transfer.remaining) * SECTOR_SIZE
  }

  private loadReadBlock(): void {
    const transfer = this.transfer!
    const data = new Uint8Array(this.blockLength())
    try {
      this.disk.read(transfer.lba * SECTOR_SIZE, data)
    } catch {
      return this.fail(ERROR_UNC, transfer.lba, transfer.ext)
    }
    this.dataIn(data)
  }

  protected bufferDone(): void {
    const transfer = this.transfer
    if (!transfer) {
      // IDENTIFY's data was read: the command is over.
      this.status = READY
      return
    }
    const sectors = Math.min(transfer.blockSectors, transfer.remaining)
    if (transfer.write) {
      try {
        this.disk.write(transfer.lba * SECTOR_SIZE, this.buffer.subarray(0, sectors * SECTOR_SIZE))
        if (transfer.command === AtaCommand.WriteMultipleFuaExt || !this.writeCache) this.disk.flush()
      } catch {
        return this.fail(ERROR_UNC, transfer.lba, transfer.ext)
      }
      this.counters.sectorsWritten += sectors
    } else {
      this.counters.sectorsRead += sectors
    }
    transfer.lba += sectors
    transfer.remaining -= sectors
    if (transfer.remaining === 0) {
      this.transfer = null
      this.status = READY
      // A read ends when the last block is taken; a write reports completion with an interrupt.
      if (transfer.write) this.raiseInterrupt()
      return
    }
    if (transfer.write) {
      this.beginDataOut(this.blockLength())
      this.status = READY | STATUS_DRQ
      this.raiseInterrupt()
    } else {
      this.loadReadBlock()
    }
  }

  private verify(ext: boolean): void {
    const lba = this.address(ext)
    const count = this.sectorCount(ext)
    if (lba === null || lba + count > this.sectors) return this.fail(ERROR_IDNF, lba ?? undefined, ext)
    this.complete()
  }

  private setMultipleMode(): void {
    const count = this.taskFile.count & 0xff
    // Zero turns multiple mode off; otherwise a power of two up to the maximum IDENTIFY word 47 gives.
    if (count > MAX_MULTIPLE_SECTORS || (count & (count - 1)) !== 0) return this.fail(ERROR_ABRT)
    this.multipleSectors = count
    this.complete()
  }

  private initializeDeviceParameters(): void {
    const sectorsPerTrack = this.taskFile.count & 0xff
    const heads = (this.taskFile.device & 0x0f) + 1
    // A translation the disk cannot use makes later CHS commands fail with IDNF, as ATA says.
    this.geometry =
      sectorsPerTrack === 0
        ? null
        : {heads, sectorsPerTrack, cylinders: Math.min(65535, Math.floor(this.sectors / (heads * sectorsPerTrack)))}
    this.complete()
  }

  private flush(): void {
    try {
      this.disk.flush()
    } catch {
      return this.fail(ERROR_ABRT)
    }
    this.counters.flushes++
    this.complete()
  }

  private setFeatures(): void {
    switch (this.taskFile.features & 0xff) {
      case FEATURE_SET_TRANSFER_MODE:
        return this.selectTransferMode(this.taskFile.count & 0xff) ? this.complete() : this.fail(ERROR_ABRT)
      case FEATURE_ENABLE_WRITE_CACHE:
        this.writeCache = true
        return this.complete()
      case FEATURE_DISABLE_WRITE_CACHE:
        this.writeCache = false
        try {
          this.disk.flush()
        } catch {
          return this.fail(ERROR_ABRT)
        }
        return this.complete()
      case FEATURE_ENABLE_READ_LOOKAHEAD:
      case FEATURE_DISABLE_READ_LOOKAHEAD:
      case FEATURE_ENABLE_REVERTING:
      case FEATURE_DISABLE_REVERTING:
        return this.complete()
      default:
        return this.fail(ERROR_ABRT)
    }
  }

  protected saveCommandState(): Record<string, unknown> {
    return {
      multipleSectors: this.multipleSectors,
      geometry: this.geometry ? {...this.geometry} : null,
      writeCache: this.writeCache,
      transfer: this.transfer ? {...this.transfer} : null,
    }
  }

  protected parseCommandState(reader: SavedStateReader, raw: Record<string, unknown>): () => void {
    const multipleSectors = reader.integer('multipleSectors', 0, MAX_MULTIPLE_SECTORS)
    const writeCache = reader.boolean('writeCache')
    let geometry: ChsGeometry | null = null
    if (raw.geometry !== null) {
      const g = reader.object('geometry')
      geometry = {cylinders: g.integer('cylinders', 0, 65535), heads: g.integer('heads', 1, 16), sectorsPerTrack: g.integer('sectorsPerTrack', 1, 255)}
    }
    let transfer: SectorTransfer | null = null
    if (raw.transfer !== null) {
      const t = reader.object('transfer')
      transfer = {
        command: t.integer('command', 0, 0xff),
        lba: t.integer('lba', 0, this.sectors),
        remaining: t.integer('remaining', 1, 65536),
        blockSectors: t.integer('blockSectors', 1, 65536),
        write: t.boolean('write'),
        ext: t.boolean('ext'),
        dma: t.boolean('dma'),
      }
      if (!transfer.dma && transfer.blockSectors > MAX_MULTIPLE_SECTORS) {
        throw new Error('Cannot restore the IDE disk: its PIO transfer has blocks larger than the multiple count allows')
      }
      if (transfer.lba + transfer.remaining > this.sectors) throw new Error('Cannot restore the IDE disk: its transfer runs past the end of the disk')
    }
    return () => {
      this.multipleSectors = multipleSectors
      this.writeCache = writeCache
      this.geometry = geometry
      this.transfer = transfer
    }
  }
}

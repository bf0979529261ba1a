import type {IrqLine} from '../../device.js'
import type {BlockMedium} from '../../storage/block-medium.js'
import {CONTROL_HOB, CONTROL_NIEN, CONTROL_SRST, DEVICE_DEV, STATUS_BSY, AtaCommand} from './ata-constants.js'
import {AtaDisk} from './ata-disk.js'
import {AtapiDvd} from './atapi-dvd.js'
import type {DriveHost, IdeDrive} from './ide-drive.js'
import {REG_DATA, REG_DEVICE, REG_ERROR_FEATURES, REG_STATUS_COMMAND, TaskFile} from './task-file.js'

export interface DriveAttachment {
  kind: 'HardDisk' | 'DvdDrive'
  /** Null: an empty DVD drive. */
  medium: BlockMedium | null
}

/**
 * One ATA channel: a master and a slave on shared command and control
 * registers and one interrupt line. Command-block writes reach both devices;
 * reads come from the one the device register's DEV bit selects. The
 * selected device drives INTRQ unless nIEN is set. With a device on only
 * one position, the other reads status 0 (not present) but returns the
 * register values latched with the writes, which is what drivers' presence
 * checks expect; a channel with no device at all floats (reads all ones).
 */
export class IdeChannel implements DriveHost {
  readonly taskFiles: [TaskFile, TaskFile] = [new TaskFile(), new TaskFile()]
  readonly drives: [IdeDrive | null, IdeDrive | null]
  control = 0
  interruptsRaised = 0
  private lineLevel = false

  constructor(
    readonly index: number,
    attachments: readonly [DriveAttachment | null, DriveAttachment | null],
    private readonly irq: IrqLine,
    /** A device asserted its interrupt (the bus-master status register's interrupt bit follows it). */
    private readonly onInterrupt: () => void = () => {},
    /** A device has a DMA data phase ready; null when the controller has no bus master with memory. */
    private readonly onDmaRequest: (() => void) | null = null,
  ) {
    this.drives = [this.makeDrive(0, attachments[0]), this.makeDrive(1, attachments[1])]
  }

  private makeDrive(position: number, attachment: DriveAttachment | null): IdeDrive | null {
    if (!attachment) return null
    const taskFile = this.taskFiles[position]!
    const dma = this.onDmaRequest !== null
    if (attachment.kind === 'DvdDrive') return new AtapiDvd(this, taskFile, attachment.medium, dma)
    // A hard disk drive with nothing in it is not a device the host can see.
    return attachment.medium ? new AtaDisk(this, taskFile, attachment.medium, dma) : null
  }

  get hasDevices(): boolean {
    return this.drives[0] !== null || this.drives[1] !== null
  }

  get selected(): number {
    return this.taskFiles[0].device & DEVICE_DEV ? 1 : 0
  }

  dmaRequested(): void {
    this.onDmaRequest?.()
  }

  get selectedDrive(): IdeDrive | null {
    return this.drives[this.selected]
  }

  powerOn(): void {
    this.control = 0
    for (let position = 0; position < 2; position++) {
      const drive = this.drives[position]
      if (drive) drive.powerOn()
      else this.taskFiles[position]!.setSignature(0, 0)
    }
    this.updateLine()
  }

  interruptChanged(): void {
    if (this.selectedDrive?.interruptPending) this.onInterrupt()
    this.updateLine()
  }

  private updateLine(): void {
    const level = !!this.selectedDrive?.interruptPending && !(this.control & CONTROL_NIEN)
    if (level && !this.lineLevel) this.interruptsRaised++
    this.lineLevel = level
    this.irq.setLevel(level)
  }

  /** A command-block read; `register` is the offset from the base port. */
  readRegister(register: number, size: number): number {
    const drive = this.selectedDrive
    if (register === REG_DATA) return drive ? drive.readData(size) : 0
    const hob = (this.control & CONTROL_HOB) !== 0
    switch (register) {
      case REG_ERROR_FEATURES:
        return drive ? (hob ? 0 : drive.error) : 0
      case REG_STATUS_COMMAND:
        if (!drive) return 0
        drive.acknowledgeInterrupt()
        return drive.status
      default:
        return this.taskFiles[this.selected]!.read(register, hob)
    }
  }

  readAlternateStatus(): number {
    return this.selectedDrive?.status ?? 0
  }

  writeRegister(register: number, size: number, value: number): void {
    if (register === REG_DATA) {
      this.selectedDrive?.writeData(size, value)
      return
    }
    const byte = value & 0xff
    if (register === REG_STATUS_COMMAND) return this.command(byte)
    // Writing a command-block register clears HOB, so the next read shows the current values.
    this.control &= ~CONTROL_HOB
    // Registers cannot be written while the device is busy (held in software reset here).
    if (this.control & CONTROL_SRST) return
    for (const taskFile of this.taskFiles) taskFile.write(register, byte)
    if (register === REG_DEVICE) this.updateLine()
  }

  private command(command: number): void {
    if (this.control & CONTROL_SRST) return
    if (command === AtaCommand.ExecuteDeviceDiagnostic) return this.diagnostic()
    const drive = this.selectedDrive
    if (!drive || drive.status & STATUS_BSY) return
    drive.execute(command)
  }

  /** EXECUTE DEVICE DIAGNOSTIC goes to both devices; device 0 (or 1 alone) reports with an interrupt. */
  private diagnostic(): void {
    for (let position = 0; position < 2; position++) {
      const drive = this.drives[position]
      if (drive) {
        drive.counters.commands++
        drive.abortForReset()
        drive.resetSignature()
      } else {
        this.taskFiles[position]!.setSignature(0, 0)
      }
    }
    const reporter = this.drives[0] ?? this.drives[1]
    reporter?.postDiagnosticResult()
  }

  writeControl(value: number): void {
    const wasReset = (this.control & CONTROL_SRST) !== 0
    this.control = value & (CONTROL_HOB | CONTROL_SRST | CONTROL_NIEN)
    const reset = (value & CONTROL_SRST) !== 0
    if (reset && !wasReset) {
      for (const drive of this.drives) {
        if (!drive) continue
        drive.abortForReset()
        drive.status = STATUS_BSY
      }
    } else if (!reset && wasReset) {
      // The reset ends when SRST falls: each device posts its signature and diagnostic result.
      for (let position = 0; position < 2; position++) {
        const drive = this.drives[position]
        if (drive) drive.resetSignature()
        else this.taskFiles[position]!.setSignature(0, 0)
      }
    }
    this.updateLine()
  }

  /** Re-drives the line after a restore, from the restored registers. */
  refreshLine(): void {
    this.updateLine()
  }
}

import {SavedStateReader} from '../../saved-state.js'

/** Per-channel register offsets in the 16-byte block (the secondary channel's start at 8). */
const COMMAND = 0
const STATUS = 2
const PRD_TABLE = 4

const COMMAND_BITS = 0x09 // start/stop and read/write control
const STATUS_ERROR = 0x02
const STATUS_INTERRUPT = 0x04
/** Drive 0/1 DMA capable: scratch bits the firmware or driver sets. */
const STATUS_DRIVE_CAPABLE = 0x60

/**
 * The bus-master IDE registers behind PIIX4's BAR4 (SFF-8038i): per channel a
 * command, a status and the PRD table pointer. The drives offer no DMA mode,
 * so no transfer ever starts (the active bit stays clear); the registers are
 * here because ata_piix and other drivers read and write them while setting
 * up, and the status register's interrupt bit follows the channel's INTRQ as
 * on the chip (simplex, bit 7, reads clear: both channels may be used at once).
 */
export class BusMasterRegisters {
  private readonly command = [0, 0]
  private readonly status = [0, 0]
  private readonly prdTable = [0, 0]

  reset(): void {
    this.command.fill(0)
    this.status.fill(0)
    this.prdTable.fill(0)
  }

  /** The channel's device interrupted. */
  interrupt(channel: number): void {
    this.status[channel]! |= STATUS_INTERRUPT
  }

  readByte(offset: number): number {
    const channel = offset >> 3
    const register = offset & 7
    if (register === COMMAND) return this.command[channel]!
    if (register === STATUS) return this.status[channel]!
    if (register >= PRD_TABLE) return (this.prdTable[channel]! >>> (8 * (register - PRD_TABLE))) & 0xff
    return 0
  }

  writeByte(offset: number, byte: number): void {
    const channel = offset >> 3
    const register = offset & 7
    if (register === COMMAND) {
      this.command[channel] = byte & COMMAND_BITS
    } else if (register === STATUS) {
      const kept = this.status[channel]! & ~(byte & (STATUS_ERROR | STATUS_INTERRUPT))
      this.status[channel] = (kept & ~STATUS_DRIVE_CAPABLE) | (byte & STATUS_DRIVE_CAPABLE)
    } else if (register >= PRD_TABLE) {
      const shift = 8 * (register - PRD_TABLE)
      const value = (this.prdTable[channel]! & ~(0xff << shift)) | (byte << shift)
      // The table is dword aligned: bits 1-0 read as zero.
      this.prdTable[channel] = (value & ~3) >>> 0
    }
  }

  save(): Record<string, number[]> {
    return {command: [...this.command], status: [...this.status], prdTable: [...this.prdTable]}
  }

  static parse(reader: SavedStateReader): Record<string, number[]> {
    return {
      command: reader.integers('command', 0xff, 2),
      status: reader.integers('status', 0xff, 2),
      prdTable: reader.integers('prdTable', 0xffffffff, 2),
    }
  }

  load(values: Record<string, number[]>): void {
    for (let channel = 0; channel < 2; channel++) {
      this.command[channel] = values.command![channel]! & COMMAND_BITS
      this.status[channel] = values.status![channel]! & (STATUS_ERROR | STATUS_INTERRUPT | STATUS_DRIVE_CAPABLE)
      this.prdTable[channel] = (values.prdTable![channel]! & ~3) >>> 0
    }
  }
}

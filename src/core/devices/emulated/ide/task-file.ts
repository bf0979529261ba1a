import {SavedStateReader} from '../../saved-state.js'

/** Command block register offsets from the channel's base port. */
export const REG_DATA = 0
export const REG_ERROR_FEATURES = 1
export const REG_COUNT = 2
export const REG_LBA_LOW = 3
export const REG_LBA_MID = 4
export const REG_LBA_HIGH = 5
export const REG_DEVICE = 6
export const REG_STATUS_COMMAND = 7

/**
 * One device's copy of the task-file registers. Every write to the command
 * block reaches both devices of a channel, which each latch it; reads come
 * from the selected one. Features, count and the three LBA registers are
 * two-deep FIFOs for the 48-bit commands: a write pushes the previous value
 * into the "previous" half that reads back with HOB set in device control.
 */
export class TaskFile {
  /** Low byte: the most recent write; high byte: the one before (the HOB half). */
  features = 0
  count = 0
  lbaLow = 0
  lbaMid = 0
  lbaHigh = 0
  device = 0

  write(register: number, byte: number): void {
    const push = (old: number) => ((old << 8) | byte) & 0xffff
    switch (register) {
      case REG_ERROR_FEATURES: this.features = push(this.features); break
      case REG_COUNT: this.count = push(this.count); break
      case REG_LBA_LOW: this.lbaLow = push(this.lbaLow); break
      case REG_LBA_MID: this.lbaMid = push(this.lbaMid); break
      case REG_LBA_HIGH: this.lbaHigh = push(this.lbaHigh); break
      case REG_DEVICE: this.device = byte; break
    }
  }

  /** Count, LBA low/mid/high, or device; `hob` reads the previous values. */
  read(register: number, hob: boolean): number {
    const half = (value: number) => (hob ? value >> 8 : value) & 0xff
    switch (register) {
      case REG_COUNT: return half(this.count)
      case REG_LBA_LOW: return half(this.lbaLow)
      case REG_LBA_MID: return half(this.lbaMid)
      case REG_LBA_HIGH: return half(this.lbaHigh)
      case REG_DEVICE: return this.device
      default: return 0
    }
  }

  /** A device sets a register as the result of a command (the HOB half is left as it was). */
  set(register: number, byte: number): void {
    const low = (old: number) => (old & 0xff00) | (byte & 0xff)
    switch (register) {
      case REG_COUNT: this.count = low(this.count); break
      case REG_LBA_LOW: this.lbaLow = low(this.lbaLow); break
      case REG_LBA_MID: this.lbaMid = low(this.lbaMid); break
      case REG_LBA_HIGH: this.lbaHigh = low(this.lbaHigh); break
      case REG_DEVICE: this.device = byte & 0xff; break
    }
  }

  /** The signature a device leaves after reset and diagnostics: count and LBA low 1, LBA mid/high by device type. */
  setSignature(mid: number, high: number): void {
    this.count = 1
    this.lbaLow = 1
    this.lbaMid = mid
    this.lbaHigh = high
    this.device = 0
  }

  /** The 28-bit LBA (device bits 3-0 and the three LBA registers). */
  lba28(): number {
    return (((this.device & 0x0f) << 24) | ((this.lbaHigh & 0xff) << 16) | ((this.lbaMid & 0xff) << 8) | (this.lbaLow & 0xff)) >>> 0
  }

  /** The 48-bit LBA from both halves of the FIFOs. */
  lba48(): number {
    const high = ((this.lbaHigh >> 8) << 16) | ((this.lbaMid >> 8) << 8) | (this.lbaLow >> 8)
    const low = ((this.lbaHigh & 0xff) << 16) | ((this.lbaMid & 0xff) << 8) | (this.lbaLow & 0xff)
    return high * 2 ** 24 + low
  }

  /** Writes an LBA back (the address of an error), in 28- or 48-bit form. */
  setLba(lba: number, ext: boolean): void {
    const low = lba % 2 ** 24
    this.set(REG_LBA_LOW, low & 0xff)
    this.set(REG_LBA_MID, (low >> 8) & 0xff)
    this.set(REG_LBA_HIGH, (low >> 16) & 0xff)
    if (ext) {
      const high = Math.floor(lba / 2 ** 24)
      this.lbaLow = (this.lbaLow & 0xff) | ((high & 0xff) << 8)
      this.lbaMid = (this.lbaMid & 0xff) | (((high >> 8) & 0xff) << 8)
      this.lbaHigh = (this.lbaHigh & 0xff) | (((high >> 16) & 0xff) << 8)
    } else {
      this.device = (this.device & 0xf0) | ((lba >>> 24) & 0x0f)
    }
  }

  save(): Record<string, number> {
    return {features: this.features, count: this.count, lbaLow: this.lbaLow, lbaMid: this.lbaMid, lbaHigh: this.lbaHigh, device: this.device}
  }

  /** Checks a saved register set without applying it (see `load`). */
  static parse(reader: SavedStateReader): Record<string, number> {
    return {
      features: reader.integer('features', 0, 0xffff),
      count: reader.integer('count', 0, 0xffff),
      lbaLow: reader.integer('lbaLow', 0, 0xffff),
      lbaMid: reader.integer('lbaMid', 0, 0xffff),
      lbaHigh: reader.integer('lbaHigh', 0, 0xffff),
      device: reader.integer('device', 0, 0xff),
    }
  }

  load(values: Record<string, number>): void {
    Object.assign(this, values)
  }
}

import {SavedStateReader} from '../../saved-state.js'

/** Per-channel register offsets in the 16-byte block (the secondary channel's start at 8). */
const COMMAND = 0
const STATUS = 2
const PRD_TABLE = 4

const COMMAND_BITS = 0x09 // start/stop and read/write control
const COMMAND_START = 0x01
const STATUS_ACTIVE = 0x01
const STATUS_ERROR = 0x02
const STATUS_INTERRUPT = 0x04
/** Drive 0/1 DMA capable: scratch bits the firmware or driver sets. */
const STATUS_DRIVE_CAPABLE = 0x60

/**
 * The bus-master IDE registers behind PIIX4's BAR4 (SFF-8038i): per channel a
 * command (start, direction), a status (active, error, interrupt, and the
 * drive-DMA-capable scratch bits) and the PRD table pointer. Setting start
 * hands the channel to `onStart`, which runs the selected device's DMA data
 * phase at once if it has one waiting. The interrupt bit follows the
 * channel's INTRQ as on the chip; simplex (bit 7) reads clear: both channels
 * may transfer at once.
 */
export class BusMasterRegisters {
  private readonly command = [0, 0]
  private readonly status = [0, 0]
  private readonly prdTable = [0, 0]

  constructor(private readonly onStart: (channel: number) => void = () => {}) {}

  started(channel: number): boolean {
    return (this.command[channel]! & COMMAND_START) !== 0
  }

  tableOf(channel: number): number {
    return this.prdTable[channel]!
  }

  /** The channel's transfer ended: ACTIVE stays set only if the table had room left, ERROR if it failed. */
  transferEnded(channel: number, stillActive: boolean, error: boolean): void {
    let status = this.status[channel]! & ~STATUS_ACTIVE
    if (stillActive) status |= STATUS_ACTIVE
    if (error) status |= STATUS_ERROR
    this.status[channel] = status
  }

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
      const wasStarted = this.started(channel)
      this.command[channel] = byte & COMMAND_BITS
      if (!this.started(channel)) {
        // Clearing start stops the engine: ACTIVE falls.
        this.status[channel]! &= ~STATUS_ACTIVE
      } else if (!wasStarted) {
        this.status[channel]! |= STATUS_ACTIVE
        this.onStart(channel)
      }
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
      this.status[channel] = values.status![channel]! & (STATUS_ACTIVE | STATUS_ERROR | STATUS_INTERRUPT | STATUS_DRIVE_CAPABLE)
      this.prdTable[channel] = (values.prdTable![channel]! & ~3) >>> 0
    }
  }
}

/** Guest-physical memory as a bus master reaches it: RAM only (anything else fails). */
export interface GuestMemoryAccess {
  read(gpa: number, length: number): Uint8Array | null
  write(gpa: number, data: Uint8Array): boolean
}

/** What a device sees of the bus master during its data phase. */
export interface DmaEngine {
  /** Device to memory: the bytes go to the PRD regions in order; returns how many the table took. */
  toMemory(data: Uint8Array): number
  /** Memory to device: `length` bytes from the PRD regions, or fewer if the table ended (or memory failed). */
  fromMemory(length: number): Uint8Array
}

const PRD_ENTRY_BYTES = 8
const PRD_END_OF_TABLE = 0x80000000
/** The most entries one transfer walks: a table that never ends is cut off here. */
const MAX_PRD_ENTRIES = 0x10000

/**
 * Walks a physical region descriptor table (SFF-8038i): 8-byte entries of
 * a memory base (bit 0 ignored), a byte count (0 means 64 KiB) and the
 * end-of-table bit. A region that is not RAM ends the transfer as an error.
 */
export class PrdEngine implements DmaEngine {
  /** The table ran out (EOT passed, or a bad entry) before the device's data did. */
  exhausted = false
  failed = false
  private entries = 0
  private regionBase = 0
  private regionLeft = 0
  private endOfTable = false

  constructor(
    private readonly memory: GuestMemoryAccess,
    private table: number,
  ) {}

  /** Loads the next region; false when there is none. */
  private nextRegion(): boolean {
    if (this.endOfTable || this.entries >= MAX_PRD_ENTRIES) return false
    const entry = this.memory.read(this.table, PRD_ENTRY_BYTES)
    if (!entry) {
      this.failed = true
      return false
    }
    const view = new DataView(entry.buffer, entry.byteOffset, PRD_ENTRY_BYTES)
    this.regionBase = view.getUint32(0, true) & ~1
    this.regionLeft = view.getUint16(4, true) || 0x10000
    this.endOfTable = (view.getUint32(4, true) & PRD_END_OF_TABLE) !== 0
    this.table = (this.table + PRD_ENTRY_BYTES) >>> 0
    this.entries++
    return true
  }

  /** Whether regions remain unused after the device's data ended (the bus master stays active then). */
  get hasCapacityLeft(): boolean {
    return this.regionLeft > 0 || !this.endOfTable
  }

  private move(length: number, step: (gpa: number, at: number, n: number) => boolean): number {
    let done = 0
    while (done < length) {
      if (this.regionLeft === 0 && !this.nextRegion()) {
        this.exhausted = true
        break
      }
      const n = Math.min(this.regionLeft, length - done)
      if (!step(this.regionBase, done, n)) {
        this.failed = true
        break
      }
      this.regionBase = (this.regionBase + n) >>> 0
      this.regionLeft -= n
      done += n
    }
    return done
  }

  toMemory(data: Uint8Array): number {
    return this.move(data.length, (gpa, at, n) => this.memory.write(gpa, data.subarray(at, at + n)))
  }

  fromMemory(length: number): Uint8Array {
    const out = new Uint8Array(length)
    const done = this.move(length, (gpa, at, n) => {
      const chunk = this.memory.read(gpa, n)
      if (!chunk) return false
      out.set(chunk, at)
      return true
    })
    return out.subarray(0, done)
  }
}

import type {DeviceSavedState, IrqLine, PortIoDevice, PortRange, TimerHandle, VirtualClock} from '../device.js'
import {readBytewise, writeBytewise} from '../port-access.js'
import {SavedStateReader} from '../saved-state.js'
import {nsForTicks, ticksIn} from '../time-base.js'
import {CmosIndex, cmosChecksum, standardCmosContents, type StandardCmosOptions} from './pc-cmos-layout.js'
import {
  advanceCalendar,
  calendarFromDate,
  decodeField,
  decodeHour,
  encodeField,
  encodeHour,
  type RegisterFormat,
  type RtcCalendar,
} from './rtc-calendar.js'

const SAVED_STATE_VERSION = 1
const NS_PER_SECOND = 1_000_000_000
/** UIP rises this long before each update (MC146818 datasheet, 32.768 kHz time base). */
const UPDATE_IN_PROGRESS_LEAD_NS = 244_000
/** The first update after the divider starts comes half a second later. */
const FIRST_UPDATE_AFTER_START_NS = 500_000_000
/** Alarm matching repeats daily, so catching up never needs to look at more than a day of seconds. */
const SECONDS_PER_DAY = 86_400

// Register indexes.
const SECONDS = 0x00
const SECONDS_ALARM = 0x01
const MINUTES = 0x02
const MINUTES_ALARM = 0x03
const HOURS = 0x04
const HOURS_ALARM = 0x05
const DAY_OF_WEEK = 0x06
const DAY_OF_MONTH = 0x07
const MONTH = 0x08
const YEAR = 0x09
const STATUS_A = 0x0a
const STATUS_B = 0x0b
const STATUS_C = 0x0c
const STATUS_D = 0x0d

// Status register A.
const A_UPDATE_IN_PROGRESS = 0x80
const A_DIVIDER_MASK = 0x70
/** DV2-0 = 010: the 32.768 kHz time base, running. */
const A_DIVIDER_RUNNING = 0x20
const A_RATE_MASK = 0x0f
// Status register B.
const B_SET = 0x80
const B_PERIODIC_ENABLE = 0x40
const B_ALARM_ENABLE = 0x20
const B_UPDATE_ENDED_ENABLE = 0x10
const B_SQUARE_WAVE_ENABLE = 0x08
const B_BINARY = 0x04
const B_24_HOUR = 0x02
// Status register C.
const C_IRQ = 0x80
const C_PERIODIC = 0x40
const C_ALARM = 0x20
const C_UPDATE_ENDED = 0x10
// Status register D.
const D_VALID_RAM_AND_TIME = 0x80
/** Alarm bytes with both top bits set match every value. */
const ALARM_DONT_CARE = 0xc0

export interface CmosRtcOptions {
  clock: VirtualClock
  irq: IrqLine
  /** Wall-clock time at power-on (the host's clock); afterwards the RTC advances with guest time only. */
  powerOnTime: Date
}

interface RtcState {
  ram: Uint8Array
  calendar: RtcCalendar
  /** Clock time of the last once-a-second update. */
  lastUpdateNs: number
  /** Clock time from which periodic-interrupt edges are counted. */
  periodicOriginNs: number
  /** Periodic edges already folded into the flags. */
  periodicEdgesSeen: number
  /** Status register C flags (IRQF is computed). */
  flags: number
  index: number
  nmiMasked: boolean
}

/**
 * The MC146818 real-time clock and the 128 bytes of CMOS RAM behind ports
 * 0x70 (index; bit 7 masks NMI) and 0x71 (data). Time is held in binary and
 * shown in the format status register B selects, so switching formats needs
 * no conversion by the guest. Like the PIT it catches up from elapsed time on
 * each access and sets a timer only for the next interrupt a guest enabled.
 */
export class CmosRtc implements PortIoDevice {
  readonly name = 'cmos-rtc'
  readonly portRanges: readonly PortRange[] = [{name: 'CMOS/RTC index and data', start: 0x70, length: 2}]

  private state: RtcState
  private irqHigh = false
  private interruptTimer: TimerHandle | null = null
  private interruptsRaised = 0

  constructor(private readonly options: CmosRtcOptions) {
    const now = options.clock.nowNs()
    const ram = new Uint8Array(128)
    ram[STATUS_A] = A_DIVIDER_RUNNING | 0x06 // 1024 Hz periodic rate, the PC default
    ram[STATUS_B] = B_24_HOUR
    this.state = {
      ram,
      calendar: calendarFromDate(options.powerOnTime),
      lastUpdateNs: now - (options.powerOnTime.getTime() % 1000) * 1_000_000,
      periodicOriginNs: now,
      periodicEdgesSeen: 0,
      flags: 0,
      index: 0,
      nmiMasked: false,
    }
  }

  /** NMI is masked by bit 7 of the last index write. */
  get nmiMasked(): boolean {
    return this.state.nmiMasked
  }

  /** A reset clears the interrupt enables and flags; time and RAM are battery-backed and survive. */
  reset(): void {
    this.catchUp()
    const s = this.state
    s.ram[STATUS_B]! &= ~(B_PERIODIC_ENABLE | B_ALARM_ENABLE | B_UPDATE_ENDED_ENABLE | B_SQUARE_WAVE_ENABLE)
    s.flags = 0
    s.index = 0
    s.nmiMasked = false
    this.updateInterrupt()
  }

  // Host configuration of CMOS contents.

  /** Writes the BIOS configuration bytes for this machine and the checksum over them. */
  setStandardContents(options: StandardCmosOptions): void {
    for (const [index, value] of standardCmosContents(options)) this.state.ram[index] = value
    this.updateChecksum()
  }

  /** Host access to CMOS RAM (not the clock registers). */
  writeRam(index: number, value: number): void {
    if (index < 0x0e || index > 0x7f) throw new Error(`CMOS index 0x${index.toString(16)} is not configuration RAM`)
    this.state.ram[index] = value & 0xff
  }

  readRam(index: number): number {
    if (index < 0 || index > 0x7f) throw new Error(`CMOS index 0x${index.toString(16)} is out of range`)
    return this.readRegister(index)
  }

  updateChecksum(): void {
    const sum = cmosChecksum(this.state.ram)
    this.state.ram[CmosIndex.ChecksumHigh] = sum >> 8
    this.state.ram[CmosIndex.ChecksumLow] = sum & 0xff
  }

  // Time keeping.

  private get format(): RegisterFormat {
    const b = this.state.ram[STATUS_B]!
    return {binary: (b & B_BINARY) !== 0, twentyFourHour: (b & B_24_HOUR) !== 0}
  }

  private get updatesRunning(): boolean {
    const s = this.state
    return (s.ram[STATUS_A]! & A_DIVIDER_MASK) === A_DIVIDER_RUNNING && !(s.ram[STATUS_B]! & B_SET)
  }

  private periodicHz(): number {
    const rate = this.state.ram[STATUS_A]! & A_RATE_MASK
    if (rate === 0 || (this.state.ram[STATUS_A]! & A_DIVIDER_MASK) !== A_DIVIDER_RUNNING) return 0
    // Rates 1 and 2 repeat the 256 Hz and 128 Hz of rates 8 and 9.
    if (rate <= 2) return rate === 1 ? 256 : 128
    return 65536 >> rate
  }

  /** Brings the calendar and flags up to the current time. */
  private catchUp(): void {
    const s = this.state
    const now = this.options.clock.nowNs()
    if (this.updatesRunning && now - s.lastUpdateNs >= NS_PER_SECOND) {
      const elapsedSeconds = Math.floor((now - s.lastUpdateNs) / NS_PER_SECOND)
      if (!(s.flags & C_ALARM) && this.alarmMatchesWithin(elapsedSeconds)) s.flags |= C_ALARM
      s.calendar = advanceCalendar(s.calendar, elapsedSeconds)
      s.lastUpdateNs += elapsedSeconds * NS_PER_SECOND
      s.flags |= C_UPDATE_ENDED
    }
    const hz = this.periodicHz()
    if (hz) {
      const edges = ticksIn(now - s.periodicOriginNs, hz)
      if (edges > s.periodicEdgesSeen) {
        s.periodicEdgesSeen = edges
        s.flags |= C_PERIODIC
      }
    }
  }

  /** Whether the alarm registers match the time after any of the next `seconds` updates. */
  private alarmMatchesWithin(seconds: number): boolean {
    const ram = this.state.ram
    const format = this.format
    const {hour, minute, second} = this.state.calendar
    const startOfDay = hour * 3600 + minute * 60 + second
    const matches = (alarm: number, value: number) => (alarm & ALARM_DONT_CARE) === ALARM_DONT_CARE || alarm === value
    for (let step = 1; step <= Math.min(seconds, SECONDS_PER_DAY); step++) {
      const t = (startOfDay + step) % SECONDS_PER_DAY
      if (
        matches(ram[SECONDS_ALARM]!, encodeField(t % 60, format)) &&
        matches(ram[MINUTES_ALARM]!, encodeField(Math.floor(t / 60) % 60, format)) &&
        matches(ram[HOURS_ALARM]!, encodeHour(Math.floor(t / 3600), format))
      ) {
        return true
      }
    }
    return false
  }

  /** IRQ 8 follows IRQF: any flag whose interrupt is enabled. */
  private irqFlag(): boolean {
    const s = this.state
    const b = s.ram[STATUS_B]!
    return (
      (s.flags & C_PERIODIC && b & B_PERIODIC_ENABLE) !== 0 ||
      (s.flags & C_ALARM && b & B_ALARM_ENABLE) !== 0 ||
      (s.flags & C_UPDATE_ENDED && b & B_UPDATE_ENDED_ENABLE) !== 0
    )
  }

  private updateInterrupt(): void {
    const high = this.irqFlag()
    if (high !== this.irqHigh) {
      this.irqHigh = high
      if (high) this.interruptsRaised++
      this.options.irq.setLevel(high)
    }
    this.scheduleInterrupt()
  }

  /**
   * Arms a timer for the next moment IRQ 8 could rise. While it is high nothing
   * more can happen until the guest reads register C, so no timer runs then.
   */
  private scheduleInterrupt(): void {
    this.interruptTimer?.cancel()
    this.interruptTimer = null
    if (this.irqHigh) return
    const s = this.state
    const b = s.ram[STATUS_B]!
    let deadline = Infinity
    const hz = this.periodicHz()
    if (b & B_PERIODIC_ENABLE && hz) deadline = s.periodicOriginNs + nsForTicks(s.periodicEdgesSeen + 1, hz)
    if (b & (B_ALARM_ENABLE | B_UPDATE_ENDED_ENABLE) && this.updatesRunning) {
      deadline = Math.min(deadline, s.lastUpdateNs + NS_PER_SECOND)
    }
    if (deadline === Infinity) return
    this.interruptTimer = this.options.clock.setTimer(deadline, () => {
      this.interruptTimer = null
      this.catchUp()
      this.updateInterrupt()
    })
  }

  // Port I/O.

  readPort(port: number, size: number): number {
    return readBytewise(port, size, (p) => (p === 0x71 ? this.readRegister(this.state.index) : 0xff))
  }

  writePort(port: number, size: number, value: number): void {
    writeBytewise(port, size, value, (p, byte) => {
      if (p === 0x70) {
        this.state.index = byte & 0x7f
        this.state.nmiMasked = (byte & 0x80) !== 0
      } else if (p === 0x71) {
        this.writeRegister(this.state.index, byte)
      }
    })
  }

  private readRegister(index: number): number {
    const s = this.state
    this.catchUp()
    const format = this.format
    const c = s.calendar
    switch (index) {
      case SECONDS:
        return encodeField(c.second, format)
      case MINUTES:
        return encodeField(c.minute, format)
      case HOURS:
        return encodeHour(c.hour, format)
      case DAY_OF_WEEK:
        return encodeField(c.dayOfWeek, format)
      case DAY_OF_MONTH:
        return encodeField(c.dayOfMonth, format)
      case MONTH:
        return encodeField(c.month, format)
      case YEAR:
        return encodeField(c.year, format)
      case CmosIndex.Century:
        return encodeField(c.century, format)
      case STATUS_A: {
        const untilUpdate = s.lastUpdateNs + NS_PER_SECOND - this.options.clock.nowNs()
        const inProgress = this.updatesRunning && untilUpdate <= UPDATE_IN_PROGRESS_LEAD_NS
        return (s.ram[STATUS_A]! & ~A_UPDATE_IN_PROGRESS) | (inProgress ? A_UPDATE_IN_PROGRESS : 0)
      }
      case STATUS_C: {
        const value = s.flags | (this.irqFlag() ? C_IRQ : 0)
        s.flags = 0
        this.updateInterrupt()
        return value
      }
      case STATUS_D:
        return D_VALID_RAM_AND_TIME
      default:
        return s.ram[index]!
    }
  }

  private writeRegister(index: number, value: number): void {
    const s = this.state
    this.catchUp()
    const format = this.format
    const c = s.calendar
    switch (index) {
      case SECONDS:
        c.second = decodeField(value, format)
        break
      case MINUTES:
        c.minute = decodeField(value, format)
        break
      case HOURS:
        c.hour = decodeHour(value, format)
        break
      case DAY_OF_WEEK:
        c.dayOfWeek = decodeField(value, format)
        break
      case DAY_OF_MONTH:
        c.dayOfMonth = decodeField(value, format)
        break
      case MONTH:
        c.month = decodeField(value, format)
        break
      case YEAR:
        c.year = decodeField(value, format)
        break
      case CmosIndex.Century:
        c.century = decodeField(value, format)
        break
      case STATUS_A:
        this.writeStatusA(value)
        break
      case STATUS_B:
        this.writeStatusB(value)
        break
      case STATUS_C:
      case STATUS_D:
        // Read-only.
        return
      default:
        s.ram[index] = value
        return
    }
    this.updateInterrupt()
  }

  private writeStatusA(value: number): void {
    const s = this.state
    const wasRunning = this.updatesRunning
    const oldRate = s.ram[STATUS_A]! & (A_RATE_MASK | A_DIVIDER_MASK)
    s.ram[STATUS_A] = value & ~A_UPDATE_IN_PROGRESS
    const now = this.options.clock.nowNs()
    if (!wasRunning && this.updatesRunning) s.lastUpdateNs = now - NS_PER_SECOND + FIRST_UPDATE_AFTER_START_NS
    if ((value & (A_RATE_MASK | A_DIVIDER_MASK)) !== oldRate) {
      s.periodicOriginNs = now
      s.periodicEdgesSeen = 0
    }
  }

  private writeStatusB(value: number): void {
    const s = this.state
    const wasSet = (s.ram[STATUS_B]! & B_SET) !== 0
    // Setting SET stops updates and clears the update-ended interrupt enable.
    s.ram[STATUS_B] = value & B_SET ? value & ~B_UPDATE_ENDED_ENABLE : value
    if (wasSet && !(value & B_SET)) s.lastUpdateNs = this.options.clock.nowNs()
  }

  statistics(): Record<string, unknown> {
    return {interruptsRaised: this.interruptsRaised}
  }

  saveState(): DeviceSavedState {
    this.catchUp()
    const s = this.state
    const now = this.options.clock.nowNs()
    return {
      version: SAVED_STATE_VERSION,
      ram: [...s.ram],
      calendar: {...s.calendar},
      lastUpdateAgeNs: now - s.lastUpdateNs,
      periodicOriginAgeNs: now - s.periodicOriginNs,
      periodicEdgesSeen: s.periodicEdgesSeen,
      flags: s.flags,
      index: s.index,
      nmiMasked: s.nmiMasked,
    }
  }

  restoreState(state: DeviceSavedState): void {
    const reader = SavedStateReader.open(state, this.name, SAVED_STATE_VERSION)
    const now = this.options.clock.nowNs()
    const calendarReader = reader.object('calendar')
    // Guest-written values and carries can leave fields outside calendar ranges; accept what the device can hold.
    const field = (name: string) => calendarReader.integer(name, 0, 0xffff)
    const restored: RtcState = {
      ram: Uint8Array.from(reader.integers('ram', 0xff, 128)),
      calendar: {
        second: field('second'),
        minute: field('minute'),
        hour: field('hour'),
        dayOfWeek: field('dayOfWeek'),
        dayOfMonth: field('dayOfMonth'),
        month: field('month'),
        year: field('year'),
        century: field('century'),
      },
      lastUpdateNs: now - reader.number('lastUpdateAgeNs'),
      periodicOriginNs: now - reader.number('periodicOriginAgeNs'),
      periodicEdgesSeen: reader.integer('periodicEdgesSeen', 0, Number.MAX_SAFE_INTEGER),
      flags: reader.integer('flags', 0, C_PERIODIC | C_ALARM | C_UPDATE_ENDED),
      index: reader.integer('index', 0, 0x7f),
      nmiMasked: reader.boolean('nmiMasked'),
    }
    this.state = restored
    // Drive the line to its level without a low glitch, which would look like a new edge.
    this.irqHigh = this.irqFlag()
    this.options.irq.setLevel(this.irqHigh)
    this.scheduleInterrupt()
  }
}

import type {DeviceSavedState, IrqLine, PortIoDevice, PortRange, TimerHandle, VirtualClock} from '../device.js'
import {floatingBus} from '../port-access.js'
import {SavedStateReader} from '../saved-state.js'
import {nsForTicks, ticksIn} from '../time-base.js'

const SAVED_STATE_VERSION = 2
/** Version 1 had no PM1 status/enable registers; it restores with both clear. */
const SAVED_STATE_VERSION_WITHOUT_EVENTS = 1
/** The ACPI power-management timer's rate. */
export const PM_TIMER_HZ = 3_579_545
const PM_TIMER_MASK = 0xffffff
/** TMR_STS is set each time the timer's bit 23 changes: every 2^23 ticks. */
const PM_TIMER_CARRY_TICKS = 2 ** 23

/** The ISA IRQ of the SCI (the FADT's SCI_INT). */
export const PM_SCI_IRQ = 9

export const PM1A_EVENT_PORT = 0x600
export const PM1A_STATUS_PORT = PM1A_EVENT_PORT
export const PM1A_ENABLE_PORT = PM1A_EVENT_PORT + 2
export const PM1A_CONTROL_PORT = 0x604
export const PM_TIMER_PORT = 0x608

/** PM1 status bits (ACPI 6.x, 4.8.3.1.1); all are write-one-to-clear. */
export const TMR_STS = 1 << 0
export const BM_STS = 1 << 4
export const GBL_STS = 1 << 5
export const PWRBTN_STS = 1 << 8
export const SLPBTN_STS = 1 << 9
export const RTC_STS = 1 << 10
export const WAK_STS = 1 << 15
const STATUS_BITS = TMR_STS | BM_STS | GBL_STS | PWRBTN_STS | SLPBTN_STS | RTC_STS | WAK_STS
/** PM1 enable bits: the events that may raise the SCI. */
export const TMR_EN = 1 << 0
export const GBL_EN = 1 << 5
export const PWRBTN_EN = 1 << 8
export const SLPBTN_EN = 1 << 9
export const RTC_EN = 1 << 10
const ENABLE_BITS = TMR_EN | GBL_EN | PWRBTN_EN | SLPBTN_EN | RTC_EN

const SCI_EN = 0x0001
const SLP_TYP_SHIFT = 10
const SLP_TYP_MASK = 0x7 << SLP_TYP_SHIFT
const SLP_EN = 0x2000

export interface PowerManagementOptions {
  clock: VirtualClock
  /** SLP_EN was written: the guest asked to enter sleep state `sleepType` (0 is soft-off here, as in QEMU's tables). */
  onPowerOff?: (sleepType: number) => void
  /** The SCI (the FADT's SCI_INT); held high while an enabled status bit is set. */
  sci?: IrqLine
}

/**
 * The ACPI fixed-hardware register block at the addresses the FADT names and
 * PIIX4's PMBA reports: PM1a status and enable at 0x600/0x602, PM1a control
 * at 0x604 and the 24-bit PM timer at 0x608. Writing SLP_EN turns the machine
 * off (`outw(0x604, 0x2000)` is the convention many small kernels use); no
 * sleep state other than soft-off is implemented, so every SLP_EN write
 * powers off, with the requested type reported. SCI_EN reads as set: the
 * machine is always in ACPI mode, there is no SMI handler to hand over from.
 *
 * Of the fixed events only the timer's carry (TMR_STS) and the power button
 * (`pressPowerButton`) ever occur: there is no bus master, no sleep button
 * and the RTC alarm is not wired to the PM block. The other status bits
 * exist so that an OS can clear and disable them, which ACPICA does at
 * start-up and complains about when it cannot.
 */
export class PowerManagement implements PortIoDevice {
  readonly name = 'power-management'
  readonly portRanges: readonly PortRange[] = [
    {name: 'PM1a status/enable', start: PM1A_EVENT_PORT, length: 4},
    {name: 'PM1a control', start: PM1A_CONTROL_PORT, length: 2},
    {name: 'PM timer', start: PM_TIMER_PORT, length: 4},
  ]

  private control = SCI_EN
  /** Status bits other than TMR_STS, which is derived from the timer. */
  private status = 0
  private enable = 0
  /** The timer's bit-23 carry count when TMR_STS was last cleared. */
  private timerCarryCleared = 0
  private timerEvent: TimerHandle | null = null
  private powerOffRequests = 0
  private sciRaised = 0
  private sciLevel = false

  constructor(private readonly options: PowerManagementOptions) {}

  reset(): void {
    this.control = SCI_EN
    this.status = 0
    this.enable = 0
    this.timerCarryCleared = this.timerCarries()
    this.update()
  }

  /** The timer counts from guest time zero and never stops. */
  timerValue(): number {
    return this.timerTicks() & PM_TIMER_MASK
  }

  private timerTicks(): number {
    return ticksIn(this.options.clock.nowNs(), PM_TIMER_HZ)
  }

  private timerCarries(): number {
    return Math.floor(this.timerTicks() / PM_TIMER_CARRY_TICKS)
  }

  /** PM1 status as read: the latched bits plus TMR_STS when the timer carried since it was cleared. */
  statusValue(): number {
    return this.status | (this.timerCarries() !== this.timerCarryCleared ? TMR_STS : 0)
  }

  /** The power button was pressed (a fixed-hardware event: PWRBTN_STS, and the SCI when PWRBTN_EN). */
  pressPowerButton(): void {
    this.status |= PWRBTN_STS
    this.update()
  }

  readPort(port: number, size: number): number {
    let value: number
    let offset: number
    if (port >= PM_TIMER_PORT && port < PM_TIMER_PORT + 4) {
      value = this.timerValue()
      offset = port - PM_TIMER_PORT
    } else if (port >= PM1A_CONTROL_PORT && port < PM1A_CONTROL_PORT + 2) {
      value = this.control
      offset = port - PM1A_CONTROL_PORT
    } else if (port >= PM1A_EVENT_PORT && port < PM1A_EVENT_PORT + 4) {
      // Status and enable read together as one dword when the OS reads the whole event block.
      value = (this.statusValue() | (this.enable << 16)) >>> 0
      offset = port - PM1A_EVENT_PORT
    } else {
      return floatingBus(size)
    }
    const shifted = offset ? value >>> (8 * offset) : value
    return size === 4 ? shifted >>> 0 : shifted & (size === 2 ? 0xffff : 0xff)
  }

  writePort(port: number, size: number, value: number): void {
    // The timer ignores writes; each register takes the bytes of the access that fall inside it.
    for (let i = 0; i < size; i++) {
      const byte = (value >>> (8 * i)) & 0xff
      const at = port + i
      if (at >= PM1A_STATUS_PORT && at < PM1A_STATUS_PORT + 2) this.clearStatus(byte << (8 * (at - PM1A_STATUS_PORT)))
      else if (at >= PM1A_ENABLE_PORT && at < PM1A_ENABLE_PORT + 2) this.writeEnableByte(at - PM1A_ENABLE_PORT, byte)
    }
    if (port + size > PM1A_CONTROL_PORT && port < PM1A_CONTROL_PORT + 2) this.writeControl(port, size, value)
    this.update()
  }

  private clearStatus(bits: number): void {
    if (bits & TMR_STS) this.timerCarryCleared = this.timerCarries()
    this.status &= ~(bits & STATUS_BITS)
  }

  private writeEnableByte(index: number, byte: number): void {
    const mask = 0xff << (8 * index)
    this.enable = ((this.enable & ~mask) | ((byte << (8 * index)) & mask)) & ENABLE_BITS
  }

  private writeControl(port: number, size: number, value: number): void {
    // Align the access on the control register: bytes before it were for the event block.
    const shift = 8 * (PM1A_CONTROL_PORT - port)
    const aligned = shift >= 0 ? value >>> shift : value << -shift
    const offset = Math.max(0, port - PM1A_CONTROL_PORT)
    const width = Math.min(port + size, PM1A_CONTROL_PORT + 2) - Math.max(port, PM1A_CONTROL_PORT)
    const mask = (width === 2 ? 0xffff : 0xff) << (8 * offset)
    const written = (aligned & mask) | (this.control & ~mask & 0xffff)
    // SLP_EN is write-only and reads as zero.
    this.control = (written & ~SLP_EN) | SCI_EN
    if (written & SLP_EN) {
      this.powerOffRequests++
      this.options.onPowerOff?.((written & SLP_TYP_MASK) >> SLP_TYP_SHIFT)
    }
  }

  /** Drives the SCI from the enabled status bits and keeps a timer for the next carry while TMR_EN is set. */
  private update(): void {
    const level = (this.statusValue() & this.enable) !== 0
    if (level && !this.sciLevel) this.sciRaised++
    this.sciLevel = level
    this.options.sci?.setLevel(level)
    this.timerEvent?.cancel()
    this.timerEvent = null
    if ((this.enable & TMR_EN) && !(this.statusValue() & TMR_STS)) {
      const next = (this.timerCarries() + 1) * PM_TIMER_CARRY_TICKS
      this.timerEvent = this.options.clock.setTimer(nsForTicks(next, PM_TIMER_HZ), () => {
        this.timerEvent = null
        this.update()
      })
    }
  }

  statistics(): Record<string, unknown> {
    return {powerOffRequests: this.powerOffRequests, sciRaised: this.sciRaised}
  }

  saveState(): DeviceSavedState {
    return {
      version: SAVED_STATE_VERSION,
      control: this.control,
      status: this.status,
      enable: this.enable,
      timerCarryCleared: this.timerCarryCleared,
    }
  }

  restoreState(state: DeviceSavedState): void {
    const older = typeof state === 'object' && state !== null && state.version === SAVED_STATE_VERSION_WITHOUT_EVENTS
    const reader = SavedStateReader.open(state, this.name, older ? SAVED_STATE_VERSION_WITHOUT_EVENTS : SAVED_STATE_VERSION)
    const control = reader.integer('control', 0, 0xffff) | SCI_EN
    const status = older ? 0 : reader.integer('status', 0, 0xffff) & STATUS_BITS & ~TMR_STS
    const enable = older ? 0 : reader.integer('enable', 0, 0xffff) & ENABLE_BITS
    const carry = older ? this.timerCarries() : reader.integer('timerCarryCleared', 0, Number.MAX_SAFE_INTEGER)
    this.control = control
    this.status = status
    this.enable = enable
    this.timerCarryCleared = carry
    this.update()
  }
}

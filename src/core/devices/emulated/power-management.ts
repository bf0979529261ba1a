import type {DeviceSavedState, PortIoDevice, PortRange, VirtualClock} from '../device.js'
import {floatingBus} from '../port-access.js'
import {SavedStateReader} from '../saved-state.js'
import {ticksIn} from '../time-base.js'

const SAVED_STATE_VERSION = 1
/** The ACPI power-management timer's rate. */
export const PM_TIMER_HZ = 3_579_545
const PM_TIMER_MASK = 0xffffff

export const PM1A_CONTROL_PORT = 0x604
export const PM_TIMER_PORT = 0x608

const SCI_EN = 0x0001
const SLP_TYP_SHIFT = 10
const SLP_TYP_MASK = 0x7 << SLP_TYP_SHIFT
const SLP_EN = 0x2000

export interface PowerManagementOptions {
  clock: VirtualClock
  /** SLP_EN was written: the guest asked to enter sleep state `sleepType` (0 is soft-off here, as in QEMU's tables). */
  onPowerOff?: (sleepType: number) => void
}

/**
 * An ACPI-style power-management block at QEMU's addresses: the PM1a control
 * register at 0x604 and the 24-bit PM timer at 0x608. Writing SLP_EN turns the
 * machine off (`outw(0x604, 0x2000)` is the convention many small kernels use);
 * no sleep state other than soft-off is implemented, so every SLP_EN write
 * powers off, with the requested type reported. SCI_EN reads as set: the
 * machine is always in ACPI mode, there is no SMI handler to hand over from.
 */
export class PowerManagement implements PortIoDevice {
  readonly name = 'power-management'
  readonly portRanges: readonly PortRange[] = [
    {name: 'PM1a control', start: PM1A_CONTROL_PORT, length: 2},
    {name: 'PM timer', start: PM_TIMER_PORT, length: 4},
  ]

  private control = SCI_EN
  private powerOffRequests = 0

  constructor(private readonly options: PowerManagementOptions) {}

  reset(): void {
    this.control = SCI_EN
  }

  /** The timer counts from guest time zero and never stops. */
  timerValue(): number {
    return ticksIn(this.options.clock.nowNs(), PM_TIMER_HZ) & PM_TIMER_MASK
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
    } else {
      return floatingBus(size)
    }
    const shifted = offset ? value >>> (8 * offset) : value
    return size === 4 ? shifted >>> 0 : shifted & (size === 2 ? 0xffff : 0xff)
  }

  writePort(port: number, size: number, value: number): void {
    // Only the control register is writable; the timer ignores writes.
    if (port < PM1A_CONTROL_PORT || port >= PM1A_CONTROL_PORT + 2) return
    const offset = port - PM1A_CONTROL_PORT
    const width = Math.min(size, 2 - offset)
    const mask = (width === 2 ? 0xffff : 0xff) << (8 * offset)
    const written = ((value << (8 * offset)) & mask) | (this.control & ~mask & 0xffff)
    // SLP_EN is write-only and reads as zero.
    this.control = (written & ~SLP_EN) | SCI_EN
    if (written & SLP_EN) {
      this.powerOffRequests++
      this.options.onPowerOff?.((written & SLP_TYP_MASK) >> SLP_TYP_SHIFT)
    }
  }

  statistics(): Record<string, unknown> {
    return {powerOffRequests: this.powerOffRequests}
  }

  saveState(): DeviceSavedState {
    return {version: SAVED_STATE_VERSION, control: this.control}
  }

  restoreState(state: DeviceSavedState): void {
    const reader = SavedStateReader.open(state, this.name, SAVED_STATE_VERSION)
    this.control = reader.integer('control', 0, 0xffff) | SCI_EN
  }
}

import type {DeviceSavedState, PortIoDevice, PortRange} from '../device.js'
import {readBytewise, writeBytewise} from '../port-access.js'
import {SavedStateReader} from '../saved-state.js'

const SAVED_STATE_VERSION = 1
const FAST_RESET = 0x01
const FAST_A20 = 0x02

export interface SystemControlPortAOptions {
  /** Bit 0 written from 0 to 1: the fast (warm) reset. */
  onResetRequest?: () => void
  onA20Change?: (enabled: boolean) => void
  a20Enabled?: boolean
}

/**
 * System Control Port A at 0x92 (PS/2 and later chipsets): bit 1 gates A20
 * without the keyboard controller's slowness, and a rising bit 0 resets the
 * processor. The other bits are stored and read back.
 */
export class SystemControlPortA implements PortIoDevice {
  readonly name = 'port92'
  readonly portRanges: readonly PortRange[] = [{name: 'System control port A', start: 0x92, length: 1}]

  private value: number

  constructor(private readonly options: SystemControlPortAOptions = {}) {
    this.value = this.powerOnValue()
  }

  private powerOnValue(): number {
    return this.options.a20Enabled ? FAST_A20 : 0
  }

  get a20Enabled(): boolean {
    return (this.value & FAST_A20) !== 0
  }

  reset(): void {
    this.apply(this.powerOnValue(), false)
  }

  readPort(port: number, size: number): number {
    return readBytewise(port, size, (p) => (p === 0x92 ? this.value : 0xff))
  }

  writePort(port: number, size: number, value: number): void {
    writeBytewise(port, size, value, (p, byte) => {
      if (p === 0x92) this.apply(byte, true)
    })
  }

  private apply(value: number, fromGuest: boolean): void {
    const before = this.value
    // The reset bit reads back as written until the reset it triggers clears it.
    this.value = value
    if ((before ^ value) & FAST_A20) this.options.onA20Change?.((value & FAST_A20) !== 0)
    if (fromGuest && value & FAST_RESET && !(before & FAST_RESET)) this.options.onResetRequest?.()
  }

  saveState(): DeviceSavedState {
    return {version: SAVED_STATE_VERSION, value: this.value}
  }

  restoreState(state: DeviceSavedState): void {
    const reader = SavedStateReader.open(state, this.name, SAVED_STATE_VERSION)
    this.apply(reader.integer('value', 0, 0xff), false)
  }
}

import type {DeviceSavedState, PortIoDevice, PortRange} from '../device.js'
import {SavedStateReader} from '../saved-state.js'

const SAVED_STATE_VERSION = 1
/** Codes kept in the history; older ones are dropped. */
export const POST_CODE_HISTORY_LENGTH = 64

/**
 * The POST diagnostic port 0x80: firmware and kernels write progress codes
 * here (and Linux writes it as an I/O delay). The last code reads back, as on
 * a POST card's latch, and a bounded history is kept for the counters.
 */
export class PostCode implements PortIoDevice {
  readonly name = 'post-code'
  readonly portRanges: readonly PortRange[] = [{name: 'POST code', start: 0x80, length: 1}]

  private last = 0
  private written = 0
  private history: number[] = []

  reset(): void {
    // The latch keeps the last code across a reset: that is what makes it useful for diagnosing hangs.
  }

  get lastCode(): number {
    return this.last
  }

  get codes(): readonly number[] {
    return this.history
  }

  readPort(_port: number, size: number): number {
    // Wider reads see the byte latch on the low lane and a floating bus above.
    const floating = size === 1 ? 0 : size === 2 ? 0xff00 : 0xffffff00
    return (floating | this.last) >>> 0
  }

  writePort(_port: number, _size: number, value: number): void {
    // Only the port's own byte lane reaches the latch.
    this.last = value & 0xff
    this.written++
    this.history.push(this.last)
    if (this.history.length > POST_CODE_HISTORY_LENGTH) this.history.shift()
  }

  statistics(): Record<string, unknown> {
    return {lastPostCode: this.last, postCodesWritten: this.written, postCodeHistory: [...this.history]}
  }

  saveState(): DeviceSavedState {
    return {version: SAVED_STATE_VERSION, last: this.last, written: this.written, history: [...this.history]}
  }

  restoreState(state: DeviceSavedState): void {
    const reader = SavedStateReader.open(state, this.name, SAVED_STATE_VERSION)
    const last = reader.integer('last', 0, 0xff)
    const written = reader.integer('written', 0, Number.MAX_SAFE_INTEGER)
    const history = reader.integers('history', 0xff, null, POST_CODE_HISTORY_LENGTH)
    this.last = last
    this.written = written
    this.history = history
  }
}

import type {DeviceSavedState, PortIoDevice, PortRange} from '../device.js'
import {floatingBus} from '../port-access.js'
import {SavedStateReader} from '../saved-state.js'

const SAVED_STATE_VERSION = 1
export const DEBUG_EXIT_PORT = 0xf4

export interface DebugExitOptions {
  /**
   * The guest wrote `status` (masked to the access size): turn the VM off and
   * report it as the exit status. QEMU's isa-debug-exit makes its own process
   * exit with (status << 1) | 1; here the status is passed through unchanged.
   */
  onExit?: (status: number) => void
}

/**
 * The test-exit port at 0xF4, for CI harnesses: one write ends the run with
 * the written value as its result. Reads return all ones, as from an empty bus.
 */
export class DebugExit implements PortIoDevice {
  readonly name = 'debug-exit'
  readonly portRanges: readonly PortRange[] = [{name: 'Debug exit', start: DEBUG_EXIT_PORT, length: 1}]

  private lastStatus: number | null = null

  constructor(private readonly options: DebugExitOptions = {}) {}

  reset(): void {}

  /** The status of the last exit request, or null. */
  get exitStatus(): number | null {
    return this.lastStatus
  }

  readPort(_port: number, size: number): number {
    return floatingBus(size)
  }

  writePort(_port: number, size: number, value: number): void {
    const status = size === 4 ? value >>> 0 : value & (size === 2 ? 0xffff : 0xff)
    this.lastStatus = status
    this.options.onExit?.(status)
  }

  saveState(): DeviceSavedState {
    return {version: SAVED_STATE_VERSION}
  }

  restoreState(state: DeviceSavedState): void {
    SavedStateReader.open(state, this.name, SAVED_STATE_VERSION)
  }
}

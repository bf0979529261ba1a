/**
 * The contract every virtual device keeps with the virtual motherboard. A device
 * declares the port and MMIO ranges it decodes; the motherboard builds its maps
 * from those declarations and dispatches intercepted accesses to it. Devices
 * never throw on anything a guest does: any value at any port is legal input.
 * Throwing is reserved for host programming errors (a bad saved state, an
 * overlapping claim).
 */

/** A block of consecutive I/O ports a device decodes. */
export interface PortRange {
  /** What the ports are, for listings and errors ("PIC master", "COM1"). */
  readonly name: string
  readonly start: number
  readonly length: number
}

/** A block of guest-physical addresses a device decodes. */
export interface MmioRange {
  readonly name: string
  readonly start: number
  readonly length: number
}

/**
 * A device's state as a plain JSON-compatible object. `version` names the
 * layout, so that a later layout can refuse or migrate an older one.
 */
export interface DeviceSavedState {
  version: number
  [field: string]: unknown
}

export interface Device {
  /** Unique on a motherboard; keys the device's part of the machine's saved state. */
  readonly name: string
  /** Power-on / hardware reset state. */
  reset(): void
  saveState(): DeviceSavedState
  /** Throws a clear Error, changing nothing, for an unknown version or a malformed state. */
  restoreState(state: DeviceSavedState): void
  /** Device-specific statistics for `get-vm`-style reports. */
  statistics?(): Record<string, unknown>
}

export interface PortIoDevice extends Device {
  readonly portRanges: readonly PortRange[]
  /** `size` is 1, 2 or 4; the port is the first one of the access. */
  readPort(port: number, size: number): number
  writePort(port: number, size: number, value: number): void
}

export interface MmioDevice extends Device {
  readonly mmioRanges: readonly MmioRange[]
  readMmio(address: number, size: number): number
  writeMmio(address: number, size: number, value: number): void
}

export function isPortIoDevice(device: Device): device is PortIoDevice {
  return 'portRanges' in device
}

export function isMmioDevice(device: Device): device is MmioDevice {
  return 'mmioRanges' in device
}

/**
 * One interrupt request line as a device drives it. Level sources (a UART, the
 * RTC) hold the line with `setLevel`; edge sources (the PIT's output) `pulse` it,
 * which is a rising edge followed at once by the falling one.
 */
export interface IrqLine {
  setLevel(high: boolean): void
  pulse(): void
}

/** A line connected to nothing, for devices built without an interrupt. */
export const disconnectedIrqLine: IrqLine = {
  setLevel() {},
  pulse() {},
}

/** A scheduled timer; cancelling an already fired or cancelled timer does nothing. */
export interface TimerHandle {
  cancel(): void
}

/**
 * The VM's notion of time as devices see it. Deliberately abstract: the worker
 * supplies either host time or deterministic virtual time (advancing with
 * executed instructions, so that runs replay identically). Devices compute their
 * state from elapsed time when accessed and schedule a timer only for the next
 * event a guest can observe asynchronously (an interrupt).
 */
export interface VirtualClock {
  /** Monotonic guest time in nanoseconds. */
  nowNs(): number
  /** Run `callback` once guest time reaches `deadlineNs` (at once-ish if it already has). */
  setTimer(deadlineNs: number, callback: () => void): TimerHandle
}

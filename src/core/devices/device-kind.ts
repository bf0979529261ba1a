import type {Device, IrqLine, VirtualClock} from './device.js'

/**
 * A kind of device, declared in one place: its stable id, its configuration
 * (what the store keeps for one instance, checked by parseConfig), and how an
 * instance is built. The instance is a Device (device.ts): it declares the
 * ports and MMIO ranges it claims, and has reset, versioned saved state and
 * statistics. Plug-in VDevs are modules whose default export is a DeviceKind;
 * they are held to this contract and nothing else, so a plug-in needs no
 * import from hv.
 */
export interface DeviceKind<Config = unknown> {
  /** "vendor.name": what the store records, so a module that later exports another kind is noticed. */
  readonly id: string
  /** One line for listings and errors. */
  readonly description: string
  /**
   * Checks the JSON configuration the store keeps for one instance (an empty
   * object when none was given) and returns it in the form create() takes.
   * Throws an Error whose message names the bad field; hv reports it as an
   * invalid argument.
   */
  parseConfig(config: unknown): Config
  /** One instance on one motherboard, at its power-on state. */
  create(config: Config, context: DeviceContext): Device
}

/**
 * What a device may use of the machine, and no more: no VMMS, store or
 * command line, so the same kind runs in the worker and in a unit test.
 */
export interface DeviceContext {
  /** Guest time and timers (host or deterministic time, as the VM runs). */
  readonly clock: VirtualClock
  /** The ISA interrupt line `line` (0-15), as the board's own devices get theirs. */
  irq(line: number): IrqLine
  /** A line for the worker's log (the VM's worker.log), for what a user debugging the device wants to know. */
  log(message: string): void
}

/** "vendor.name": lower-case words of letters, digits and dashes, at least two, dot-separated. */
export const DEVICE_KIND_ID = /^[a-z0-9][a-z0-9-]*(\.[a-z0-9][a-z0-9-]*)+$/

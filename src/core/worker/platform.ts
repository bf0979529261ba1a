import type {VmRecord} from '../store/schema.js'
import type {MemoryLayout} from './boot/memory-layout.js'
import type {GuestClock} from './guest-clock.js'
import type {MachinePlatform, PlatformEvents} from './machine-platform.js'

/**
 * The machine's platform for the worker. Interim: COM1 output, the test-exit
 * port and the PM1a power-off register, until the emulated Gen1/Gen2 device
 * set and motherboard replace it.
 */
export function createMachinePlatform(_vm: VmRecord, _clock: GuestClock, _layout: MemoryLayout, events: PlatformEvents): MachinePlatform {
  return {
    interruptController: null,
    readPort: (port) => (port === 0x3fd ? 0x60 : 0xffffffff),
    writePort: (port, size, value) => {
      if (port === 0x3f8) events.consoleOutput(value & 0xff)
      else if (port === 0xf4) events.debugExit(value & (size === 1 ? 0xff : size === 2 ? 0xffff : 0xffffffff))
      else if (port === 0x604 && (value & 0x2000) !== 0) events.powerOff()
    },
    readMmio: () => 0xffffffff,
    writeMmio: () => {},
    sendConsoleInput: () => {},
    reset: () => {},
    saveState: () => ({}),
    restoreState: () => {},
    counters: () => ({}),
  }
}

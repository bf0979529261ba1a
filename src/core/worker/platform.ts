import type {GuestMemoryAccess} from '../devices/emulated/ide/index.js'
import {createGen1Platform, createGen2Platform, type PlatformOptions} from '../devices/platform.js'
import {createPluginDevice} from '../devices/plugins/index.js'
import type {VmRecord} from '../store/schema.js'
import type {AttachedDisks} from './attached-disks.js'
import {addressableRamBytes} from './boot/memory-layout.js'
import type {GuestClock} from './guest-clock.js'
import type {MachinePlatform, PlatformEvents} from './machine-platform.js'

/**
 * The VM's motherboard and devices, by generation: Generation 1 has the PC/AT
 * legacy set (PIC pair, PIT, CMOS/RTC, i8042, port 92), the PCI platform
 * (i440BX, PIIX4) and the IDE controller with the VM's IDE drives, beside the
 * COM ports, the power-management block, the POST port and the test-exit port;
 * Generation 2 keeps only the latter. Both take the VM's plug-in devices.
 */
export function createMachinePlatform(
  vm: VmRecord,
  clock: GuestClock,
  events: PlatformEvents,
  options: {
    a20Enabled: boolean
    disks: AttachedDisks
    /** Guest RAM for the IDE controller's bus-master DMA; without it the IDE devices are PIO-only. */
    guestMemory?: GuestMemoryAccess
  },
): MachinePlatform {
  const platformOptions: PlatformOptions = {
    // The CMOS reports the RAM the guest can address, as the memory map does.
    memoryBytes: addressableRamBytes(vm.memory.startup, vm.settings.lowMemoryMappedIoSpace),
    clock,
    com1Output: (byte) => events.serialOutput(1, byte),
    com2Output: (byte) => events.serialOutput(2, byte),
    onPowerOff: () => events.powerOff(),
    onExit: (status) => events.debugExit(status),
    onResetRequest: () => events.resetRequest(),
    onA20Change: (enabled) => events.a20Change(enabled),
    onIgnneChange: (asserted) => events.ignneChange?.(asserted),
    a20Enabled: options.a20Enabled,
    onInterruptRequest: () => events.interruptRaised(),
    onApicInterrupt: (delivery) => events.apicInterrupt?.(delivery),
    // IDE controller n, location m is the PIIX4's channel n, master or slave m.
    ideDrives: options.disks.on('IDE').map(({drive, medium}) => ({
      channel: drive.controllerNumber,
      position: drive.controllerLocation,
      kind: drive.kind,
      medium,
    })),
    guestMemory: options.guestMemory,
    // Plug-in VDevs after the board's own devices; their log lines go to the worker's log (its stderr).
    extraDevices: (irq) =>
      (vm.pluginDevices ?? []).map((spec) =>
        createPluginDevice(spec, {clock, irq, log: (message) => process.stderr.write(`${new Date().toISOString()} ${message}\n`)}),
      ),
  }
  return vm.generation === 1 ? createGen1Platform(platformOptions) : createGen2Platform(platformOptions)
}

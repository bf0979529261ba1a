import type {InterruptController} from '../cpu/api.js'
import type {Device, DeviceSavedState, IrqLine, VirtualClock} from './device.js'
import {A20Gate} from './emulated/a20-gate.js'
import {CmosRtc} from './emulated/cmos-rtc.js'
import {COPROCESSOR_ERROR_IRQ, CoprocessorError} from './emulated/coprocessor-error.js'
import {DebugExit} from './emulated/debug-exit.js'
import {I8042} from './emulated/i8042.js'
import {IoApic, type IoApicDelivery} from './emulated/io-apic.js'
import {PcIoApicWiring} from './emulated/io-apic-isa-wiring.js'
import {PicPair} from './emulated/pic.js'
import {Pit} from './emulated/pit.js'
import {type GuestMemoryAccess, IdeController, type IdeDriveConfig} from './emulated/ide/index.js'
import {PM1A_EVENT_PORT, PM_SCI_IRQ, PowerManagement} from './emulated/power-management.js'
import {PostCode} from './emulated/post-code.js'
import {SystemControlPortA} from './emulated/system-control-port-a.js'
import {Uart16550} from './emulated/uart16550.js'
import {IsaInterruptLines} from './isa-interrupt-lines.js'
import {Motherboard, type MotherboardSavedState} from './motherboard.js'
import {
  DEFAULT_BUS_MASTER_BASE,
  I440bxHostBridge,
  PciConfigBus,
  Piix4Ide,
  Piix4IsaBridge,
  Piix4PowerManagement,
} from './pci/index.js'

/*
 * How a VM worker drives a platform: intercept all port I/O and MMIO holes and
 * pass each exit to readPort/writePort (readMmio/writeMmio), completing the
 * instruction with the value returned; give the processor's local APIC
 * `interruptController` as its ExtINT (LINT0) source (the PIC on Generation 1,
 * null on Generation 2, whose I/O APIC sends through `onApicInterrupt` and
 * hears EOIs through `endOfInterrupt`); run the clock's due timers
 * between slices; send console input with `sendConsoleInput`; and turn the
 * callbacks (power off, exit status, reset request) into VM state changes.
 */

/** The PC's standard COM port resources. */
export const COM1 = {basePort: 0x3f8, irq: 4} as const
export const COM2 = {basePort: 0x2f8, irq: 3} as const

export interface PlatformOptions {
  /** Guest RAM size, for the CMOS memory-size bytes. */
  memoryBytes: number
  clock: VirtualClock
  /** The host's wall clock at power-on; the RTC keeps its own time from there. Defaults to now. */
  powerOnTime?: Date
  /** Bytes the guest transmits on COM1 / COM2. */
  com1Output?: (byte: number) => void
  com2Output?: (byte: number) => void
  /** ACPI power off (PM1a SLP_EN). */
  onPowerOff?: (sleepType: number) => void
  /** The test-exit port was written. */
  onExit?: (status: number) => void
  /** The i8042 or port 0x92 asked for a processor reset. */
  onResetRequest?: () => void
  /** The combined A20 gate changed. */
  onA20Change?: (enabled: boolean) => void
  /** A20 at power-on (off on real boards; a loader handing over with A20 on passes true). */
  a20Enabled?: boolean
  /** The PIC pair's INT output rose: a halted processor has work. */
  onInterruptRequest?: () => void
  /** Reported in the CMOS equipment byte (default true: the processor has its x87). */
  mathCoprocessor?: boolean
  /** Generation 1: drive the processor's IGNNE# input (port 0xF0 after an x87 error). */
  onIgnneChange?: (asserted: boolean) => void
  /** The I/O APIC sends an interrupt to the local APICs. */
  onApicInterrupt?: (delivery: IoApicDelivery) => void
  /**
   * Generation 1's IDE drives: controller number n, location m is channel n,
   * master (0) or slave (1). Generation 2 has no IDE and ignores them.
   */
  ideDrives?: readonly IdeDriveConfig[]
  /**
   * Guest RAM for Generation 1's IDE bus-master DMA (writes must keep the
   * processor's decoded code coherent). Without it the IDE devices offer
   * PIO only.
   */
  guestMemory?: GuestMemoryAccess
  /**
   * Devices beyond the board's own (plug-in VDevs), built once the ISA lines
   * exist and placed after the board's devices: a clash of claims is the
   * Motherboard's error, naming both devices.
   */
  extraDevices?: (irq: (line: number) => IrqLine) => readonly Device[]
}

/** Devices every generation has. */
interface CommonDevices {
  com1: Uart16550
  com2: Uart16550
  powerManagement: PowerManagement
  postCode: PostCode
  debugExit: DebugExit
}

/** Generation 1's legacy devices. */
interface LegacyDevices {
  pic: PicPair
  pit: Pit
  rtc: CmosRtc
  i8042: I8042
  port92: SystemControlPortA
  a20: A20Gate
  coprocessorError: CoprocessorError
}

/**
 * A built machine: the motherboard and handles on its devices, with the
 * operations the VM worker needs (port and MMIO dispatch, the processor's
 * interrupt source, console input, reset, saved state and counters).
 */
export class Platform {
  constructor(
    readonly generation: 1 | 2,
    readonly motherboard: Motherboard,
    readonly common: CommonDevices,
    /** Null on Generation 2. */
    readonly legacy: LegacyDevices | null,
    readonly ioApic: IoApic,
    /** Generation 1's PCI configuration space (i440BX + PIIX4) and IDE controller; null on Generation 2. */
    readonly pci: PciConfigBus | null = null,
    readonly ide: IdeController | null = null,
    /** Power-on states of devices older saved states may lack, by device name. */
    private readonly addedDevices: Record<string, DeviceSavedState> = {},
  ) {}

  /** The processor's FERR# output changed (Generation 1 routes it to IRQ 13; Generation 2 has no such wiring). */
  fpuErrorChanged(asserted: boolean): void {
    this.legacy?.coprocessorError.ferrChanged(asserted)
  }

  /** The local APICs' EOI of a level-triggered vector, broadcast to the I/O APIC. */
  endOfInterrupt(vector: number): void {
    this.ioApic.endOfInterrupt(vector)
  }

  get interruptController(): InterruptController | null {
    return this.motherboard.interruptController
  }

  readPort(port: number, size: number): number {
    return this.motherboard.readPort(port, size)
  }

  writePort(port: number, size: number, value: number): void {
    this.motherboard.writePort(port, size, value)
  }

  readMmio(gpa: number, size: number): number {
    return this.motherboard.readMmio(gpa, size)
  }

  writeMmio(gpa: number, size: number, value: number): void {
    this.motherboard.writeMmio(gpa, size, value)
  }

  /** Bytes typed at the console reach the guest through COM1. */
  sendConsoleInput(bytes: Uint8Array): void {
    this.sendSerialInput(1, bytes)
  }

  /** Bytes arriving on the line of COM1 or COM2, from whatever the port is connected to. */
  sendSerialInput(number: 1 | 2, bytes: Uint8Array): void {
    ;(number === 1 ? this.common.com1 : this.common.com2).receive(bytes)
  }

  reset(): void {
    this.motherboard.reset()
  }

  saveState(): MotherboardSavedState {
    return this.motherboard.saveState()
  }

  restoreState(state: unknown): void {
    this.motherboard.restoreState(withDevicesOfOlderStates(withIoApicOfOlderStates(state, this.ioApic), this.addedDevices))
  }

  counters(): Record<string, unknown> {
    return this.motherboard.counters()
  }
}

function createCommonDevices(options: PlatformOptions, irqLines: IsaInterruptLines): CommonDevices {
  return {
    com1: new Uart16550({
      name: 'COM1',
      basePort: COM1.basePort,
      irq: irqLines.line(COM1.irq),
      clock: options.clock,
      onTransmit: options.com1Output,
    }),
    com2: new Uart16550({
      name: 'COM2',
      basePort: COM2.basePort,
      irq: irqLines.line(COM2.irq),
      clock: options.clock,
      onTransmit: options.com2Output,
    }),
    powerManagement: new PowerManagement({clock: options.clock, onPowerOff: options.onPowerOff, sci: irqLines.line(PM_SCI_IRQ)}),
    postCode: new PostCode(),
    debugExit: new DebugExit({onExit: options.onExit}),
  }
}

function extraDevices(options: PlatformOptions, irqLines: IsaInterruptLines): readonly Device[] {
  return options.extraDevices?.((line) => irqLines.line(line)) ?? []
}

function commonDeviceList(common: CommonDevices): Device[] {
  return [common.com1, common.com2, common.powerManagement, common.postCode, common.debugExit]
}

/**
 * Generation 1 machines were saved without an I/O APIC before they had one;
 * such a state restores with it at power-on (all pins masked), which is what
 * the guest had: an I/O APIC it never programmed.
 */
function withIoApicOfOlderStates(state: unknown, ioApic: IoApic): unknown {
  if (typeof state !== 'object' || state === null) return state
  const devices = (state as {devices?: unknown}).devices
  if (typeof devices !== 'object' || devices === null || Array.isArray(devices) || ioApic.name in devices) return state
  const reset = new IoApic()
  return {...state, devices: {[ioApic.name]: reset.saveState(), ...devices}}
}

/**
 * Machines saved before the board had a device (Generation 1's PCI
 * configuration space and IDE controller) restore with it at power-on: the
 * guest never saw it, so its power-on state is what it had.
 */
function withDevicesOfOlderStates(state: unknown, added: Record<string, DeviceSavedState>): unknown {
  if (typeof state !== 'object' || state === null) return state
  const devices = (state as {devices?: unknown}).devices
  if (typeof devices !== 'object' || devices === null || Array.isArray(devices)) return state
  const missing = Object.keys(added).filter((name) => !(name in devices))
  if (missing.length === 0) return state
  return {...state, devices: {...Object.fromEntries(missing.map((name) => [name, added[name]!])), ...devices}}
}

/**
 * A Generation 1 (BIOS, PC/AT-compatible) machine's motherboard and devices:
 * the 8259 pair and, as on Hyper-V's Generation 1 board, an I/O APIC beside
 * it on the same ISA lines (IRQ0 on pin 2), which the OS uses once it leaves
 * PIC mode.
 */
export function createGen1Platform(options: PlatformOptions): Platform {
  const pic = new PicPair({onInterruptRequest: options.onInterruptRequest})
  const ioApic = new IoApic({deliver: options.onApicInterrupt})
  const irqLines = new IsaInterruptLines([pic, new PcIoApicWiring(ioApic)])
  const a20 = new A20Gate(options.onA20Change)
  const a20Enabled = options.a20Enabled ?? false
  a20.set('i8042', a20Enabled)
  a20.set('port92', false)
  const legacy: LegacyDevices = {
    pic,
    pit: new Pit(options.clock, irqLines.line(0)),
    rtc: new CmosRtc({clock: options.clock, irq: irqLines.line(8), powerOnTime: options.powerOnTime ?? new Date()}),
    i8042: new I8042({
      irq1: irqLines.line(1),
      irq12: irqLines.line(12),
      onResetRequest: options.onResetRequest,
      onA20Change: (enabled) => a20.set('i8042', enabled),
      a20Enabled,
    }),
    port92: new SystemControlPortA({
      onResetRequest: options.onResetRequest,
      onA20Change: (enabled) => a20.set('port92', enabled),
    }),
    a20,
    coprocessorError: new CoprocessorError({
      irq: irqLines.line(COPROCESSOR_ERROR_IRQ),
      setIgnne: (asserted) => options.onIgnneChange?.(asserted),
    }),
  }
  legacy.rtc.setStandardContents({memoryBytes: options.memoryBytes, mathCoprocessor: options.mathCoprocessor ?? true})
  const common = createCommonDevices(options, irqLines)
  const {pci, ide} = createGen1PciDevices(options, irqLines)
  const motherboard = new Motherboard({
    // The interrupt controllers first: see MotherboardOptions.devices.
    devices: [
      pic,
      ioApic,
      legacy.pit,
      legacy.rtc,
      legacy.i8042,
      legacy.port92,
      legacy.coprocessorError,
      ...commonDeviceList(common),
      pci,
      ide,
      ...extraDevices(options, irqLines),
    ],
    irqLines,
    interruptController: pic,
  })
  const added = {[pci.name]: pci.saveState(), [ide.name]: ide.saveState()}
  return new Platform(1, motherboard, common, legacy, ioApic, pci, ide, added)
}

/**
 * Hyper-V's Generation 1 PCI platform: an i440BX host bridge at 00:00.0 and
 * a PIIX4 at device 7 (ISA bridge, IDE, power management), reached through
 * configuration mechanism #1; and the PIIX4's IDE controller in legacy mode
 * with the VM's IDE drives. The PM function reports the ACPI register block
 * the FADT names and power-management.ts decodes.
 */
function createGen1PciDevices(options: PlatformOptions, irqLines: IsaInterruptLines): {pci: PciConfigBus; ide: IdeController} {
  const piix4Ide = new Piix4Ide()
  const pci = new PciConfigBus({
    functions: [
      new I440bxHostBridge(),
      new Piix4IsaBridge(),
      piix4Ide,
      new Piix4PowerManagement({pmBase: PM1A_EVENT_PORT, sciIrq: PM_SCI_IRQ}),
    ],
    onResetRequest: options.onResetRequest,
  })
  const ide = new IdeController({
    drives: options.ideDrives ?? [],
    irqs: [irqLines.line(14), irqLines.line(15)],
    channelDecodes: (channel) => piix4Ide.channelDecodes(channel),
    // The bus-master block decodes where BAR4 starts out; a guest that moves BAR4 moves it off the claimed ports.
    busMaster: {base: DEFAULT_BUS_MASTER_BASE, decodes: () => piix4Ide.busMasterBase() === DEFAULT_BUS_MASTER_BASE},
    memory: options.guestMemory,
  })
  return {pci, ide}
}

/**
 * A Generation 2 (UEFI) machine: no PIC, PIT, RTC ports, keyboard controller
 * or port 0x92; the COM ports, the power-management block, the POST port, the
 * test-exit port, and an I/O APIC at 0xFEC00000 on the ISA lines (line n to
 * pin n) that sends to the local APICs through `onApicInterrupt`.
 */
export function createGen2Platform(options: PlatformOptions): Platform {
  const irqLines = new IsaInterruptLines()
  const ioApic = new IoApic({deliver: options.onApicInterrupt})
  irqLines.connect(ioApic)
  const common = createCommonDevices(options, irqLines)
  // The I/O APIC first: see MotherboardOptions.devices.
  const motherboard = new Motherboard({
    devices: [ioApic, ...commonDeviceList(common), ...extraDevices(options, irqLines)],
    irqLines,
    interruptController: null,
  })
  return new Platform(2, motherboard, common, null, ioApic)
}

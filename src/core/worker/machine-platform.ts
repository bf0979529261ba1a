import type {InterruptController} from '../cpu/api.js'
import type {IoApicDelivery} from '../devices/emulated/io-apic.js'

/**
 * What the worker needs of the virtual motherboard and its devices: the port
 * I/O and MMIO the root emulates for intercepts, the interrupt source the
 * processor takes interrupts from, console input, and saved state.
 */
export interface MachinePlatform {
  readPort(port: number, size: number): number
  writePort(port: number, size: number, value: number): void
  readMmio(gpa: number, size: number): number
  writeMmio(gpa: number, size: number, value: number): void
  /** The legacy INTR source (the PIC pair), attached to the local APIC's LINT0; null on Generation 2. */
  readonly interruptController: InterruptController | null
  /** The processor's FERR# output changed. */
  fpuErrorChanged?(asserted: boolean): void
  /** A local APIC ended a level-triggered vector: the I/O APIC (Generation 2) clears its remote IRR. */
  endOfInterrupt?(vector: number): void
  /** Bytes arriving on COM1's or COM2's line (the console, a socket client). */
  sendSerialInput(number: 1 | 2, bytes: Uint8Array): void
  reset(): void
  saveState(): unknown
  restoreState(state: unknown): void
  counters(): Record<string, unknown>
}

/** What the devices report to the worker. */
export interface PlatformEvents {
  /** A byte the guest transmitted on COM1 or COM2. */
  serialOutput(number: 1 | 2, byte: number): void
  /** ACPI-style power off (PM1a SLP_EN). */
  powerOff(): void
  /** The test-exit port: power off with this exit status. */
  debugExit(status: number): void
  /** i8042 or port 0x92 reset line. */
  resetRequest(): void
  /** An interrupt line went active: a halted processor may have work. */
  interruptRaised(): void
  /** The A20 gate (i8042 output port, port 0x92) changed. */
  a20Change(enabled: boolean): void
  /** The chipset drives the processor's IGNNE# (x87 errors with CR0.NE = 0). */
  ignneChange?(asserted: boolean): void
  /** Generation 2's I/O APIC sends an interrupt to the local APICs. */
  apicInterrupt?(delivery: IoApicDelivery): void
}

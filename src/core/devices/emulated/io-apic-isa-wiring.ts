import type {InterruptRouter} from '../interrupt-router.js'

/** The I/O APIC input a PC wires the PIT's IRQ0 to (the ACPI tables say so with an override). */
export const PC_TIMER_IO_APIC_PIN = 2
/** ISA IRQ 2 is the 8259 cascade: no device drives it, and its I/O APIC pin carries IRQ0. */
const CASCADE_IRQ = 2

/**
 * How a PC/AT-compatible board (Generation 1) connects the ISA interrupt lines
 * to its I/O APIC beside the 8259 pair: line n to pin n, except IRQ0 (the PIT),
 * which goes to pin 2, where the cascade would be. Generation 2 has no PIT and
 * connects the lines one to one.
 */
export class PcIoApicWiring implements InterruptRouter {
  constructor(private readonly ioApic: InterruptRouter) {}

  static pinOf(irq: number): number {
    if (irq === 0) return PC_TIMER_IO_APIC_PIN
    return irq === CASCADE_IRQ ? -1 : irq
  }

  setIrqLevel(irq: number, high: boolean): void {
    const pin = PcIoApicWiring.pinOf(irq)
    if (pin >= 0) this.ioApic.setIrqLevel(pin, high)
  }

  pulseIrq(irq: number): void {
    const pin = PcIoApicWiring.pinOf(irq)
    if (pin >= 0) this.ioApic.pulseIrq(pin)
  }
}

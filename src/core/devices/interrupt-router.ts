/**
 * Where the motherboard sends the 16 ISA interrupt lines. Generation 1 routes
 * them to the 8259 pair; an I/O APIC (or a Generation 2 machine's APIC
 * interrupt fabric) implements the same interface, and the motherboard can fan
 * a line out to several routers.
 */
export interface InterruptRouter {
  setIrqLevel(irq: number, high: boolean): void
  pulseIrq(irq: number): void
}

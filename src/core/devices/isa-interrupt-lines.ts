import type {IrqLine} from './device.js'
import type {InterruptRouter} from './interrupt-router.js'

export const ISA_IRQ_COUNT = 16

/**
 * The motherboard's 16 ISA interrupt lines. Devices drive a line; the lines
 * forward every change to the interrupt routers connected (the PIC pair on
 * Generation 1; an I/O APIC can be added beside it), and count each rising
 * edge as one raised interrupt.
 */
export class IsaInterruptLines {
  private readonly routers: InterruptRouter[] = []
  private readonly levels = new Uint8Array(ISA_IRQ_COUNT)
  /** Rising edges (and pulses) per line. */
  readonly raised = new Float64Array(ISA_IRQ_COUNT)
  private readonly lines: IrqLine[]

  constructor(routers: InterruptRouter[] = []) {
    this.routers.push(...routers)
    this.lines = Array.from({length: ISA_IRQ_COUNT}, (_, irq) => this.makeLine(irq))
  }

  /** Adds a router (an I/O APIC, say); it receives every later change. */
  connect(router: InterruptRouter): void {
    this.routers.push(router)
  }

  line(irq: number): IrqLine {
    const line = this.lines[irq]
    if (!line) throw new Error(`There is no ISA interrupt line ${irq} (lines are 0-${ISA_IRQ_COUNT - 1})`)
    return line
  }

  level(irq: number): boolean {
    return this.levels[irq] === 1
  }

  private makeLine(irq: number): IrqLine {
    return {
      setLevel: (high: boolean) => {
        if (high && !this.levels[irq]) this.raised[irq]!++
        this.levels[irq] = high ? 1 : 0
        for (const router of this.routers) router.setIrqLevel(irq, high)
      },
      pulse: () => {
        this.raised[irq]!++
        for (const router of this.routers) router.pulseIrq(irq)
      },
    }
  }
}

import type {DeviceSavedState, IrqLine, PortIoDevice, PortRange} from '../device.js'
import {floatingBus} from '../port-access.js'
import {SavedStateReader} from '../saved-state.js'

const SAVED_STATE_VERSION = 1
export const COPROCESSOR_ERROR_IRQ = 13

export interface CoprocessorErrorOptions {
  /** IRQ 13. */
  irq: IrqLine
  /** The processor's IGNNE# input. */
  setIgnne: (asserted: boolean) => void
}

/**
 * PC/AT-compatible x87 error reporting, the chipset logic between the
 * processor's FERR# output, IRQ 13 and its IGNNE# input, for operating
 * systems that run with CR0.NE = 0 (DOS and its heirs):
 *
 * - FERR# asserted (a waiting x87 instruction met a pending unmasked
 *   exception; the processor freezes before it) raises IRQ 13;
 * - the IRQ 13 handler writes port 0xF0: IRQ 13 drops and IGNNE# is asserted,
 *   so the instruction can run when the handler returns even if the handler
 *   left the exception pending;
 * - FERR# inactive again (FNCLEX, FNINIT, FRSTOR...) drops IRQ 13 and IGNNE#.
 *
 * Port 0xF1 (the 287's reset on the AT) is claimed and ignored.
 */
export class CoprocessorError implements PortIoDevice {
  readonly name = 'coprocessor-error'
  readonly portRanges: readonly PortRange[] = [{name: 'Coprocessor error', start: 0xf0, length: 2}]

  private ferr = false
  private ignne = false
  private irqHigh = false
  private errors = 0

  constructor(private readonly options: CoprocessorErrorOptions) {}

  reset(): void {
    this.ferr = false
    this.setIrq(false)
    this.setIgnne(false)
  }

  /** The processor's FERR# changed. */
  ferrChanged(asserted: boolean): void {
    this.ferr = asserted
    if (asserted) {
      this.errors++
      if (!this.ignne) this.setIrq(true)
    } else {
      this.setIrq(false)
      this.setIgnne(false)
    }
  }

  readPort(_port: number, size: number): number {
    return floatingBus(size)
  }

  writePort(port: number): void {
    if (port !== 0xf0) return
    this.setIrq(false)
    if (this.ferr) this.setIgnne(true)
  }

  private setIrq(high: boolean): void {
    if (high === this.irqHigh) return
    this.irqHigh = high
    this.options.irq.setLevel(high)
  }

  private setIgnne(asserted: boolean): void {
    if (asserted === this.ignne) return
    this.ignne = asserted
    this.options.setIgnne(asserted)
  }

  statistics(): Record<string, unknown> {
    return {coprocessorErrors: this.errors}
  }

  saveState(): DeviceSavedState {
    return {version: SAVED_STATE_VERSION, ferr: this.ferr, ignne: this.ignne, irqHigh: this.irqHigh, errors: this.errors}
  }

  /** The processor restores its own IGNNE# input from its saved state; only the latch is restored here. */
  restoreState(state: DeviceSavedState): void {
    const reader = SavedStateReader.open(state, this.name, SAVED_STATE_VERSION)
    const ferr = reader.boolean('ferr')
    const ignne = reader.boolean('ignne')
    const irqHigh = reader.boolean('irqHigh')
    const errors = reader.integer('errors', 0, Number.MAX_SAFE_INTEGER)
    this.ferr = ferr
    this.ignne = ignne
    this.errors = errors
    // Drive the line to its saved level: the PIC, restored first, already knows it, so this is no new edge.
    this.irqHigh = irqHigh
    this.options.irq.setLevel(irqHigh)
  }
}

/**
 * The A20 gate as the chipset forms it: address line 20 is enabled when either
 * source enables it, the keyboard controller's output port bit 1 or the fast
 * A20 bit of port 0x92. The owner hears only changes of the combined line.
 */
export type A20Source = 'i8042' | 'port92'

export class A20Gate {
  private readonly sources = new Map<A20Source, boolean>()
  private combined: boolean

  constructor(private readonly onChange: (enabled: boolean) => void = () => {}) {
    this.combined = false
  }

  get enabled(): boolean {
    return this.combined
  }

  set(source: A20Source, enabled: boolean): void {
    this.sources.set(source, enabled)
    const combined = [...this.sources.values()].some(Boolean)
    if (combined !== this.combined) {
      this.combined = combined
      this.onChange(combined)
    }
  }
}

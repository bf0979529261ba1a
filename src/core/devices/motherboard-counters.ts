/** Per-port access counts kept by the motherboard, and their report form. */
export class PortCounters {
  readonly reads = new Map<number, number>()
  readonly writes = new Map<number, number>()
  readonly unclaimedReads = new Map<number, number>()
  readonly unclaimedWrites = new Map<number, number>()

  countRead(port: number, claimed: boolean): void {
    const map = claimed ? this.reads : this.unclaimedReads
    map.set(port, (map.get(port) ?? 0) + 1)
  }

  countWrite(port: number, claimed: boolean): void {
    const map = claimed ? this.writes : this.unclaimedWrites
    map.set(port, (map.get(port) ?? 0) + 1)
  }

  clear(): void {
    this.reads.clear()
    this.writes.clear()
    this.unclaimedReads.clear()
    this.unclaimedWrites.clear()
  }

  /** Plain object form with ports as 0x-prefixed hex keys, sorted. */
  snapshot(): Record<'reads' | 'writes' | 'unclaimedReads' | 'unclaimedWrites', Record<string, number>> {
    const hex = (map: Map<number, number>) =>
      Object.fromEntries(
        [...map].sort(([a], [b]) => a - b).map(([port, count]) => [`0x${port.toString(16).padStart(4, '0')}`, count]),
      )
    return {
      reads: hex(this.reads),
      writes: hex(this.writes),
      unclaimedReads: hex(this.unclaimedReads),
      unclaimedWrites: hex(this.unclaimedWrites),
    }
  }
}

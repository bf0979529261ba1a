import {ExitReason} from '../cpu/api.js'

const EXIT_REASON_COUNT = 12

/** What a VP has done, for `get-vm` statistics and benchmarks: exits, hypercalls and intercept messages. */
export class VpCounters {
  readonly exits = new Float64Array(EXIT_REASON_COUNT)
  readonly hypercalls = new Map<number, number>()
  readonly messages = new Map<number, number>()

  countExit(reason: ExitReason): void {
    this.exits[reason]++
  }

  countHypercall(code: number): void {
    this.hypercalls.set(code, (this.hypercalls.get(code) ?? 0) + 1)
  }

  countMessage(type: number): void {
    // Message types have the high bit set: as keys they would be heap numbers,
    // hashed and boxed on every intercept. The low 31 bits are small integers.
    const key = type & 0x7fffffff
    this.messages.set(key, (this.messages.get(key) ?? 0) + 1)
  }

  /** Plain object form, with exit reasons by name. */
  snapshot(): {exits: Record<string, number>; hypercalls: Record<string, number>; messages: Record<string, number>} {
    const exits: Record<string, number> = {}
    this.exits.forEach((count, reason) => {
      if (count) exits[ExitReason[reason] ?? String(reason)] = count
    })
    const hex = (map: Map<number, number>, highBit: number) =>
      Object.fromEntries([...map].map(([key, count]) => [`0x${((key | highBit) >>> 0).toString(16).padStart(4, '0')}`, count]))
    return {exits, hypercalls: hex(this.hypercalls, 0), messages: hex(this.messages, 0x80000000)}
  }
}

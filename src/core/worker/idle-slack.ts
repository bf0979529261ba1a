/**
 * Idle coalescing, in Host time mode. A halted guest whose last wake-ups did
 * nothing but take timer interrupts (no console output, no port I/O beyond
 * acknowledging the interrupt controller) is idle, and its next timer wake-up
 * may come late by a slack that doubles with every quiet wake-up, from the
 * first to the most. The interrupts that fell due meanwhile are then delivered
 * one after another: each arrives, with its count right, but late. It is the
 * host's wake-ups that are saved, which is what makes idle VMs cheap (each
 * costs the host far more than the guest's few instructions). Anything else
 * the guest does ends the slack at once, so a guest that polls a device
 * between short sleeps keeps its timer precision; input and control requests
 * wake the VM at once.
 */
export class IdleSlack {
  static readonly FIRST_MS = 10
  static readonly MOST_MS = 250
  /** Ports an idle guest's timer interrupt touches: the PICs' command ports (EOI). */
  private static readonly QUIET_PORTS = new Set([0x20, 0xa0])

  private active = true
  private slackMs = 0

  /** The guest did something beyond taking a timer interrupt (console output, input arrived). */
  noteActivity(): void {
    this.active = true
  }

  /** An intercepted port access: activity unless it only acknowledged an interrupt. */
  notePortAccess(port: number): void {
    if (!IdleSlack.QUIET_PORTS.has(port)) this.active = true
  }

  /**
   * The loop is going to sleep until a timer `untilDeadlineMs` away: how long
   * to sleep, given what the guest did since the last time.
   */
  sleepMs(untilDeadlineMs: number): number {
    this.slackMs = this.active ? 0 : Math.min(IdleSlack.MOST_MS, Math.max(IdleSlack.FIRST_MS, this.slackMs * 2))
    this.active = false
    return Math.max(untilDeadlineMs, this.slackMs)
  }
}

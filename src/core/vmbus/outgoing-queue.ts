/**
 * Channel messages from the host to the guest. HvPostMessage into the
 * guest's SynIC can refuse with INSUFFICIENT_BUFFERS when the SINT's message
 * slot and its queue are full (the guest has not EOM'd yet); those messages
 * wait here, in order, and go out when the owner calls `pump()` (on the
 * guest's EOM, and periodically as a safety net). Once anything is queued,
 * later messages queue behind it so the guest sees them in order.
 */
import {HV_STATUS} from '../hypervisor/hvdef.js'
import {LIMITS, VMBUS_MESSAGE_TYPE} from './constants.js'
import type {VmbusPartitionLink} from './partition-link.js'

export interface QueuedMessage {
  vp: number
  sint: number
  payload: Uint8Array
}

export interface OutgoingCounters {
  /** Messages the SynIC accepted, by channel message type. */
  sent: Record<number, number>
  /** Times a post was refused with INSUFFICIENT_BUFFERS (each retry counts). */
  deferred: number
  /** Messages given up: queue overflow, or a SynIC that refuses for good (disabled, bad VP). */
  dropped: number
  lastDropReason: string | null
}

export class OutgoingQueue {
  private queue: QueuedMessage[] = []
  readonly counters: OutgoingCounters = {sent: {}, deferred: 0, dropped: 0, lastDropReason: null}

  constructor(private readonly link: VmbusPartitionLink) {}

  get length(): number {
    return this.queue.length
  }

  post(vp: number, sint: number, payload: Uint8Array): void {
    if (this.queue.length > 0) {
      this.enqueue({vp, sint, payload})
      this.pump()
      return
    }
    if (this.tryPost({vp, sint, payload}) === 'retry') this.enqueue({vp, sint, payload})
  }

  /** Post what the SynIC will take now, in order. Returns how many are still waiting. */
  pump(): number {
    while (this.queue.length > 0) {
      if (this.tryPost(this.queue[0]) === 'retry') break
      this.queue.shift()
    }
    return this.queue.length
  }

  clear(): void {
    this.queue = []
  }

  save(): Array<{vp: number; sint: number; payload: string}> {
    return this.queue.map((m) => ({vp: m.vp, sint: m.sint, payload: Buffer.from(m.payload).toString('base64')}))
  }

  restore(saved: Array<{vp: number; sint: number; payload: string}>): void {
    this.queue = saved.map((m) => ({vp: m.vp, sint: m.sint, payload: new Uint8Array(Buffer.from(m.payload, 'base64'))}))
  }

  private enqueue(message: QueuedMessage): void {
    if (this.queue.length >= LIMITS.MAX_QUEUED_MESSAGES) {
      this.counters.dropped++
      this.counters.lastDropReason = `more than ${LIMITS.MAX_QUEUED_MESSAGES} messages waiting for the guest`
      return
    }
    this.queue.push(message)
  }

  private tryPost(message: QueuedMessage): 'done' | 'retry' {
    const status = this.link.postMessage(message.vp, message.sint, VMBUS_MESSAGE_TYPE, message.payload)
    if (status === HV_STATUS.SUCCESS) {
      const type = message.payload.length >= 4 ? new DataView(message.payload.buffer, message.payload.byteOffset).getUint32(0, true) : -1
      this.counters.sent[type] = (this.counters.sent[type] ?? 0) + 1
      return 'done'
    }
    if (status === HV_STATUS.INSUFFICIENT_BUFFERS) {
      this.counters.deferred++
      return 'retry'
    }
    // The SynIC is off or the VP does not exist: the guest cannot receive this, ever.
    this.counters.dropped++
    this.counters.lastDropReason = `HvPostMessage to VP ${message.vp} SINT ${message.sint} failed with status 0x${status.toString(16)}`
    return 'done'
  }
}

import type {TimerHandle} from './device.js'

interface QueuedTimer {
  readonly deadlineNs: number
  /** Creation order: timers due at the same instant fire in the order they were set. */
  readonly sequence: number
  readonly callback: () => void
  cancelled: boolean
}

/**
 * Pending timers ordered by deadline, as a binary min-heap. Cancelled timers
 * stay in the heap, marked, and are dropped when they reach the top, so that
 * cancelling is O(1).
 */
export class TimerQueue {
  private readonly heap: QueuedTimer[] = []
  private nextSequence = 0

  add(deadlineNs: number, callback: () => void): TimerHandle {
    const timer: QueuedTimer = {deadlineNs, sequence: this.nextSequence++, callback, cancelled: false}
    this.heap.push(timer)
    this.siftUp(this.heap.length - 1)
    return {
      cancel: () => {
        timer.cancelled = true
      },
    }
  }

  /** The earliest live deadline, or null when nothing is pending. */
  nextDeadline(): number | null {
    this.dropCancelled()
    return this.heap.length ? this.heap[0]!.deadlineNs : null
  }

  /** Removes and returns the earliest live timer due at or before `nowNs`. */
  takeDue(nowNs: number): {deadlineNs: number; callback: () => void} | null {
    this.dropCancelled()
    const top = this.heap[0]
    if (!top || top.deadlineNs > nowNs) return null
    this.removeTop()
    return top
  }

  get size(): number {
    this.dropCancelled()
    return this.heap.filter((timer) => !timer.cancelled).length
  }

  clear(): void {
    this.heap.length = 0
  }

  private dropCancelled(): void {
    while (this.heap.length && this.heap[0]!.cancelled) this.removeTop()
  }

  private removeTop(): void {
    const last = this.heap.pop()!
    if (this.heap.length) {
      this.heap[0] = last
      this.siftDown(0)
    }
  }

  private before(a: QueuedTimer, b: QueuedTimer): boolean {
    return a.deadlineNs < b.deadlineNs || (a.deadlineNs === b.deadlineNs && a.sequence < b.sequence)
  }

  private siftUp(index: number): void {
    const heap = this.heap
    while (index > 0) {
      const parent = (index - 1) >> 1
      if (!this.before(heap[index]!, heap[parent]!)) break
      ;[heap[index], heap[parent]] = [heap[parent]!, heap[index]!]
      index = parent
    }
  }

  private siftDown(index: number): void {
    const heap = this.heap
    for (;;) {
      const left = index * 2 + 1
      const right = left + 1
      let smallest = index
      if (left < heap.length && this.before(heap[left]!, heap[smallest]!)) smallest = left
      if (right < heap.length && this.before(heap[right]!, heap[smallest]!)) smallest = right
      if (smallest === index) return
      ;[heap[index], heap[smallest]] = [heap[smallest]!, heap[index]!]
      index = smallest
    }
  }
}

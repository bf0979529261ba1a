/**
 * Simulated crashes for the write path: file hooks that stop a writer at
 * its n-th write, the way a killed process or a power cut would.
 */
import {closeSync, fstatSync, ftruncateSync, openSync, readSync, writeSync} from 'node:fs'

import type {FileHooks, FileWrite, WritePurpose} from '../../../../src/core/storage/vhdx/image-file.js'

/** Thrown by the hooks where the simulated process dies. */
export class SimulatedCrash extends Error {
  constructor() {
    super('simulated crash')
    this.name = 'SimulatedCrash'
  }
}

/**
 * How the writer dies at write n:
 * - kill: the process stops before write n; everything before reached the file.
 * - torn: write n reaches the file only in part (its first half).
 * - power-loss: the process stops before write n, and every write since the
 *   last flush is lost.
 * - reordered: write n reaches the disk but the writes since the last flush
 *   before it do not, and the power goes: a disk may reorder writes between
 *   flushes, which is what the flushes are for.
 */
export type CrashMode = 'kill' | 'torn' | 'power-loss' | 'reordered'

export interface CrashPlan {
  /** Stop at this write (counting from 0)... */
  at?: number
  /** ...or at the `occurrence`-th (from 0) write for this purpose. */
  atPurpose?: {purpose: WritePurpose; occurrence: number}
  mode?: CrashMode
}

/** Counts writes, and stops the writer where `plan` says (never, without a plan). */
export class CrashHooks implements FileHooks {
  writes = 0
  readonly purposes: WritePurpose[] = []
  /** What to restore, newest last, to undo the writes since the last flush. */
  private readonly undo: Array<{offset: number; bytes: Buffer; size: number}> = []
  private readonly mode: CrashMode
  crashed = false

  constructor(
    private readonly path: string,
    private readonly plan: CrashPlan = {},
  ) {
    this.mode = plan.mode ?? 'kill'
  }

  beforeWrite(write: FileWrite): 'torn' | void {
    if (this.crashed) throw new SimulatedCrash()
    const n = this.writes++
    this.purposes.push(write.purpose)
    const target = this.plan.atPurpose
    const due = n === this.plan.at || (target !== undefined && write.purpose === target.purpose && this.purposes.filter((p) => p === target.purpose).length === target.occurrence + 1)
    if (due) {
      this.crashed = true
      if (this.mode === 'power-loss' || this.mode === 'reordered') this.loseUnflushedWrites()
      // This write still happens; the writer stops at its next one.
      if (this.mode === 'reordered') return
      if (this.mode === 'torn' && write.purpose !== 'resize' && write.length >= 1024) return 'torn'
      throw new SimulatedCrash()
    }
    if (this.mode === 'power-loss' || this.mode === 'reordered') this.remember(write)
  }

  afterFlush(): void {
    this.undo.length = 0
  }

  private remember(write: FileWrite): void {
    const fd = openSync(this.path, 'r')
    try {
      const size = fstatSync(fd).size
      const existing = write.purpose === 'resize' ? 0 : Math.max(0, Math.min(write.length, size - write.offset))
      const bytes = Buffer.alloc(existing)
      if (existing > 0) readSync(fd, bytes, 0, existing, write.offset)
      this.undo.push({offset: write.offset, bytes, size})
    } finally {
      closeSync(fd)
    }
  }

  /** Undo the writes since the last flush, newest first. */
  private loseUnflushedWrites(): void {
    const fd = openSync(this.path, 'r+')
    try {
      for (const {offset, bytes, size} of this.undo.reverse()) {
        if (bytes.length > 0) writeSync(fd, bytes, 0, bytes.length, offset)
        ftruncateSync(fd, size)
      }
    } finally {
      closeSync(fd)
    }
    this.undo.length = 0
  }
}

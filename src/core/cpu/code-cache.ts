/**
 * Decoded-instruction cache, keyed by guest-physical address so that every linear
 * alias of a page shares it. A page that holds decoded code is marked in
 * `cpu.codePages`; the TLB then sends every write to it down the slow path, which
 * calls `codeWritten` and drops the page's instructions when the written bytes
 * overlap one of them (self-modifying code, or a write through another alias).
 */
import type {Block} from './compiler.js'
import type {Instr} from './decoder/instr.js'
import {tlbProtectCodePage} from './mmu.js'
import type {CpuCore} from './state.js'

export class CodePage {
  /** Decoded instructions by offset of their first byte. */
  readonly instructions: Array<Instr | undefined> = new Array<Instr | undefined>(4096)
  /** Compiled blocks by offset of their first instruction; null where compiling failed. */
  readonly blocks: Array<Block | null | undefined> = new Array<Block | null | undefined>(4096)
  /** How often execution arrived at each offset without a block (see CodeCache.compileThreshold). */
  readonly arrivals = new Uint8Array(4096)
  /** Non-zero for bytes that belong to a cached instruction. */
  readonly covered = new Uint8Array(4096)
  /** Cleared when the page is invalidated, so that a loop holding it notices. */
  valid = true

  store(offset: number, i: Instr): void {
    this.instructions[offset] = i
    const end = Math.min(offset + i.length, 4096)
    for (let k = offset; k < end; k++) this.covered[k] = 1
  }
}

export class CodeCache {
  readonly pages = new Map<number, CodePage>()
  /** When false nothing is cached: every instruction is decoded each time (for measurement). */
  enabled = true
  /** When false decoded instructions are cached but no blocks are compiled. */
  compile = true
  /** A block is compiled the n-th time execution arrives at its first instruction (cold code stays interpreted). */
  compileThreshold = 8
  /**
   * The pages used last, direct-mapped by page number: the run loop looks up
   * the page of every control transfer that leaves a page (a kernel's calls
   * and returns mostly do), and a Map lookup each time showed in profiles.
   */
  readonly recentNumbers = new Int32Array(RECENT_PAGES).fill(-1)
  readonly recentPages = new Array<CodePage | undefined>(RECENT_PAGES).fill(undefined)
}

const RECENT_PAGES = 256

/** The cache page for physical page `page`, created (and write-protected in the TLB) on first use. */
export function codePageFor(cpu: CpuCore, page: number): CodePage {
  const cache = cpu.codeCache
  const slot = page & (RECENT_PAGES - 1)
  if (cache.recentNumbers[slot] === page) return cache.recentPages[slot]!
  let p = cache.pages.get(page)
  if (p === undefined) {
    p = new CodePage()
    cache.pages.set(page, p)
    cpu.codePages[page] = 1
    tlbProtectCodePage(cpu, page)
  }
  cache.recentNumbers[slot] = page
  cache.recentPages[slot] = p
  return p
}

function invalidatePage(cpu: CpuCore, page: number): void {
  const cache = cpu.codeCache
  const p = cache.pages.get(page)
  if (p !== undefined) {
    p.valid = false
    cache.pages.delete(page)
  }
  const slot = page & (RECENT_PAGES - 1)
  if (cache.recentNumbers[slot] === page) {
    cache.recentNumbers[slot] = -1
    cache.recentPages[slot] = undefined
  }
  cpu.codePages[page] = 0
  cpu.leaveBlock = true
}

/** A guest write of `size` bytes at physical `pa` hit a page with decoded code. */
export function codeWritten(cpu: CpuCore, pa: number, size: number): void {
  const page = pa >>> 12
  const p = cpu.codeCache.pages.get(page)
  if (p === undefined) {
    cpu.codePages[page] = 0
    return
  }
  const start = pa & 0xfff
  for (let k = start; k < start + size && k < 4096; k++) {
    if (p.covered[k] !== 0) {
      invalidatePage(cpu, page)
      return
    }
  }
}

/** The host changed guest memory: drop decoded code overlapping [gpa, gpa + length). */
export function invalidateCodeRange(cpu: CpuCore, gpa: number, length: number): void {
  if (length <= 0) return
  const first = gpa >>> 12
  const last = (gpa + length - 1) >>> 12
  for (let page = first; page <= last; page++) {
    if (cpu.codePages[page] !== 0) invalidatePage(cpu, page)
  }
}

export function flushCodeCache(cpu: CpuCore): void {
  for (const page of cpu.codeCache.pages.keys()) invalidatePage(cpu, page)
}

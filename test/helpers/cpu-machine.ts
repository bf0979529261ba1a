/**
 * A minimal machine around the processor for tests: flat RAM, a Multiboot 1
 * loader, a serial port that only transmits, and a debug-exit port.
 *
 * Port behaviour:
 *  - 0x3F8 (COM1 data) writes append a byte to the serial output;
 *  - 0x3FD (COM1 line status) reads return 0x60 (transmitter empty);
 *  - 0xF4 writes end the run with that value as exit status (like QEMU's
 *    isa-debug-exit, whose process exit code is (value << 1) | 1);
 *  - other reads return all ones, other writes are ignored.
 */
import {Cpu} from '../../src/core/cpu/index.js'
import {ExitReason, type CpuState, type GuestPhysicalMemory, type Processor} from '../../src/core/cpu/api.js'

export const PAGE_SIZE = 4096
export const MB1_HEADER_MAGIC = 0x1badb002
export const MB1_BOOTLOADER_MAGIC = 0x2badb002

const PAGES_4G = 1 << 20
const EFLAGS_IF = 1 << 9

export const COM1_DATA = 0x3f8
export const COM1_LSR = 0x3fd
export const DEBUG_EXIT_PORT = 0xf4

/** Guest-physical memory: RAM from address 0 up to `bytes`, nothing above. */
export function createMemory(bytes: number): GuestPhysicalMemory {
  if (bytes % PAGE_SIZE !== 0) throw new Error('RAM size must be a multiple of 4 KiB')
  const ram = new Uint8Array(bytes)
  const pageOffset = new Float64Array(PAGES_4G).fill(-1)
  const pages = bytes / PAGE_SIZE
  for (let i = 0; i < pages; i++) pageOffset[i] = i * PAGE_SIZE
  const pageReadOnly = new Uint8Array(PAGES_4G)
  return {ram, pageOffset, pageReadOnly}
}

export interface MultibootImage {
  /** Entry point (physical = linear in the Multiboot state). */
  entry: number
  /** Lowest and highest+1 physical address written by the loader (including BSS). */
  loadStart: number
  loadEnd: number
  format: 'aout-kludge' | 'elf32'
}

function u32(buf: Uint8Array, off: number): number {
  return (buf[off]! | (buf[off + 1]! << 8) | (buf[off + 2]! << 16) | (buf[off + 3]! << 24)) >>> 0
}
function u16(buf: Uint8Array, off: number): number {
  return buf[off]! | (buf[off + 1]! << 8)
}
function put32(buf: Uint8Array, off: number, v: number): void {
  buf[off] = v & 0xff
  buf[off + 1] = (v >>> 8) & 0xff
  buf[off + 2] = (v >>> 16) & 0xff
  buf[off + 3] = (v >>> 24) & 0xff
}

/** Find the Multiboot 1 header: 4-byte aligned, within the first 8 KiB, valid checksum. */
export function findMultibootHeader(image: Uint8Array): number {
  const limit = Math.min(image.length - 12, 8192 - 12)
  for (let off = 0; off <= limit; off += 4) {
    if (u32(image, off) !== MB1_HEADER_MAGIC) continue
    const flags = u32(image, off + 4)
    const checksum = u32(image, off + 8)
    if (((MB1_HEADER_MAGIC + flags + checksum) >>> 0) === 0) return off
  }
  return -1
}

function checkRange(ram: Uint8Array, start: number, end: number, what: string): void {
  if (start < 0 || end > ram.length || end < start) {
    throw new Error(`${what} [0x${start.toString(16)}, 0x${end.toString(16)}) is outside RAM`)
  }
}

/** Copy a Multiboot 1 kernel into RAM (a.out-kludge address fields, or ELF32). */
export function loadMultiboot(ram: Uint8Array, image: Uint8Array): MultibootImage {
  const hdr = findMultibootHeader(image)
  if (hdr < 0) throw new Error('no Multiboot header in the first 8 KiB')
  const flags = u32(image, hdr + 4)
  // Bits 0-15 are requirements: we honour 0 (page alignment) and 1 (memory information).
  const unsupported = flags & 0x0000fffc
  if (unsupported) throw new Error(`unsupported required Multiboot flags 0x${unsupported.toString(16)}`)
  if (flags & (1 << 16)) {
    const headerAddr = u32(image, hdr + 12)
    const loadAddr = u32(image, hdr + 16)
    const loadEndAddr = u32(image, hdr + 20)
    const bssEndAddr = u32(image, hdr + 24)
    const entry = u32(image, hdr + 28)
    if (loadAddr > headerAddr) throw new Error('load_addr above header_addr')
    const fileStart = hdr - (headerAddr - loadAddr)
    if (fileStart < 0) throw new Error('header_addr/load_addr inconsistent with the header offset')
    const length = loadEndAddr === 0 ? image.length - fileStart : loadEndAddr - loadAddr
    if (fileStart + length > image.length) throw new Error('load_end_addr beyond the end of the image')
    checkRange(ram, loadAddr, loadAddr + length, 'kernel image')
    ram.set(image.subarray(fileStart, fileStart + length), loadAddr)
    let end = loadAddr + length
    if (bssEndAddr !== 0) {
      if (bssEndAddr < end) throw new Error('bss_end_addr below load_end_addr')
      checkRange(ram, end, bssEndAddr, 'kernel BSS')
      ram.fill(0, end, bssEndAddr)
      end = bssEndAddr
    }
    return {entry, loadStart: loadAddr, loadEnd: end, format: 'aout-kludge'}
  }
  // ELF32, little-endian, i386
  if (u32(image, 0) !== 0x464c457f) throw new Error('Multiboot header without address fields and not an ELF image')
  if (image[4] !== 1 || image[5] !== 1 || u16(image, 18) !== 3) throw new Error('not a 32-bit little-endian i386 ELF')
  const entry = u32(image, 24)
  const phoff = u32(image, 28)
  const phentsize = u16(image, 42)
  const phnum = u16(image, 44)
  let lo = Infinity
  let hi = 0
  for (let i = 0; i < phnum; i++) {
    const ph = phoff + i * phentsize
    if (u32(image, ph) !== 1) continue // PT_LOAD
    const offset = u32(image, ph + 4)
    const paddr = u32(image, ph + 12)
    const filesz = u32(image, ph + 16)
    const memsz = u32(image, ph + 20)
    checkRange(ram, paddr, paddr + memsz, 'ELF segment')
    if (offset + filesz > image.length) throw new Error('ELF segment beyond the end of the file')
    ram.set(image.subarray(offset, offset + filesz), paddr)
    ram.fill(0, paddr + filesz, paddr + memsz)
    lo = Math.min(lo, paddr)
    hi = Math.max(hi, paddr + memsz)
  }
  if (hi === 0) throw new Error('ELF image without loadable segments')
  return {entry, loadStart: lo, loadEnd: hi, format: 'elf32'}
}

/** Where the loader puts the Multiboot information structure and its memory map. */
export const MBI_ADDRESS = 0x9000
const MMAP_ADDRESS = MBI_ADDRESS + 0x100

/** Write a Multiboot information structure (memory fields and a memory map) into RAM. */
export function writeMultibootInfo(ram: Uint8Array, at = MBI_ADDRESS): number {
  ram.fill(0, at, at + 0x200)
  const ramBytes = ram.length
  const regions: Array<[number, number, number]> = [
    [0, 0x9fc00, 1],
    [0x9fc00, 0x400, 2],
    [0xf0000, 0x10000, 2],
    [0x100000, ramBytes - 0x100000, 1],
  ]
  let p = MMAP_ADDRESS
  for (const [base, length, type] of regions) {
    put32(ram, p, 20) // size of the rest of the entry
    put32(ram, p + 4, base)
    put32(ram, p + 8, 0)
    put32(ram, p + 12, length)
    put32(ram, p + 16, 0)
    put32(ram, p + 20, type)
    p += 24
  }
  put32(ram, at + 0, (1 << 0) | (1 << 6)) // flags: mem_* and mmap_* valid
  put32(ram, at + 4, 639) // mem_lower, KiB
  put32(ram, at + 8, (ramBytes - 0x100000) / 1024) // mem_upper, KiB above 1 MiB
  put32(ram, at + 44, p - MMAP_ADDRESS) // mmap_length
  put32(ram, at + 48, MMAP_ADDRESS) // mmap_addr
  return at
}

export type RunEnd = 'debug-exit' | 'halt' | 'triple-fault' | 'budget' | 'unexpected-exit'

export interface MachineResult {
  serial: string
  /** The value written to port 0xF4, or null when the run ended otherwise. */
  exitStatus: number | null
  reason: RunEnd
  /** Instructions retired. */
  instructions: number
  /** For 'unexpected-exit': a description of the exit. */
  detail?: string
}

export interface MachineOptions {
  /** RAM size in bytes (default 32 MiB). */
  ramBytes?: number
  /** Instruction budget for the whole run (default 50 million). */
  budget?: number
}

export interface MachineSnapshot {
  state: CpuState
  ram: Uint8Array
  serialBytes: number[]
}

/** Anything with the Processor surface plus the Multiboot entry helper. */
export interface MultibootCpu extends Processor {
  enterMultibootState(entry: number, magic: number, mbiAddress: number): void
}

export class TestMachine {
  readonly memory: GuestPhysicalMemory
  readonly cpu: MultibootCpu
  private serialBytes: number[] = []

  /** `memory` lets a new processor take over existing guest memory (see `resume`). */
  constructor(options: MachineOptions = {}, memory?: GuestPhysicalMemory) {
    this.memory = memory ?? createMemory(options.ramBytes ?? 32 * 1024 * 1024)
    this.cpu = new Cpu(this.memory) as unknown as MultibootCpu
    const ic = this.cpu.intercepts
    ic.ioBitmap.fill(0xff)
    ic.hlt = true
  }

  /** A checkpoint: processor state through its JSON form, a copy of RAM, the output so far. */
  snapshot(): MachineSnapshot {
    return {
      state: JSON.parse(JSON.stringify(this.cpu.saveState())) as CpuState,
      ram: this.memory.ram.slice(),
      serialBytes: this.serialBytes.slice(),
    }
  }

  /** A fresh machine (new memory, new processor) resumed from a checkpoint. */
  static restore(snap: MachineSnapshot, options: MachineOptions = {}): TestMachine {
    const m = new TestMachine({...options, ramBytes: snap.ram.length})
    m.memory.ram.set(snap.ram)
    m.cpu.restoreState(snap.state)
    m.serialBytes = snap.serialBytes.slice()
    return m
  }

  /**
   * A new processor, restored from this machine's state through JSON, on the
   * same guest memory (cheaper than `restore`: no RAM copy). This machine must
   * not be run afterwards.
   */
  resumeOnNewProcessor(): TestMachine {
    const state = JSON.parse(JSON.stringify(this.cpu.saveState())) as CpuState
    const m = new TestMachine({}, this.memory)
    m.cpu.restoreState(state)
    m.serialBytes = this.serialBytes.slice()
    return m
  }

  get serial(): string {
    return Buffer.from(this.serialBytes).toString('latin1')
  }

  /** Load a Multiboot kernel and put the processor in the Multiboot entry state. */
  boot(image: Uint8Array): MultibootImage {
    const loaded = loadMultiboot(this.memory.ram, image)
    const mbi = writeMultibootInfo(this.memory.ram)
    this.cpu.invalidateCode(0, this.memory.ram.length)
    this.cpu.enterMultibootState(loaded.entry, MB1_BOOTLOADER_MAGIC, mbi)
    return loaded
  }

  /** Run until the program exits, halts, shuts down or the budget is used. */
  run(budget = 50_000_000): MachineResult {
    const cpu = this.cpu
    const start = cpu.instructionCount
    const done = (reason: RunEnd, exitStatus: number | null, detail?: string): MachineResult => {
      const result: MachineResult = {
        serial: this.serial,
        exitStatus,
        reason,
        instructions: cpu.instructionCount - start,
      }
      if (detail !== undefined) result.detail = detail
      return result
    }
    for (;;) {
      const left = budget - (cpu.instructionCount - start)
      if (left <= 0) return done('budget', null)
      const exit = cpu.run(Math.min(left, 1_000_000))
      switch (exit.reason) {
        case ExitReason.BudgetExhausted:
          break
        case ExitReason.IoPort: {
          if (exit.isWrite) {
            const value = exit.value >>> 0
            if (exit.port === DEBUG_EXIT_PORT) {
              cpu.completeIoOut()
              return done('debug-exit', value & (exit.size === 1 ? 0xff : exit.size === 2 ? 0xffff : 0xffffffff))
            }
            if (exit.port === COM1_DATA) this.serialBytes.push(value & 0xff)
            cpu.completeIoOut()
          } else {
            const ones = exit.size === 1 ? 0xff : exit.size === 2 ? 0xffff : 0xffffffff
            cpu.completeIoIn(exit.port === COM1_LSR ? 0x60 : ones)
          }
          break
        }
        case ExitReason.Hlt:
          // No interrupt source is attached: a halt never wakes up.
          return done('halt', null, (cpu.getEflags() & EFLAGS_IF) ? 'HLT with IF=1' : undefined)
        case ExitReason.TripleFault:
          return done('triple-fault', null)
        case ExitReason.MemoryAccess:
          if (exit.isWrite) cpu.completeMemoryWrite()
          else cpu.completeMemoryRead(exit.size === 1 ? 0xff : exit.size === 2 ? 0xffff : 0xffffffff)
          break
        case ExitReason.Cpuid: {
          const [a, b, c, d] = cpu.nativeCpuid(exit.leaf, exit.subleaf)
          cpu.completeCpuid(a, b, c, d)
          break
        }
        default:
          return done('unexpected-exit', null, `${ExitReason[exit.reason] ?? exit.reason} at 0x${exit.rip.toString(16)}`)
      }
    }
  }
}

/** Boot a Multiboot image on a fresh machine and run it to the end. */
export function runMultiboot(image: Uint8Array, options: MachineOptions = {}): MachineResult {
  const machine = new TestMachine(options)
  machine.boot(image)
  return machine.run(options.budget)
}

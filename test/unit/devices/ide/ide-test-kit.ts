import type {IrqLine} from '../../../../src/core/devices/device.js'
import {IdeController, type IdeDriveConfig} from '../../../../src/core/devices/emulated/ide/index.js'
import type {BlockMedium} from '../../../../src/core/devices/storage/block-medium.js'

/** A sparse in-memory medium: unwritten sectors read as a pattern derived from their number. */
export class MemoryMedium implements BlockMedium {
  readonly sectors = new Map<number, Uint8Array>()
  flushes = 0
  writes = 0
  readonly diskIdentifier = '6b2a5b8e-0d55-4b5e-9a8f-0123456789ab'

  constructor(
    readonly size: number,
    readonly logicalSectorSize = 512,
    readonly physicalSectorSize = 512,
    readonly readOnly = false,
  ) {}

  /** The initial content of 512-byte sector `n`: its number in every dword. */
  static pattern(n: number): Uint8Array {
    const out = new Uint8Array(512)
    const view = new DataView(out.buffer)
    for (let i = 0; i < 512; i += 4) view.setUint32(i, (n * 131 + i) >>> 0, true)
    return out
  }

  read(offset: number, into: Uint8Array): void {
    if (offset % 512 || into.length % 512 || offset + into.length > this.size) throw new RangeError(`bad read ${offset}+${into.length}`)
    for (let i = 0; i < into.length; i += 512) {
      const n = (offset + i) / 512
      into.set(this.sectors.get(n) ?? MemoryMedium.pattern(n), i)
    }
  }

  write(offset: number, data: Uint8Array): void {
    if (offset % 512 || data.length % 512 || offset + data.length > this.size) throw new RangeError(`bad write ${offset}+${data.length}`)
    this.writes++
    for (let i = 0; i < data.length; i += 512) this.sectors.set((offset + i) / 512, data.slice(i, i + 512))
  }

  flush(): void {
    this.flushes++
  }
}

export class RecordingLine implements IrqLine {
  level = false
  edges = 0
  setLevel(high: boolean): void {
    if (high && !this.level) this.edges++
    this.level = high
  }
  pulse(): void {
    this.edges++
  }
}

export const PRIMARY = 0x1f0
export const SECONDARY = 0x170
export const PRIMARY_CONTROL = 0x3f6
export const SECONDARY_CONTROL = 0x376

export function controller(drives: IdeDriveConfig[]) {
  const irqs = [new RecordingLine(), new RecordingLine()] as const
  const ide = new IdeController({drives, irqs})
  return {ide, irqs, ...portHelpers(ide)}
}

export function portHelpers(ide: {readPort(port: number, size: number): number; writePort(port: number, size: number, value: number): void}) {
  const inb = (port: number) => ide.readPort(port, 1)
  const outb = (port: number, value: number) => ide.writePort(port, 1, value)
  /** Reads `count` 16-bit words from the data port into bytes. */
  const readWords = (base: number, count: number) => {
    const out = new Uint8Array(count * 2)
    for (let i = 0; i < count; i++) {
      const word = ide.readPort(base, 2)
      out[2 * i] = word & 0xff
      out[2 * i + 1] = word >> 8
    }
    return out
  }
  const writeWords = (base: number, data: Uint8Array) => {
    for (let i = 0; i < data.length; i += 2) ide.writePort(base, 2, data[i]! | (data[i + 1]! << 8))
  }
  /** LBA28 task file and command, the way a driver issues it. */
  const command28 = (base: number, command: number, lba: number, count: number, device = 0xe0) => {
    outb(base + 6, device | ((lba >>> 24) & 0x0f))
    outb(base + 2, count & 0xff)
    outb(base + 3, lba & 0xff)
    outb(base + 4, (lba >> 8) & 0xff)
    outb(base + 5, (lba >> 16) & 0xff)
    outb(base + 7, command)
  }
  /** LBA48: each register written twice, high byte first. */
  const command48 = (base: number, command: number, lba: number, count: number, device = 0x40) => {
    outb(base + 6, device)
    const high = Math.floor(lba / 2 ** 24)
    outb(base + 2, (count >> 8) & 0xff)
    outb(base + 3, high & 0xff)
    outb(base + 4, (high >> 8) & 0xff)
    outb(base + 5, (high >> 16) & 0xff)
    outb(base + 2, count & 0xff)
    outb(base + 3, lba & 0xff)
    outb(base + 4, (lba >> 8) & 0xff)
    outb(base + 5, (lba >> 16) & 0xff)
    outb(base + 7, command)
  }
  /**
   * An ATAPI PACKET command in PIO, as libata runs it: byte count limit in
   * LBA mid/high, the 12 command bytes, then DRQ blocks until the end.
   */
  const packet = (base: number, cdb: number[], limit = 0xfffe) => {
    outb(base + 1, 0)
    outb(base + 4, limit & 0xff)
    outb(base + 5, limit >> 8)
    outb(base + 7, 0xa0)
    const afterCommand = {status: inb(base + 0x206), reason: inb(base + 2)}
    const bytes = new Uint8Array(12)
    bytes.set(cdb.slice(0, 12))
    writeWords(base, bytes)
    const blocks: number[] = []
    const chunks: Uint8Array[] = []
    for (let guard = 0; guard < 10000; guard++) {
      const status = inb(base + 7)
      if (!(status & 0x08)) {
        const data = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0))
        let at = 0
        for (const chunk of chunks) {
          data.set(chunk, at)
          at += chunk.length
        }
        return {afterCommand, status, error: inb(base + 1), reason: inb(base + 2), data, blocks}
      }
      const n = inb(base + 4) | (inb(base + 5) << 8)
      blocks.push(n)
      chunks.push(readWords(base, Math.ceil(n / 2)).subarray(0, n))
    }
    throw new Error('PACKET never ended')
  }
  return {inb, outb, readWords, writeWords, command28, command48, packet}
}

export function ascii(bytes: Uint8Array): string {
  return String.fromCharCode(...bytes)
}

/** An ATA string from IDENTIFY words (first character in each word's high byte). */
export function identifyString(data: Uint8Array, word: number, words: number): string {
  let out = ''
  for (let i = 0; i < words; i++) out += String.fromCharCode(data[2 * (word + i) + 1]!, data[2 * (word + i)]!)
  return out.trim()
}

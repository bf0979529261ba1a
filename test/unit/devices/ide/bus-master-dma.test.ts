import {describe, expect, it} from 'vitest'
import {IdeController, type IdeDriveConfig} from '../../../../src/core/devices/emulated/ide/index.js'
import {MemoryMedium, PRIMARY, RecordingLine, SECONDARY, portHelpers} from './ide-test-kit.js'

const BM = 0xffa0
const MIB = 2 ** 20

/** 1 MiB of guest RAM; anything above it is not RAM (an MMIO hole), as the bus master sees it. */
class Ram {
  readonly bytes = new Uint8Array(MIB)
  read(gpa: number, length: number): Uint8Array | null {
    return gpa + length <= this.bytes.length ? this.bytes.slice(gpa, gpa + length) : null
  }
  write(gpa: number, data: Uint8Array): boolean {
    if (gpa + data.length > this.bytes.length) return false
    this.bytes.set(data, gpa)
    return true
  }
  /** A PRD table at `at`: [base, bytes] regions, the last marked end-of-table. */
  table(at: number, regions: [number, number][]): void {
    const view = new DataView(this.bytes.buffer)
    regions.forEach(([base, bytes], i) => {
      view.setUint32(at + 8 * i, base, true)
      view.setUint32(at + 8 * i + 4, (bytes & 0xffff) | (i === regions.length - 1 ? 0x80000000 : 0), true)
    })
  }
}

function board(drives: IdeDriveConfig[], withMemory = true) {
  const ram = new Ram()
  const irqs = [new RecordingLine(), new RecordingLine()] as const
  const ide = new IdeController({
    drives,
    irqs,
    busMaster: {base: BM, decodes: () => true},
    memory: withMemory ? ram : undefined,
  })
  return {ram, irqs, ide, ...portHelpers(ide)}
}

function disk(withMemory = true) {
  const medium = new MemoryMedium(8 * MIB)
  return {medium, ...board([{channel: 0, position: 0, kind: 'HardDisk', medium}], withMemory)}
}

/** What ata_bmdma_setup + ata_bmdma_start do around a command: table, direction, clear status, command, start. */
function dma(kit: ReturnType<typeof board>, channel: number, table: number, toMemory: boolean, issue: () => void) {
  const bm = BM + 8 * channel
  kit.ide.writePort(bm + 4, 4, table)
  kit.outb(bm, toMemory ? 0x08 : 0x00)
  kit.outb(bm + 2, 0x06)
  issue()
  kit.outb(bm, toMemory ? 0x09 : 0x01)
  return {bmStatus: kit.inb(bm + 2)}
}

describe('IDE bus-master DMA', () => {
  it('offers multiword and Ultra DMA 0-2 in IDENTIFY and reports the mode SET FEATURES selects', () => {
    const kit = disk()
    const identify = () => {
      kit.outb(PRIMARY + 7, 0xec)
      kit.inb(PRIMARY + 7)
      const id = kit.readWords(PRIMARY, 256)
      return (word: number) => id[2 * word]! | (id[2 * word + 1]! << 8)
    }
    let word = identify()
    expect(word(49) & 0x0100).toBe(0x0100)
    expect(word(63)).toBe(0x0007)
    expect(word(88)).toBe(0x0007)
    kit.outb(PRIMARY + 1, 0x03)
    kit.outb(PRIMARY + 2, 0x42)
    kit.outb(PRIMARY + 7, 0xef)
    expect(kit.inb(PRIMARY + 7)).toBe(0x50)
    word = identify()
    expect(word(88)).toBe(0x0407)
    kit.outb(PRIMARY + 2, 0x43) // UDMA 3 needs an 80-wire cable and a faster chip than PIIX4
    kit.outb(PRIMARY + 7, 0xef)
    expect(kit.inb(PRIMARY + 7)).toBe(0x51)
  })

  it('runs READ DMA through a two-region table when the bus master starts, then interrupts', () => {
    const kit = disk()
    kit.ram.table(0x1000, [[0x2000, 1024], [0x3000, 1024]])
    const {bmStatus} = dma(kit, 0, 0x1000, true, () => {
      kit.command28(PRIMARY, 0xc8, 10, 4)
      expect(kit.inb(0x3f6)).toBe(0x58)
      expect(kit.irqs[0].level).toBe(false)
    })
    expect(kit.irqs[0].level).toBe(true)
    // Interrupt set, active clear: the table was exactly as long as the data.
    expect(bmStatus & 0x07).toBe(0x04)
    expect(kit.inb(PRIMARY + 7)).toBe(0x50)
    expect(kit.ram.bytes.subarray(0x2000, 0x2200)).toEqual(MemoryMedium.pattern(10))
    expect(kit.ram.bytes.subarray(0x3200, 0x3400)).toEqual(MemoryMedium.pattern(13))
    expect(kit.ide.statistics()).toMatchObject({sectorsRead: 4, dmaTransfers: 1})
  })

  it('runs WRITE DMA EXT; a table longer than the data leaves the bus master active', () => {
    const kit = disk()
    kit.ram.bytes.fill(0x3c, 0x8000, 0x8000 + 1024)
    kit.ram.table(0x1000, [[0x8000, 0]]) // 0 means 64 KiB
    const {bmStatus} = dma(kit, 0, 0x1000, false, () => kit.command48(PRIMARY, 0x35, 2 ** 12, 2))
    expect(bmStatus & 0x07).toBe(0x05)
    expect(kit.inb(PRIMARY + 7)).toBe(0x50)
    expect(kit.medium.sectors.get(2 ** 12 + 1)?.[511]).toBe(0x3c)
  })

  it('fails the command and sets the bus-master error bit when the table is too short or leaves RAM', () => {
    const kit = disk()
    kit.ram.table(0x1000, [[0x2000, 512]])
    const short = dma(kit, 0, 0x1000, true, () => kit.command28(PRIMARY, 0xc8, 0, 2))
    expect(short.bmStatus & 0x07).toBe(0x06)
    expect(kit.inb(PRIMARY + 7)).toBe(0x51)
    expect(kit.inb(PRIMARY + 1)).toBe(0x04)
    kit.ram.table(0x1000, [[MIB - 512, 1024]])
    const outside = dma(kit, 0, 0x1000, false, () => kit.command28(PRIMARY, 0xca, 0, 2))
    expect(outside.bmStatus & 0x02).toBe(0x02)
    expect(kit.inb(PRIMARY + 7)).toBe(0x51)
    expect(kit.medium.writes).toBe(0)
  })

  it('aborts DMA commands and DMA packets when there is no guest memory to reach', () => {
    const kit = disk(false)
    kit.command28(PRIMARY, 0xc8, 0, 1)
    expect(kit.inb(PRIMARY + 7)).toBe(0x51)
    kit.outb(PRIMARY + 1, 0x03)
    kit.outb(PRIMARY + 2, 0x42)
    kit.outb(PRIMARY + 7, 0xef)
    expect(kit.inb(PRIMARY + 7)).toBe(0x51)
  })

  it('moves an ATAPI READ(10) by DMA when the PACKET command asks for it', () => {
    const iso = new MemoryMedium(4 * MIB, 2048, 2048, true)
    const kit = board([{channel: 1, position: 0, kind: 'DvdDrive', medium: iso}])
    kit.ram.table(0x1000, [[0x10000, 4096]])
    const {bmStatus} = dma(kit, 1, 0x1000, true, () => {
      kit.outb(SECONDARY + 1, 0x01)
      kit.outb(SECONDARY + 7, 0xa0)
      expect(kit.inb(SECONDARY + 2)).toBe(0x01)
      kit.writeWords(SECONDARY, Uint8Array.of(0x28, 0, 0, 0, 0, 5, 0, 0, 2, 0, 0, 0))
      expect(kit.inb(0x376)).toBe(0x58)
    })
    expect(bmStatus & 0x07).toBe(0x04)
    expect(kit.inb(SECONDARY + 7)).toBe(0x50)
    expect(kit.inb(SECONDARY + 2)).toBe(0x03)
    const expected = new Uint8Array(4096)
    iso.read(5 * 2048, expected)
    expect(kit.ram.bytes.subarray(0x10000, 0x11000)).toEqual(expected)
  })

  it('keeps a DMA command waiting for the bus master across save and restore', () => {
    const a = disk()
    a.command28(PRIMARY, 0xc8, 3, 1)
    const saved = JSON.parse(JSON.stringify(a.ide.saveState()))
    const b = disk()
    b.ide.restoreState(saved)
    b.ram.table(0x1000, [[0x2000, 512]])
    b.ide.writePort(BM + 4, 4, 0x1000)
    b.outb(BM, 0x09)
    expect(b.inb(PRIMARY + 7)).toBe(0x50)
    expect(b.ram.bytes.subarray(0x2000, 0x2200)).toEqual(MemoryMedium.pattern(3))
  })
})

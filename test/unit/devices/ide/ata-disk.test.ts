import {describe, expect, it} from 'vitest'
import {IdeController} from '../../../../src/core/devices/emulated/ide/index.js'
import {MemoryMedium, PRIMARY, PRIMARY_CONTROL, SECONDARY, controller, identifyString, portHelpers} from './ide-test-kit.js'

const MIB = 2 ** 20

function disk(size = 64 * MIB, extra: Partial<{readOnly: boolean; physical: number}> = {}) {
  const medium = new MemoryMedium(size, 512, extra.physical ?? 512, extra.readOnly ?? false)
  const kit = controller([{channel: 0, position: 0, kind: 'HardDisk', medium}])
  return {medium, ...kit}
}

describe('IDE channels and devices', () => {
  it('floats a channel with no devices (all ones), so drivers find nothing there', () => {
    const {inb, ide} = disk()
    for (let port = SECONDARY; port < SECONDARY + 8; port++) expect(inb(port)).toBe(0xff)
    expect(inb(0x376)).toBe(0xff)
    expect(ide.readPort(SECONDARY, 2)).toBe(0xffff)
  })

  it('claims the legacy ports but not the floppy controller’s 0x3F7/0x377', () => {
    const {ide} = disk()
    const claimed = ide.portRanges.flatMap((r) => Array.from({length: r.length}, (_, i) => r.start + i))
    expect(claimed).toEqual(expect.arrayContaining([0x1f0, 0x1f7, 0x3f6, 0x170, 0x177, 0x376]))
    expect(claimed).not.toContain(0x3f7)
    expect(claimed).not.toContain(0x377)
  })

  it('shows an ATA signature and DRDY after power-on; an absent slave reads status 0 but latches registers', () => {
    const {inb, outb} = disk()
    expect([inb(PRIMARY + 2), inb(PRIMARY + 3), inb(PRIMARY + 4), inb(PRIMARY + 5)]).toEqual([1, 1, 0, 0])
    expect(inb(PRIMARY + 7)).toBe(0x50)
    expect(inb(PRIMARY + 1)).toBe(0x01)
    // libata's ata_devchk on device 1.
    outb(PRIMARY + 6, 0xb0)
    outb(PRIMARY + 2, 0x55)
    outb(PRIMARY + 3, 0xaa)
    expect([inb(PRIMARY + 2), inb(PRIMARY + 3)]).toEqual([0x55, 0xaa])
    expect(inb(PRIMARY + 7)).toBe(0)
    expect(inb(PRIMARY_CONTROL)).toBe(0)
  })

  it('answers IDENTIFY DEVICE with the disk’s size, model, LBA48 and flush support and a valid checksum', () => {
    const {inb, outb, readWords, irqs} = disk(100 * MIB, {physical: 4096})
    outb(PRIMARY + 6, 0xa0)
    outb(PRIMARY + 7, 0xec)
    expect(irqs[0].level).toBe(true)
    expect(inb(PRIMARY_CONTROL)).toBe(0x58)
    expect(irqs[0].level).toBe(true) // the alternate status does not acknowledge
    expect(inb(PRIMARY + 7)).toBe(0x58)
    expect(irqs[0].level).toBe(false)
    const id = readWords(PRIMARY, 256)
    const word = (n: number) => id[2 * n]! | (id[2 * n + 1]! << 8)
    expect(inb(PRIMARY + 7)).toBe(0x50)
    expect(word(0)).toBe(0x0040)
    expect(identifyString(id, 27, 20)).toBe('Virtual HD')
    expect(identifyString(id, 10, 10)).toMatch(/^[0-9A-F]{20}$/)
    const sectors = (100 * MIB) / 512
    expect(word(60) | (word(61) << 16)).toBe(sectors)
    expect(word(100) | (word(101) << 16)).toBe(sectors)
    expect(word(83) & 0x3400).toBe(0x3400)
    expect(word(49) & 0x0200).toBe(0x0200)
    expect(word(49) & 0x0100).toBe(0) // no DMA
    expect(word(106)).toBe(0x6003) // 8 logical sectors per 4 KiB physical sector
    expect(word(1) * word(3) * word(6)).toBeLessThanOrEqual(sectors)
    expect(id[510]).toBe(0xa5)
    expect(id.reduce((a, b) => a + b, 0) & 0xff).toBe(0)
  })

  it('reads sectors with LBA28, one interrupt per sector, and counts them', () => {
    const {inb, command28, readWords, irqs, ide} = disk()
    command28(PRIMARY, 0x20, 1000, 3)
    const got: Uint8Array[] = []
    for (let i = 0; i < 3; i++) {
      expect(irqs[0].level).toBe(true)
      expect(inb(PRIMARY + 7)).toBe(0x58)
      got.push(readWords(PRIMARY, 256))
    }
    expect(irqs[0].edges).toBe(3)
    expect(inb(PRIMARY + 7)).toBe(0x50)
    got.forEach((sector, i) => expect(sector).toEqual(MemoryMedium.pattern(1000 + i)))
    expect(ide.statistics()).toMatchObject({sectorsRead: 3, commands: 1})
  })

  it('reads with 32-bit data port accesses, as ata_piix does', () => {
    const {command28, ide} = disk()
    command28(PRIMARY, 0x20, 7, 1)
    const words: number[] = []
    for (let i = 0; i < 128; i++) words.push(ide.readPort(PRIMARY, 4))
    const bytes = new Uint8Array(new Uint32Array(words).buffer)
    expect(bytes).toEqual(MemoryMedium.pattern(7))
  })

  it('writes sectors: DRQ for the first without an interrupt, an interrupt after each', () => {
    const {inb, command28, writeWords, irqs, medium, ide} = disk()
    command28(PRIMARY, 0x30, 5, 2)
    expect(irqs[0].level).toBe(false)
    expect(inb(PRIMARY + 7)).toBe(0x58)
    const data = [new Uint8Array(512).fill(0x11), new Uint8Array(512).fill(0x22)]
    writeWords(PRIMARY, data[0]!)
    expect(irqs[0].level).toBe(true)
    expect(inb(PRIMARY + 7)).toBe(0x58)
    writeWords(PRIMARY, data[1]!)
    expect(irqs[0].level).toBe(true)
    expect(inb(PRIMARY + 7)).toBe(0x50)
    expect(medium.sectors.get(5)).toEqual(data[0])
    expect(medium.sectors.get(6)).toEqual(data[1])
    expect(ide.statistics()).toMatchObject({sectorsWritten: 2})
  })

  it('takes 48-bit addresses and counts through the HOB registers (READ/WRITE SECTORS EXT)', () => {
    const {inb, outb, command48, readWords, writeWords, medium} = disk(300 * 2 ** 30)
    const lba = 2 ** 28 + 12345
    command48(PRIMARY, 0x34, lba, 1)
    writeWords(PRIMARY, new Uint8Array(512).fill(0x5a))
    expect(inb(PRIMARY + 7)).toBe(0x50)
    expect(medium.sectors.get(lba)?.[0]).toBe(0x5a)
    command48(PRIMARY, 0x24, lba - 1, 2)
    inb(PRIMARY + 7)
    expect(readWords(PRIMARY, 256)).toEqual(MemoryMedium.pattern(lba - 1))
    inb(PRIMARY + 7)
    expect(readWords(PRIMARY, 256)[0]).toBe(0x5a)
    // HOB in device control reads the previous (high-order) bytes.
    outb(PRIMARY + 2, 0x12)
    outb(PRIMARY + 2, 0x34)
    outb(PRIMARY_CONTROL, 0x80)
    expect(inb(PRIMARY + 2)).toBe(0x12)
    outb(PRIMARY_CONTROL, 0x00)
    expect(inb(PRIMARY + 2)).toBe(0x34)
  })

  it('refuses READ MULTIPLE before SET MULTIPLE MODE, then moves blocks of the multiple count', () => {
    const {inb, outb, command28, readWords, irqs, writeWords, medium} = disk()
    command28(PRIMARY, 0xc4, 0, 8)
    expect(inb(PRIMARY + 7)).toBe(0x51)
    expect(inb(PRIMARY + 1)).toBe(0x04)
    outb(PRIMARY + 2, 3)
    outb(PRIMARY + 7, 0xc6)
    expect(inb(PRIMARY + 7) & 0x01).toBe(1) // not a power of two
    outb(PRIMARY + 2, 4)
    outb(PRIMARY + 7, 0xc6)
    expect(inb(PRIMARY + 7)).toBe(0x50)
    const before = irqs[0].edges
    command28(PRIMARY, 0xc4, 100, 10)
    const sectors: Uint8Array[] = []
    for (const block of [4, 4, 2]) {
      expect(inb(PRIMARY + 7)).toBe(0x58)
      sectors.push(readWords(PRIMARY, 256 * block))
    }
    expect(irqs[0].edges - before).toBe(3)
    expect(sectors[2]!.subarray(512)).toEqual(MemoryMedium.pattern(109))
    command28(PRIMARY, 0xc5, 50, 6)
    writeWords(PRIMARY, new Uint8Array(4 * 512).fill(1))
    expect(inb(PRIMARY + 7)).toBe(0x58)
    writeWords(PRIMARY, new Uint8Array(2 * 512).fill(2))
    expect(inb(PRIMARY + 7)).toBe(0x50)
    expect(medium.sectors.get(53)?.[0]).toBe(1)
    expect(medium.sectors.get(55)?.[0]).toBe(2)
    expect(medium.writes).toBe(2)
    // IDENTIFY word 59 reports the setting.
    outb(PRIMARY + 7, 0xec)
    inb(PRIMARY + 7)
    const id = readWords(PRIMARY, 256)
    expect(id[118]! | (id[119]! << 8)).toBe(0x0104)
  })

  it('addresses by cylinder/head/sector under the translation INITIALIZE DEVICE PARAMETERS sets', () => {
    const {inb, outb, readWords} = disk()
    outb(PRIMARY + 6, 0xa0 | 15) // 16 heads
    outb(PRIMARY + 2, 63)
    outb(PRIMARY + 7, 0x91)
    expect(inb(PRIMARY + 7)).toBe(0x50)
    // C=2 H=3 S=4: LBA (2*16+3)*63+3 = 2208.
    outb(PRIMARY + 6, 0xa0 | 3)
    outb(PRIMARY + 2, 1)
    outb(PRIMARY + 3, 4)
    outb(PRIMARY + 4, 2)
    outb(PRIMARY + 5, 0)
    outb(PRIMARY + 7, 0x20)
    expect(inb(PRIMARY + 7)).toBe(0x58)
    expect(readWords(PRIMARY, 256)).toEqual(MemoryMedium.pattern(2208))
    // Sector 0 does not exist in CHS.
    outb(PRIMARY + 3, 0)
    outb(PRIMARY + 7, 0x20)
    expect(inb(PRIMARY + 7)).toBe(0x51)
    expect(inb(PRIMARY + 1)).toBe(0x10)
  })

  it('fails an address past the end with IDNF and a write to a read-only disk with ABRT', () => {
    const {inb, command28, command48} = disk(MIB)
    command28(PRIMARY, 0x20, 2047, 2)
    expect(inb(PRIMARY + 7)).toBe(0x51)
    expect(inb(PRIMARY + 1)).toBe(0x10)
    command48(PRIMARY, 0x24, 2 ** 40, 1)
    expect(inb(PRIMARY + 1)).toBe(0x10)
    command28(PRIMARY, 0x40, 2040, 8)
    expect(inb(PRIMARY + 7)).toBe(0x50)
    const ro = disk(MIB, {readOnly: true})
    ro.command28(PRIMARY, 0x30, 0, 1)
    expect(ro.inb(PRIMARY + 7)).toBe(0x51)
    expect(ro.inb(PRIMARY + 1)).toBe(0x04)
  })

  it('flushes on FLUSH CACHE (EXT) and when the write cache is turned off; aborts unknown features and commands', () => {
    const {inb, outb, medium} = disk()
    outb(PRIMARY + 7, 0xe7)
    outb(PRIMARY + 7, 0xea)
    expect(medium.flushes).toBe(2)
    expect(inb(PRIMARY + 7)).toBe(0x50)
    outb(PRIMARY + 1, 0x82)
    outb(PRIMARY + 7, 0xef)
    expect(medium.flushes).toBe(3)
    expect(inb(PRIMARY + 7)).toBe(0x50)
    outb(PRIMARY + 1, 0x03)
    outb(PRIMARY + 2, 0x0c) // PIO mode 4
    outb(PRIMARY + 7, 0xef)
    expect(inb(PRIMARY + 7)).toBe(0x50)
    outb(PRIMARY + 2, 0x45) // UDMA 5: no DMA here
    outb(PRIMARY + 7, 0xef)
    expect(inb(PRIMARY + 7)).toBe(0x51)
    outb(PRIMARY + 1, 0x99)
    outb(PRIMARY + 7, 0xef)
    expect(inb(PRIMARY + 1)).toBe(0x04)
    outb(PRIMARY + 7, 0xa0) // PACKET: not for a disk
    expect(inb(PRIMARY + 7)).toBe(0x51)
    outb(PRIMARY + 7, 0xe5)
    expect(inb(PRIMARY + 2)).toBe(0xff)
  })

  it('keeps the interrupt line low while nIEN is set, and raises it when nIEN clears with one pending', () => {
    const {inb, outb, irqs} = disk()
    outb(PRIMARY_CONTROL, 0x02)
    outb(PRIMARY + 7, 0xe7)
    expect(irqs[0].level).toBe(false)
    outb(PRIMARY_CONTROL, 0x00)
    expect(irqs[0].level).toBe(true)
    inb(PRIMARY + 7)
    expect(irqs[0].level).toBe(false)
  })

  it('resets through SRST: busy while set, signature and diagnostic code after, transfer abandoned', () => {
    const {inb, outb, command28} = disk()
    command28(PRIMARY, 0x20, 0, 4)
    outb(PRIMARY_CONTROL, 0x04)
    expect(inb(PRIMARY_CONTROL)).toBe(0x80)
    outb(PRIMARY_CONTROL, 0x00)
    expect(inb(PRIMARY + 7)).toBe(0x50)
    expect([inb(PRIMARY + 1), inb(PRIMARY + 2), inb(PRIMARY + 3), inb(PRIMARY + 4), inb(PRIMARY + 5)]).toEqual([1, 1, 1, 0, 0])
  })

  it('runs EXECUTE DEVICE DIAGNOSTIC on both devices with device 0 interrupting', () => {
    const {inb, outb, irqs} = disk()
    outb(PRIMARY + 3, 0x77)
    outb(PRIMARY + 7, 0x90)
    expect(irqs[0].level).toBe(true)
    expect(inb(PRIMARY + 1)).toBe(0x01)
    expect(inb(PRIMARY + 3)).toBe(0x01)
    expect(inb(PRIMARY + 7)).toBe(0x50)
  })

  it('saves in the middle of a read and goes on after restore; refuses a damaged state or another drive layout', () => {
    const a = disk()
    a.command28(PRIMARY, 0x20, 40, 2)
    a.inb(PRIMARY + 7)
    const first = a.readWords(PRIMARY, 100)
    const saved = JSON.parse(JSON.stringify(a.ide.saveState()))
    const b = disk()
    b.medium.sectors.clear()
    b.ide.restoreState(saved)
    const rest = b.readWords(PRIMARY, 156)
    expect(new Uint8Array([...first, ...rest])).toEqual(MemoryMedium.pattern(40))
    expect(b.inb(PRIMARY + 7)).toBe(0x58)
    expect(b.readWords(PRIMARY, 256)).toEqual(MemoryMedium.pattern(41))
    expect(b.ide.statistics()).toMatchObject({sectorsRead: 2})

    const broken = structuredClone(saved)
    broken.channels[0].drives[0].buffer = '%%%'
    expect(() => b.ide.restoreState(broken)).toThrow(/buffer/)
    const empty = new IdeController({drives: [], irqs: [a.irqs[0], a.irqs[1]]})
    expect(() => empty.restoreState(saved)).toThrow(/drive 0:0/)
    expect(() => b.ide.restoreState({version: 3})).toThrow(/ide: saved state version 3/)
  })

  it('does not decode a channel its PCI function has disabled', () => {
    const medium = new MemoryMedium(MIB)
    let enabled = true
    const irq = {setLevel() {}, pulse() {}}
    const ide = new IdeController({drives: [{channel: 0, position: 0, kind: 'HardDisk', medium}], irqs: [irq, irq], channelDecodes: () => enabled})
    const {inb} = portHelpers(ide)
    expect(inb(PRIMARY + 7)).toBe(0x50)
    enabled = false
    expect(inb(PRIMARY + 7)).toBe(0xff)
  })
})

import {describe, expect, it} from 'vitest'
import {MemoryMedium, SECONDARY, SECONDARY_CONTROL, ascii, controller, identifyString} from './ide-test-kit.js'

const MIB = 2 ** 20

/** A DVD drive at secondary master (Hyper-V's default 1:0), with an ISO-like medium or empty. */
function dvd(medium: MemoryMedium | null = new MemoryMedium(10 * MIB, 2048, 2048, true)) {
  return {medium, ...controller([{channel: 1, position: 0, kind: 'DvdDrive', medium}])}
}

const be32 = (b: Uint8Array, at: number) => ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0

describe('ATAPI DVD drive', () => {
  it('shows the packet-device signature and no DRDY after reset', () => {
    const {inb, outb} = dvd()
    expect([inb(SECONDARY + 2), inb(SECONDARY + 3), inb(SECONDARY + 4), inb(SECONDARY + 5)]).toEqual([1, 1, 0x14, 0xeb])
    expect(inb(SECONDARY + 7)).toBe(0)
    outb(SECONDARY_CONTROL, 0x04)
    outb(SECONDARY_CONTROL, 0x00)
    expect([inb(SECONDARY + 4), inb(SECONDARY + 5)]).toEqual([0x14, 0xeb])
  })

  it('aborts IDENTIFY DEVICE keeping the signature, and answers IDENTIFY PACKET DEVICE', () => {
    const {inb, outb, readWords, irqs} = dvd()
    outb(SECONDARY + 6, 0xa0)
    outb(SECONDARY + 7, 0xec)
    expect(inb(SECONDARY + 7) & 0x01).toBe(1)
    expect(inb(SECONDARY + 1)).toBe(0x04)
    expect([inb(SECONDARY + 4), inb(SECONDARY + 5)]).toEqual([0x14, 0xeb])
    outb(SECONDARY + 7, 0xa1)
    expect(irqs[1].level).toBe(true)
    expect(inb(SECONDARY + 7)).toBe(0x58)
    const id = readWords(SECONDARY, 256)
    expect(id[0]! | (id[1]! << 8)).toBe(0x85c0)
    expect(identifyString(id, 27, 20)).toBe('Virtual CD')
    expect(inb(SECONDARY + 7)).toBe(0x50)
  })

  it('reports NOT READY / MEDIUM NOT PRESENT without a disc, with the sense for REQUEST SENSE', () => {
    const {packet} = dvd(null)
    const tur = packet(SECONDARY, [0x00])
    expect(tur.afterCommand.status & 0x08).toBe(0x08)
    expect(tur.afterCommand.reason).toBe(0x01) // C/D: the device wants the command packet
    expect(tur.status & 0x01).toBe(1)
    expect(tur.error >> 4).toBe(0x02)
    expect(tur.reason).toBe(0x03)
    const sense = packet(SECONDARY, [0x03, 0, 0, 0, 18])
    expect(sense.status).toBe(0x50)
    expect([sense.data[0], sense.data[2], sense.data[12], sense.data[13]]).toEqual([0x70, 0x02, 0x3a, 0x00])
    // The sense was reported: asking again gives none.
    expect(packet(SECONDARY, [0x03, 0, 0, 0, 18]).data[2]).toBe(0)
    expect(packet(SECONDARY, [0x25]).error >> 4).toBe(0x02)
    expect(packet(SECONDARY, [0x28, 0, 0, 0, 0, 0, 0, 0, 1]).error >> 4).toBe(0x02)
  })

  it('answers INQUIRY with a removable CD/DVD device and the allocation length respected', () => {
    const {packet} = dvd()
    const full = packet(SECONDARY, [0x12, 0, 0, 0, 96])
    expect(full.data.length).toBe(36)
    expect(full.data[0]).toBe(0x05)
    expect(full.data[1]).toBe(0x80)
    expect(ascii(full.data.subarray(8, 16)).trim()).toBe('Msft')
    expect(ascii(full.data.subarray(16, 32)).trim()).toBe('Virtual CD/ROM')
    expect(packet(SECONDARY, [0x12, 0, 0, 0, 5]).data.length).toBe(5)
    expect(packet(SECONDARY, [0x12, 0, 0x42, 0, 36]).error >> 4).toBe(0x05)
  })

  it('reports the capacity in 2048-byte blocks and reads them, split at the byte count limit', () => {
    const {packet, medium, ide} = dvd()
    expect(packet(SECONDARY, [0x00]).status).toBe(0x50)
    const capacity = packet(SECONDARY, [0x25])
    expect(be32(capacity.data, 0)).toBe((10 * MIB) / 2048 - 1)
    expect(be32(capacity.data, 4)).toBe(2048)
    const read = packet(SECONDARY, [0x28, 0, 0, 0, 0, 10, 0, 0, 3], 4096)
    expect(read.blocks).toEqual([4096, 2048])
    expect(read.status).toBe(0x50)
    expect(read.reason).toBe(0x03)
    const expected = new Uint8Array(3 * 2048)
    medium!.read(10 * 2048, expected)
    expect(read.data).toEqual(expected)
    // READ(12), and a limit that is not a multiple of the block size.
    const read12 = packet(SECONDARY, [0xa8, 0, 0, 0, 0, 10, 0, 0, 0, 3], 3000)
    expect(read12.blocks).toEqual([3000, 3000, 144])
    expect(read12.data).toEqual(expected)
    expect(ide.statistics()).toMatchObject({packetCommands: 4})
    const past = packet(SECONDARY, [0x28, 0, 0, 0, 0x13, 0xff, 0, 0, 2])
    expect(past.error >> 4).toBe(0x05)
    expect(packet(SECONDARY, [0x03, 0, 0, 0, 18]).data[12]).toBe(0x21)
  })

  it('answers MODE SENSE(10) for the capabilities page, GET CONFIGURATION, READ TOC and event status', () => {
    const {packet} = dvd()
    const mode = packet(SECONDARY, [0x5a, 0, 0x2a, 0, 0, 0, 0, 0, 64])
    expect(mode.status).toBe(0x50)
    expect(mode.data[8]).toBe(0x2a)
    expect(((mode.data[0]! << 8) | mode.data[1]!) + 2).toBe(mode.data.length)
    const config = packet(SECONDARY, [0x46, 0, 0, 0, 0, 0, 0, 0, 64])
    expect((config.data[6]! << 8) | config.data[7]!).toBe(0x0008) // a 10 MiB disc is a CD
    const toc = packet(SECONDARY, [0x43, 0, 0, 0, 0, 0, 0, 0, 64])
    expect(toc.data.length).toBe(20)
    expect(toc.data[14]).toBe(0xaa)
    expect(be32(toc.data, 16)).toBe((10 * MIB) / 2048)
    const events = packet(SECONDARY, [0x4a, 1, 0, 0, 0x10, 0, 0, 0, 8])
    expect(events.data[5]).toBe(0x02)
    const unknown = packet(SECONDARY, [0xff])
    expect(unknown.error).toBe(0x54)
    expect(packet(SECONDARY, [0x03, 0, 0, 0, 18]).data[12]).toBe(0x20)
  })

  it('refuses a DMA packet and keeps an ATA disk on the other position separate', () => {
    const disk = new MemoryMedium(MIB)
    const iso = new MemoryMedium(MIB, 2048, 2048, true)
    const kit = controller([
      {channel: 1, position: 0, kind: 'HardDisk', medium: disk},
      {channel: 1, position: 1, kind: 'DvdDrive', medium: iso},
    ])
    expect(kit.inb(SECONDARY + 4)).toBe(0)
    kit.outb(SECONDARY + 6, 0xb0)
    expect([kit.inb(SECONDARY + 4), kit.inb(SECONDARY + 5)]).toEqual([0x14, 0xeb])
    kit.outb(SECONDARY + 1, 0x01)
    kit.outb(SECONDARY + 7, 0xa0)
    expect(kit.inb(SECONDARY + 7)).toBe(0x51)
    const inquiry = kit.packet(SECONDARY, [0x12, 0, 0, 0, 36])
    expect(inquiry.data[0]).toBe(0x05)
    kit.outb(SECONDARY + 6, 0xa0)
    expect(kit.inb(SECONDARY + 7)).toBe(0x50)
  })

  it('saves between two data blocks of a READ and finishes it after restore', () => {
    const a = dvd()
    a.outb(SECONDARY + 1, 0)
    a.outb(SECONDARY + 4, 0x00)
    a.outb(SECONDARY + 5, 0x08) // 2048-byte blocks
    a.outb(SECONDARY + 7, 0xa0)
    a.writeWords(SECONDARY, Uint8Array.of(0x28, 0, 0, 0, 0, 1, 0, 0, 2, 0, 0, 0))
    a.inb(SECONDARY + 7)
    const first = a.readWords(SECONDARY, 1024)
    const saved = JSON.parse(JSON.stringify(a.ide.saveState()))
    const b = dvd()
    b.ide.restoreState(saved)
    expect(b.inb(SECONDARY + 7)).toBe(0x58)
    const second = b.readWords(SECONDARY, 1024)
    expect(b.inb(SECONDARY + 7)).toBe(0x50)
    const expected = new Uint8Array(4096)
    b.medium!.read(2048, expected)
    expect(new Uint8Array([...first, ...second])).toEqual(expected)
    const hd = controller([{channel: 1, position: 0, kind: 'HardDisk', medium: new MemoryMedium(MIB)}])
    expect(() => hd.ide.restoreState(saved)).toThrow(/DvdDrive/)
  })
})

import {describe, expect, it} from 'vitest'
import {InboundRing, OutboundRing, RING_CONTROL, RingError, RingPages} from '../../../src/core/vmbus/index.js'
import {FakePartitionLink, GuestRing} from '../../helpers/vmbus-client.js'

describe('ring buffers over scattered guest pages', () => {
  // Control page 40, data pages 90, 31, 77: nothing contiguous.
  const pfns = [40, 90, 31, 77]

  it('writes packets that straddle page boundaries and the wrap point where the guest expects them', () => {
    const link = new FakePartitionLink()
    const out = new OutboundRing(new RingPages(link.memory, pfns))
    const guest = new GuestRing(link.space, pfns)
    expect(out.dataSize).toBe(3 * 4096)
    let expectedSeq = 0
    for (let seq = 0; seq < 300; seq++) {
      const payload = Uint8Array.from({length: 100 + ((seq * 53) % 900)}, (_, i) => (i + seq) & 0xff)
      while (out.write(6, 0, BigInt(seq), payload) === 'full') {
        const p = guest.readPacket()!
        expect(p.transactionId).toBe(BigInt(expectedSeq++))
      }
    }
    while (guest.readPacket()) expectedSeq++
    expect(expectedSeq).toBe(300)
    // Every byte the host reported writing lies in the ring's pages.
    for (const w of link.writes) expect(pfns).toContain(Math.floor(w.gpa / 4096))
    expect(link.badWrites).toEqual([])
  })

  it('reads what the guest wrote across page boundaries and the wrap point', () => {
    const link = new FakePartitionLink()
    const inbound = new InboundRing(new RingPages(link.memory, pfns))
    const guest = new GuestRing(link.space, pfns)
    guest.writeIndex = guest.readIndex = 3 * 4096 - 64 // start near the end so packets wrap
    for (let seq = 0; seq < 50; seq++) {
      const payload = Uint8Array.from({length: 4000}, (_, i) => (i * 7 + seq) & 0xff)
      expect(guest.writePacket(payload, {transactionId: BigInt(seq)})).not.toBeNull()
      const read = inbound.readOne()!
      expect(read.packet.transactionId).toBe(BigInt(seq))
      expect(read.packet.payload).toEqual(payload)
      expect(read.ringBytes).toBe(16 + 4000 + 8)
      expect(inbound.readOne()).toBeNull()
    }
  })

  it('never fills the ring completely', () => {
    const link = new FakePartitionLink()
    const out = new OutboundRing(new RingPages(link.memory, [40, 41]))
    // 4096 data bytes. A packet takes 16 (descriptor) + data + 8 (trailer), and
    // the free space must exceed it: 4072 bytes of data (4096 in the ring) never
    // fit, 4064 (4088 in the ring) fit and leave 8 bytes free.
    expect(out.write(6, 0, 0n, new Uint8Array(4096 - 24))).toBe('full')
    expect(out.write(6, 0, 0n, new Uint8Array(4096 - 32))).toBe('written-signal')
    expect(out.space()).toBe(8)
    expect(out.write(6, 0, 0n, new Uint8Array(0))).toBe('full')
  })

  it('rejects rings of fewer than two pages and pages that are not RAM', () => {
    const link = new FakePartitionLink()
    expect(() => new RingPages(link.memory, [40])).toThrow(RingError)
    const ring = new InboundRing(new RingPages(link.memory, [40, 0x10000]))
    link.space.writeU32(40 * 4096 + RING_CONTROL.WRITE_INDEX, 64)
    expect(() => ring.readOne()).toThrow(/no longer guest RAM/)
  })
})

import {describe, expect, it} from 'vitest'
import {ManualClock} from '../../../src/core/devices/clock.js'
import {HeartbeatService} from '../../../src/core/devices/synthetic/heartbeat.js'
import {ShutdownService} from '../../../src/core/devices/synthetic/shutdown.js'
import {decodeIcPacket, encodeIcPacket, v} from '../../../src/core/devices/synthetic/ic-framework.js'
import {FakeEndpoint, OFF, incoming, linuxAnswer, linuxNegotiateAnswer, msgType, openAndNegotiate, put16, put32, u16, u32} from './ic-harness.js'

const offer = {name: 'Heartbeat', classId: '57164f39-9115-4e78-ab55-382f3bd5422d', instanceId: 'fd149e91-82e0-4a7d-afa6-2a4166cbd7c0'}
const shutdownOffer = {name: 'Shutdown', classId: '0e0b6031-5213-4934-818b-38d90ced39db', instanceId: 'b6650ff7-33bc-4840-8048-e0676786f393'}

describe('IC packet encoding', () => {
  it('lays out vmbuspipe_hdr and icmsg_hdr as Linux reads them', () => {
    const packet = encodeIcPacket(
      {frameworkVersion: v(3, 0), messageType: 1, messageVersion: v(3, 0), status: 0x80004005, icTransactionId: 0x1ab, flags: 3},
      new Uint8Array([9, 8, 7]),
    )
    expect(packet.length).toBe(31)
    expect(u32(packet, 0)).toBe(1) // VmPipeMessageData
    expect(u32(packet, 4)).toBe(23) // icmsg_hdr + body
    expect([u16(packet, 8), u16(packet, 10), u16(packet, 12), u16(packet, 14), u16(packet, 16), u16(packet, 18)]).toEqual([3, 0, 1, 3, 0, 3])
    expect(u32(packet, 20)).toBe(0x80004005)
    expect(packet[24]).toBe(0xab)
    expect(packet[25]).toBe(3)
    expect([...packet.subarray(28)]).toEqual([9, 8, 7])
    const decoded = decodeIcPacket(packet)
    expect(typeof decoded).toBe('object')
    if (typeof decoded === 'string') return
    expect(decoded.header.messageType).toBe(1)
    expect([...decoded.body]).toEqual([9, 8, 7])
  })

  it('reports short and oversize packets as malformed', () => {
    expect(decodeIcPacket(new Uint8Array(27))).toMatch(/shorter/)
    const packet = encodeIcPacket({frameworkVersion: v(3, 0), messageType: 1, messageVersion: v(3, 0), status: 0, icTransactionId: 0, flags: 5}, new Uint8Array(4))
    const badSize = packet.slice()
    put16(badSize, 18, 5)
    expect(decodeIcPacket(badSize)).toMatch(/icmsgsize 5/)
    const badPipe = packet.slice()
    put32(badPipe, 4, 100)
    expect(decodeIcPacket(badPipe)).toMatch(/msgsize 100/)
  })
})

describe('host-initiated negotiation', () => {
  it('sends NEGOTIATE on open with framework 1.0, 3.0 and the service versions', () => {
    const hb = new HeartbeatService({offer, clock: new ManualClock()})
    const endpoint = new FakeEndpoint()
    hb.opened(endpoint)
    const [negotiate] = endpoint.take()
    const p = negotiate!.payload
    expect(msgType(negotiate!)).toBe(0)
    expect(p[OFF.icflags]).toBe(3) // TRANSACTION | REQUEST
    expect(u16(p, OFF.msgSize)).toBe(8 + 4 * 4)
    expect(u32(p, OFF.pipeSize)).toBe(20 + 24)
    const b = OFF.body
    expect([u16(p, b), u16(p, b + 2), u32(p, b + 4)]).toEqual([2, 2, 0])
    const versions = [0, 1, 2, 3].map((i) => `${u16(p, b + 8 + 4 * i)}.${u16(p, b + 10 + 4 * i)}`)
    expect(versions).toEqual(['1.0', '3.0', '1.0', '3.0'])
    expect(negotiate!.transactionId).not.toBe(0n)
    expect(hb.status().negotiation).toBe('Negotiating')
  })

  it('ends with the highest common versions the guest chose', () => {
    const hb = new HeartbeatService({offer, clock: new ManualClock()})
    openAndNegotiate(hb, [[3, 0], [1, 0]])
    expect(hb.status()).toMatchObject({negotiation: 'Negotiated', frameworkVersion: '3.0', messageVersion: '3.0', channelOpen: true})
  })

  it('accepts a WS2008-era guest that only speaks framework 1.0 and heartbeat 1.0', () => {
    const hb = new HeartbeatService({offer, clock: new ManualClock()})
    const endpoint = openAndNegotiate(hb, [[1, 0]], [[1, 0]])
    expect(hb.status()).toMatchObject({negotiation: 'Negotiated', frameworkVersion: '1.0', messageVersion: '1.0'})
    // The first heartbeat carries the negotiated versions.
    const [beat] = endpoint.take()
    expect([u16(beat!.payload, OFF.frameMajor), u16(beat!.payload, OFF.msgMajor)]).toEqual([1, 1])
  })

  it('fails cleanly when there is no common version, and sends nothing more', () => {
    const clock = new ManualClock()
    const hb = new HeartbeatService({offer, clock})
    const endpoint = openAndNegotiate(hb, [[2, 0]])
    const status = hb.status()
    expect(status.negotiation).toBe('Failed')
    expect(status.lastError).toMatch(/none of the offered versions/)
    clock.advanceBy(10e9)
    expect(endpoint.take()).toEqual([])
    expect(hb.heartbeatStatus()).toBe('NoContact')
  })

  it('refuses a guest that picks a version the host did not offer, or answers with an error status', () => {
    const hb = new HeartbeatService({offer, clock: new ManualClock()})
    const endpoint = new FakeEndpoint()
    hb.opened(endpoint)
    const [negotiate] = endpoint.take()
    const answer = linuxNegotiateAnswer(negotiate!.payload, [[3, 0]], [[3, 0]])
    put16(answer, OFF.body + 12, 9)
    hb.receive(incoming(answer, negotiate!.transactionId))
    expect(hb.status().negotiation).toBe('Failed')
    expect(hb.status().lastError).toMatch(/9\.0/)

    const sd = new ShutdownService({offer: shutdownOffer, clock: new ManualClock()})
    const ep2 = new FakeEndpoint()
    sd.opened(ep2)
    const [neg2] = ep2.take()
    sd.receive(incoming(linuxAnswer(neg2!.payload, 0x80004005), neg2!.transactionId))
    expect(sd.status().negotiation).toBe('Failed')
  })

  it('renegotiates when the guest reopens the channel', () => {
    const hb = new HeartbeatService({offer, clock: new ManualClock()})
    openAndNegotiate(hb, [[1, 0]], [[1, 0]])
    hb.closed()
    expect(hb.status().channelOpen).toBe(false)
    openAndNegotiate(hb, [[3, 0]])
    expect(hb.status()).toMatchObject({negotiation: 'Negotiated', frameworkVersion: '3.0', messageVersion: '3.0'})
  })

  it('queues sends while the ring is full and flushes them on writable()', () => {
    const hb = new HeartbeatService({offer, clock: new ManualClock()})
    const endpoint = new FakeEndpoint()
    endpoint.full = true
    hb.opened(endpoint)
    expect(endpoint.sent).toHaveLength(0)
    expect(hb.status().counters.ringFull).toBe(1)
    endpoint.full = false
    hb.writable()
    const [negotiate] = endpoint.take()
    expect(msgType(negotiate!)).toBe(0)
  })

  it('marks negotiation failed when the guest never answers', () => {
    const clock = new ManualClock()
    const sd = new ShutdownService({offer: shutdownOffer, clock, responseTimeoutNs: 1e9})
    sd.opened(new FakeEndpoint())
    clock.advanceBy(2e9)
    expect(sd.status()).toMatchObject({negotiation: 'Failed'})
    expect(sd.status().counters.timeouts).toBe(1)
  })

  it('takes a negotiate answer that comes after the wait timed out (Linux holds KVP\'s until its daemon runs)', () => {
    const clock = new ManualClock()
    const sd = new ShutdownService({offer: shutdownOffer, clock, responseTimeoutNs: 1e9})
    const endpoint = new FakeEndpoint()
    sd.opened(endpoint)
    const [negotiate] = endpoint.take()
    clock.advanceBy(2e9)
    expect(sd.status()).toMatchObject({negotiation: 'Failed'})
    sd.receive(incoming(linuxNegotiateAnswer(negotiate!.payload, [[3, 0]], [[3, 0]]), negotiate!.transactionId))
    expect(sd.status()).toMatchObject({negotiation: 'Negotiated'})
  })
})

describe('malformed guest packets', () => {
  it('are ignored and counted, never thrown', () => {
    const clock = new ManualClock()
    const hb = new HeartbeatService({offer, clock})
    const endpoint = openAndNegotiate(hb, [[3, 0]])
    const [beat] = endpoint.take()
    const good = linuxAnswer(beat!.payload, 0, (buf) => put32(buf, OFF.body, u32(buf, OFF.body) + 1))

    const bad: Uint8Array[] = []
    bad.push(new Uint8Array(0))
    bad.push(good.subarray(0, 20)) // short
    const tooBig = good.slice()
    put16(tooBig, OFF.msgSize, 0xffff) // oversize icmsgsize
    bad.push(tooBig)
    const pipeBig = good.slice()
    put32(pipeBig, OFF.pipeSize, 0xffffffff)
    bad.push(pipeBig)
    const request = good.slice()
    request[OFF.icflags] = 3 // a request from the guest
    bad.push(request)
    const wrongType = good.slice()
    put16(wrongType, OFF.msgType, 3)
    bad.push(wrongType)
    const shortBody = good.slice(0, OFF.body + 4)
    put16(shortBody, OFF.msgSize, 4)
    put32(shortBody, OFF.pipeSize, 24)
    bad.push(shortBody)
    for (const payload of bad) expect(() => hb.receive(incoming(payload, beat!.transactionId))).not.toThrow()
    expect(() => hb.receive(incoming(good, beat!.transactionId, 11))).not.toThrow() // wrong VMBus packet type
    const counters = hb.status().counters
    expect(counters.malformed).toBe(bad.length + 1)
    expect(hb.heartbeatStatus()).toBe('NoContact')

    // Unknown transaction: unexpected, not malformed.
    hb.receive(incoming(good, 999n))
    expect(hb.status().counters.unexpected).toBe(1)

    // The real answer still works after all that.
    hb.receive(incoming(good, beat!.transactionId))
    expect(hb.heartbeatStatus()).toBe('OkApplicationsUnknown')
    // A duplicate of it is unexpected.
    hb.receive(incoming(good, beat!.transactionId))
    expect(hb.status().counters.unexpected).toBe(2)
  })

  it('finishes a negotiation that was in flight across save/restore', () => {
    const hb = new HeartbeatService({offer, clock: new ManualClock()})
    const endpoint = new FakeEndpoint()
    hb.opened(endpoint)
    const [oldNegotiate] = endpoint.take()
    const saved = JSON.parse(JSON.stringify(hb.saveState()))
    const restored = new HeartbeatService({offer, clock: new ManualClock()})
    const ep2 = new FakeEndpoint()
    restored.restoreState(saved, ep2)
    const [again] = ep2.take()
    expect(msgType(again!)).toBe(0)
    expect(again!.transactionId).not.toBe(oldNegotiate!.transactionId)
    // The guest answers the request it saw before the save.
    restored.receive(incoming(linuxNegotiateAnswer(oldNegotiate!.payload, [[3, 0]], [[3, 0]]), oldNegotiate!.transactionId))
    expect(restored.status()).toMatchObject({negotiation: 'Negotiated', messageVersion: '3.0'})
    // Its answer to the repeated request is then stale: ignored and counted.
    restored.receive(incoming(linuxNegotiateAnswer(again!.payload, [[3, 0]], [[3, 0]]), again!.transactionId))
    expect(restored.status().counters.unexpected).toBe(1)
    expect(restored.status().negotiation).toBe('Negotiated')
  })
})

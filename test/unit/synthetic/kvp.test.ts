import {describe, expect, it} from 'vitest'
import {ManualClock} from '../../../src/core/devices/clock.js'
import {KvpService} from '../../../src/core/devices/synthetic/kvp.js'
import {E_FAIL, FakeEndpoint, NO_MORE_ITEMS, OFF, type Sent, incoming, linuxAnswer, msgType, openAndNegotiate, put32, readUtf16, u16, u32, utf16} from './ic-harness.js'

const offer = {name: 'Key-Value Pair Exchange', classId: 'a9a0f4e7-5a45-4d96-b827-8a841e8c03e6', instanceId: '242ff919-07db-4180-9c2e-b86cb68c8c55'}
const B = OFF.body
// hv_kvp_exchg_msg_value offsets inside a SET/GET body (after the 4-byte hv_kvp_hdr).
const VAL = B + 4

/** A guest answering like Linux hv_kvp.c + the KVP daemon, with its pools in maps. */
class KvpGuest {
  readonly pools: Map<string, string>[] = [0, 1, 2, 3, 4].map(() => new Map())
  endStatus = NO_MORE_ITEMS

  answer(request: Sent): Uint8Array {
    const p = request.payload
    const op = p[B]!
    const pool = p[B + 1]!
    if (op === 1) {
      const key = readUtf16(p, VAL + 12, u32(p, VAL + 4))
      const value = readUtf16(p, VAL + 12 + 512, u32(p, VAL + 8))
      this.pools[pool]!.set(key, value)
      return linuxAnswer(p)
    }
    if (op === 2) {
      const key = readUtf16(p, B + 8, u32(p, B + 4))
      this.pools[pool]!.delete(key)
      return linuxAnswer(p)
    }
    if (op === 3) {
      const index = u32(p, B + 4)
      const entries = [...this.pools[pool]!]
      if (index >= entries.length) return linuxAnswer(p, this.endStatus)
      const [key, value] = entries[index]!
      return linuxAnswer(p, 0, (buf) => {
        const base = B + 8
        put32(buf, base, 1) // REG_SZ
        buf.set(utf16(key), base + 12)
        put32(buf, base + 4, 2 * (key.length + 1))
        buf.set(utf16(value), base + 12 + 512)
        put32(buf, base + 8, 2 * (value.length + 1))
      })
    }
    return linuxAnswer(p, E_FAIL)
  }

  /** Answers everything the host sent, repeatedly, until it is quiet. */
  serve(kvp: KvpService, endpoint: FakeEndpoint): number {
    let answered = 0
    for (let sent = endpoint.take(); sent.length; sent = endpoint.take()) {
      for (const s of sent) {
        kvp.receive(incoming(this.answer(s), s.transactionId))
        answered++
      }
    }
    return answered
  }
}

async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve()
}

describe('Key-Value Pair Exchange', () => {
  it('keeps host values set before the guest connects and pushes them in pool 0 after negotiation', async () => {
    const kvp = new KvpService({offer, clock: new ManualClock()})
    const early = await kvp.setHostValue('VirtualMachineName', 'web-01')
    expect(early).toMatchObject({delivered: false, status: 0x800708ca})
    expect(early.detail).toMatch(/kept and pushed/)
    await kvp.setHostValue('Gone', 'x')
    await kvp.deleteHostValue('Gone')
    expect(kvp.status().pendingPush).toBe(2)

    const guest = new KvpGuest()
    guest.pools[0]!.set('Gone', 'stale from a previous boot')
    const endpoint = openAndNegotiate(kvp, [[5, 0], [4, 0], [3, 0]])
    expect(kvp.status().messageVersion).toBe('5.0')
    // One request in flight at a time.
    expect(endpoint.sent).toHaveLength(1)
    const first = endpoint.sent[0]!
    expect(msgType(first)).toBe(2)
    expect(first.payload[OFF.icflags]).toBe(3)
    expect(guest.serve(kvp, endpoint)).toBe(2)
    expect(Object.fromEntries(guest.pools[0]!)).toEqual({VirtualMachineName: 'web-01'})
    expect(kvp.status().pendingPush).toBe(0)
  })

  it('encodes SET byte-exactly: UTF-16LE key and value with NUL-inclusive sizes, full-size value', async () => {
    const kvp = new KvpService({offer, clock: new ManualClock()})
    const endpoint = openAndNegotiate(kvp, [[5, 0]])
    const key = 'Größe-ключ'
    const value = 'v'.repeat(1022) + 'Ω' // 1023 code units: the maximum
    const pending = kvp.setHostValue(key, value)
    const [set] = endpoint.take()
    const p = set!.payload
    expect(u16(p, OFF.msgSize)).toBe(2576)
    expect([p[B], p[B + 1], u16(p, B + 2)]).toEqual([1, 0, 0]) // op SET, pool External
    expect(u32(p, VAL)).toBe(1) // REG_SZ
    expect(u32(p, VAL + 4)).toBe(2 * (key.length + 1))
    expect(u32(p, VAL + 8)).toBe(2048)
    expect([...p.subarray(VAL + 12, VAL + 12 + 2 * key.length)]).toEqual([...utf16(key)])
    expect(u16(p, VAL + 12 + 2 * key.length)).toBe(0)
    expect(readUtf16(p, VAL + 12 + 512, 2048)).toBe(value)
    expect(u16(p, VAL + 12 + 512 + 2046)).toBe(0)
    kvp.receive(incoming(linuxAnswer(p), set!.transactionId))
    await expect(pending).resolves.toMatchObject({delivered: true, status: 0})
    expect(kvp.hostValues()).toEqual({[key]: value})

    expect(() => kvp.setHostValue('k'.repeat(256), 'x')).toThrow(/255/)
    expect(() => kvp.setHostValue('k', 'x'.repeat(1024))).toThrow(/1023/)
    expect(() => kvp.setHostValue('', 'x')).toThrow(/non-empty/)
  })

  it('encodes DELETE as u32 key_size + key[512] and reports a refused operation', async () => {
    const kvp = new KvpService({offer, clock: new ManualClock()})
    const endpoint = openAndNegotiate(kvp, [[5, 0]])
    const pending = kvp.deleteHostValue('Owner')
    const [del] = endpoint.take()
    const p = del!.payload
    expect(u16(p, OFF.msgSize)).toBe(520)
    expect([p[B], p[B + 1]]).toEqual([2, 0])
    expect(u32(p, B + 4)).toBe(12)
    expect(readUtf16(p, B + 8, 12)).toBe('Owner')
    kvp.receive(incoming(linuxAnswer(p, E_FAIL), del!.transactionId))
    const r = await pending
    expect(r).toMatchObject({delivered: false, status: E_FAIL})
    expect(kvp.status().pendingPush).toBe(1)
  })

  it('reads a guest pool with ENUMERATE 0, 1, 2... until NO_MORE_ITEMS, and caches it', async () => {
    const clock = new ManualClock()
    const kvp = new KvpService({offer, clock})
    const endpoint = openAndNegotiate(kvp, [[5, 0]])
    const guest = new KvpGuest()
    guest.pools[2]!.set('FullyQualifiedDomainName', 'web-01.contoso.local')
    guest.pools[2]!.set('OSName', 'hvOS')
    guest.pools[2]!.set('OSMajorVersion', '1')
    const reading = kvp.readGuestPool(2)
    const [enumerate] = endpoint.sent
    expect(u16(enumerate!.payload, OFF.msgSize)).toBe(2580)
    expect([enumerate!.payload[B], enumerate!.payload[B + 1], u32(enumerate!.payload, B + 4)]).toEqual([3, 2, 0])
    clock.advanceBy(1000)
    expect(guest.serve(kvp, endpoint)).toBe(4)
    await expect(reading).resolves.toEqual({FullyQualifiedDomainName: 'web-01.contoso.local', OSName: 'hvOS', OSMajorVersion: '1'})
    expect(kvp.cachedGuestPool(2)).toMatchObject({complete: true, readAtNs: 1000, values: {OSName: 'hvOS'}})
    expect(kvp.cachedGuestPool(1)).toBeUndefined()
  })

  it('ends a read on E_FAIL (how Linux answers past the end) and decodes DWORD values', async () => {
    const kvp = new KvpService({offer, clock: new ManualClock()})
    const endpoint = openAndNegotiate(kvp, [[5, 0]])
    const reading = kvp.readGuestPool(1)
    const [e0] = endpoint.take()
    kvp.receive(incoming(linuxAnswer(e0!.payload, 0, (buf) => {
      put32(buf, B + 8, 4) // REG_DWORD
      put32(buf, B + 12, 12)
      put32(buf, B + 16, 4)
      buf.set(utf16('Build'), B + 20)
      put32(buf, B + 20 + 512, 19045)
    }), e0!.transactionId))
    const [e1] = endpoint.take()
    expect(u32(e1!.payload, B + 4)).toBe(1)
    kvp.receive(incoming(linuxAnswer(e1!.payload, E_FAIL), e1!.transactionId))
    await expect(reading).resolves.toEqual({Build: '19045'})
  })

  it('queues requests so only one is in flight, in order', async () => {
    const kvp = new KvpService({offer, clock: new ManualClock()})
    const endpoint = openAndNegotiate(kvp, [[5, 0]])
    const guest = new KvpGuest()
    guest.pools[1]!.set('A', '1')
    const a = kvp.setHostValue('one', '1')
    const read = kvp.readGuestPool(1)
    const b = kvp.setHostValue('two', '2')
    expect(endpoint.sent).toHaveLength(1)
    expect(kvp.status().queuedRequests).toBe(3)
    const order: number[] = []
    for (let sent = endpoint.take(); sent.length; sent = endpoint.take()) {
      expect(sent).toHaveLength(1)
      order.push(sent[0]!.payload[B]!)
      kvp.receive(incoming(guest.answer(sent[0]!), sent[0]!.transactionId))
    }
    expect(order).toEqual([1, 3, 3, 1]) // SET, ENUMERATE 0, ENUMERATE 1 (end), SET
    await expect(Promise.all([a, read, b])).resolves.toMatchObject([{delivered: true}, {A: '1'}, {delivered: true}])
  })

  it('rejects reads without a channel and fails queued work when the channel closes', async () => {
    const kvp = new KvpService({offer, clock: new ManualClock()})
    await expect(kvp.readGuestPool(2)).rejects.toThrow(/has not opened/)
    openAndNegotiate(kvp, [[5, 0]])
    const read = kvp.readGuestPool(2)
    const set = kvp.setHostValue('k', 'v')
    kvp.closed()
    await expect(read).rejects.toThrow(/closed/)
    await expect(set).resolves.toMatchObject({delivered: false})
    expect(kvp.hostValues()).toEqual({k: 'v'})
    await expect(kvp.readGuestPool(7 as never)).rejects.toThrow(/0-4/)
  })

  it('times out a silent guest instead of hanging', async () => {
    const clock = new ManualClock()
    const kvp = new KvpService({offer, clock, responseTimeoutNs: 1e9})
    openAndNegotiate(kvp, [[5, 0]])
    const read = kvp.readGuestPool(2)
    clock.advanceBy(1e9)
    await expect(read).rejects.toThrow(/did not answer/)
  })

  it('counts malformed enumerate answers (oversize sizes, unknown value type) without throwing', async () => {
    const kvp = new KvpService({offer, clock: new ManualClock()})
    const endpoint = openAndNegotiate(kvp, [[5, 0]])
    const reading = kvp.readGuestPool(2)
    const edits: ((buf: Uint8Array) => void)[] = [
      (buf) => { put32(buf, B + 8, 1); put32(buf, B + 12, 0x10000); put32(buf, B + 16, 4) }, // key_size too large
      (buf) => { put32(buf, B + 8, 1); put32(buf, B + 12, 4); put32(buf, B + 16, 4096); buf.set(utf16('k'), B + 20) }, // value_size too large
      (buf) => { put32(buf, B + 8, 99); put32(buf, B + 12, 4); buf.set(utf16('k'), B + 20) }, // unknown value type
    ]
    for (const edit of edits) {
      const [s] = endpoint.take()
      expect(() => kvp.receive(incoming(linuxAnswer(s!.payload, 0, edit), s!.transactionId))).not.toThrow()
    }
    const [last] = endpoint.take()
    kvp.receive(incoming(linuxAnswer(last!.payload, NO_MORE_ITEMS), last!.transactionId))
    await expect(reading).resolves.toEqual({})
    expect(kvp.status().counters.malformed).toBe(3)
    expect(kvp.status().lastError).toMatch(/value_type 99/)
  })

  it('saves and restores the host pool, unpushed changes and the cache', async () => {
    const kvp = new KvpService({offer, clock: new ManualClock()})
    const endpoint = openAndNegotiate(kvp, [[5, 0]])
    const guest = new KvpGuest()
    guest.pools[2]!.set('OSName', 'hvOS')
    const pushed = kvp.setHostValue('Delivered', 'yes')
    const read = kvp.readGuestPool(2)
    guest.serve(kvp, endpoint)
    await pushed
    await read
    void kvp.setHostValue('InFlight', 'maybe') // sent, never answered before the save
    await settle()
    const saved = JSON.parse(JSON.stringify(kvp.saveState()))

    const restored = new KvpService({offer, clock: new ManualClock()})
    const ep2 = new FakeEndpoint()
    restored.restoreState(saved, ep2)
    expect(restored.hostValues()).toEqual({Delivered: 'yes', InFlight: 'maybe'})
    expect(restored.cachedGuestPool(2)?.values).toEqual({OSName: 'hvOS'})
    // Only the unacknowledged change is pushed again on the restored channel.
    const again = ep2.take()
    expect(again).toHaveLength(1)
    expect(readUtf16(again[0]!.payload, VAL + 12, 512)).toBe('InFlight')

    expect(() => restored.restoreState({...saved, service_state: {hostPool: [[1, 2]], dirty: [], cache: []}}, null)).toThrow(/hostPool/)
    expect(restored.hostValues()).toEqual({Delivered: 'yes', InFlight: 'maybe'})
  })
})

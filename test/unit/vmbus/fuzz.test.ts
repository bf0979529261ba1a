import {describe, expect, it} from 'vitest'
import {CHANNELMSG, VMBUS_MESSAGE_CONNECTION_ID_4, VmbusServer, encodeGpaRanges} from '../../../src/core/vmbus/index.js'
import {EchoDevice, FakePartitionLink, VmbusTestClient, echoOffer, type GuestChannel} from '../../helpers/vmbus-client.js'

/** Small deterministic PRNG so a failure can be replayed from its seed. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

describe('VMBus fuzz', () => {
  it('survives random messages and ring contents without host exceptions or writes outside guest RAM', () => {
    // VMBUS_FUZZ_SEED replays a failing run.
    const seed = Number(process.env.VMBUS_FUZZ_SEED ?? Date.now()) >>> 0
    const rand = mulberry32(seed)
    const int = (n: number) => Math.floor(rand() * n)
    const randomBytes = (n: number) => Uint8Array.from({length: n}, () => int(256))

    const link = new FakePartitionLink(1 << 20)
    const devices = [new EchoDevice(echoOffer(0)), new EchoDevice(echoOffer(1))]
    let ringErrors = 0
    const server = new VmbusServer(link, {devices, log: (m) => (ringErrors += /ring/.test(m) ? 1 : 0)})
    const client = new VmbusTestClient(link)
    /** Pages the guest handed over in GPADLs that the host accepted: the only pages it may write, besides none. */
    const grantedPages = new Set<number>()
    const channels: GuestChannel[] = []

    const handshake = () => {
      client.take()
      client.initiateContact()
      client.requestOffers()
      for (const offer of client.offers.slice(0, 2)) {
        const ch = client.openChannel(offer, {toHostPages: 2 + int(3), toGuestPages: 2 + int(3)})
        ch.pfns.forEach((p) => grantedPages.add(p))
        channels.push(ch)
      }
    }
    handshake()
    const reconnect = () => {
      client.send({type: CHANNELMSG.UNLOAD})
      channels.length = 0
      for (const d of devices) if (server.relidOf(d) === null) server.offer(d)
      handshake()
    }

    const deadline = Date.now() + 2000
    let steps = 0
    try {
      while (Date.now() < deadline) {
        steps++
        // Garbage often disconnects the bus; start over so the rings get fuzzed too.
        if (!server.connected || channels.length < 2) reconnect()
        const action = int(10)
        const ch = channels[int(channels.length)]
        if (action === 0) {
          // Garbage message, often with a plausible type.
          const m = randomBytes(int(241))
          if (m.length >= 4 && rand() < 0.7) {
            // INITIATE_CONTACT and UNLOAD end the conversation: keep them rarer.
            const type = rand() < 0.1 ? [CHANNELMSG.INITIATE_CONTACT, CHANNELMSG.UNLOAD][int(2)] : 1 + int(13)
            new DataView(m.buffer).setUint32(0, type, true)
          }
          client.sendRaw(m, rand() < 0.8 ? 1 : VMBUS_MESSAGE_CONNECTION_ID_4, rand() < 0.95 ? 1 : int(4))
        } else if (action === 1) {
          // Random bytes over a control page or data page, then a signal.
          const page = ch.pfns[int(ch.pfns.length)]
          const offset = int(4096 - 16)
          link.space.write(page * 4096 + offset, randomBytes(1 + int(16)))
          client.signal(ch.connectionId)
        } else if (action === 2) {
          // Random but plausible indices.
          const ring = rand() < 0.5 ? ch.toHost : ch.toGuest
          ring.writeIndex = int(3) === 0 ? int(0x10000) : int(ring.dataSize / 8) * 8
          if (rand() < 0.5) ring.readIndex = int(ring.dataSize / 8) * 8
          if (rand() < 0.3) ring.pendingSendSize = int(ring.dataSize)
          if (rand() < 0.3) ring.interruptMask = int(2)
          client.signal(ch.connectionId)
        } else if (action === 3 || action === 4) {
          // Valid traffic: keeps channels in use between corruptions.
          try {
            client.sendPacket(ch, randomBytes(int(600)), {transactionId: BigInt(steps)})
            for (let i = 0; i < 4 && ch.toGuest.readPacket(); i++);
          } catch {
            // The guest-side helper trusts the host ring; fuzzed indices may make it read nonsense.
          }
        } else if (action === 5) {
          // Random GPADL header / body.
          const pfns = Array.from({length: 1 + int(40)}, () => (rand() < 0.8 ? 16 + int(240) : int(0x200000)))
          const data = encodeGpaRanges([{byteCount: int(3) === 0 ? int(0x100000) : pfns.length * 4096, byteOffset: int(2) ? 0 : int(5000), pfns}])
          const handle = 1 + int(64)
          client.send({
            type: CHANNELMSG.GPADL_HEADER,
            childRelid: int(4),
            gpadl: handle,
            rangeBufLen: rand() < 0.8 ? data.length : int(0x10000),
            rangeCount: rand() < 0.8 ? 1 : int(4),
            rangeData: data.subarray(0, Math.min(data.length, 8 + 26 * 8) & ~7),
          })
          if (rand() < 0.5) client.send({type: CHANNELMSG.GPADL_BODY, msgNumber: 1, gpadl: handle, pfnData: data.subarray(8 + 26 * 8)})
        } else if (action === 6) {
          client.send({
            type: CHANNELMSG.OPENCHANNEL,
            childRelid: int(4),
            openId: int(10),
            ringBufferGpadl: rand() < 0.5 ? 1 + int(64) : ch.gpadl,
            targetVp: int(3),
            downstreamPageOffset: int(8),
            userData: randomBytes(120),
          })
        } else if (action === 7) {
          const type = [CHANNELMSG.CLOSECHANNEL, CHANNELMSG.GPADL_TEARDOWN, CHANNELMSG.RELID_RELEASED, CHANNELMSG.REQUESTOFFERS][int(4)]
          const m = new Uint8Array(16)
          const v = new DataView(m.buffer)
          v.setUint32(0, type, true)
          v.setUint32(8, int(4), true)
          v.setUint32(12, rand() < 0.5 ? ch.gpadl : 1 + int(64), true)
          client.sendRaw(m)
        } else if (action === 8) {
          // Host-side churn: rescind / re-offer, pump.
          if (rand() < 0.5) {
            const d = devices[int(devices.length)]
            if (!server.rescind(d)) server.offer(d)
          }
          server.pump()
        } else {
          // Occasionally start over the way a rebooting guest does.
          if (rand() < 0.1) reconnect()
          else if (rand() < 0.05) {
            const saved = JSON.parse(JSON.stringify(server.saveState()))
            server.restoreState(saved)
          }
        }
        // Any GPADL the host accepted widens what it may legitimately write.
        for (const m of link.posted) {
          const type = new DataView(m.payload.buffer).getUint32(0, true)
          if (type === CHANNELMSG.GPADL_CREATED) {
            // Pages come from the server's own table via its statistics-free save state.
            for (const g of server.saveState().gpadls.complete) for (const r of g.ranges) r.pfns.forEach((p) => grantedPages.add(p))
          }
        }
        link.posted.length = 0
      }
    } catch (error) {
      throw new Error(`fuzz seed ${seed} step ${steps}: ${(error as Error).stack}`)
    }

    if (process.env.VMBUS_FUZZ_VERBOSE) console.log(seed, steps, JSON.stringify(server.statistics()))
    expect(steps).toBeGreaterThan(100)
    // The run exercised both the happy path and the ring validation.
    expect(devices.reduce((n, d) => n + d.received.length, 0)).toBeGreaterThan(0)
    expect(ringErrors).toBeGreaterThan(0)
    expect(link.badWrites, `seed ${seed}`).toEqual([])
    for (const w of link.writes) {
      const first = Math.floor(w.gpa / 4096)
      const last = Math.floor((w.gpa + w.length - 1) / 4096)
      for (let p = first; p <= last; p++) expect(grantedPages.has(p), `seed ${seed}: host wrote page ${p} it was never given`).toBe(true)
    }
    // The statistics stay JSON-friendly whatever happened.
    const stats = server.statistics()
    expect(JSON.parse(JSON.stringify(stats))).toEqual(stats)
  })
})

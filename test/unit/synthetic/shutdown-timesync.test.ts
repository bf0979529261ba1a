import {describe, expect, it} from 'vitest'
import {ManualClock} from '../../../src/core/devices/clock.js'
import {ShutdownService} from '../../../src/core/devices/synthetic/shutdown.js'
import {TimeSyncService} from '../../../src/core/devices/synthetic/timesync.js'
import {E_FAIL, FakeEndpoint, HOST_EPOCH_NS, OFF, type Sent, incoming, linuxAnswer, msgType, openAndNegotiate, readUtf16, u16, u32, u64} from './ic-harness.js'

const shutdownOffer = {name: 'Shutdown', classId: '0e0b6031-5213-4934-818b-38d90ced39db', instanceId: 'b6650ff7-33bc-4840-8048-e0676786f393'}
const timesyncOffer = {name: 'Time Synchronization', classId: '9527e630-d0ae-497b-adce-e80ab0175caf', instanceId: '2dd1ce17-079e-403c-b352-a1921ee207ee'}
const SECOND = 1_000_000_000

/** Old Linux shutdown_onchannelcallback: flags 0 or 1 → S_OK, anything else → E_FAIL. */
function linuxShutdownAnswer(request: Sent): Uint8Array {
  const flags = u32(request.payload, OFF.body + 8)
  return linuxAnswer(request.payload, flags === 0 || flags === 1 ? 0 : E_FAIL)
}

describe('Shutdown', () => {
  it('sends shutdown_msg_data and resolves accepted on S_OK', async () => {
    const sd = new ShutdownService({offer: shutdownOffer, clock: new ManualClock()})
    const endpoint = openAndNegotiate(sd, [[3, 0]])
    expect(sd.status().messageVersion).toBe('3.0')
    const result = sd.requestShutdown({restart: false, force: true, reason: 0x80000000, timeoutSeconds: 30, message: 'Bye ☃'})
    const [request] = endpoint.take()
    const p = request!.payload
    expect(msgType(request!)).toBe(3)
    expect(p[OFF.icflags]).toBe(3)
    expect(u16(p, OFF.msgSize)).toBe(12 + 2048)
    expect(u32(p, OFF.body)).toBe(0x80000000)
    expect(u32(p, OFF.body + 4)).toBe(30)
    expect(u32(p, OFF.body + 8)).toBe(1) // force
    expect(readUtf16(p, OFF.body + 12, 2048)).toBe('Bye ☃')
    sd.receive(incoming(linuxShutdownAnswer(request!), request!.transactionId))
    await expect(result).resolves.toMatchObject({accepted: true, status: 0})
    expect(sd.status()).toMatchObject({requestsSent: 1, accepted: 1, refused: 0})
  })

  it('resolves not accepted with the guest status when it answers E_FAIL (old Linux refusing a restart)', async () => {
    const sd = new ShutdownService({offer: shutdownOffer, clock: new ManualClock()})
    const endpoint = openAndNegotiate(sd, [[3, 0]])
    const result = sd.requestShutdown({restart: true, force: false})
    const [request] = endpoint.take()
    expect(u32(request!.payload, OFF.body + 8)).toBe(2) // restart
    sd.receive(incoming(linuxShutdownAnswer(request!), request!.transactionId))
    const r = await result
    expect(r).toMatchObject({accepted: false, status: E_FAIL})
    expect(r.detail).toMatch(/refused the request to restart.*E_FAIL/)
  })

  it('does not send anything when the channel is not open or not negotiated', async () => {
    const sd = new ShutdownService({offer: shutdownOffer, clock: new ManualClock()})
    const r = await sd.requestShutdown({restart: false, force: false})
    expect(r.accepted).toBe(false)
    expect(r.status).toBe(0x800708ca)
    expect(r.detail).toMatch(/has not opened/)

    const endpoint = new FakeEndpoint()
    sd.opened(endpoint)
    endpoint.take()
    const r2 = await sd.requestShutdown({restart: false, force: false})
    expect(r2.detail).toMatch(/still negotiating/)
    expect(endpoint.take()).toHaveLength(0)
  })

  it('resolves not accepted when the guest never answers or closes the channel', async () => {
    const clock = new ManualClock()
    const sd = new ShutdownService({offer: shutdownOffer, clock, responseTimeoutNs: 5 * SECOND})
    openAndNegotiate(sd, [[3, 0]])
    const timedOut = sd.requestShutdown({restart: false, force: false})
    clock.advanceBy(5 * SECOND)
    await expect(timedOut).resolves.toMatchObject({accepted: false, status: 0x800705b4})
    const closed = sd.requestShutdown({restart: false, force: false})
    sd.closed()
    await expect(closed).resolves.toMatchObject({accepted: false, status: 0x800708ca})
  })

  it('rejects bad request parameters as host errors', () => {
    const sd = new ShutdownService({offer: shutdownOffer, clock: new ManualClock()})
    expect(() => sd.requestShutdown({restart: false, force: false, timeoutSeconds: -1})).toThrow(/timeout/)
  })
})

describe('Time Synchronization', () => {
  const hostTimeNs = () => HOST_EPOCH_NS
  // 1_700_000_000_123_456_700 ns since 1970 → 100 ns units since 1601.
  const expectedParent = HOST_EPOCH_NS / 100n + 116444736000000000n

  it('sends a v4 SYNC at once, then a SAMPLE every 5 s (ictimesync_ref_data)', () => {
    const clock = new ManualClock(123_456_789)
    const ts = new TimeSyncService({offer: timesyncOffer, clock, hostTimeNs})
    const endpoint = openAndNegotiate(ts, [[4, 0], [3, 0], [1, 0]])
    expect(ts.status().messageVersion).toBe('4.0')
    const [sync] = endpoint.take()
    const p = sync!.payload
    expect(msgType(sync!)).toBe(4)
    expect(u16(p, OFF.msgSize)).toBe(22)
    expect(p.length).toBe(28 + 22)
    expect(u64(p, OFF.body)).toBe(expectedParent)
    expect(u64(p, OFF.body + 8)).toBe(1_234_567n) // vmreferencetime: clock ns / 100
    expect([...p.subarray(OFF.body + 16)]).toEqual([1, 0, 0, 0, 0, 0]) // flags SYNC, leapflags, stratum, reserved[3]

    clock.advanceBy(5 * SECOND - 1)
    expect(endpoint.take()).toHaveLength(0)
    clock.advanceBy(1)
    const [sample] = endpoint.take()
    expect(sample!.payload[OFF.body + 16]).toBe(2)
    ts.receive(incoming(linuxAnswer(sync!.payload), sync!.transactionId))
    ts.receive(incoming(linuxAnswer(sample!.payload), sample!.transactionId))
    expect(ts.status()).toMatchObject({syncsSent: 1, samplesSent: 1, samplesAnswered: 2, lastParentTime: expectedParent.toString()})
  })

  it('uses the v3 ictimesync_data layout when 3.0 is negotiated', () => {
    const clock = new ManualClock()
    const ts = new TimeSyncService({offer: timesyncOffer, clock, hostTimeNs})
    const endpoint = openAndNegotiate(ts, [[3, 0], [1, 0]])
    const [sync] = endpoint.take()
    const p = sync!.payload
    expect(u16(p, OFF.msgSize)).toBe(25)
    expect([u16(p, OFF.msgMajor), u16(p, OFF.msgMinor)]).toEqual([3, 0])
    expect(u64(p, OFF.body)).toBe(expectedParent)
    expect(u64(p, OFF.body + 8)).toBe(0n) // childtime
    expect(u64(p, OFF.body + 16)).toBe(0n) // roundtriptime
    expect(p[OFF.body + 24]).toBe(1)
  })

  it('sync() forces a SYNC and restarts the period; nothing is sent without a channel', () => {
    const clock = new ManualClock()
    const ts = new TimeSyncService({offer: timesyncOffer, clock, hostTimeNs, samplePeriodNs: 2 * SECOND})
    expect(ts.sync()).toBe(false)
    const endpoint = openAndNegotiate(ts, [[4, 0]])
    endpoint.take()
    clock.advanceBy(SECOND)
    expect(ts.sync()).toBe(true)
    const [forced] = endpoint.take()
    expect(forced!.payload[OFF.body + 16]).toBe(1)
    clock.advanceBy(SECOND)
    expect(endpoint.take()).toHaveLength(0)
    clock.advanceBy(SECOND)
    expect(endpoint.take()).toHaveLength(1)
    ts.closed()
    clock.advanceBy(10 * SECOND)
    expect(endpoint.take()).toHaveLength(0)
    expect(ts.status().syncsSent).toBe(2)
  })

  it('restores counters and keeps sampling without an automatic SYNC', () => {
    const clock = new ManualClock()
    const ts = new TimeSyncService({offer: timesyncOffer, clock, hostTimeNs})
    openAndNegotiate(ts, [[4, 0]])
    const saved = JSON.parse(JSON.stringify(ts.saveState()))
    const ts2 = new TimeSyncService({offer: timesyncOffer, clock, hostTimeNs})
    const ep = new FakeEndpoint()
    ts2.restoreState(saved, ep)
    expect(ts2.status()).toMatchObject({syncsSent: 1, negotiation: 'Negotiated', messageVersion: '4.0'})
    expect(ep.take()).toHaveLength(0)
    expect(ts2.sync()).toBe(true)
    expect(ep.take()[0]!.payload[OFF.body + 16]).toBe(1)
    clock.advanceBy(5 * SECOND)
    expect(ep.take()).toHaveLength(1)
  })
})

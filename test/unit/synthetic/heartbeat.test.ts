import {describe, expect, it} from 'vitest'
import {ManualClock} from '../../../src/core/devices/clock.js'
import {HeartbeatService} from '../../../src/core/devices/synthetic/heartbeat.js'
import {FakeEndpoint, OFF, type Sent, incoming, linuxAnswer, msgType, openAndNegotiate, put32, put64, u16, u64} from './ic-harness.js'

const offer = {name: 'Heartbeat', classId: '57164f39-9115-4e78-ab55-382f3bd5422d', instanceId: 'fd149e91-82e0-4a7d-afa6-2a4166cbd7c0'}
const SECOND = 1_000_000_000

/** Linux heartbeat_onchannelcallback: seq_num += 1, answered in place. */
function answerBeat(hb: HeartbeatService, beat: Sent, appState?: number): void {
  hb.receive(incoming(linuxAnswer(beat.payload, 0, (buf) => {
    put64(buf, OFF.body, u64(buf, OFF.body) + 1n)
    if (appState !== undefined) put32(buf, OFF.body + 8, appState)
  }), beat.transactionId))
}

function setup() {
  const clock = new ManualClock()
  const hb = new HeartbeatService({offer, clock})
  const endpoint: FakeEndpoint = openAndNegotiate(hb, [[3, 0], [1, 0]])
  return {clock, hb, endpoint}
}

describe('Heartbeat', () => {
  it('sends heartbeat_msg_data with a sequence number right after negotiation and every second', () => {
    const {clock, endpoint} = setup()
    const [first] = endpoint.take()
    expect(msgType(first!)).toBe(1)
    expect(first!.payload[OFF.icflags]).toBe(3)
    expect([u16(first!.payload, OFF.frameMajor), u16(first!.payload, OFF.msgMajor)]).toEqual([3, 3])
    expect(u16(first!.payload, OFF.msgSize)).toBe(40) // u64 seq_num + u32 reserved[8]
    expect(first!.payload.length).toBe(28 + 40)
    expect(u64(first!.payload, OFF.body)).toBe(0n)
    clock.advanceBy(SECOND - 1)
    expect(endpoint.take()).toHaveLength(0)
    clock.advanceBy(1)
    expect(endpoint.take()).toHaveLength(1)
    clock.advanceBy(3 * SECOND)
    expect(endpoint.take()).toHaveLength(3)
  })

  it('goes NoContact → OkApplicationsUnknown → LostCommunication → Ok again', () => {
    const {clock, hb, endpoint} = setup()
    expect(hb.heartbeatStatus()).toBe('NoContact')
    const [beat] = endpoint.take()
    answerBeat(hb, beat!)
    expect(hb.heartbeatStatus()).toBe('OkApplicationsUnknown')
    expect(hb.status()).toMatchObject({heartbeatsAnswered: 1, sequence: '1', applicationState: 0})

    // The next request continues from the guest's number.
    clock.advanceBy(SECOND)
    const [second] = endpoint.take()
    expect(u64(second!.payload, OFF.body)).toBe(1n)
    answerBeat(hb, second!)
    expect(hb.status().sequence).toBe('2')

    // Three silent intervals: still OK at exactly the threshold, lost just after.
    clock.advanceBy(3 * SECOND)
    expect(hb.heartbeatStatus()).toBe('OkApplicationsUnknown')
    clock.advanceBy(1)
    expect(hb.heartbeatStatus()).toBe('LostCommunication')
    // The host keeps asking; an answer to a current request brings it back.
    endpoint.take()
    clock.advanceBy(SECOND)
    const [late] = endpoint.take()
    answerBeat(hb, late!)
    expect(hb.heartbeatStatus()).toBe('OkApplicationsUnknown')
  })

  it('reports the application state a version-3 guest puts in its answer', () => {
    const {clock, hb, endpoint} = setup()
    answerBeat(hb, endpoint.take()[0]!, 1)
    expect(hb.heartbeatStatus()).toBe('OkApplicationsHealthy')
    clock.advanceBy(SECOND)
    answerBeat(hb, endpoint.take()[0]!, 2)
    expect(hb.heartbeatStatus()).toBe('OkApplicationsCritical')
  })

  it('never reaches Ok on a wrong sequence number, and counts it', () => {
    const {hb, endpoint} = setup()
    const [beat] = endpoint.take()
    hb.receive(incoming(linuxAnswer(beat!.payload, 0, (buf) => put64(buf, OFF.body, 77n)), beat!.transactionId))
    expect(hb.heartbeatStatus()).toBe('NoContact')
    expect(hb.status().sequenceErrors).toBe(1)
    expect(hb.status().counters.malformed).toBe(1)
  })

  it('stays NoContact for a guest that never answers, and stops beating when the channel closes', () => {
    const {clock, hb, endpoint} = setup()
    clock.advanceBy(10 * SECOND)
    expect(hb.heartbeatStatus()).toBe('NoContact')
    expect(hb.status().counters.timeouts).toBeGreaterThan(0)
    hb.closed()
    endpoint.take()
    clock.advanceBy(10 * SECOND)
    expect(endpoint.take()).toHaveLength(0)
    expect(clock.pendingTimers).toBe(0)
  })

  it('reports LostCommunication when the channel closes after contact', () => {
    const {hb, endpoint} = setup()
    answerBeat(hb, endpoint.take()[0]!)
    hb.closed()
    expect(hb.heartbeatStatus()).toBe('LostCommunication')
  })

  it('uses an injectable interval', () => {
    const clock = new ManualClock()
    const hb = new HeartbeatService({offer, clock, intervalNs: 250_000_000, lostAfterIntervals: 2})
    const endpoint = openAndNegotiate(hb, [[3, 0]])
    endpoint.take()
    clock.advanceBy(SECOND)
    expect(endpoint.take()).toHaveLength(4)
    expect(() => new HeartbeatService({offer, clock, intervalNs: 0})).toThrow(/positive/)
  })

  it('saves and restores sequence and contact, then continues beating on the restored channel', () => {
    const {clock, hb, endpoint} = setup()
    answerBeat(hb, endpoint.take()[0]!)
    clock.advanceBy(SECOND)
    answerBeat(hb, endpoint.take()[0]!)
    const saved = JSON.parse(JSON.stringify(hb.saveState()))

    const clock2 = new ManualClock(clock.nowNs())
    const restored = new HeartbeatService({offer, clock: clock2})
    const ep2 = new FakeEndpoint()
    restored.restoreState(saved, ep2)
    expect(restored.status()).toMatchObject({negotiation: 'Negotiated', messageVersion: '3.0', sequence: '2', heartbeatsAnswered: 2})
    expect(restored.heartbeatStatus()).toBe('OkApplicationsUnknown')
    const [beat] = ep2.take()
    expect(msgType(beat!)).toBe(1)
    expect(u64(beat!.payload, OFF.body)).toBe(2n)
    // Transaction ids continue past the saved ones.
    expect(beat!.transactionId).toBeGreaterThan(BigInt(saved.common.nextTransactionId) - 1n)
  })

  it('refuses a bad saved state and changes nothing', () => {
    const {hb} = setup()
    const before = hb.status()
    expect(() => hb.restoreState({version: 99}, null)).toThrow(/version 99/)
    const saved = hb.saveState() as Record<string, unknown>
    expect(() => hb.restoreState({...saved, service_state: {sequence: 'x'}} as never, null)).toThrow(/sequence/)
    expect(() => hb.restoreState({...saved, service: 'Shutdown'} as never, null)).toThrow(/Shutdown/)
    expect(hb.status()).toEqual(before)
  })
})

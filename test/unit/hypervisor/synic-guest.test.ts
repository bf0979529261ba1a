import {describe, expect, it} from 'vitest'

import {HV_MESSAGE, HV_STATUS, type PartitionSavedState} from '../../../src/core/hypervisor/index.js'
import {bootProgram, GP, type Machine, run} from './guest-harness.js'

const SENDER = 0x1234
const MESSAGE_TYPE = 0x11

/** The root's answers to the synic program: two messages on SINT2, then flag 5 of SINT3 each time it asks. */
function rootFor(machine: Machine, statuses: number[], stopAfterMessages = false) {
  return (port: number): boolean => {
    const p = machine.partition
    if (port === 0x501) {
      for (const text of ['msg1', 'msg2']) {
        statuses.push(p.postMessage(0, 2, MESSAGE_TYPE, new TextEncoder().encode(text), SENDER))
      }
      return stopAfterMessages
    }
    if (port === 0x502) statuses.push(p.signalEvent(0, 3, 5))
    return false
  }
}

const ascii = (text: string) => Buffer.from(text, 'latin1').readUInt32LE(0)

function expectedReports(): unknown[] {
  return [
    1, // SVERSION
    0x10000, // SINT0 reset value
    GP, // unmasked SINT with vector 5
    0x210001, // SIMP
    // first message: MessagePending set, because the second is queued behind it
    MESSAGE_TYPE, 4, 1, SENDER, ascii('msg1'),
    // second message, delivered on EOM
    MESSAGE_TYPE, 4, 0, SENDER, ascii('msg2'),
    0x20, // SIEF byte of SINT3: flag 5
    1, // a second signal of a set flag does not interrupt
    2, // after the guest cleared it, it does
    0x40009, // STIMER0 auto-enabled by COUNT
    HV_MESSAGE.TIMER_EXPIRED, 24, 0, // one-shot message
    0x40008, // ... and the timer disabled itself
    HV_MESSAGE.TIMER_EXPIRED, 24, 0,
    HV_MESSAGE.TIMER_EXPIRED, 24, 0,
    HV_MESSAGE.TIMER_EXPIRED, 24, 0,
    5000, 5000, // periodic expirations 0.5 ms apart
  ]
}

describe('a guest using its SynIC', () => {
  it('receives root-posted messages, event flags and synthetic timer messages with the TLFS layout', () => {
    const machine = bootProgram('synic')
    const statuses: number[] = []
    const log = run(machine, rootFor(machine, statuses))
    expect(log.ended).toBe('exit')
    expect(log.reports).toEqual(expectedReports())
    expect(statuses).toEqual([HV_STATUS.SUCCESS, HV_STATUS.SUCCESS, HV_STATUS.SUCCESS, HV_STATUS.SUCCESS, HV_STATUS.SUCCESS])
    const synic = machine.vp.synic
    expect(synic.stats).toMatchObject({messages: 6, queued: 1, events: 2})
    expect(machine.vp.stimers.expirations[0]).toBe(4)
  })

  it('saves and restores mid-message: the queued message and the timers carry over', () => {
    const machine = bootProgram('synic')
    const reference = run(machine, rootFor(machine, []))
    expect(reference.reports).toEqual(expectedReports())
    const first = bootProgram('synic')
    const partial = run(first, rootFor(first, [], true))
    expect(partial.ended).toBe('stopped')
    expect(first.vp.synic.queuedMessages).toBe(1)
    const saved = JSON.parse(JSON.stringify(first.partition.saveState())) as PartitionSavedState
    const clockNs = first.clock.nowNs()
    const ram = first.partition.memory.ram.slice(0, first.partition.memory.ramBytes)

    const second = bootProgram('synic')
    second.partition.memory.ram.set(ram)
    second.clock.restore(clockNs)
    second.partition.restoreState(saved)
    const statuses: number[] = []
    const rest = run(second, rootFor(second, statuses))
    expect(rest.ended).toBe('exit')
    expect([...partial.reports, ...rest.reports]).toEqual(reference.reports)
    expect(second.vp.synic.queuedMessages).toBe(0)
  })

  it('refuses messages while the SynIC is off, and queues at most 16 behind an occupied slot', () => {
    const machine = bootProgram('synic')
    const p = machine.partition
    const payload = new Uint8Array(8)
    expect(p.postMessage(0, 2, 1, payload)).toBe(HV_STATUS.INVALID_SYNIC_STATE)
    expect(p.signalEvent(0, 2, 1)).toBe(HV_STATUS.INVALID_SYNIC_STATE)
    expect(p.postMessage(1, 2, 1, payload)).toBe(HV_STATUS.INVALID_VP_INDEX)
    // Run up to the first request: SCONTROL, SIMP and SIEFP are on, SINT2 unmasked.
    run(machine, (port) => port === 0x501)
    expect(p.postMessage(0, 2, 1, new Uint8Array(241))).toBe(HV_STATUS.INVALID_PARAMETER)
    expect(p.postMessage(0, 2, 0, payload)).toBe(HV_STATUS.INVALID_PARAMETER)
    expect(p.postMessage(0, 7, 1, payload)).toBe(HV_STATUS.INVALID_SYNIC_STATE) // SINT7 masked
    const results = Array.from({length: 18}, () => p.postMessage(0, 2, 1, payload))
    expect(results.slice(0, 17).every((s) => s === HV_STATUS.SUCCESS)).toBe(true) // 1 in the slot + 16 queued
    expect(results[17]).toBe(HV_STATUS.INSUFFICIENT_BUFFERS)
    expect(p.signalEvent(0, 3, 2048)).toBe(HV_STATUS.INVALID_PARAMETER)
  })

  it('delivers a queued message once the guest frees the slot, even without EOM', () => {
    const machine = bootProgram('synic')
    const p = machine.partition
    run(machine, (port) => port === 0x501)
    const slot = 0x210000 + 2 * 256
    expect(p.postMessage(0, 2, 7, new Uint8Array([1]))).toBe(HV_STATUS.SUCCESS)
    expect(p.postMessage(0, 2, 8, new Uint8Array([2]))).toBe(HV_STATUS.SUCCESS)
    expect(p.memory.readU32(slot)).toBe(7)
    expect(p.memory.read(slot + 5, 1)![0]).toBe(1) // MessagePending
    p.memory.writeU32(slot, 0) // the guest frees the slot but forgets EOM
    machine.vp.run(1)
    expect(p.memory.readU32(slot)).toBe(8)
    expect(p.memory.read(slot + 5, 1)![0]).toBe(0)
  })
})

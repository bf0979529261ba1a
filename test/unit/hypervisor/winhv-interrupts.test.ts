import {describe, expect, it} from 'vitest'

import {ManualClock} from '../../../src/core/devices/clock.js'
import {HV_CALL, HV_MSR, HV_STATUS, Hypervisor} from '../../../src/core/hypervisor/index.js'
import {writeSyntheticMsr} from '../../../src/core/hypervisor/synthetic-msrs.js'
import type {VmbusPartitionLink} from '../../../src/core/vmbus/partition-link.js'
import {createVmbusPartitionLink, WinHv} from '../../../src/core/worker/winhv.js'

function setup() {
  const hypervisor = new Hypervisor(1)
  const winhv = new WinHv(hypervisor)
  const {partition} = winhv.createPartition({name: 't', memoryBytes: 4 << 20, time: new ManualClock()})
  partition!.memory.mapRam(0, 4 << 20)
  const vp = partition!.createVp()
  const pending: number[] = []
  partition!.onInterruptPending((index) => pending.push(index))
  return {winhv, partition: partition!, vp, pending}
}

describe('WinHv interrupt and SynIC calls', () => {
  it('asserts virtual interrupts into the local APIC, waking the VP, and reports level EOIs', () => {
    const {winhv, partition, vp, pending} = setup()
    const eois: number[] = []
    partition.onEndOfInterrupt((vector) => eois.push(vector))
    vp.apic.writeRegister(0xf0, 0x1ff)
    expect(winhv.assertVirtualInterrupt(partition.id, 0x41, {level: true})).toBe(HV_STATUS.SUCCESS)
    expect(pending).toEqual([0])
    expect(vp.interruptPending).toBe(true)
    expect(vp.apic.acknowledge()).toBe(0x41)
    vp.apic.endOfInterrupt()
    expect(eois).toEqual([0x41])
    expect(winhv.assertVirtualInterrupt(partition.id, 3)).toBe(HV_STATUS.INVALID_PARAMETER)
    expect(winhv.assertVirtualInterrupt(partition.id, 0x41, {destination: 5})).toBe(HV_STATUS.INVALID_VP_INDEX)
    expect(winhv.assertVirtualInterrupt(999, 0x41)).toBe(HV_STATUS.INVALID_PARTITION_ID)
    expect(winhv.calls.get(HV_CALL.AssertVirtualInterrupt)).toBe(4)
  })

  it('post messages and signal events for the VMBus server through the partition link', () => {
    const {winhv, partition, vp} = setup()
    const link: VmbusPartitionLink = createVmbusPartitionLink(winhv, partition)
    expect(link.postMessage(0, 2, 1, new Uint8Array(4))).toBe(HV_STATUS.INVALID_SYNIC_STATE)
    writeSyntheticMsr(vp, HV_MSR.SCONTROL, 1, 0)
    writeSyntheticMsr(vp, HV_MSR.SIMP, 0x100001, 0)
    writeSyntheticMsr(vp, HV_MSR.SIEFP, 0x101001, 0)
    writeSyntheticMsr(vp, HV_MSR.SINT0 + 2, 0x50, 0)
    expect(link.postMessage(0, 2, 1, new Uint8Array([1, 2, 3, 4]))).toBe(HV_STATUS.SUCCESS)
    expect(partition.memory.readU32(0x100000 + 512)).toBe(1)
    expect(link.signalEvent(0, 2, 4)).toBe(HV_STATUS.SUCCESS)
    expect(partition.memory.read(0x101000 + 512, 1)![0]).toBe(0x10)
    expect(winhv.calls.get(HV_CALL.PostMessageDirect)).toBe(2)
    expect(winhv.calls.get(HV_CALL.SignalEventDirect)).toBe(1)
    const view = link.memory.view(0x5000, 8)!
    view.set([1, 2, 3])
    link.memory.wrote(0x5000, 8)
    expect(partition.memory.ramWritten[5]).toBe(1)
    link.connect(9, {kind: 'event', signal: () => HV_STATUS.SUCCESS})
    expect(partition.connections.signalEvent(9, 0)).toBe(HV_STATUS.SUCCESS)
    link.disconnect(9)
    expect(partition.connections.signalEvent(9, 0)).toBe(HV_STATUS.INVALID_CONNECTION_ID)
  })

  it('are denied to a root without the privilege', () => {
    const {winhv, partition, vp} = setup()
    void vp
    const root = (winhv as unknown as {hypervisor: Hypervisor}).hypervisor.root
    const saved = root.privileges
    root.privileges = {low: saved.low, high: 0}
    try {
      expect(winhv.postMessage(partition.id, 0, 2, 1, new Uint8Array(1))).toBe(HV_STATUS.ACCESS_DENIED)
      expect(winhv.signalEvent(partition.id, 0, 2, 1)).toBe(HV_STATUS.ACCESS_DENIED)
      expect(winhv.assertVirtualInterrupt(partition.id, 0x40)).toBe(HV_STATUS.ACCESS_DENIED)
    } finally {
      root.privileges = saved
    }
  })
})

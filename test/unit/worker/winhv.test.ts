import {describe, expect, it} from 'vitest'

import {HV_CALL, HV_STATUS, Hypervisor} from '../../../src/core/hypervisor/index.js'
import {Vid} from '../../../src/core/worker/vid.js'
import {HV_INTERCEPT_TYPE, WinHv} from '../../../src/core/worker/winhv.js'

describe('WinHv, the root\'s hypercalls', () => {
  it('creates a partition, maps memory, creates VPs and installs intercepts, counting each call', () => {
    const winhv = new WinHv(new Hypervisor(2))
    const {status, partition} = winhv.createPartition({name: 'p', memoryBytes: 1 << 20})
    expect(status).toBe(HV_STATUS.SUCCESS)
    expect(winhv.mapGpaPages(partition!.id, 0, 1 << 20)).toBe(HV_STATUS.SUCCESS)
    expect(partition!.memory.isRam(0x1000, 16)).toBe(true)
    expect(winhv.unmapGpaPages(partition!.id, 0xa0000, 0x20000)).toBe(HV_STATUS.SUCCESS)
    expect(partition!.memory.isRam(0xa0000, 1)).toBe(false)
    expect(winhv.createVp(partition!.id, 0)).toBe(HV_STATUS.SUCCESS)
    expect(winhv.installIntercept(partition!.id, HV_INTERCEPT_TYPE.X64_EXCEPTION, 6)).toBe(HV_STATUS.SUCCESS)
    expect(partition!.vps[0].cpu.intercepts.exceptionBitmap & (1 << 6)).not.toBe(0)
    expect(winhv.calls.get(HV_CALL.MapGpaPages)).toBe(1)
    expect(winhv.calls.get(HV_CALL.CreateVp)).toBe(1)
  })

  it('answers with the TLFS statuses for bad requests', () => {
    const winhv = new WinHv(new Hypervisor())
    const {partition} = winhv.createPartition({name: 'p', memoryBytes: 1 << 20})
    expect(winhv.mapGpaPages(999, 0, 4096)).toBe(HV_STATUS.INVALID_PARTITION_ID)
    expect(winhv.mapGpaPages(partition!.id, 0x123, 4096)).toBe(HV_STATUS.INVALID_PARAMETER)
    expect(winhv.mapGpaPages(partition!.id, 0, 2 << 20)).toBe(HV_STATUS.INVALID_PARAMETER) // more RAM than it has
    expect(winhv.createVp(partition!.id, 5)).toBe(HV_STATUS.INVALID_VP_INDEX)
    expect(winhv.installIntercept(partition!.id, HV_INTERCEPT_TYPE.X64_IO_PORT, 0x3f8)).toBe(HV_STATUS.INVALID_PARAMETER)
    expect(winhv.deletePartition(partition!.id)).toBe(HV_STATUS.SUCCESS)
    expect(winhv.deletePartition(partition!.id)).toBe(HV_STATUS.INVALID_PARTITION_ID)
  })

  it('is what the VID goes through: a failed call is an error naming the hypercall', () => {
    const vid = new Vid(new Hypervisor())
    const partition = vid.createPartition({name: 'p', memoryBytes: 1 << 20})
    expect(() => partition.mapRam(0x123, 4096)).toThrow(/HvMapGpaPages 0x123 failed with HV_STATUS 0x0005/)
    expect(vid.winhv.calls.get(HV_CALL.CreatePartition)).toBe(1)
  })
})

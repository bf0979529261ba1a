import {describe, expect, it} from 'vitest'

import {Reg} from '../../../src/core/cpu/api.js'
import {ManualClock} from '../../../src/core/devices/clock.js'
import {hypervisorCpuid} from '../../../src/core/hypervisor/cpuid-leaves.js'
import {dispatchGuestHypercall} from '../../../src/core/hypervisor/hypercalls.js'
import {
  CHILD_PRIVILEGES, HV_CALL, HV_MESSAGE, HV_MSR, HV_PRIVILEGE_LOW as L, HV_STATUS, Hypervisor, PARTITION_STATE_VERSION,
  type PrivilegeMask,
} from '../../../src/core/hypervisor/index.js'
import {readSyntheticMsr, writeSyntheticMsr} from '../../../src/core/hypervisor/synthetic-msrs.js'

const MIB = 1024 * 1024

function machine(privileges: PrivilegeMask = CHILD_PRIVILEGES) {
  const clock = new ManualClock(1_000_000)
  const partition = new Hypervisor(1).createPartition({name: 't', memoryBytes: 4 * MIB, time: clock, privileges})
  partition.memory.mapRam(0, 4 * MIB)
  const vp = partition.createVp()
  vp.cpu.enterMultibootState(0x100000, 0x2badb002, 0)
  return {clock, partition, vp}
}

function enableSynic(vp: ReturnType<typeof machine>['vp']): void {
  expect(writeSyntheticMsr(vp, HV_MSR.SCONTROL, 1, 0)).toBe(true)
  expect(writeSyntheticMsr(vp, HV_MSR.SIMP, 0x200001, 0)).toBe(true)
  expect(writeSyntheticMsr(vp, HV_MSR.SIEFP, 0x201001, 0)).toBe(true)
}

describe('SynIC, synthetic timer and interrupt-control MSRs', () => {
  it('are denied (#GP) without their privileges', () => {
    const {vp} = machine({low: CHILD_PRIVILEGES.low & ~(L.AccessSynicRegs | L.AccessSyntheticTimerRegs | L.AccessIntrCtrlRegs | L.AccessFrequencyRegs), high: CHILD_PRIVILEGES.high})
    for (const msr of [HV_MSR.SCONTROL, HV_MSR.SVERSION, HV_MSR.SIMP, HV_MSR.SINT0 + 2, HV_MSR.STIMER0_CONFIG, HV_MSR.TPR, HV_MSR.APIC_FREQUENCY]) {
      expect(readSyntheticMsr(vp, msr), msr.toString(16)).toBeNull()
    }
    for (const msr of [HV_MSR.SCONTROL, HV_MSR.SIMP, HV_MSR.EOM, HV_MSR.SINT0, HV_MSR.STIMER0_COUNT, HV_MSR.EOI, HV_MSR.ICR]) {
      expect(writeSyntheticMsr(vp, msr, 1, 0), msr.toString(16)).toBe(false)
    }
  })

  it('are offered to a child, and CPUID says so', () => {
    const {vp} = machine()
    expect(CHILD_PRIVILEGES.low & (L.AccessSynicRegs | L.AccessSyntheticTimerRegs | L.AccessIntrCtrlRegs | L.AccessFrequencyRegs)).toBe(
      L.AccessSynicRegs | L.AccessSyntheticTimerRegs | L.AccessIntrCtrlRegs | L.AccessFrequencyRegs,
    )
    expect(CHILD_PRIVILEGES.low & L.AccessPartitionReferenceTsc).toBe(0)
    const ctx = {privileges: CHILD_PRIVILEGES, maxVirtualProcessors: 64, maxLogicalProcessors: 1}
    expect(hypervisorCpuid(0x40000003, ctx)![3]).toBe((1 << 8) | (1 << 10)) // frequency MSRs, guest crash MSRs available
    expect(hypervisorCpuid(0x40000004, ctx)![0]).toBe((1 << 3) | (1 << 5)) // APIC via MSRs, relaxed timing
    expect(readSyntheticMsr(vp, HV_MSR.SVERSION)).toEqual([1, 0])
    expect(readSyntheticMsr(vp, HV_MSR.APIC_FREQUENCY)).toEqual([100_000_000, 0])
    expect(readSyntheticMsr(vp, HV_MSR.EOM)).toEqual([0, 0])
    expect(writeSyntheticMsr(vp, HV_MSR.SVERSION, 1, 0)).toBe(false)
  })

  it('keep the VP assist page Linux registers: reserved bits and pages outside the partition are refused, and it is saved', () => {
    const {vp, partition} = machine()
    expect(readSyntheticMsr(vp, HV_MSR.VP_ASSIST_PAGE)).toEqual([0, 0])
    expect(writeSyntheticMsr(vp, HV_MSR.VP_ASSIST_PAGE, 0x10fc001, 0)).toBe(true)
    expect(readSyntheticMsr(vp, HV_MSR.VP_ASSIST_PAGE)).toEqual([0x10fc001, 0])
    expect(writeSyntheticMsr(vp, HV_MSR.VP_ASSIST_PAGE, 0x10fc003, 0)).toBe(false)
    expect(writeSyntheticMsr(vp, HV_MSR.VP_ASSIST_PAGE, 0x1, 1)).toBe(false)
    const saved = JSON.parse(JSON.stringify(partition.saveState()))
    expect(saved.vps[0].vpAssistPage).toEqual([0x10fc001, 0])
    partition.reset()
    expect(readSyntheticMsr(vp, HV_MSR.VP_ASSIST_PAGE)).toEqual([0, 0])
    partition.restoreState(saved)
    expect(readSyntheticMsr(vp, HV_MSR.VP_ASSIST_PAGE)).toEqual([0x10fc001, 0])
    delete saved.vps[0].vpAssistPage // a state from before hv kept it
    partition.restoreState(saved)
    expect(readSyntheticMsr(vp, HV_MSR.VP_ASSIST_PAGE)).toEqual([0, 0])
  })

  it('check SINT vectors: 16-255 when unmasked, anything while masked', () => {
    const {vp} = machine()
    expect(readSyntheticMsr(vp, HV_MSR.SINT0 + 9)).toEqual([0x10000, 0])
    expect(writeSyntheticMsr(vp, HV_MSR.SINT0 + 9, 15, 0)).toBe(false)
    expect(writeSyntheticMsr(vp, HV_MSR.SINT0 + 9, 0x10005, 0)).toBe(true)
    expect(writeSyntheticMsr(vp, HV_MSR.SINT0 + 9, 0xfff700ff, 0)).toBe(true)
    expect(readSyntheticMsr(vp, HV_MSR.SINT0 + 9)).toEqual([0x700ff, 0]) // reserved bits dropped
  })

  it('lay SIMP over RAM, keep its contents when it moves, and give the RAM back when disabled', () => {
    const {vp, partition} = machine()
    partition.memory.write(0x200000, new Uint8Array([9, 9, 9, 9]))
    enableSynic(vp)
    writeSyntheticMsr(vp, HV_MSR.SINT0 + 1, 0x40, 0)
    expect(partition.postMessage(0, 1, 5, new Uint8Array([1, 2, 3]))).toBe(HV_STATUS.SUCCESS)
    expect(partition.memory.readU32(0x200000 + 256)).toBe(5)
    expect(writeSyntheticMsr(vp, HV_MSR.SIMP, 0x300001, 0)).toBe(true)
    expect(partition.memory.readU32(0x300000 + 256)).toBe(5)
    expect([...partition.memory.read(0x200000, 4)!]).toEqual([9, 9, 9, 9])
    expect(writeSyntheticMsr(vp, HV_MSR.SIMP, 0x300000, 0)).toBe(true)
    expect(partition.memory.readU32(0x300000 + 256)).toBe(0)
    expect(readSyntheticMsr(vp, HV_MSR.SIMP)).toEqual([0x300000, 0])
    expect(writeSyntheticMsr(vp, HV_MSR.SIMP, 0x300001, 1)).toBe(false) // above 4 GiB
    // Overlays never share a page: the SIEFP (0x201000) and the hypercall page refuse each other's.
    expect(writeSyntheticMsr(vp, HV_MSR.SIMP, 0x201001, 0)).toBe(false)
    expect(readSyntheticMsr(vp, HV_MSR.SIMP)).toEqual([0x300000, 0])
    partition.guestOsId = [1, 0]
    expect(writeSyntheticMsr(vp, HV_MSR.HYPERCALL, 0x201001, 0)).toBe(false)
    expect(writeSyntheticMsr(vp, HV_MSR.HYPERCALL, 0x202001, 0)).toBe(true)
    expect(writeSyntheticMsr(vp, HV_MSR.SIMP, 0x202001, 0)).toBe(false)
    expect(writeSyntheticMsr(vp, HV_MSR.SIMP, 0x203001, 0)).toBe(true)
    expect(partition.memory.readU32(0x203000 + 256)).toBe(0) // enabled afresh: an empty page
  })

  it('raise the SINT vector in the local APIC, without an interrupt while polling', () => {
    const {vp, partition} = machine()
    enableSynic(vp)
    vp.apic.writeRegister(0xf0, 0x1ff)
    writeSyntheticMsr(vp, HV_MSR.SINT0 + 2, 0x40050, 0) // polling
    expect(partition.signalEvent(0, 2, 7)).toBe(HV_STATUS.SUCCESS)
    expect(vp.interruptPending).toBe(false)
    expect(partition.memory.read(0x201000 + 2 * 256, 1)![0]).toBe(0x80)
    writeSyntheticMsr(vp, HV_MSR.SINT0 + 2, 0x50, 0)
    expect(partition.signalEvent(0, 2, 8)).toBe(HV_STATUS.SUCCESS)
    expect(vp.apic.acknowledge()).toBe(0x50)
  })

  it('refuse synthetic timers without an enabled SynIC, and direct mode', () => {
    const {vp} = machine()
    expect(writeSyntheticMsr(vp, HV_MSR.STIMER0_CONFIG, 0x20001, 0)).toBe(false)
    enableSynic(vp)
    expect(writeSyntheticMsr(vp, HV_MSR.STIMER0_CONFIG, 0x21001, 0)).toBe(false)
    expect(writeSyntheticMsr(vp, HV_MSR.STIMER0_CONFIG, 0x20001, 0)).toBe(true)
    expect(writeSyntheticMsr(vp, HV_MSR.STIMER0_CONFIG + 2, 1, 0)).toBe(true) // SINT 0: stays disabled
    expect(readSyntheticMsr(vp, HV_MSR.STIMER0_CONFIG + 2)).toEqual([0, 0])
  })

  it('fire a one-shot timer at its absolute reference time with the TIMER_EXPIRED payload', () => {
    const {vp, partition, clock} = machine()
    enableSynic(vp)
    writeSyntheticMsr(vp, HV_MSR.SINT0 + 3, 0x20060, 0)
    writeSyntheticMsr(vp, HV_MSR.STIMER0_CONFIG + 4, 0x30008, 0) // STIMER2: SINT 3, auto-enable
    writeSyntheticMsr(vp, HV_MSR.STIMER0_COUNT + 4, 500, 0)
    expect(readSyntheticMsr(vp, HV_MSR.STIMER0_CONFIG + 4)).toEqual([0x30009, 0])
    clock.advanceBy(49_900)
    expect(partition.memory.readU32(0x200000 + 3 * 256)).toBe(0)
    clock.advanceBy(100)
    const slot = partition.memory.view(0x200000 + 3 * 256, 48)!
    const view = new DataView(slot.buffer, slot.byteOffset, 48)
    expect(view.getUint32(0, true)).toBe(HV_MESSAGE.TIMER_EXPIRED)
    expect(view.getUint8(4)).toBe(24)
    expect(view.getUint32(16, true)).toBe(2) // timer index
    expect(view.getUint32(24, true)).toBe(500) // expiration time
    expect(view.getUint32(32, true)).toBe(500) // delivery time
    expect(readSyntheticMsr(vp, HV_MSR.STIMER0_CONFIG + 4)).toEqual([0x30008, 0])
  })

  it('reset and saved-state version: reset clears all, version 1 is refused clearly', () => {
    const {vp, partition} = machine()
    enableSynic(vp)
    vp.apic.writeRegister(0xf0, 0x1ff)
    partition.reset()
    expect(readSyntheticMsr(vp, HV_MSR.SIMP)).toEqual([0, 0])
    expect(readSyntheticMsr(vp, HV_MSR.SCONTROL)).toEqual([0, 0])
    expect(vp.apic.softwareEnabled).toBe(false)
    expect(PARTITION_STATE_VERSION).toBe(2)
    expect(() => partition.restoreState({...partition.saveState(), version: 1})).toThrow(/version 1 is not 2/)
  })
})

describe('guest PostMessage and SignalEvent hypercalls', () => {
  function hypercall(vp: ReturnType<typeof machine>['vp'], code: number, fast: boolean, input: [number, number] | number): number {
    const cpu = vp.cpu
    cpu.setReg(Reg.EAX, code | (fast ? 1 << 16 : 0))
    cpu.setReg(Reg.EDX, 0)
    if (typeof input === 'number') {
      cpu.setReg(Reg.EBX, 0)
      cpu.setReg(Reg.ECX, input)
    } else {
      cpu.setReg(Reg.EBX, input[1])
      cpu.setReg(Reg.ECX, input[0])
    }
    cpu.setReg(Reg.EDI, 0)
    cpu.setReg(Reg.ESI, 0)
    dispatchGuestHypercall(vp)
    return cpu.getReg(Reg.EAX) & 0xffff
  }

  it('signal events in the fast and the slow form, and pass port results through', () => {
    const {vp, partition} = machine()
    partition.guestOsId = [1, 0]
    partition.setHypercallPage(0x300)
    const flags: number[] = []
    partition.connections.connect(2, {kind: 'event', signal: (flag) => (flags.push(flag), HV_STATUS.SUCCESS)})
    partition.connections.connect(1, {kind: 'message', deliver: () => HV_STATUS.INSUFFICIENT_BUFFERS})
    expect(hypercall(vp, HV_CALL.SignalEvent, true, [2 | (0 << 0), 7])).toBe(HV_STATUS.SUCCESS) // EBX:ECX = flag 7 << 32 | connection 2
    partition.memory.write(0x280000, new Uint8Array([2, 0, 0, 0, 9, 0, 0, 0]))
    expect(hypercall(vp, HV_CALL.SignalEvent, false, 0x280000)).toBe(HV_STATUS.SUCCESS)
    expect(flags).toEqual([7, 9])
    expect(hypercall(vp, HV_CALL.SignalEvent, true, [3, 0])).toBe(HV_STATUS.INVALID_CONNECTION_ID)
    expect(hypercall(vp, HV_CALL.SignalEvent, true, [2, 0x10000])).toBe(HV_STATUS.INVALID_PARAMETER) // reserved field
    const message = new Uint8Array(256)
    new DataView(message.buffer).setUint32(0, 1, true)
    new DataView(message.buffer).setUint32(8, 1, true)
    new DataView(message.buffer).setUint32(12, 4, true)
    partition.memory.write(0x281000, message)
    expect(hypercall(vp, HV_CALL.PostMessage, false, 0x281000)).toBe(HV_STATUS.INSUFFICIENT_BUFFERS)
    expect(hypercall(vp, HV_CALL.PostMessage, true, [1, 0])).toBe(HV_STATUS.INVALID_HYPERCALL_INPUT) // no fast form
    new DataView(message.buffer).setUint32(0, 5, true)
    partition.memory.write(0x281000, message)
    expect(hypercall(vp, HV_CALL.PostMessage, false, 0x281000)).toBe(HV_STATUS.INVALID_CONNECTION_ID)
  })
})

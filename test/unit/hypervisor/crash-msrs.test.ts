import {describe, expect, it} from 'vitest'

import {hypervisorCpuid} from '../../../src/core/hypervisor/cpuid-leaves.js'
import {CHILD_PRIVILEGES, HV_MSR, Hypervisor} from '../../../src/core/hypervisor/index.js'
import {readSyntheticMsr, writeSyntheticMsr} from '../../../src/core/hypervisor/synthetic-msrs.js'
import {describeGuestCrash} from '../../../src/core/worker/guest-crash.js'

const MIB = 1024 * 1024

function machine() {
  const partition = new Hypervisor(1).createPartition({name: 't', memoryBytes: 4 * MIB})
  partition.memory.mapRam(0, 4 * MIB)
  return {partition, vp: partition.createVp()}
}

describe('the guest crash MSRs', () => {
  it('are advertised in CPUID 0x40000003 EDX bit 10 and say that a message is understood', () => {
    const {vp} = machine()
    const [, , , edx] = hypervisorCpuid(0x40000003, {privileges: CHILD_PRIVILEGES, maxVirtualProcessors: 64, maxLogicalProcessors: 1})!
    expect(edx & (1 << 10)).not.toBe(0)
    expect(readSyntheticMsr(vp, HV_MSR.CRASH_CTL)).toEqual([0, 0xc0000000 | 0])
  })

  it('keep P0-P4 and report a crash with its message when CrashNotify is written', () => {
    const {partition, vp} = machine()
    const text = '<0>Kernel panic - not syncing: VFS: Unable to mount root fs\n<4>---[ end ]---\n'
    partition.memory.write(0x3000, new TextEncoder().encode(text))
    const values: [number, number][] = [[0, 0], [0xc1000000, 0], [0, 0], [0x3000, 0], [text.length, 0]]
    values.forEach(([lo, hi], n) => expect(writeSyntheticMsr(vp, HV_MSR.CRASH_P0 + n, lo, hi)).toBe(true))
    expect(readSyntheticMsr(vp, HV_MSR.CRASH_P0 + 1)).toEqual([0xc1000000, 0])
    expect(partition.guestCrash).toBeNull()
    expect(writeSyntheticMsr(vp, HV_MSR.CRASH_CTL, 0, 0xc0000000 | 0)).toBe(true)
    expect(partition.guestCrash).toEqual({parameters: values, withMessage: true})
    const report = describeGuestCrash(partition.guestCrash!, partition.memory)
    expect(report).toMatchObject({reason: 'guest-crash', exitStatus: 255})
    expect(report.message).toContain('ErrorCode1: 0xc1000000')
    expect(report.message).toContain('It said: Kernel panic - not syncing: VFS: Unable to mount root fs')
    partition.reset()
    expect(partition.guestCrash).toBeNull()
  })

  it('ignore a message that lies outside guest memory', () => {
    const {partition, vp} = machine()
    writeSyntheticMsr(vp, HV_MSR.CRASH_P0 + 3, 0xfff00000, 0)
    writeSyntheticMsr(vp, HV_MSR.CRASH_P0 + 4, 4096, 0)
    writeSyntheticMsr(vp, HV_MSR.CRASH_CTL, 0, 0xc0000000 | 0)
    expect(describeGuestCrash(partition.guestCrash!, partition.memory).message).not.toContain('It said')
  })
})

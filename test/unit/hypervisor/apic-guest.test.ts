import {execFileSync} from 'node:child_process'
import {mkdtempSync, readFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {describe, expect, it} from 'vitest'

import {APIC_BUS_FREQUENCY_HZ, HV_MESSAGE} from '../../../src/core/hypervisor/index.js'
import {hasTool} from '../../helpers/tools.js'
import {bootProgram, GP, PROGRAMS, run} from './guest-harness.js'

const hasNasm = hasTool('nasm', ['-v'])

describe('a guest driving its local APIC', () => {
  it.skipIf(!hasNasm)('ships program images assembled from their sources (needs nasm)', () => {
    for (const name of ['apic', 'synic']) {
      const out = join(mkdtempSync(join(tmpdir(), 'hv-nasm-')), `${name}.bin`)
      // -i: the programs include flat-ring0.inc from their own folder.
      execFileSync('nasm', ['-f', 'bin', '-i', `${PROGRAMS}/`, '-o', out, join(PROGRAMS, `${name}.asm`)])
      expect(Buffer.compare(readFileSync(out), readFileSync(join(PROGRAMS, `${name}.bin`))), name).toBe(0)
    }
  })

  it('counts periodic timer interrupts, holds IPIs below the TPR, and takes EOI/ICR/TPR through MSRs', () => {
    const machine = bootProgram('apic')
    const log = run(machine)
    expect(log.ended).toBe('exit')
    const r = log.reports
    expect(r[0]).toBe(0xfee00900) // base, global enable, BSP
    expect(r[1]).toBe(0x00050014) // version 0x14, max LVT 5
    expect(r[2]).toBe(0) // APIC ID of VP 0
    expect(r[3]).toBe(0xff) // SVR at reset
    expect(r[4]).toBeGreaterThan(99_000) // counting down from 100000
    expect(r[4]).toBeLessThanOrEqual(100_000)
    expect(r.slice(5)).toEqual([
      5, // periodic timer interrupts counted
      0, // current count once stopped
      0, // IPI held by TPR 0x50
      0x2, // ... pending in the IRR (vector 0x41)
      0x50, // PPR
      1, // delivered once TPR dropped
      0x20, // TPR through the MSR
      0x20, // is the APIC's TPR
      2, // self-IPI through the ICR MSR
      0, // ISR empty after the EOI MSR
      0x20, // ESR: send illegal vector
      GP, // reading the write-only EOI MSR
    ])
    // None of the APIC page accesses reached the root.
    expect(machine.vp.counters.snapshot().messages[`0x${HV_MESSAGE.UNMAPPED_GPA.toString(16)}`]).toBeUndefined()
    expect(machine.vp.apic.mmioAccesses).toBeGreaterThan(10)
    // Five 1 ms periods of partition time passed (and not much more).
    expect(machine.partition.referenceTime100ns()).toBeGreaterThanOrEqual(50_000)
    expect(machine.partition.referenceTime100ns()).toBeLessThan(60_000)
    expect(APIC_BUS_FREQUENCY_HZ).toBe(100_000_000)
  })

  it('leaves the APIC alone for a guest that never touches it: the reset state is software-disabled', () => {
    const {vp} = bootProgram('apic')
    expect(vp.apic.softwareEnabled).toBe(false)
    expect(vp.apic.hardwareEnabled).toBe(true)
    expect(vp.interruptPending).toBe(false)
  })
})

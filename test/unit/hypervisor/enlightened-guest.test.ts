import {execFileSync} from 'node:child_process'
import {mkdtempSync, readFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

import {describe, expect, it} from 'vitest'

import {
  CHILD_PRIVILEGES, HV_MESSAGE, HV_STATUS, Hypervisor, type InterceptMessage, type Partition, type VirtualProcessor,
} from '../../../src/core/hypervisor/index.js'
import {hasTool} from '../../helpers/tools.js'

const PROGRAMS = join(dirname(fileURLToPath(import.meta.url)), 'programs')
const MIB = 1024 * 1024

const hasNasm = hasTool('nasm', ['-v'])

/** A partition with 4 MiB of RAM at GPA 0 and everything above unmapped, running a flat program at 1 MiB. */
function bootProgram(name: string): {partition: Partition; vp: VirtualProcessor} {
  const hypervisor = new Hypervisor(2)
  const partition = hypervisor.createPartition({name: 'test', memoryBytes: 4 * MIB})
  partition.memory.mapRam(0, 4 * MIB)
  partition.memory.write(0x100000, readFileSync(join(PROGRAMS, `${name}.bin`)))
  const vp = partition.createVp()
  vp.cpu.enterMultibootState(0x100000, 0x2badb002, 0)
  return {partition, vp}
}

interface RootLog {
  reports: number[]
  mmioWrites: {gpa: number; value: number}[]
  messages: {type: number; port?: number}[]
  exitStatus: number | null
}

/** The root's side: answer intercepts the way the worker's motherboard will, recording what happened. */
function runAsRoot(vp: VirtualProcessor, budget = 5_000_000): RootLog {
  const log: RootLog = {reports: [], mmioWrites: [], messages: [], exitStatus: null}
  for (let slice = 0; slice < 1000 && log.exitStatus === null; slice++) {
    const message: InterceptMessage | null = vp.run(budget)
    if (!message) {
      if (vp.halted) break
      continue
    }
    log.messages.push({type: message.type, port: message.portNumber})
    if (message.type === HV_MESSAGE.X64_IO_PORT_INTERCEPT) {
      if (message.interceptAccessType === 1) {
        if (message.portNumber === 0x500) log.reports.push(message.rax >>> 0)
        if (message.portNumber === 0xf4) log.exitStatus = message.rax & 0xff
        vp.completeIoWrite()
      } else {
        vp.completeIoRead(message.portNumber === 0x600 ? 0xcafef00d : 0xffffffff)
      }
    } else if (message.type === HV_MESSAGE.UNMAPPED_GPA) {
      if (message.interceptAccessType === 1) {
        log.mmioWrites.push({gpa: message.guestPhysicalAddress, value: message.memoryValue})
        vp.completeMemoryWrite()
      } else {
        vp.completeMemoryRead(0x5a5a5a5a)
      }
    } else {
      break
    }
  }
  return log
}

describe('an enlightened guest on the hypervisor', () => {
  it.skipIf(!hasNasm)('ships a program image assembled from its source (needs nasm)', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'hv-nasm-')), 'enlightened.bin')
    execFileSync('nasm', ['-f', 'bin', '-o', out, join(PROGRAMS, 'enlightened.asm')])
    expect(Buffer.compare(readFileSync(out), readFileSync(join(PROGRAMS, 'enlightened.bin')))).toBe(0)
  })

  it('detects the hypervisor, enables the hypercall page, and gets TLFS results for every call', () => {
    const {partition, vp} = bootProgram('enlightened')
    const posted: {type: number; payload: string}[] = []
    const signalled: number[] = []
    partition.connections.connect(7, {
      kind: 'message',
      deliver: (type, payload) => {
        posted.push({type, payload: Buffer.from(payload).toString('latin1')})
        return HV_STATUS.SUCCESS
      },
    })
    partition.connections.connect(9, {kind: 'event', signal: (flag) => (signalled.push(flag), HV_STATUS.SUCCESS)})

    const log = runAsRoot(vp)
    const r = log.reports
    const GP = 0xee00000d
    const UD = 0xee000006
    expect(log.exitStatus).toBe(0)
    expect(r[0] & 0x80000000).not.toBe(0) // CPUID.1:ECX.31 hypervisor present
    expect(r.slice(1, 5)).toEqual([0x40000005, 0x7263694d, 0x666f736f, 0x76482074]) // "Microsoft Hv"
    expect(r[5]).toBe(0x31237648) // "Hv#1"
    expect(r.slice(6, 8)).toEqual([CHILD_PRIVILEGES.low, CHILD_PRIVILEGES.high])
    expect(r.slice(8, 10)).toEqual([UD, 0x11111111]) // VMCALL before the page is enabled
    expect(r[10]).toBe(0x200000) // enable ignored while GUEST_OS_ID is 0
    expect(r[11]).toBe(0x81000000) // GUEST_OS_ID high half reads back
    expect(r[12]).toBe(0x200001) // enabled
    expect(r[13]).toBe(0xc3c1010f) // the overlay holds vmcall; ret
    expect(r.slice(14, 25)).toEqual([
      HV_STATUS.SUCCESS, // fast NotifyLongSpinWait
      HV_STATUS.ACCESS_DENIED, // GetPartitionId without AccessPartitionId
      HV_STATUS.INVALID_HYPERCALL_CODE,
      HV_STATUS.INVALID_HYPERCALL_INPUT, // reserved bit
      HV_STATUS.INVALID_HYPERCALL_INPUT, // rep count on a simple call
      HV_STATUS.SUCCESS, // PostMessage to a registered connection
      HV_STATUS.INVALID_CONNECTION_ID,
      HV_STATUS.INVALID_PARAMETER, // hypervisor message type
      HV_STATUS.INVALID_ALIGNMENT, // misaligned input GPA
      HV_STATUS.INVALID_ALIGNMENT, // input crossing a page
      HV_STATUS.SUCCESS, // fast SignalEvent
    ])
    expect(posted).toEqual([{type: 1, payload: 'ping'}])
    expect(signalled).toEqual([3])
    expect(r[25]).toBe(0) // VP_INDEX
    expect(r.slice(27, 30)).toEqual([GP, GP, GP]) // TIME_REF_COUNT write, SVERSION write, unknown MSR
    expect(r[30]).toBe(0xcafef00d) // IN answered by the root
    expect(r[31]).toBe(0x5a5a5a5a) // MMIO read answered by the root
    expect(log.mmioWrites).toEqual([{gpa: 0xfed00030, value: 0xabcd0123}])
    expect(r.slice(32)).toEqual([0x22222222, UD, 0xd0d0d0d0])
    expect(partition.hypercallPage).toBeNull()

    const counters = vp.counters.snapshot()
    expect(counters.hypercalls['0x005c']).toBe(5)
    expect(counters.messages[`0x${HV_MESSAGE.X64_IO_PORT_INTERCEPT.toString(16)}`]).toBe(log.reports.length + 2)
    expect(counters.messages[`0x${HV_MESSAGE.UNMAPPED_GPA.toString(16)}`]).toBe(2)
  })

  it('tracks which pages the guest and the host may have written, and no others', () => {
    const {partition, vp} = bootProgram('enlightened')
    runAsRoot(vp)
    const written = partition.memory.ramWritten
    expect(written[0x100]).toBe(1) // the program image, written by the host loader
    expect(written[0x17f]).toBe(1) // the stack below 0x180000
    expect(written[0x201]).toBe(1) // the hypercall input page the guest filled
    expect(written[0x300]).toBe(0) // never touched
    expect(written.reduce((sum, page) => sum + page, 0)).toBeLessThan(16)
  })

  it('restores the RAM under the hypercall page when it is disabled', () => {
    const {partition} = bootProgram('enlightened')
    partition.memory.write(0x200000, new Uint8Array([1, 2, 3, 4]))
    partition.guestOsId = [1, 0]
    partition.setHypercallPage(0x200)
    expect([...partition.memory.read(0x200000, 4)!]).toEqual([0x0f, 0x01, 0xc1, 0xc3])
    partition.setHypercallPage(null)
    expect([...partition.memory.read(0x200000, 4)!]).toEqual([1, 2, 3, 4])
  })

  it('saves and restores the partition so the guest resumes identically', () => {
    const reference = runAsRoot(bootProgram('enlightened').vp)
    const {partition, vp} = bootProgram('enlightened')
    // Run part way, save, restore into a fresh partition with a copy of memory, finish there.
    vp.run(300)
    const saved = JSON.parse(JSON.stringify(partition.saveState()))
    const memory = partition.memory.ram.slice()
    const second = bootProgram('enlightened')
    second.partition.memory.ram.set(memory)
    second.partition.restoreState(saved)
    const log = runAsRoot(second.vp)
    expect(log.exitStatus).toBe(0)
    // TIME_REF_COUNT (report 26) follows the clock; everything else is identical.
    expect({...log.reports, 26: 0}).toEqual({...reference.reports, 26: 0})
  })

  it('refuses a saved state of another version', () => {
    const {partition} = bootProgram('enlightened')
    expect(() => partition.restoreState({...partition.saveState(), version: 99})).toThrow(/version 99/)
  })
})

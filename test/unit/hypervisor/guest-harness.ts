import {readFileSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

import {HV_MESSAGE, Hypervisor, type Partition, type PrivilegeMask, type VirtualProcessor} from '../../../src/core/hypervisor/index.js'
import {GuestClock} from '../../../src/core/worker/guest-clock.js'

export const PROGRAMS = join(dirname(fileURLToPath(import.meta.url)), 'programs')
const MIB = 1024 * 1024
export const GP = 0xee00000d

export interface Machine {
  partition: Partition
  vp: VirtualProcessor
  clock: GuestClock
}

/**
 * A partition with 4 MiB of RAM at GPA 0 (the APIC page and everything else
 * above unmapped), a flat program at 1 MiB, and deterministic time that
 * advances with instructions, as the worker runs it.
 */
export function bootProgram(name: string, options: {privileges?: PrivilegeMask} = {}): Machine {
  let instructions = () => 0
  const clock = new GuestClock('Deterministic', () => instructions())
  const partition = new Hypervisor(2).createPartition({name: 'test', memoryBytes: 4 * MIB, time: clock, privileges: options.privileges})
  partition.memory.mapRam(0, 4 * MIB)
  partition.memory.write(0x100000, readFileSync(join(PROGRAMS, `${name}.bin`)))
  const vp = partition.createVp()
  instructions = () => vp.instructions
  vp.cpu.enterMultibootState(0x100000, 0x2badb002, 0)
  return {partition, vp, clock}
}

export interface RunLog {
  reports: number[]
  exitStatus: number | null
  /** Why the run ended: exit port, `stop` asked, the guest halted with nothing pending, or the slice limit. */
  ended: 'exit' | 'stopped' | 'idle' | 'limit'
}

/**
 * The root's side, as the worker's run loop does it: fire due timers, run the
 * VP up to the next deadline, answer port intercepts (0x500 reports, 0xF4
 * exit, others to `onOut`), and when the guest idles move time to the next
 * timer. `onOut` returning true stops the run after that OUT.
 */
export function run(machine: Machine, onOut: (port: number, value: number) => boolean | void = () => {}, maxSlices = 5000): RunLog {
  const {vp, clock} = machine
  const log: RunLog = {reports: [], exitStatus: null, ended: 'limit'}
  for (let slice = 0; slice < maxSlices; slice++) {
    clock.runDue()
    const next = clock.nextDeadline()
    const budget = next === null ? 1_000_000 : Math.min(1_000_000, clock.instructionsUntil(next))
    const message = vp.run(budget)
    if (message) {
      if (message.type === HV_MESSAGE.X64_IO_PORT_INTERCEPT) {
        if (message.interceptAccessType === 1) {
          vp.completeIoWrite()
          if (message.portNumber === 0x500) log.reports.push(message.rax >>> 0)
          else if (message.portNumber === 0xf4) {
            log.exitStatus = message.rax & 0xff
            log.ended = 'exit'
            return log
          } else if (onOut(message.portNumber, message.rax >>> 0) === true) {
            log.ended = 'stopped'
            return log
          }
        } else {
          vp.completeIoRead(0xffffffff)
        }
      } else if (message.type === HV_MESSAGE.UNMAPPED_GPA) {
        if (message.interceptAccessType === 1) vp.completeMemoryWrite()
        else vp.completeMemoryRead(0xffffffff)
      } else {
        throw new Error(`unexpected intercept 0x${message.type.toString(16)}`)
      }
      continue
    }
    if (vp.halted && !vp.interruptPending) {
      const due = clock.nextDeadline()
      if (due === null) {
        log.ended = 'idle'
        return log
      }
      clock.advanceTo(due)
    }
  }
  return log
}

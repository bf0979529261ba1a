/**
 * x87 errors reach the guest as a PC does it: on a Generation 1 VM with
 * CR0.NE = 0, FERR# raises IRQ 13 through the PIC, port 0xF0 asserts IGNNE#,
 * FNCLEX drops both; with CR0.NE = 1 the error is #MF at the next waiting
 * instruction. The guest is guests/examples/fpu-error.asm. QEMU 7.2 cannot be
 * the oracle here: raising its FERR interrupt from TCG aborts the emulator
 * (an assertion on the I/O thread lock), so the expected lines come from the
 * SDM's rules.
 */
import {describe, expect, it} from 'vitest'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {hvSession} from '../helpers/session.js'

const IMAGE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../guests/images/fpu-error.bin')
const {run, ok} = hvSession({prefix: 'hv-fpu-error-'})

describe('x87 error reporting on a Generation 1 VM', () => {
  it('IRQ 13 with CR0.NE = 0 (port 0xF0, IGNNE#), #MF with CR0.NE = 1', async () => {
    await ok('new-vm', 'fe', '--boot-kernel', IMAGE, '--generation', '1')
    const started = await run('start-vm', 'fe', '--wait', '--timeout', '60')
    expect(started.code, started.stderr).toBe(0)
    const console = (await run('get-vmconsole', 'fe', '--raw')).stdout.replace(/\r/g, '')
    expect(console.split('\n')).toEqual([
      '1. NE=0, handler clears the error',
      // Busy, TOP 6 (an unmasked zero divide stores and pops nothing), ES, ZE.
      'status before FWAIT B084',
      'IRQ 13, status B084',
      'after FWAIT, IRQ 13 count 0001',
      '2. handler leaves the error pending',
      'IRQ 13, error left pending',
      // The error is still pending (ES, ZE), yet FWAIT and FLD ran: IGNNE# is asserted.
      'ran with IGNNE#, status B084, IRQ 13 count 0002',
      'IRQ 13, status A084',
      'after FNCLEX the next error interrupts again, IRQ 13 count 0003',
      '3. NE=1',
      // The fault is at the FLD after the division, before it ran (its push is not in the tags):
      // R4-R7 hold the 1.0 each division left behind (valid), R0-R3 are empty.
      '#MF at the next waiting instruction, offset 0000, tag word 00FF',
      'done',
      '',
    ])
  }, 120_000)
})

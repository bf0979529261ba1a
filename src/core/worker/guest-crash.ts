import type {GuestPhysicalAddressSpace} from '../hypervisor/guest-memory.js'
import type {GuestCrashReport} from '../hypervisor/partition.js'
import type {StopReport} from './control-protocol.js'

/** The longest crash message read from the guest (Linux writes at most a page). */
const MAX_MESSAGE_BYTES = 4096

/**
 * A guest's crash report (the crash MSRs) as the reason its VM stops, in the
 * words of Hyper-V's event 18590 ("The guest operating system reported that it
 * failed with the following error codes"), with the first lines of the
 * guest's own message when it gave one (Linux: the panic's kernel log).
 */
export function describeGuestCrash(crash: GuestCrashReport, memory: GuestPhysicalAddressSpace): StopReport {
  const codes = crash.parameters.map(([lo, hi], n) => `ErrorCode${n}: 0x${hex64(lo, hi)}`).join(', ')
  const message = crash.withMessage ? readMessage(crash, memory) : ''
  const said = message ? ` It said: ${message}` : ''
  return {
    reason: 'guest-crash',
    exitStatus: 255,
    message: `The guest operating system reported that it failed with the following error codes: ${codes}.${said}`,
  }
}

/** P3 is the message's GPA, P4 its length; a message outside guest RAM is simply not there. */
function readMessage(crash: GuestCrashReport, memory: GuestPhysicalAddressSpace): string {
  const [gpaLo, gpaHi] = crash.parameters[3]!
  const [length] = crash.parameters[4]!
  if (gpaHi !== 0 || length === 0) return ''
  const bytes = memory.read(gpaLo, Math.min(length, MAX_MESSAGE_BYTES))
  if (!bytes) return ''
  const text = new TextDecoder().decode(bytes).replace(/\0/g, '')
  // The panic line is what a reader wants: the message's last "Kernel panic" line, or its last line.
  const lines = text.split(/\r?\n/).map((line) => line.replace(/^<\d+>/, '').trim()).filter(Boolean)
  const panic = lines.filter((line) => /Kernel panic/.test(line)).pop()
  return (panic ?? lines.pop() ?? '').slice(0, 400)
}

function hex64(lo: number, hi: number): string {
  return hi === 0 ? lo.toString(16) : hi.toString(16) + lo.toString(16).padStart(8, '0')
}

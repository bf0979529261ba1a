import {HV_MESSAGE, type VirtualProcessor} from '../../../src/core/hypervisor/index.js'

export const MIB = 1024 * 1024

export {hasTool} from '../../helpers/tools.js'

export interface RunLog {
  /** Bytes the guest sent through COM1's transmitter. */
  com1: string
  /** The value written to the test-exit port 0xF4, if any. */
  status: number | null
  halted: boolean
  /** The baud-rate divisor the guest programmed (DLL/DLM with LCR.DLAB set), and its last LCR value. */
  divisor: number
  lcr: number
  /** Ports touched, in order (deduplicated runs), for diagnostics. */
  ports: number[]
  /** Why the run loop stopped when the guest neither halted nor exited. */
  stoppedBy?: string
}

/**
 * The root's side of a VM with only a COM1 transmitter and the status port:
 * answers port intercepts the way a 16550 would for a polling guest (the
 * transmitter is empty unless `lsr` says otherwise; with LCR.DLAB set, 0x3F8 is the divisor latch,
 * not data) and stops when the guest halts. Every intercept ends a slice.
 */
export function runGuest(
  vp: VirtualProcessor,
  options: {maxSlices?: number; budget?: number; lsr?: () => number} = {},
): RunLog {
  const {maxSlices = 100_000, budget = 1_000_000, lsr = () => 0x60} = options
  const log: RunLog = {com1: '', status: null, halted: false, divisor: 0, lcr: 0, ports: []}
  let lcr = 0
  for (let slice = 0; slice < maxSlices; slice++) {
    const message = vp.run(budget)
    if (!message) {
      if (vp.halted) {
        log.halted = true
        return log
      }
      continue
    }
    if (message.type !== HV_MESSAGE.X64_IO_PORT_INTERCEPT) {
      log.stoppedBy = `intercept message type 0x${message.type.toString(16)} at 0x${message.rip.toString(16)}`
      return log
    }
    const port = message.portNumber
    if (log.ports[log.ports.length - 1] !== port) log.ports.push(port)
    if (message.interceptAccessType === 1) {
      const value = message.rax & 0xff
      if (port === 0x3fb) log.lcr = lcr = value
      if (port === 0x3f8 && !(lcr & 0x80)) log.com1 += String.fromCharCode(value)
      if (port === 0x3f8 && lcr & 0x80) log.divisor = (log.divisor & 0xff00) | value
      if (port === 0x3f9 && lcr & 0x80) log.divisor = (log.divisor & 0xff) | (value << 8)
      if (port === 0xf4) log.status = value
      vp.completeIoWrite()
    } else {
      vp.completeIoRead(port === 0x3fd ? lsr() : port === 0x3fb ? lcr : 0xff)
    }
  }
  log.stoppedBy = 'ran out of slices'
  return log
}

// VMBus against emulation, through the command line as a user runs it: the
// host exits one heartbeat round trip takes over VMBus (the enlightened guest,
// tinyos-hv), against the exits the same bytes take through the emulated
// 16550 UART (COM1 of the same guest, typed in and echoed back).
//
// Exits are the VP's exits of every kind (port I/O, MMIO, MSR, VMCALL, HLT...),
// from `get-vm --json`. The guest's own timer costs exits too, so every window
// subtracts the rate of a baseline window measured on the same VM with the
// Heartbeat service disabled and nothing typed, per second of guest time (the VM runs in Deterministic time mode).
import {benchHv, sleep} from './harness.js'

const {hv, hvWithInput, json, close} = benchHv('hv-bench-vmbus-')
const WINDOW_MS = Number(process.env.BENCH_WINDOW_MS ?? 8000)
const TYPED_BYTES = Number(process.env.BENCH_TYPED_BYTES ?? 120)

/** Exits, guest uptime and the Heartbeat channel's traffic, now. */
function sample(vm) {
  const [record] = json('get-vm', vm)
  const [bus] = json('get-vmbus', vm)
  const exits = Object.values(record.Counters.vp.exits).reduce((a, b) => a + b, 0)
  const heartbeat = bus.Channels.find((c) => c.Name === 'Heartbeat' && c.State === 'Open')
  const [h, m, s] = record.Uptime.split(':').map(Number)
  return {
    exits,
    // Guest time: in Deterministic mode the guest's timer ticks exactly 100 times in each guest second.
    at: (h * 3600 + m * 60 + s) * 1000,
    hbToHost: heartbeat?.PacketsToHost ?? 0,
    hbBytesToHost: heartbeat?.BytesToHost ?? 0,
    hbBytesToGuest: heartbeat?.BytesToGuest ?? 0,
    hbInterruptsIn: heartbeat?.InterruptsReceived ?? 0,
  }
}

const delta = (a, b) => ({
  exits: b.exits - a.exits,
  ms: b.at - a.at,
  roundTrips: b.hbToHost - a.hbToHost,
  bytesToHost: b.hbBytesToHost - a.hbBytesToHost,
  bytesToGuest: b.hbBytesToGuest - a.hbBytesToGuest,
  notifications: b.hbInterruptsIn - a.hbInterruptsIn,
})

try {
  // Deterministic time: the guest's timer costs exactly the same exits in every guest second, so the baseline subtracts exactly.
  hv('new-vm', 'bus', '--guest', 'tinyos-hv', '-Generation', '2', '-MemoryStartupBytes', '64MB', '--time-mode', 'Deterministic')
  hv('start-vm', 'bus')
  hv('wait-vm', 'bus', '--for', 'Heartbeat', '--timeout', '20')

  // Baseline: the guest's own timer and idle loop, no heartbeat, nothing typed.
  hv('disable-vmintegrationservice', 'bus', '--name', 'Heartbeat')
  await sleep(500)
  let a = sample('bus')
  await sleep(WINDOW_MS)
  const base = delta(a, sample('bus'))
  const baseRate = base.exits / base.ms

  // Heartbeats over VMBus.
  hv('enable-vmintegrationservice', 'bus', '--name', 'Heartbeat')
  hv('wait-vm', 'bus', '--for', 'Heartbeat', '--timeout', '20')
  a = sample('bus')
  await sleep(WINDOW_MS)
  const beats = delta(a, sample('bus'))
  const vmbusExits = (beats.exits - baseRate * beats.ms) / beats.roundTrips
  const bytesEachWay = (beats.bytesToHost + beats.bytesToGuest) / 2 / beats.roundTrips

  // The same kind of work through the emulated UART: bytes typed on COM1 and echoed back by the shell.
  hv('disable-vmintegrationservice', 'bus', '--name', 'Heartbeat')
  await sleep(300)
  a = sample('bus')
  hvWithInput('x'.repeat(TYPED_BYTES), 'connect-vm', 'bus')
  await sleep(300)
  const typed = delta(a, sample('bus'))
  const uartExitsPerByte = (typed.exits - baseRate * typed.ms) / TYPED_BYTES
  const uartExits = uartExitsPerByte * bytesEachWay

  console.log(`baseline (guest timer, idle)            ${(baseRate * 1000).toFixed(1)} exits/s`)
  console.log(`heartbeat round trips over VMBus         ${beats.roundTrips} in ${(beats.ms / 1000).toFixed(1)} s, ${bytesEachWay.toFixed(0)} bytes each way, ${(beats.notifications / beats.roundTrips).toFixed(1)} guest-to-host notifications each`)
  console.log(`host exits per round trip, VMBus         ${vmbusExits.toFixed(1)}`)
  console.log(`host exits per byte in and echoed, COM1  ${uartExitsPerByte.toFixed(1)}  (${TYPED_BYTES} bytes typed)`)
  console.log(`host exits for the same bytes, COM1      ${uartExits.toFixed(0)}  (${(uartExits / vmbusExits).toFixed(0)}x the VMBus round trip)`)
} finally {
  close() // no worker left running
}

// Disk benchmark: 4 KiB sequential and random reads and writes inside Linux
// (the built-in `linux` guest, Debian's kernel) on the same kind of virtual
// disk reached three ways, in one Generation 1 VM:
//
//   StorVSP, SCSI        a SCSI disk on the synthetic SCSI controller (VMBus; Linux's hv_storvsc)
//   StorVSP, IDE accel.  an IDE disk over its IDE accelerator channel (VMBus; hv_storvsc), which
//                        is how Linux reaches IDE disks on Hyper-V by default
//   emulated IDE         the same IDE disk through the emulated PIIX4 IDE controller (trapped port
//                        I/O; ata_piix, told by ata_piix.prefer_ms_hyperv=0 not to leave it alone)
//
// The guest runs diskbench (guests/linux/tools/diskbench.c): O_DIRECT reads and writes on the raw
// device, timed by the guest's clock. For each run the bench counts the VP's exits from get-vm
// (every kind but BudgetExhausted, which is the run loop's time slice, not an intercept) and
// reports them per MB moved; a one-operation run of the same command is subtracted, so typing the
// command, starting the program and printing its line are not charged to the disk.
//
// The limits, on the host in the same run: `qemu-img bench` (4 KiB, one request in flight,
// O_DIRECT) on a VHDX that hv's new-vhd made, sequential only (it has no random pattern), and the
// same diskbench program run on the host (it is a static i386 Linux binary) against a raw file:
// the host file system's own 4 KiB figures.
//
//   npm run bench:disk
//   BENCH_DISK_MB=8 npm run bench:disk                  the region each run covers (default 4 MiB)
//   BENCH_DISK_TIME_MODE=Deterministic npm run bench:disk   guest time follows its instructions
//   BENCH_DISK_PATHS=scsi,ide npm run bench:disk       a subset of scsi, accel, ide
//   BENCH_DISK_WARMUP=0 npm run bench:disk             no unmeasured pass first (cold figures)
//   BENCH_DISK_IDE=pio npm run bench:disk              libata.dma=0: the emulated IDE disk moves its data
//                                                      by PIO (one exit per 32-bit word) instead of UDMA
//
// Exits by kind: IoPort and MemoryAccess are the intercepts the root's device emulation handles;
// Vmcall is a hypercall (on the VMBus paths, HvSignalEvent to the VSP's channel); MsrRead are
// mostly the guest's clock reads (hv offers no reference TSC page, so Linux's clocksource is
// hyperv_clocksource_msr), handled by the hypervisor.
import {spawnSync} from 'node:child_process'
import {readFileSync, statSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {benchHv, root, sleep} from './harness.js'

const IMAGES = join(root, 'guests', 'images', 'linux')
const DISKBENCH = join(IMAGES, 'diskbench')
const REGION_MB = Number(process.env.BENCH_DISK_MB ?? 4)
const REGION_KIB = REGION_MB * 1024
const BLOCK = 4096
const TIME_MODE = process.env.BENCH_DISK_TIME_MODE ?? 'Host'
const DISK_SIZE = `${Math.max(64, REGION_MB * 2)}MB`
const BOOT_TIMEOUT_MS = 600_000
const RUN_TIMEOUT_MS = 1_800_000
const MODES = ['seqwrite', 'seqread', 'randwrite', 'randread']
const WARMUP = process.env.BENCH_DISK_WARMUP !== '0'
const IDE_PIO = process.env.BENCH_DISK_IDE === 'pio' 
const PATHS = [
  {key: 'scsi', label: 'StorVSP, SCSI controller'},
  {key: 'accel', label: 'StorVSP, IDE accelerator'},
  {key: 'ide', label: `emulated IDE (ata_piix, ${process.env.BENCH_DISK_IDE === 'pio' ? 'PIO' : 'UDMA'})`},
].filter((p) => (process.env.BENCH_DISK_PATHS ?? 'scsi,accel,ide').split(',').includes(p.key))
const SCSI_CLASS = 'ba6163d9-04a1-4d29-b605-72e2ffb1dc7f'
const IDE_ACCELERATOR_CLASS = '32412632-86cb-44a2-9b5c-50d1417354f5'

const MB = 1024 * 1024

function readConsole(file) {
  try {
    return readFileSync(file, 'latin1')
  } catch {
    return ''
  }
}

/** One `diskbench` output line as numbers. */
function parseDiskbench(text) {
  const line = text.split('\n').find((l) => l.startsWith('diskbench '))
  if (!line) throw new Error(`diskbench printed no result:\n${text}`)
  const fields = Object.fromEntries([...line.matchAll(/(\w+)=(\d+)/g)].map(([, k, v]) => [k, Number(v)]))
  return {mode: line.split(' ')[1], ...fields}
}

/** Exits by kind, without the run loop's time slices. */
function exitsOf(record) {
  const {BudgetExhausted: _slices, ...exits} = record.Counters.vp.exits
  return exits
}

const sum = (o) => Object.values(o).reduce((a, b) => a + b, 0)
const minus = (a, b) => Object.fromEntries([...new Set([...Object.keys(a), ...Object.keys(b)])].map((k) => [k, (a[k] ?? 0) - (b[k] ?? 0)]))
const pad = (text, width) => String(text).padEnd(width)
const num = (value, digits = 0) => (Number.isFinite(value) ? value.toFixed(digits) : '-')

/** The host's own 4 KiB figures: qemu-img bench on a VHDX, diskbench on a raw file. */
function hostLimits(hv, home) {
  const limits = {qemu: {}, raw: {}}
  const ops = REGION_KIB / 4
  if (spawnSync('qemu-img', ['--version'], {stdio: 'ignore'}).status === 0) {
    const image = join(home, 'host-limit.vhdx')
    hv('new-vhd', image, '-SizeBytes', DISK_SIZE)
    for (const [mode, write] of [['seqwrite', true], ['seqread', false]]) {
      const args = ['bench', '-f', 'vhdx', '-t', 'none', '-c', String(ops), '-d', '1', '-s', String(BLOCK), ...(write ? ['-w'] : []), image]
      const result = spawnSync('qemu-img', args, {encoding: 'utf8'})
      const seconds = Number(/completed in ([0-9.]+) seconds/.exec(result.stdout)?.[1])
      if (result.status !== 0 || !seconds) throw new Error(`qemu-img ${args.join(' ')}: ${result.stderr}`)
      limits.qemu[mode] = {mbps: (ops * BLOCK) / MB / seconds, iops: ops / seconds}
    }
  }
  const raw = join(home, 'host-limit.raw')
  writeFileSync(raw, Buffer.alloc(REGION_KIB * 1024))
  for (const mode of MODES) {
    const result = spawnSync(DISKBENCH, [raw, mode, String(REGION_KIB), String(BLOCK)], {encoding: 'utf8'})
    if (result.status !== 0) {
      limits.raw = null // no i386 binaries on this host (or no O_DIRECT on its temporary file system)
      break
    }
    const r = parseDiskbench(result.stdout)
    limits.raw[mode] = {mbps: r.bytes / MB / (r.ns / 1e9), iops: r.iops}
  }
  return limits
}

async function main() {
  statSync(DISKBENCH)
  console.log(
    `Disk I/O inside Linux (Debian's kernel, hv's initramfs), Generation 1, ${BLOCK / 1024} KiB blocks, O_DIRECT, ` +
      `one request at a time, ${REGION_MB} MiB per run, dynamic VHDX disks, hv time mode ${TIME_MODE}`,
  )
  const {home, hv, hvWithInput, json, close} = benchHv('hv-bench-disk-')
  try {
    // ---- the host's limits ----
    const limits = hostLimits(hv, home)

    // ---- the VM: one SCSI disk and one IDE disk ----
    const name = 'disk'
    hv('new-vm', name, '--guest', 'linux', '-Generation', '1', '-MemoryStartupBytes', '256MB', '--time-mode', TIME_MODE,
      '--kernel-command-line', `console=ttyS0 ata_piix.prefer_ms_hyperv=0${IDE_PIO ? ' libata.dma=0' : ''}`)
    hv('add-vmscsicontroller', name)
    hv('new-vhd', join(home, 'scsi.vhdx'), '-SizeBytes', DISK_SIZE)
    hv('new-vhd', join(home, 'ide.vhdx'), '-SizeBytes', DISK_SIZE)
    hv('add-vmharddiskdrive', name, '-ControllerType', 'SCSI', '-Path', join(home, 'scsi.vhdx'))
    hv('add-vmharddiskdrive', name, '-ControllerType', 'IDE', '-Path', join(home, 'ide.vhdx'))
    const [vm] = json('get-vm', name)
    const consoleFile = join(vm.Path, vm.VMId, 'console.log')
    const booted = process.hrtime.bigint()
    hv('start-vm', name)
    for (;;) {
      const log = readConsole(consoleFile)
      if (log.includes('hv-linux: hv_kvp_daemon started') && log.includes('built-in shell (ash)')) break
      if (Number(process.hrtime.bigint() - booted) / 1e6 > BOOT_TIMEOUT_MS) throw new Error('the guest did not reach its shell')
      await sleep(200)
    }
    console.log(`${pad('boot to the shell', 44)}: ${(Number(process.hrtime.bigint() - booted) / 1e9).toFixed(1)} s`)

    let commands = 0
    /** Types `command` on COM1; resolves with what it printed and the host's wall time to its end. */
    const guest = async (command) => {
      const n = ++commands
      const begin = `@@b${n}@@`
      const end = `@@e${n}@@`
      const started = process.hrtime.bigint()
      hvWithInput(`echo @@b"${n}"@@; ${command}; echo @@e"${n}"@@\r`, 'connect-vm', name)
      for (;;) {
        const log = readConsole(consoleFile)
        if (log.includes(end)) {
          const ms = Number(process.hrtime.bigint() - started) / 1e6
          return {text: log.slice(log.lastIndexOf(begin) + begin.length, log.lastIndexOf(end)).replaceAll('\r', ''), ms}
        }
        if (Number(process.hrtime.bigint() - started) / 1e6 > RUN_TIMEOUT_MS) throw new Error(`no end of "${command}"`)
        await sleep(20)
      }
    }

    // ---- which sd device is which path ----
    const channels = json('get-vmbus', name)[0].Channels
    const classOf = (instance) => channels.find((c) => c.InstanceId === instance)?.ClassId
    const devices = {}
    const {text: listing} = await guest('for d in /sys/block/sd*; do echo "hv-dev ${d##*/} $(readlink -f $d)"; done')
    for (const [, dev, path] of listing.matchAll(/^hv-dev (sd\w+) (\S+)$/gm)) {
      const instance = /\/VMBUS:00\/([0-9a-f-]{36})\//.exec(path)?.[1]
      if (/\/ata\d+\//.test(path)) devices.ide = dev
      else if (instance && classOf(instance) === SCSI_CLASS) devices.scsi = dev
      else if (instance && classOf(instance) === IDE_ACCELERATOR_CLASS) devices.accel = dev
    }
    for (const path of PATHS) {
      if (!devices[path.key]) throw new Error(`no disk for ${path.label} in the guest:\n${listing}`)
    }
    console.log(`${pad('devices', 44)}: ${PATHS.map((p) => `${p.key} /dev/${devices[p.key]}`).join(', ')}`)

    /** One diskbench run with the exits it cost. */
    const measure = async (dev, mode, regionKib, ops) => {
      const before = exitsOf(json('get-vm', name)[0])
      const {text, ms} = await guest(`diskbench /dev/${dev} ${mode} ${regionKib} ${BLOCK}${ops ? ` ${ops}` : ''}`)
      const after = exitsOf(json('get-vm', name)[0])
      const result = parseDiskbench(text)
      if (result.bad) throw new Error(`/dev/${dev} ${mode}: ${result.bad} sectors read back with another sector's data`)
      return {...result, wallMs: ms, exits: minus(after, before)}
    }

    // ---- the runs ----
    const results = {}
    for (const path of PATHS) {
      const dev = devices[path.key]
      results[path.key] = {}
      // A pass that is not measured: hv's engine gets several times faster on a path over its first
      // thousand or so requests (the guest's and hv's own code paths warm up).
      if (WARMUP) for (const mode of MODES) await guest(`diskbench /dev/${dev} ${mode} ${REGION_KIB} ${BLOCK} >/dev/null`)
      for (const mode of MODES) {
        // The same command moving one block: what typing, starting and printing cost.
        const one = await measure(dev, mode, BLOCK / 1024, 1)
        const run = await measure(dev, mode, REGION_KIB)
        const mbMoved = (run.bytes - one.bytes) / MB
        const net = minus(run.exits, one.exits)
        results[path.key][mode] = {
          mbps: run.bytes / MB / (run.ns / 1e9),
          iops: run.iops,
          wallMbps: run.bytes / MB / (run.wallMs / 1000),
          exitsPerMb: sum(net) / mbMoved,
          byKind: Object.fromEntries(Object.entries(net).map(([k, v]) => [k, v / mbMoved])),
          unwritten: run.unwritten,
        }
        if (mode.endsWith('read') && run.unwritten) console.log(`note: ${path.key} ${mode} read ${run.unwritten} never-written sectors`)
      }
    }

    // ---- the report ----
    console.log()
    console.log(`MB/s and IOPS by the guest's clock; wall MB/s from typing the command to its last line; exits per MB moved${WARMUP ? ', after a warm-up pass' : ''}`)
    console.log(`${pad('path', 32)}${pad('mode', 11)}${pad('MB/s', 9)}${pad('IOPS', 8)}${pad('wall MB/s', 11)}${pad('exits/MB', 11)}${pad('port+MMIO/MB', 14)}exits/MB by kind`)
    for (const path of PATHS) {
      for (const mode of MODES) {
        const r = results[path.key][mode]
        const kinds = Object.entries(r.byKind)
          .filter(([, v]) => Math.abs(v) >= 0.5)
          .sort(([, a], [, b]) => b - a)
          .map(([k, v]) => `${k} ${num(v)}`)
          .join(', ')
        console.log(`${pad(path.label, 32)}${pad(mode, 11)}${pad(num(r.mbps, 3), 9)}${pad(num(r.iops), 8)}${pad(num(r.wallMbps, 3), 11)}${pad(num(r.exitsPerMb), 11)}${pad(num((r.byKind.IoPort ?? 0) + (r.byKind.MemoryAccess ?? 0)), 14)}${kinds}`)
      }
    }
    console.log()
    console.log('host limits (same 4 KiB, one in flight, O_DIRECT)')
    for (const mode of MODES) {
      const q = limits.qemu[mode]
      const r = limits.raw?.[mode]
      console.log(`${pad(mode, 11)}${pad(`qemu-img bench on VHDX: ${q ? `${num(q.mbps, 1)} MB/s, ${num(q.iops)} IOPS` : '- (sequential only)'}`, 52)}` +
        `diskbench on a raw host file: ${r ? `${num(r.mbps, 1)} MB/s, ${num(r.iops)} IOPS` : '-'}`)
    }
    console.log()
    console.log('ratios')
    const has = (key) => PATHS.some((p) => p.key === key)
    for (const mode of MODES) {
      const parts = []
      if (has('scsi') && has('ide')) {
        const s = results.scsi[mode]
        const i = results.ide[mode]
        const rootExits = (r) => (r.byKind.IoPort ?? 0) + (r.byKind.MemoryAccess ?? 0)
        parts.push(`StorVSP/IDE throughput ${num(s.mbps / i.mbps, 2)}x, IDE/StorVSP exits ${num(i.exitsPerMb / s.exitsPerMb, 0)}x (port+MMIO ${num(rootExits(i) / rootExits(s), 0)}x)`)
      }
      if (has('accel') && has('ide')) parts.push(`accelerator/IDE throughput ${num(results.accel[mode].mbps / results.ide[mode].mbps, 2)}x`)
      const limit = limits.qemu[mode] ?? limits.raw?.[mode]
      const source = limits.qemu[mode] ? 'qemu-img bench' : 'host diskbench'
      for (const key of ['scsi', 'ide']) {
        if (limit && has(key)) parts.push(`${key === 'scsi' ? 'StorVSP' : 'IDE'} at ${num((100 * results[key][mode].mbps) / limit.mbps, 2)}% of ${source}`)
      }
      console.log(`${pad(mode, 11)}${parts.join('; ')}`)
    }
    hv('stop-vm', name, '--turn-off')
  } finally {
    close()
  }
}

await main()

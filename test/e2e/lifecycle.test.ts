import {execFileSync} from 'node:child_process'
import {existsSync, mkdtempSync, readFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {hv, hvJson, REPO_ROOT, tempHome} from '../helpers/hv.js'
import {eventually, hasTool} from '../helpers/tools.js'

const KERNELS = join(dirname(fileURLToPath(import.meta.url)), 'kernels')
const kernel = (name: string) => join(KERNELS, `${name}.bin`)
const EXIT42 = join(REPO_ROOT, 'guests', 'images', 'exit42.bin')

const hasNasm = hasTool('nasm', ['-v'])

let home: string
let cleanup: () => void
const run = (...args: string[]) => hv(args, {home, timeoutMs: 60_000})
const json = <T = Record<string, any>[]>(...args: string[]) => hvJson<T>(args, {home})

beforeEach(() => {
  ;({home, cleanup} = tempHome('hv-life-'))
})
afterEach(async () => {
  // Leave no worker behind: turn off whatever still runs.
  const vms = await json('get-vm').catch(() => [])
  for (const vm of vms) if (vm.WorkerProcessId) await run('stop-vm', '--id', vm.VMId, '--turn-off')
  cleanup()
})

async function newVm(name: string, ...args: string[]): Promise<Record<string, any>> {
  // The touch kernel writes 32 MiB from 16 MiB up.
  const memory = args.includes(kernel('touch')) ? '64MB' : '32MB'
  const [vm] = await json('new-vm', name, '-MemoryStartupBytes', memory, ...args)
  return vm
}

async function consoleOf(name: string, ...args: string[]): Promise<string> {
  const result = await run('get-vmconsole', name, ...args)
  expect(result.code, result.stderr).toBe(0)
  return result.stdout
}


describe.skipIf(!hasNasm)('the test kernels', () => {
  it('are what build.sh makes of their sources (needs nasm)', () => {
    const out = mkdtempSync(join(tmpdir(), 'hv-kernels-'))
    for (const name of ['countdown', 'triple', 'garbage', 'touch']) {
      execFileSync('nasm', ['-f', 'bin', '-w-zeroing', '-o', join(out, `${name}.bin`), join(KERNELS, `${name}.asm`)], {cwd: KERNELS})
      expect(readFileSync(join(out, `${name}.bin`)).equals(readFileSync(kernel(name))), name).toBe(true)
    }
  })
})

describe('running a multiboot program to completion', () => {
  it('start-vm --wait exits with the status written to port 0xF4; COM1 is in get-vmconsole', async () => {
    await newVm('k', '--boot-kernel', EXIT42)
    const result = await run('start-vm', 'k', '--wait', '--timeout', '30')
    expect(result.code, result.stderr).toBe(42)
    expect(await consoleOf('k')).toBe('hello from a multiboot kernel\n')
    expect((await run('get-vmconsole', 'k', '--raw')).stdout).toBe('hello from a multiboot kernel\r\n')
    const [vm] = await json('get-vm', 'k')
    expect(vm).toMatchObject({State: 'Off', WorkerProcessId: null})
    const events = await json('get-vmevent', 'k')
    expect(events[0].Message).toBe("Virtual machine 'k' stopped: The guest wrote 42 to the test-exit port.")
  })

  it('runs the same program as the reference machine does, byte for byte', async () => {
    await newVm('c', '--boot-kernel', kernel('countdown'))
    expect((await run('start-vm', 'c', '--wait')).code).toBe(7)
    const text = await consoleOf('c', '--raw')
    expect(text.split('\r\n')).toHaveLength(61)
    expect(text).toContain('line 60 checksum 2048221737\r\n')
    expect(await consoleOf('c', '--tail', '2')).toBe('line 59 checksum 2048221737\nline 60 checksum 2048221737\n')
  })

  it('a VM with nothing to boot says so on COM1 and halts', async () => {
    await newVm('empty')
    expect((await run('start-vm', 'empty')).code).toBe(0)
    await eventually(async () => (await consoleOf('empty')).includes('No operating system was loaded.'), 'the firmware message')
    const [vm] = await json('get-vm', 'empty')
    expect(vm.State).toBe('Running')
    expect((await run('stop-vm', 'empty', '--turn-off')).code).toBe(0)
  })

  it('refuses a boot source that is not there or not bootable, at configuration time', async () => {
    const missing = await run('new-vm', 'x', '--boot-kernel', '/nonexistent/kernel.bin')
    expect(missing.code).toBe(2)
    expect(missing.stderr).toMatch(/Cannot find path '\/nonexistent\/kernel.bin'/)
    const notMultiboot = await run('new-vm', 'x', '--boot-kernel', join(REPO_ROOT, 'package.json'))
    expect(notMultiboot.code).toBe(2)
    expect(notMultiboot.stderr).toMatch(/multiboot/i)
    const noGuest = await run('new-vm', 'x', '--guest', 'nope')
    expect(noGuest.code).toBe(2)
    expect(noGuest.stderr).toMatch(/There is no built-in guest named 'nope'. Built-in guests: .*exit42/)
    expect(await json('get-vm')).toEqual([])
  })
})

describe('the state machine through the commands', () => {
  it('rejects every illegal transition with the right message and allows the legal ones', async () => {
    await newVm('s', '--boot-kernel', kernel('touch'))
    const illegal = async (args: string[], message: RegExp) => {
      const result = await run(...args)
      expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(4)
      expect(result.stderr).toMatch(message)
    }
    // Off
    await illegal(['save-vm', 's'], /'s' failed to save: .*current state \(Off\)/)
    await illegal(['suspend-vm', 's'], /'s' failed to pause: .*\(Off\)/)
    await illegal(['resume-vm', 's'], /'s' failed to resume: .*\(Off\)/)
    await illegal(['restart-vm', 's', '--force'], /'s' failed to restart: .*\(Off\)/)
    for (const stop of [['stop-vm', 's'], ['stop-vm', 's', '--turn-off']]) {
      const offAgain = await run(...stop)
      expect(offAgain.code).toBe(0)
      expect(offAgain.stderr).toMatch(/WARNING: The virtual machine 's' is already in the specified state/)
    }
    // Running
    expect((await run('start-vm', 's')).code).toBe(0)
    const again = await run('start-vm', 's')
    expect(again.code).toBe(0)
    expect(again.stderr).toMatch(/already in the specified state/)
    const resumeRunning = await run('resume-vm', 's')
    expect(resumeRunning.code).toBe(0)
    expect(resumeRunning.stderr).toMatch(/already in the specified state/)
    await illegal(['remove-vm', 's', '--force'], /'s' failed to be deleted: .*\(Running\)/)
    await illegal(['set-vm', 's', '-ProcessorCount', '1'], /'s' failed to be reconfigured: .*\(Running\)/)
    // Paused
    expect((await run('suspend-vm', 's')).code).toBe(0)
    expect((await json('get-vm', 's'))[0].State).toBe('Paused')
    expect((await run('resume-vm', 's')).code).toBe(0)
    expect((await json('get-vm', 's'))[0].State).toBe('Running')
    // Saved
    expect((await run('save-vm', 's')).code).toBe(0)
    expect((await json('get-vm', 's'))[0].State).toBe('Saved')
    await illegal(['suspend-vm', 's'], /'s' failed to pause: .*\(Saved\)/)
    await illegal(['restart-vm', 's', '--force'], /\(Saved\)/)
    // Turning off a saved VM discards its saved state.
    expect((await run('stop-vm', 's', '--turn-off')).code).toBe(0)
    const [vm] = await json('get-vm', 's')
    expect(vm.State).toBe('Off')
    expect((await run('remove-vm', 's', '--force')).code).toBe(0)
  })

  it('a stop without the shutdown integration service is reported, not forced', async () => {
    await newVm('n', '--boot-kernel', kernel('touch'))
    await run('start-vm', 'n')
    const result = await run('stop-vm', 'n')
    expect(result.code).toBe(4)
    expect(result.stderr).toMatch(/could not be shut down: no shutdown integration service .* Use --turn-off/)
    expect((await json('get-vm', 'n'))[0].State).toBe('Running')
  })

  it('serialises two commands on one VM: the second sees the new state', async () => {
    await newVm('r', '--boot-kernel', kernel('touch'))
    await run('start-vm', 'r')
    const [save, turnOff] = await Promise.all([run('save-vm', 'r'), run('stop-vm', 'r', '--turn-off')])
    const [vm] = await json('get-vm', 'r')
    expect(['Saved', 'Off']).toContain(vm.State)
    expect(vm.WorkerProcessId).toBeNull()
    // Each either did its work, found the VM already where it wanted it, or was refused cleanly.
    for (const result of [save, turnOff]) expect([0, 4]).toContain(result.code)
  })
})

describe('save and restore', () => {
  it('a deterministic guest saved mid-run and started again prints exactly what an uninterrupted run prints', async () => {
    // The pacer kernel: its 40 lines take seconds, so save-vm lands mid-run even on a loaded machine.
    await newVm('whole', '--boot-kernel', kernel('pacer'))
    expect((await run('start-vm', 'whole', '--wait', '--timeout', '120')).code).toBe(7)
    const reference = await consoleOf('whole', '--raw')

    await newVm('split', '--boot-kernel', kernel('pacer'))
    expect((await run('start-vm', 'split')).code).toBe(0)
    await eventually(async () => (await consoleOf('split')).includes('line 5 '), 'a few lines')
    expect((await run('save-vm', 'split')).code).toBe(0)
    const [saved] = await json('get-vm', 'split')
    expect(saved.State).toBe('Saved')
    const atSave = await consoleOf('split', '--raw')
    expect(atSave.length).toBeLessThan(reference.length)
    expect(reference.startsWith(atSave)).toBe(true)
    const savedDirectory = JSON.parse(readFileSync(join(home, 'store.json'), 'utf8')).vms.find((v: {name: string}) => v.name === 'split').savedState.directory
    expect(existsSync(savedDirectory)).toBe(true)
    const resumed = await run('start-vm', 'split', '--wait', '--timeout', '120')
    expect(resumed.code).toBe(7)
    expect(await consoleOf('split', '--raw')).toBe(reference)
    // Once the VM ran on, its saved files were removed.
    expect(existsSync(savedDirectory)).toBe(false)
  }, 240_000)

  it('refuses a corrupt saved state and leaves the VM Saved', async () => {
    await newVm('bad', '--boot-kernel', kernel('touch'))
    await run('start-vm', 'bad')
    await eventually(async () => (await consoleOf('bad')).includes('touched'), 'the guest to touch its memory')
    expect((await run('save-vm', 'bad')).code).toBe(0)
    const doc = JSON.parse(readFileSync(join(home, 'store.json'), 'utf8'))
    const stateFile = doc.vms[0].savedState.stateFile as string
    const {writeFileSync} = await import('node:fs')
    writeFileSync(stateFile, readFileSync(stateFile, 'utf8').replace('"version":1', '"version":2'))
    const result = await run('start-vm', 'bad')
    expect(result.code).toBe(4)
    expect(result.stderr).toMatch(/saved state file .* is corrupt \(its checksum does not match\)/)
    expect((await json('get-vm', 'bad'))[0].State).toBe('Saved')
  })
})

describe('watching a running VM', () => {
  it('get-vm shows live figures from the worker, and counters in --json', async () => {
    await newVm('live', '--boot-kernel', join(REPO_ROOT, 'guests', 'images', 'counter.bin'))
    await run('start-vm', 'live')
    await new Promise((resolve) => setTimeout(resolve, 1200))
    const [vm] = await json('get-vm', 'live')
    expect(vm).toMatchObject({State: 'Running', MemoryAssigned: 32 * 1024 * 1024, BootSourceType: 'Kernel'})
    expect(vm.Uptime).toMatch(/^00:00:0[1-9](\.\d{7})?$/)
    expect(vm.CPUUsage).toBeGreaterThan(0)
    expect(vm.WorkerProcessId).toBeGreaterThan(0)
    expect(vm.Counters.Instructions).toBeGreaterThan(1_000_000)
    expect(vm.Counters.vp.exits.IoPort).toBeGreaterThan(0)
    const table = await run('get-vm', 'live')
    expect(table.stdout).toMatch(/^live\s+Running\s+\d+\s+32\s+00:00:0\d(\.\d{7})?\s+Operating normally\s+10\.0$/m)
  })

  it('get-vmconsole --follow streams until the VM stops', async () => {
    await newVm('f', '--boot-kernel', kernel('countdown'))
    await run('start-vm', 'f')
    const followed = await run('get-vmconsole', 'f', '--follow')
    expect(followed.code).toBe(0)
    expect(followed.stdout.trimEnd().split('\n')).toHaveLength(60)
    expect(followed.stdout).toMatch(/line 60 checksum 2048221737\n$/)
  })

  it('wait-vm --for off returns when the guest powers off; --timeout runs out with exit 8', async () => {
    await newVm('w', '--boot-kernel', kernel('touch'))
    await run('start-vm', 'w')
    const timedOut = await run('wait-vm', 'w', '--for', 'off', '--timeout', '1')
    expect(timedOut.code).toBe(8)
    expect(timedOut.stderr).toMatch(/did not stop within 1 seconds/)
    const heartbeat = await run('wait-vm', 'w', '--for', 'heartbeat', '--timeout', '1')
    expect(heartbeat.code).toBe(8)
    expect(heartbeat.stderr).toMatch(/No heartbeat from 'w'/)
    const [waiting] = await Promise.all([run('wait-vm', 'w', '--for', 'off'), run('stop-vm', 'w', '--turn-off')])
    expect(waiting.code).toBe(0)
  })

  it('wait-vm --for reboot sees restart-vm', async () => {
    await newVm('rb', '--boot-kernel', kernel('touch'))
    await run('start-vm', 'rb')
    const waiting = run('wait-vm', 'rb', '--for', 'reboot', '--timeout', '20')
    // wait-vm counts reboots from when it first asks; give it time to ask before the restart.
    await new Promise((resolve) => setTimeout(resolve, 2000))
    expect((await run('restart-vm', 'rb', '--force')).code).toBe(0)
    expect((await waiting).code).toBe(0)
  })

  it('start-vm --wait --timeout gives up with exit 8 and leaves the VM running', async () => {
    await newVm('slow', '--boot-kernel', kernel('touch'))
    const result = await run('start-vm', 'slow', '--wait', '--timeout', '1')
    expect(result.code).toBe(8)
    expect((await json('get-vm', 'slow'))[0].State).toBe('Running')
  })
})

describe('robustness', () => {
  it('a killed worker leaves the VM OffCritical with an event; start-vm works again', async () => {
    await newVm('victim', '--boot-kernel', kernel('touch'))
    await newVm('bystander', '--boot-kernel', kernel('touch'))
    await run('start-vm', 'victim')
    await run('start-vm', 'bystander')
    const [vm] = await json('get-vm', 'victim')
    process.kill(vm.WorkerProcessId, 'SIGKILL')
    await eventually(async () => (await json('get-vm', 'victim'))[0].State === 'OffCritical', 'OffCritical')
    const [event] = await json('get-vmevent', 'victim', '--max-events', '1')
    expect(event).toMatchObject({LevelDisplayName: 'Error'})
    expect(event.Message).toMatch(/worker process \(pid \d+\) of 'victim' terminated unexpectedly/)
    expect((await json('get-vm', 'bystander'))[0].State).toBe('Running')
    expect((await run('start-vm', 'victim')).code).toBe(0)
    expect((await json('get-vm', 'victim'))[0].State).toBe('Running')
  })

  it('a triple-faulting guest is turned off when so configured: exit 255, state Off', async () => {
    await newVm('tf', '--boot-kernel', kernel('triple'))
    await run('set-vm', 'tf', '-TripleFaultAction', 'TurnOff')
    const result = await run('start-vm', 'tf', '--wait', '--timeout', '30')
    expect(result.code).toBe(255)
    expect(result.stderr).toMatch(/triple-faulted; the virtual machine was turned off/)
    expect((await json('get-vm', 'tf'))[0].State).toBe('Off')
    expect(await consoleOf('tf')).toBe('about to triple fault\n')
  })

  it('a triple-faulting guest is reset by default, with a warning event', async () => {
    await newVm('tr', '--boot-kernel', kernel('triple'))
    await run('start-vm', 'tr')
    await eventually(async () => (await json('get-vmevent', 'tr')).some((e) => /reset: the guest triple-faulted/.test(e.Message)), 'a reset event')
    const [vm] = await json('get-vm', 'tr')
    expect(vm.State).toBe('Running')
    expect(vm.Counters.resets ?? vm.Counters).toBeDefined()
  })

  it('a guest executing garbage never brings down its worker', async () => {
    await newVm('junk', '--boot-kernel', kernel('garbage'))
    await run('start-vm', 'junk')
    await new Promise((resolve) => setTimeout(resolve, 1500))
    const [vm] = await json('get-vm', 'junk')
    expect(vm.State).toBe('Running')
    expect(vm.WorkerProcessId).toBeGreaterThan(0)
    expect((await run('stop-vm', 'junk', '--turn-off')).code).toBe(0)
  })
})

/**
 * Plug-in VDevs through `node bin/run.js`: the example countdown timer added
 * to a VM and driven by a guest (guests/images/plugin-timer.bin) that takes its
 * interrupts and reports through the test-exit port; add-, get- and
 * remove-vmplugindevice with their refusals and exit codes; checkpoints that
 * keep the list; and a saved VM whose plug-in went away or changed kind,
 * which fails to start with one line saying so and stays Saved.
 */
import {copyFileSync, mkdirSync, readFileSync, renameSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {afterAll, afterEach, describe, expect, it} from 'vitest'

import {hv, hvJson, REPO_ROOT, tempHome} from '../helpers/hv.js'

const {home, cleanup} = tempHome('hv-plugins-')
afterAll(() => cleanup())
const run = (...args: string[]) => hv(args, {home, timeoutMs: 30_000})
const json = (...args: string[]) => hvJson<Record<string, any>[]>(args, {home})
const ok = async (...args: string[]) => {
  const result = await run(...args)
  expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(0)
  return result
}
/** The one line a refused command prints, and its exit code. */
const refused = async (...args: string[]) => {
  const result = await run(...args)
  expect(result.stdout).toBe('')
  expect(result.stderr.trim().split('\n')).toHaveLength(1)
  return {code: result.code, message: result.stderr.trim()}
}

const GUEST = join(REPO_ROOT, 'guests/images/plugin-timer.bin')
const plugins = join(home, 'plugins')
mkdirSync(plugins, {recursive: true})
/** A copy of the example, so that a test can take it away. */
const TIMER = join(plugins, 'countdown-timer.mjs')
copyFileSync(join(REPO_ROOT, 'examples/vdevs/countdown-timer.mjs'), TIMER)

afterEach(async () => {
  for (const vm of await json('get-vm')) if (vm.WorkerProcessId) await run('stop-vm', '--id', vm.VMId, '--turn-off')
})

describe('a guest and the example plug-in', () => {
  it('the guest finds the countdown timer, takes its interrupts and exits 0', async () => {
    await ok('new-vm', 'timer', '--boot-kernel', GUEST, '-MemoryStartupBytes', '32MB')
    const [row] = await json('add-vmplugindevice', 'timer', '-Path', TIMER, '--passthru')
    expect(row).toEqual({VMName: 'timer', VMId: expect.any(String), Name: 'countdown-timer', Kind: 'hv-examples.countdown-timer', Path: TIMER, Config: {}})
    const started = await run('start-vm', 'timer', '--wait', '--timeout', '20')
    expect(started.code, started.stderr).toBe(0)
    const console = (await ok('get-vmconsole', 'timer')).stdout
    expect(console).toContain('plugin-timer: countdown timer found at 0x310')
    expect(console).toMatch(/plugin-timer: interrupts \d+, expiries \d+/)
    expect(console).toContain('plugin-timer: one-shot expired and stopped')
    expect(console).toContain('plugin-timer: pass')
  })

  it('without the plug-in the guest finds nothing at its ports and fails at its first step', async () => {
    await ok('new-vm', 'bare', '--boot-kernel', GUEST, '-MemoryStartupBytes', '32MB')
    expect((await run('start-vm', 'bare', '--wait', '--timeout', '20')).code).toBe(2)
    expect((await ok('get-vmconsole', 'bare')).stdout).toContain('plugin-timer: FAIL at step 2')
  })

  it('a configuration moves the device: the guest then fails to find it at the default ports', async () => {
    await ok('new-vm', 'moved', '--boot-kernel', GUEST, '-MemoryStartupBytes', '32MB')
    await ok('add-vmplugindevice', 'moved', '-Path', TIMER, '-Config', '{"basePort": 800, "irq": 10}')
    expect((await json('get-vmplugindevice', 'moved')).map((d) => d.Config)).toEqual([{basePort: 800, irq: 10}])
    expect((await run('start-vm', 'moved', '--wait', '--timeout', '20')).code).toBe(2)
  })

  it('a device that throws ends its VM in OffCritical, named in the status', async () => {
    const throwing = join(plugins, 'throwing-timer.mjs')
    const source = readFileSync(TIMER, 'utf8').replace('  writePort(port, size, value) {', '  writePort(port, size, value) {\n    throw new Error("broken on purpose")')
    writeFileSync(throwing, source)
    await ok('new-vm', 'throws', '--boot-kernel', GUEST, '-MemoryStartupBytes', '32MB')
    await ok('add-vmplugindevice', 'throws', '-Path', throwing)
    expect((await run('start-vm', 'throws', '--wait', '--timeout', '20')).code).toBe(255)
    const [vm] = await json('get-vm', 'throws')
    expect(vm!.State).toBe('OffCritical')
    expect(vm!.Status).toContain('Plug-in countdown-timer failed in writePort(): broken on purpose')
  })
})

describe('add-, get- and remove-vmplugindevice', () => {
  it('lists, names and removes devices; several per VM under their own names', async () => {
    await ok('new-vm', 'list', '-Generation', '2')
    await ok('add-vmplugindevice', 'list', '-Path', TIMER)
    await ok('add-vmplugindevice', 'list', '-Path', TIMER, '-Name', 'second', '-Config', '{"basePort": 800}')
    expect((await json('get-vmplugindevice', 'list')).map((d) => d.Name)).toEqual(['countdown-timer', 'second'])
    const table = (await ok('get-vmplugindevice')).stdout
    expect(table).toMatch(/VMName +Name +Kind +Path +Config/)
    expect(table).toContain('{"basePort":800}')
    expect((await json('get-vmplugindevice', 'list', '-Name', 'SECOND')).length).toBe(1)
    expect((await ok('remove-vmplugindevice', 'list', '-Name', 'countdown-timer')).stdout).toBe('')
    expect((await json('get-vmplugindevice', 'list')).map((d) => d.Name)).toEqual(['second'])
    const events = (await json('get-vmevent', 'list')).map((e) => e.Message)
    expect(events).toContain("The plug-in device 'countdown-timer' (hv-examples.countdown-timer) was removed from 'list'.")
  })

  it('refuses a missing file, a module that is no device kind, a bad configuration and clashing ports, each in one line', async () => {
    await ok('new-vm', 'bad')
    const notKind = join(plugins, 'not-a-kind.mjs')
    writeFileSync(notKind, 'export default {id: "acme.thing"}\n')
    const missing = join(plugins, 'missing.mjs')
    expect(await refused('add-vmplugindevice', 'bad', '-Path', missing)).toEqual({
      code: 3, message: `add-vmplugindevice: The plug-in module '${missing}' does not exist.`,
    })
    expect(await refused('add-vmplugindevice', 'bad', '-Path', notKind)).toEqual({
      code: 2, message: `add-vmplugindevice: '${notKind}' is not a device kind: "acme.thing" has no "description".`,
    })
    expect(await refused('add-vmplugindevice', 'bad', '-Path', TIMER, '-Config', '{"irq": 99}')).toEqual({
      code: 2, message: `add-vmplugindevice: Plug-in device 'countdown-timer' (hv-examples.countdown-timer) has a bad configuration: "irq" must be an integer from 0 to 15, not 99`,
    })
    expect((await refused('add-vmplugindevice', 'bad', '-Path', TIMER, '-Config', '{irq')).code).toBe(2)
    expect(await refused('add-vmplugindevice', 'bad', '-Path', TIMER, '-Config', '{"basePort": 1016}')).toEqual({
      code: 2,
      message: `add-vmplugindevice: The plug-in devices of 'bad' do not fit its Generation 1 motherboard: Plug-in countdown-timer ("Countdown timer") claims port 0x3f8, already claimed by COM1 ("COM1")`,
    })
    await ok('add-vmplugindevice', 'bad', '-Path', TIMER)
    expect((await refused('add-vmplugindevice', 'bad', '-Path', TIMER, '-Name', 'again')).message).toContain(
      'Plug-in again ("Countdown timer") claims port 0x310, already claimed by Plug-in countdown-timer ("Countdown timer")',
    )
    expect(await refused('add-vmplugindevice', 'bad', '-Path', TIMER, '-Config', '{"basePort": 800}')).toEqual({
      code: 2, message: "add-vmplugindevice: 'bad' already has a plug-in device named 'countdown-timer'; give another -Name.",
    })
    expect((await refused('add-vmplugindevice', 'bad')).code).toBe(2)
    expect((await refused('remove-vmplugindevice', 'bad', '-Name', 'nothing')).code).toBe(3)
    expect((await refused('add-vmplugindevice', 'nosuchvm', '-Path', TIMER)).code).toBe(3)
    // Nothing refused was kept.
    expect((await json('get-vmplugindevice', 'bad')).map((d) => d.Name)).toEqual(['countdown-timer'])
  })

  it('changes devices only while the VM is off (exit 4)', async () => {
    await ok('new-vm', 'busy', '--guest', 'tinyos', '-MemoryStartupBytes', '32MB')
    await ok('start-vm', 'busy')
    const added = await refused('add-vmplugindevice', 'busy', '-Path', TIMER)
    expect(added.code).toBe(4)
    expect(added.message).toContain("while 'busy' is in its current state (Running)")
    expect((await refused('remove-vmplugindevice', 'busy', '-Name', 'x')).code).toBe(4)
  })

  it('a checkpoint keeps the list: applying it brings back a device removed since', async () => {
    await ok('new-vm', 'cp')
    await ok('add-vmplugindevice', 'cp', '-Path', TIMER, '-Config', '{"irq": 7}')
    await ok('checkpoint-vm', 'cp', 'with-timer')
    await ok('remove-vmplugindevice', 'cp', '-Name', 'countdown-timer')
    expect(await json('get-vmplugindevice', 'cp')).toEqual([])
    await ok('restore-vmcheckpoint', 'cp', 'with-timer', '--force')
    expect((await json('get-vmplugindevice', 'cp')).map((d) => [d.Name, d.Config])).toEqual([['countdown-timer', {irq: 7}]])
  })
})

describe('a saved VM and its plug-in', () => {
  it('fails to start, staying Saved, while its module is gone or exports another kind; restores once it is back', async () => {
    const module = join(plugins, 'saved-timer.mjs')
    copyFileSync(TIMER, module)
    await ok('new-vm', 'saved', '--guest', 'tinyos', '-MemoryStartupBytes', '32MB')
    await ok('add-vmplugindevice', 'saved', '-Path', module, '-Name', 'timer')
    await ok('start-vm', 'saved')
    await ok('save-vm', 'saved')

    renameSync(module, `${module}.away`)
    const gone = await refused('start-vm', 'saved')
    expect(gone.code).toBe(3)
    expect(gone.message).toContain(`Plug-in device 'timer': The plug-in module '${module}' does not exist.`)
    expect((await json('get-vm', 'saved'))[0]!.State).toBe('Saved')

    writeFileSync(module, 'export default {id: "acme.other", description: "d", parseConfig: (c) => c, create() {}}\n')
    const changed = await refused('start-vm', 'saved')
    expect(changed.code).toBe(2)
    expect(changed.message).toContain(`'${module}' now holds the device kind "acme.other", not "hv-examples.countdown-timer"`)
    expect((await json('get-vm', 'saved'))[0]!.State).toBe('Saved')

    renameSync(`${module}.away`, module)
    await ok('start-vm', 'saved')
    expect((await json('get-vm', 'saved'))[0]!.State).toBe('Running')
  })
})

import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {hv, hvJson, tempHome} from '../helpers/hv.js'
import {eventually} from '../helpers/tools.js'

let home: string
let cleanup: () => void
const run = (...args: string[]) => hv(args, {home, timeoutMs: 60_000})
const json = <T = Record<string, any>[]>(...args: string[]) => hvJson<T>(args, {home})
/** Type at the VM's console through connect-vm, as a pipe would, and return what came back. */
const type = async (name: string, text: string) => {
  const result = await hv(['connect-vm', name], {home, input: text, timeoutMs: 60_000})
  expect(result.code, result.stderr).toBe(0)
  return result.stdout.replace(/\r\n/g, '\n')
}
const consoleOf = async (name: string) => (await run('get-vmconsole', name)).stdout


beforeEach(() => {
  ;({home, cleanup} = tempHome('hv-tinyos-'))
})
afterEach(async () => {
  const vms = await json('get-vm').catch(() => [])
  for (const vm of vms) if (vm.WorkerProcessId) await run('stop-vm', '--id', vm.VMId, '--turn-off')
  cleanup()
})

describe('tinyos, the built-in unaware guest', () => {
  it('boots to its prompt, runs its shell over COM1, survives save and restore, and shuts down', async () => {
    expect((await run('new-vm', 'demo', '--guest', 'tinyos')).code).toBe(0)
    expect((await run('start-vm', 'demo')).code).toBe(0)
    await eventually(async () => (await consoleOf('demo')).endsWith('tinyos> '), 'the prompt')
    expect(await consoleOf('demo')).toBe("tinyos 0.1 (hv guest) - type 'help'\ntinyos> ")

    const cpuinfo = await type('demo', 'cpuinfo\r')
    expect(cpuinfo).toContain('vendor:     GenuineIntel')
    expect(cpuinfo).toMatch(/hypervisor: present \(CPUID.1:ECX bit 31\), signature "Microsoft Hv", max leaf 0x40000005/)
    const ring3 = await type('demo', 'ring3\r')
    expect(ring3).toContain('hello from ring 3 (CS=001b, CPL 3)')
    expect(ring3).toContain('task exit status 0')
    const before = await type('demo', 'uptime\r')
    const ticksBefore = Number(/\((\d+) ticks/.exec(before)![1])

    expect((await run('save-vm', 'demo')).code).toBe(0)
    expect((await json('get-vm', 'demo'))[0].State).toBe('Saved')
    expect((await run('start-vm', 'demo')).code).toBe(0)
    const after = await type('demo', 'echo still the same session\ruptime\r')
    expect(after).toContain('still the same session')
    expect(Number(/\((\d+) ticks/.exec(after)![1])).toBeGreaterThanOrEqual(ticksBefore)
    // The console continues the saved session: the first output is still there.
    expect((await consoleOf('demo')).startsWith("tinyos 0.1 (hv guest) - type 'help'\ntinyos> cpuinfo")).toBe(true)

    await type('demo', 'poweroff\r')
    await eventually(async () => (await json('get-vm', 'demo'))[0].State === 'Off', 'power off')
    const [event] = await json('get-vmevent', 'demo', '--max-events', '1')
    expect(event.Message).toBe("Virtual machine 'demo' stopped: The guest powered the virtual machine off.")
    expect((await run('remove-vm', 'demo', '--force')).code).toBe(0)
  })

  it('reboots through the keyboard controller, and exits with the status it writes to port 0xF4', async () => {
    await run('new-vm', 't', '--guest', 'tinyos', '-MemoryStartupBytes', '64MB')
    await run('start-vm', 't')
    await eventually(async () => (await consoleOf('t')).endsWith('tinyos> '), 'the prompt')
    const waiting = run('wait-vm', 't', '--for', 'reboot', '--timeout', '30')
    // wait-vm counts reboots from when it first asks; give it time to ask before the reboot.
    await new Promise((resolve) => setTimeout(resolve, 2000))
    await type('t', 'reboot\r')
    expect((await waiting).code).toBe(0)
    await eventually(async () => (await consoleOf('t')).split("type 'help'").length === 3, 'a second banner')
    const waitOff = run('wait-vm', 't', '--for', 'off', '--timeout', '30')
    await type('t', 'exit 9\r')
    expect((await waitOff).code).toBe(0)
    const [vm] = await json('get-vm', 't')
    expect(vm.State).toBe('Off')
    const [event] = await json('get-vmevent', 't', '--max-events', '1')
    expect(event.Message).toBe("Virtual machine 't' stopped: The guest wrote 9 to the test-exit port.")
  })

  it('runs on a Generation 2 machine only what needs no legacy device', async () => {
    await run('new-vm', 'g2', '-Generation', '2', '--boot-kernel', `${process.cwd()}/guests/images/exit42.bin`, '-MemoryStartupBytes', '32MB')
    const result = await run('start-vm', 'g2', '--wait', '--timeout', '30')
    expect(result.code).toBe(42)
  })
})

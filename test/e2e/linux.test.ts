/**
 * Debian's own i386 kernel as the judge of hv's platform, hypervisor and
 * VMBus: `--guest linux` (guests/images/linux) boots it, and Linux's own
 * hv_vmbus and hv_utils bind to hv's VMBus as on Hyper-V. One boot is shared by
 * each generation's tests (a boot costs about a minute of host time).
 */
import {existsSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {hv, hvJson, tempHome} from '../helpers/hv.js'

const IMAGES = join(dirname(fileURLToPath(import.meta.url)), '../../guests/images/linux')
const present = existsSync(join(IMAGES, 'vmlinuz')) && existsSync(join(IMAGES, 'initrd.img'))
if (!present) console.warn('linux e2e: guests/images/linux is missing; skipping')

// One HV_HOME and one running VM for the whole file.
const {home, cleanup} = tempHome('hv-linux-')
const run = (...args: string[]) => hv(args, {home, timeoutMs: 120_000})
const json = (...args: string[]) => hvJson<Record<string, any>[]>(args, {home, timeoutMs: 120_000})
const BOOT_MS = 400_000

async function consoleOf(name: string): Promise<string> {
  return (await run('get-vmconsole', name, '--raw')).stdout
}

async function until(what: string, test: () => Promise<boolean>, timeoutMs = BOOT_MS): Promise<void> {
  const end = Date.now() + timeoutMs
  while (Date.now() < end) {
    if (await test()) return
    await new Promise((resolve) => setTimeout(resolve, 1000))
  }
  throw new Error(`timed out waiting for ${what}`)
}

describe.skipIf(!present).each([1, 2])('Debian Linux on Generation %i, with Linux\'s Hyper-V drivers', (generation) => {
  const name = `lx${generation}`
  beforeAll(async () => {
    expect((await run('new-vm', name, '--guest', 'linux', '-Generation', String(generation), '-MemoryStartupBytes', '256MB')).code).toBe(0)
    const started = await run('start-vm', name)
    expect(started.code, started.stderr).toBe(0)
    await until('hv_utils to bind the KVP channel', async () => (await consoleOf(name)).includes('hv_utils: KVP IC version'))
  }, BOOT_MS + 20_000)

  afterAll(async () => {
    await run('stop-vm', name, '--turn-off')
  })

  it('boots the kernel hv loaded, with the firmware tables hv built', async () => {
    const log = await consoleOf(name)
    expect(log).toContain('Linux version 6.1.0-57-686')
    expect(log).toContain('Hypervisor detected: Microsoft Hyper-V')
    expect(log).toContain('DMI: Microsoft Corporation Virtual Machine/Virtual Machine')
    expect(log).toMatch(/ACPI: RSDP 0x00000000000E0000/)
    expect(log).toContain('ACPI: PM: (supports S0 S5)')
    // Generation 2 routes interrupts through its I/O APIC, Generation 1 through the PICs.
    expect(log).toContain(generation === 2 ? 'ACPI: Using IOAPIC for interrupt routing' : 'ACPI: Using PIC for interrupt routing')
    expect(log).toContain('Run /init as init process')
  })

  it('binds hv_vmbus at VMBus 5.3 and hv_utils to every integration service channel', async () => {
    const log = await consoleOf(name)
    expect(log).toContain('hv_vmbus: Vmbus version:5.3')
    for (const ic of ['Heartbeat IC version 3.0', 'Shutdown IC version 3.2', 'TimeSync IC version 4.0', 'KVP IC version 4.0']) {
      expect(log).toContain(`hv_utils: ${ic}`)
    }
    const [bus] = await json('get-vmbus', name)
    expect(bus).toMatchObject({VMName: name, Connected: true, Version: '5.3'})
    for (const service of ['Heartbeat', 'Shutdown', 'Time Synchronization', 'Key-Value Pair Exchange']) {
      const channel = bus.Channels.find((c: {Name: string}) => c.Name === service)
      expect(channel, service).toMatchObject({State: 'Open'})
    }
  })

  it('answers heartbeats: wait-vm --for heartbeat ends and get-vm says Heartbeat OK', async () => {
    const waited = await run('wait-vm', name, '--for', 'heartbeat', '--timeout', '60')
    expect(waited.code, waited.stderr).toBe(0)
    const [vm] = await json('get-vm', name)
    expect(vm.Heartbeat).toMatch(/^Ok/)
  })
})

afterAll(() => cleanup())

/**
 * Debian's own i386 kernel as the judge of hv's platform, hypervisor and
 * VMBus: `--guest linux` (guests/images/linux) boots it, Linux's own hv_vmbus
 * and hv_utils bind to hv's VMBus as on Hyper-V, and its userspace (busybox and
 * hv_kvp_daemon from hyperv-daemons) answers on COM1. One boot per generation
 * is shared by every step (a boot costs about a minute of host time); the steps
 * run in order and each leaves the VM as the next expects it.
 */
import {spawn} from 'node:child_process'
import {existsSync} from 'node:fs'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {HV_BIN, hv, hvJson, REPO_ROOT, shellEnvironment, tempHome} from '../../helpers/hv.js'

const IMAGES = join(REPO_ROOT, 'guests/images/linux')
const BOOT_MS = 400_000
const STEP_MS = 180_000

export const linuxImagesPresent = existsSync(join(IMAGES, 'vmlinuz')) && existsSync(join(IMAGES, 'initrd.img'))

export function linuxGuestSuite(generation: 1 | 2): void {
  if (!linuxImagesPresent) console.warn('linux e2e: guests/images/linux is missing; skipping')
  const {home, cleanup} = tempHome(`hv-linux${generation}-`)
  const name = `lx${generation}`
  const run = (...args: string[]) => hv(args, {home, timeoutMs: 120_000})
  const json = (...args: string[]) => hvJson<Record<string, any>[]>(args, {home, timeoutMs: 120_000})
  const ok = async (...args: string[]) => {
    const result = await run(...args)
    expect(result.code, `hv ${args.join(' ')}: ${result.stderr}`).toBe(0)
    return result
  }
  const consoleOf = async (): Promise<string> => (await run('get-vmconsole', name, '--raw')).stdout

  async function until(what: string, test: () => Promise<boolean>, timeoutMs = BOOT_MS): Promise<void> {
    const end = Date.now() + timeoutMs
    while (Date.now() < end) {
      if (await test()) return
      await new Promise((resolve) => setTimeout(resolve, 500))
    }
    throw new Error(`timed out waiting for ${what}`)
  }

  let commands = 0
  /**
   * Types `command` at the guest's shell on COM1 and returns what it printed.
   * The markers around it are typed split by quotes, so the shell's echo of
   * the typed line never contains them; only the output of `echo` does.
   */
  async function guest(command: string): Promise<string> {
    const n = ++commands
    const begin = `@@b${n}@@`
    const end = `@@e${n}@@`
    const typed = await hv(['connect-vm', name], {home, input: `echo @@b"${n}"@@; ${command}; echo @@e"${n}"@@\r`, timeoutMs: STEP_MS})
    expect(typed.code, typed.stderr).toBe(0)
    await until(`the guest to run "${command}"`, async () => (await consoleOf()).includes(end), STEP_MS)
    const log = await consoleOf()
    return log.slice(log.lastIndexOf(begin) + begin.length, log.lastIndexOf(end)).replaceAll('\r', '')
  }

  const uptime = async (): Promise<number> => Number((await guest('cat /proc/uptime')).trim().split(/\s+/)[0])

  describe.skipIf(!linuxImagesPresent)(`Debian Linux on Generation ${generation}, with Linux's Hyper-V drivers`, () => {
    beforeAll(async () => {
      await ok('new-vm', name, '--guest', 'linux', '-Generation', String(generation), '-MemoryStartupBytes', '256MB')
      await ok('start-vm', name)
      await until('hv_kvp_daemon to start and the shell to prompt', async () => {
        const log = await consoleOf()
        return log.includes('hv-linux: hv_kvp_daemon started') && log.includes('built-in shell (ash)')
      })
    }, BOOT_MS + 20_000)

    afterAll(async () => {
      await run('stop-vm', name, '--turn-off')
      cleanup()
    }, STEP_MS)

    it('boots the kernel hv loaded, with the firmware tables hv built, to its userspace', async () => {
      const log = await consoleOf()
      expect(log).toContain('Linux version 6.1.0-57-686')
      expect(log).toContain('Hypervisor detected: Microsoft Hyper-V')
      expect(log).toContain('DMI: Microsoft Corporation Virtual Machine/Virtual Machine')
      expect(log).toMatch(/ACPI: RSDP 0x00000000000E0000/)
      expect(log).toContain('ACPI: PM: (supports S0 S5)')
      // Both generations route interrupts through their I/O APIC, as on Hyper-V (Generation 1's PIT on pin 2).
      expect(log).toContain('ACPI: Using IOAPIC for interrupt routing')
      expect(log).toContain('IOAPIC[0]: apic_id')
      if (generation === 1) expect(log).toContain('ACPI: INT_SRC_OVR (bus 0 bus_irq 0 global_irq 2 high edge)')
      expect(log).not.toContain('unchecked MSR access error')
      expect(log).toContain('Run /init as init process')
      expect(log).toContain('hv-linux: userspace on Linux 6.1.0-57-686')
      expect(await guest('uname -rm')).toContain('6.1.0-57-686 i686')
    }, STEP_MS)

    it('binds hv_vmbus at VMBus 5.3 and hv_utils to every integration service channel', async () => {
      const log = await consoleOf()
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
    }, STEP_MS)

    it('answers heartbeats: wait-vm --for heartbeat ends and get-vm says Heartbeat OK', async () => {
      await ok('wait-vm', name, '--for', 'heartbeat', '--timeout', '60')
      const [vm] = await json('get-vm', name)
      expect(vm.Heartbeat).toMatch(/^Ok/)
    }, STEP_MS)

    it('exchanges key-value pairs with hv_kvp_daemon both ways', async () => {
      // What the daemon reports about the guest, in the Auto pool.
      let auto: Record<string, any>[] = []
      await until('hv_kvp_daemon to report the guest', async () => {
        auto = await json('get-vmkvp', name, '--pool', 'Auto')
        return auto.some((pair) => pair.Name === 'OSName')
      }, 60_000)
      const value = (key: string) => auto.find((pair) => pair.Name === key)?.Data
      expect(value('OSName')).toBe('Linux')
      expect(value('OSBuildNumber')).toBe('6.1.0-57-686')
      expect(value('ProcessorArchitecture')).toBe('i686')
      // getaddrinfo's canonical name for the host name, from the initramfs's /etc/hosts.
      expect(value('FullyQualifiedDomainName')).toBe('hv-linux.localdomain')
      // What the host writes lands in the daemon's External pool file: records of a 512-byte key and a
      // 2048-byte value, each a NUL-terminated string (the daemon leaves whatever its buffers held after the NUL).
      await ok('set-vmkvp', name, '--name', 'hv-e2e', '--value', `generation-${generation}`)
      const field = (skip: number, count: number) =>
        `dd if=/var/lib/hyperv/.kvp_pool_0 bs=512 skip=${skip} count=${count} 2>/dev/null | tr '\\000' '\\n' | head -n 1`
      await until('the pair to reach /var/lib/hyperv/.kvp_pool_0', async () =>
        (await guest(`echo "$(${field(0, 1)})=$(${field(1, 4)})"`)).includes(`hv-e2e=generation-${generation}`), 60_000)
    }, STEP_MS)

    it('save-vm and start-vm resume the running Linux exactly: its shell and its variables answer, uptime goes on', async () => {
      await guest('KEPT=across-save')
      const before = await uptime()
      await ok('save-vm', name)
      expect((await json('get-vm', name))[0].State).toBe('Saved')
      await ok('start-vm', name)
      expect(await guest('echo $KEPT')).toContain('across-save')
      const after = await uptime()
      expect(after).toBeGreaterThan(before)
    }, STEP_MS)

    it('a checkpoint of the running VM, applied later, resumes Linux as it was then', async () => {
      await guest('rm -f /tmp/after-checkpoint')
      const atCheckpoint = await uptime()
      await ok('checkpoint-vm', name, 'running')
      await guest('echo written > /tmp/after-checkpoint')
      const later = await uptime()
      await ok('stop-vm', name, '--turn-off')
      await ok('restore-vmcheckpoint', name, 'running', '--force')
      expect((await json('get-vm', name))[0].State).toBe('Saved')
      await ok('start-vm', name)
      expect(await guest('cat /tmp/after-checkpoint 2>&1 || echo absent')).toContain('absent')
      const resumed = await uptime()
      expect(resumed).toBeGreaterThan(atCheckpoint)
      expect(resumed).toBeLessThan(later + 30) // it went on from the checkpoint, not from the later state
    }, STEP_MS)

    it('stop-vm shuts Linux down through hv_utils: its shutdown runs and the VM ends Off', async () => {
      await ok('stop-vm', name)
      const [vm] = await json('get-vm', name)
      expect(vm.State).toBe('Off')
      const log = await consoleOf()
      expect(log).toContain('hv_utils: Shutdown request received - graceful shutdown initiated')
      expect(log).toContain('reboot: Power down')
      const [event] = await json('get-vmevent', name, '--max-events', '1')
      expect(event.Message).toContain('shut down as the host asked')
    }, STEP_MS)

    it('a kernel panic is a VM event and the exit status of start-vm --wait, not a worker crash', async () => {
      // The checkpoint brings back the running Linux; start-vm --wait restores it and waits for its end.
      await ok('restore-vmcheckpoint', name, 'running', '--force')
      const waiting = new Promise<number | null>((resolve) => {
        const child = spawn(process.execPath, [HV_BIN, 'start-vm', name, '--wait', '--timeout', '170'], {
          env: {...shellEnvironment(), HV_HOME: home}, stdio: 'ignore',
        })
        child.on('close', (code) => resolve(code))
      })
      await until('the VM to run again', async () => (await json('get-vm', name))[0].State === 'Running', 60_000)
      await hv(['connect-vm', name], {home, input: 'echo c > /proc/sysrq-trigger\r', timeoutMs: STEP_MS})
      expect(await waiting).toBe(255)
      const [vm] = await json('get-vm', name)
      expect(vm.State).toBe('Off')
      expect(await consoleOf()).toContain('Kernel panic - not syncing: sysrq triggered crash')
      const [event] = await json('get-vmevent', name, '--max-events', '1')
      expect(event).toMatchObject({LevelDisplayName: 'Error'})
      expect(event.Message).toContain('sysrq triggered crash')
    }, STEP_MS + 60_000)
  })
}

/**
 * Debian's own i386 kernel as the judge of hv's platform, hypervisor and
 * VMBus: `--guest linux` (guests/images/linux) boots it, Linux's own hv_vmbus
 * and hv_utils bind to hv's VMBus as on Hyper-V, and its userspace (busybox and
 * hv_kvp_daemon from hyperv-daemons) answers on COM1. One boot per generation
 * is shared by every step (a boot costs about a minute of host time); the steps
 * run in order and each leaves the VM as the next expects it.
 */
import {spawn, spawnSync} from 'node:child_process'
import {createHash} from 'node:crypto'
import {existsSync, readFileSync, rmSync} from 'node:fs'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {HV_BIN, hv, hvJson, REPO_ROOT, shellEnvironment, tempHome} from '../../helpers/hv.js'
import {withDisk} from '../../../src/core/storage/index.js'
import {hasTool} from '../../helpers/tools.js'

const IMAGES = join(REPO_ROOT, 'guests/images/linux')
const BOOT_MS = 400_000
const STEP_MS = 180_000

export const linuxImagesPresent = existsSync(join(IMAGES, 'vmlinuz')) && existsSync(join(IMAGES, 'initrd.img'))
const qemuImg = hasTool('qemu-img')

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

  let blobMd5 = ''
  /** Where busybox fdisk put the data partition, in bytes (from /sys/block/sda/sda1). */
  let partition = {offset: 0, length: 0}
  const uptime = async (): Promise<number> => Number((await guest('cat /proc/uptime')).trim().split(/\s+/)[0])

  describe.skipIf(!linuxImagesPresent)(`Debian Linux on Generation ${generation}, with Linux's Hyper-V drivers`, () => {
    // A data disk on the controller the generation boots from on Hyper-V: SCSI on Generation 2, IDE on
    // Generation 1 (where Linux reaches it through the IDE accelerator channel; ata_piix leaves it alone).
    const disk = join(home, `data${generation}.vhdx`)

    beforeAll(async () => {
      await ok('new-vm', name, '--guest', 'linux', '-Generation', String(generation), '-MemoryStartupBytes', '256MB')
      await ok('new-vhd', disk, '-SizeBytes', '64MB')
      await ok('add-vmharddiskdrive', name, '-ControllerType', generation === 1 ? 'IDE' : 'SCSI', '-Path', disk)
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

    it(`hv_storvsc binds the ${generation === 1 ? 'IDE accelerator' : 'synthetic SCSI'} channel; Linux partitions, formats and writes the VHDX`, async () => {
      const log = await consoleOf()
      expect(log).toContain('hv_vmbus: registering driver hv_storvsc')
      expect(log).toMatch(/Direct-Access +Msft +Virtual Disk +1\.0/)
      expect(log).toMatch(/\[sda\] 131072 512-byte logical blocks: \(67\.1 MB\/64\.0 MiB\)/)
      const [channel] = (await json('get-vmbus', name))[0].Channels.filter((c: {Name: string}) => c.Name === (generation === 1 ? 'Synthetic IDE Accelerator' : 'Synthetic SCSI Controller'))
      expect(channel).toMatchObject({State: 'Open'})
      if (generation === 1) expect(log).toContain('Hyper-V Virtual Machine detected, ATA device ignore set')
      const table = await guest('printf "o\\nn\\np\\n1\\n\\n\\nw\\n" | fdisk /dev/sda >/dev/null 2>&1; echo "sda1 $(cat /sys/block/sda/sda1/start) $(cat /sys/block/sda/sda1/size)"')
      const [, start, sectors] = table.match(/sda1 (\d+) (\d+)/)!.map(Number)
      expect(sectors).toBeGreaterThan(120_000)
      partition = {offset: start * 512, length: sectors * 512}
      const written = await guest(
        `mke2fs -q /dev/sda1 && mkdir -p /mnt && mount -t ext2 /dev/sda1 /mnt && echo hv-disk-${generation} > /mnt/hello.txt && ` +
          'dd if=/dev/urandom of=/mnt/blob bs=1k count=1024 2>/dev/null && sync && md5sum /mnt/blob && echo written-ok',
      )
      expect(written).toContain('written-ok')
      blobMd5 = written.match(/([0-9a-f]{32}) {2}\/mnt\/blob/)![1]
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

    it('a checkpoint of the running VM, applied later, resumes Linux as it was then, its disk too', async () => {
      await guest('rm -f /tmp/after-checkpoint')
      const atCheckpoint = await uptime()
      await ok('checkpoint-vm', name, 'running')
      // The disk is the checkpoint's now: the VM writes to a differencing child of it.
      const [drive] = await json('get-vmharddiskdrive', name)
      expect(drive.Path).toMatch(/\.avhdx$/)
      await guest('echo written > /tmp/after-checkpoint; echo later > /mnt/after-checkpoint.txt; sync')
      const later = await uptime()
      await ok('stop-vm', name, '--turn-off')
      await ok('restore-vmcheckpoint', name, 'running', '--force')
      expect((await json('get-vm', name))[0].State).toBe('Saved')
      await ok('start-vm', name)
      expect(await guest('cat /tmp/after-checkpoint 2>&1 || echo absent')).toContain('absent')
      // The file written on the disk after the checkpoint is gone; what was there before is intact.
      const onDisk = await guest('echo 3 > /proc/sys/vm/drop_caches; ls /mnt; cat /mnt/hello.txt; md5sum /mnt/blob')
      expect(onDisk).not.toContain('after-checkpoint.txt')
      expect(onDisk).toContain(`hv-disk-${generation}`)
      expect(onDisk).toContain(blobMd5)
      const resumed = await uptime()
      expect(resumed).toBeGreaterThan(atCheckpoint)
      expect(resumed).toBeLessThan(later + 30) // it went on from the checkpoint, not from the later state
    }, STEP_MS)

    it('stop-vm shuts Linux down through hv_utils: its shutdown runs and the VM ends Off', async () => {
      await guest('umount /mnt')
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

    // Both generations check the merged image; Generation 2 then boots Linux again from it (one fresh boot keeps the
    // suite's time down; the IDE accelerator is the same StorVSP as the SCSI controller).
    const freshBoot = generation === 2
    it(`with the checkpoints gone the disk merges back and qemu-img checks it${freshBoot ? '; Linux boots again to the same bytes and files' : ''}`, async () => {
      await ok('remove-vmcheckpoint', name, '*')
      const [drive] = await json('get-vmharddiskdrive', name)
      expect(drive.Path).toBe(disk)
      let imageMd5: string | null = null
      if (qemuImg) {
        const check = spawnSync('qemu-img', ['check', '-f', 'vhdx', disk], {encoding: 'utf8'})
        expect(check.status, check.stdout + check.stderr).toBe(0)
        const raw = join(home, 'data.raw')
        const convert = spawnSync('qemu-img', ['convert', '-f', 'vhdx', '-O', 'raw', disk, raw], {encoding: 'utf8'})
        expect(convert.status, convert.stderr).toBe(0)
        const image = readFileSync(raw)
        rmSync(raw)
        // qemu-img reads what Linux wrote, and the same bytes as hv's own reader.
        expect(image.includes(`hv-disk-${generation}\n`)).toBe(true)
        const hvRead = withDisk(disk, {readOnly: true}, (d) => {
          const bytes = new Uint8Array(d.size)
          d.read(0, bytes)
          return bytes
        })
        expect(createHash('md5').update(hvRead).digest('hex')).toBe(createHash('md5').update(image).digest('hex'))
        imageMd5 = createHash('md5').update(image.subarray(partition.offset, partition.offset + partition.length)).digest('hex')
      } else {
        console.warn('linux e2e: qemu-img is not installed; the image is not checked against it')
      }
      if (!freshBoot) return
      // A fresh boot (not a restore): Linux reads the filesystem's bytes as qemu-img did, and the files.
      await ok('start-vm', name)
      await until('the shell to prompt after a fresh boot', async () => {
        const log = await consoleOf()
        const boot = log.slice(log.lastIndexOf('sysrq triggered crash') + 1)
        return boot.includes('hv-linux: hv_kvp_daemon started') && boot.includes('built-in shell (ash)')
      })
      if (imageMd5) expect(await guest('md5sum /dev/sda1')).toContain(imageMd5)
      const files = await guest('mkdir -p /mnt && mount -t ext2 /dev/sda1 /mnt && cat /mnt/hello.txt && md5sum /mnt/blob')
      expect(files).toContain(`hv-disk-${generation}`)
      expect(files).toContain(blobMd5)
    }, BOOT_MS + STEP_MS)
  })
}

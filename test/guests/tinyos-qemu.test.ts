/**
 * tinyos booted by QEMU (TCG) with COM1 on a pipe: the banner, each shell
 * command, line editing, the exit paths, and that two boots driven by the
 * same keystrokes print the same transcript apart from uptime figures.
 */
import {afterEach, describe, expect, it} from 'vitest'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {haveQemu, lf, QemuGuest} from './qemu.js'

const image = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../guests/images/tinyos.bin')
const BANNER = "tinyos 0.1 (hv guest) - type 'help'\r\ntinyos> "
const qemu = haveQemu()

let guest: QemuGuest | undefined
afterEach(() => {
  guest?.kill()
  guest = undefined
})

async function boot(): Promise<QemuGuest> {
  guest = QemuGuest.boot(image)
  await guest.waitFor('tinyos> ')
  return guest
}

/** Runs the script, returns the whole console with tick counts replaced. */
async function transcript(lines: string[]): Promise<string> {
  const g = await boot()
  for (const line of lines) await g.command(line)
  return lf(g.console)
    .replace(/^up \d+\.\d\d s \(\d+ ticks/gm, 'up <s> s (<n> ticks')
    .replace(/ticks\(\) -> \d+/g, 'ticks() -> <n>')
    .replace(/counter: \d+ ticks/g, 'counter: <n> ticks')
}

describe.skipIf(!qemu)(`tinyos in QEMU${qemu ? '' : ' (skipped: qemu-system-i386 not installed)'}`, () => {
  it('prints the banner and the prompt first, then runs a session and exits with status 7', async () => {
    const g = await boot()
    expect(g.console.startsWith(BANNER)).toBe(true)

    const help = await g.command('help')
    expect(help.startsWith('help\n')).toBe(true)
    for (const cmd of ['help', 'uptime', 'cpuinfo', 'meminfo', 'ring3', 'echo ARGS', 'reboot', 'poweroff', 'exit N']) {
      expect(help).toMatch(new RegExp(`^  ${cmd.replace(' ', ' ')}\\s+\\S`, 'm'))
    }

    const cpu = await g.command('cpuinfo')
    expect(cpu).toMatch(/^vendor: +[ -~]{12} \(max basic leaf 0x[0-9a-f]+\)$/m)
    expect(cpu).toMatch(/^signature: +0x[0-9a-f]{8}: family \d+, model \d+, stepping \d+$/m)
    expect(cpu).toMatch(/^features: +fpu /m)
    // The hypervisor line agrees with the feature bit it is based on.
    if (/^features2:.* hypervisor\b/m.test(cpu)) {
      expect(cpu).toMatch(/^hypervisor: present \(CPUID\.1:ECX bit 31\), signature "[ -~]{12}", max leaf 0x4[0-9a-f]{7}$/m)
    } else {
      expect(cpu).toMatch(/^hypervisor: none found/m)
    }

    const up1 = /^up (\d+)\.(\d\d) s \((\d+) ticks at 100 Hz\)$/m.exec(await g.command('uptime'))
    expect(up1).not.toBeNull()
    expect(Number(up1![1]) * 100 + Number(up1![2])).toBe(Number(up1![3]))

    const mem = await g.command('meminfo')
    expect(mem).toMatch(/^kernel: +00100000-[0-9a-f]{8} /m)
    expect(mem).toMatch(/^mem_lower: +\d+ KiB$/m)
    const upper = /^mem_upper: +(\d+) KiB/m.exec(mem)
    expect(upper).not.toBeNull()
    // QEMU ran with -m 64: all but the top few reserved KiB above 1 MiB.
    expect(Number(upper![1])).toBeGreaterThan(60 * 1024)
    expect(Number(upper![1])).toBeLessThanOrEqual(63 * 1024)
    const entries = /^memory map: (\d+) entries$/m.exec(mem)
    expect(entries).not.toBeNull()
    const rows = mem.match(/^  [0-9a-f]{16}-[0-9a-f]{16} +\d+ KiB  \S.*$/gm) ?? []
    expect(rows.length).toBe(Number(entries![1]))
    expect(mem).toMatch(/^  0000000000100000-[0-9a-f]{16} +\d+ KiB  available \(1\)$/m)

    const r3 = await g.command('ring3')
    expect(r3).toMatch(/^ring3: TSS\.ESP0 = [0-9a-f]{8} \(SS0 0010\)/m)
    expect(r3).toMatch(/^ring3: IRET to 001b:[0-9a-f]{8} with user stack 0023:[0-9a-f]{8}/m)
    expect(r3).toContain('hello from ring 3 (CS=001b, CPL 3)\n')
    const ticks = /^ {2}ticks\(\) -> (\d+)$/m.exec(r3)
    expect(ticks).not.toBeNull()
    expect(r3).toContain(`ring 3 read the tick counter: ${ticks![1]} ticks since boot\n`)
    expect(r3).toContain('  unknown system call 99 -> -38\n')
    expect(r3).toContain('ring 3 got -38 from system call 99\n')
    expect(r3).toContain('  exit(0)\n')
    expect(r3.endsWith('ring3: back in ring 0 (CS=0008), task exit status 0\n')).toBe(true)
    // Every system call arrived from CPL 3 on the ESP0 stack, with a full
    // privilege-change frame (SS, ESP, EFLAGS, CS, EIP, and the stub's 14 words).
    const entriesR3 = r3.match(/^ {2}\[int 0x80 from .*\]$/gm) ?? []
    expect(entriesR3.length).toBe(6) // write, ticks, write, 99, write, exit
    for (const e of entriesR3) expect(e).toMatch(/from 001b:[0-9a-f]{8}, user esp [0-9a-f]{8}; kernel frame at [0-9a-f]{8} = ESP0-76\]$/)

    expect(await g.command('echo hi')).toBe('echo hi\nhi\n')
    expect(await g.command('echo   spaced  out   ')).toBe('echo   spaced  out   \nspaced  out\n')

    // The tick keeps coming: QEMU's clock follows the host's, so 150 ms is 15 ticks.
    await new Promise((r) => setTimeout(r, 150))
    const up2 = /\((\d+) ticks at 100 Hz\)/.exec(await g.command('uptime'))
    expect(Number(up2![1])).toBeGreaterThan(Number(up1![3]))

    const start = g.console.length
    g.send('exit 7\r')
    expect(await g.exit()).toBe((7 << 1) | 1)
    expect(lf(g.console.slice(start))).toBe('exit 7\nexit: writing 7 to port 0xF4\n')
  })

  it('edits the line: backspace, delete, Ctrl-U, Ctrl-C, CR LF and escape sequences', async () => {
    const g = await boot()
    // DEL (0x7F) and BS (0x08) both erase one character.
    expect(await g.command('ech\x7fho hellx\bo')).toBe('ech\b \bho hellx\b \bo\nhello\n')
    // Ctrl-U erases the whole line.
    expect(await g.command('garbage\x15echo clean')).toBe(`garbage${'\b \b'.repeat(7)}echo clean\nclean\n`)
    // An arrow key (ESC [ A) is swallowed, not inserted.
    expect(await g.command('echo a\x1b[Ab')).toBe('echo ab\nab\n')
    // Backspace on an empty line does nothing.
    expect(await g.command('\b\becho x')).toBe('echo x\nx\n')
    // Ctrl-C drops the line and prompts again (no CR follows it here).
    const start0 = g.console.length
    g.send('echo never\x03')
    const at0 = await g.waitFor('tinyos> ', start0)
    expect(lf(g.console.slice(start0, at0))).toBe('echo never^C\n')
    // CR LF is one line end, not two (no empty command in between).
    const start = g.console.length
    g.send('echo one\r\necho two\r\n')
    await g.waitFor('two\r\ntinyos> ', start)
    expect(lf(g.console.slice(start))).toBe('echo one\none\ntinyos> echo two\ntwo\ntinyos> ')
    // A bare LF ends a line too.
    const start2 = g.console.length
    g.send('echo lf\n')
    await g.waitFor('lf\r\ntinyos> ', start2)
    expect(await g.command('nosuchcmd arg')).toBe("nosuchcmd arg\nnosuchcmd: unknown command (type 'help')\n")
    expect(await g.command('exit 256')).toBe('exit 256\nexit: expected a status from 0 to 255, got "256"\n')
    expect(await g.command('   ')).toBe('   \n')
  })

  it('prints the same transcript on every boot, apart from uptime figures', async () => {
    const script = ['help', 'cpuinfo', 'meminfo', 'ring3', 'uptime', 'echo same', 'bad']
    const a = await transcript(script)
    guest?.kill()
    const b = await transcript(script)
    expect(b).toBe(a)
    expect(a).toContain('ticks() -> <n>')
  })

  it('exit 0x2a gives QEMU exit status 85', async () => {
    const g = await boot()
    g.send('exit 0x2a\r')
    expect(await g.exit()).toBe(85)
  })

  it('poweroff turns the machine off through the ACPI PM1a control port', async () => {
    const g = await boot()
    g.send('poweroff\r')
    // QEMU's soft-off exits 0; the exit-port fallback would give 1.
    expect(await g.exit()).toBe(0)
    expect(lf(g.console)).toContain('poweroff: ACPI PM1a_CNT (port 0x604) <- 0x2000\n')
    expect(g.console).not.toContain('still running')
  })

  it('poweroff falls back to the exit port on a machine without ACPI', async () => {
    guest = QemuGuest.boot(image, ['-machine', 'isapc'])
    const g = guest
    await g.waitFor('tinyos> ')
    g.send('poweroff\r')
    expect(await g.exit()).toBe((0 << 1) | 1)
    expect(lf(g.console)).toContain('poweroff: still running; writing 0 to the exit port 0xF4\n')
  })

  it('reboot resets the machine through the i8042', async () => {
    const g = await boot()
    g.send('reboot\r')
    // -no-reboot turns the reset into an exit with status 0.
    expect(await g.exit()).toBe(0)
    expect(lf(g.console)).toContain('reboot: pulsing the reset line (i8042 command 0xFE to port 0x64)\n')
  })

  it('reports an exception with the registers and halts', async () => {
    const g = await boot()
    const start = g.console.length
    g.send('crash\r')
    await g.waitFor('*** system halted\r\n', start)
    const out = lf(g.console.slice(start))
    expect(out).toMatch(/^\*\*\* exception 6 \(#UD invalid opcode\), error code 0x00000000, in ring 0$/m)
    expect(out).toMatch(/^eax=[0-9a-f]{8} ebx=[0-9a-f]{8} ecx=[0-9a-f]{8} edx=[0-9a-f]{8}$/m)
    expect(out).toMatch(/^eip=[0-9a-f]{8} eflags=[0-9a-f]{8} cs=0008 ss=0010$/m)
    expect(out).toMatch(/^cr0=[0-9a-f]{8} cr2=[0-9a-f]{8} cr3=[0-9a-f]{8}$/m)
    // Halted for good: typing does nothing.
    const after = g.console.length
    g.send('help\r')
    await new Promise((r) => setTimeout(r, 300))
    expect(g.console.length).toBe(after)
  })
})

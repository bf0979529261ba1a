import {execFileSync} from 'node:child_process'
import {mkdtempSync, readdirSync, readFileSync, statSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

import {describe, expect, it} from 'vitest'

import {hv, REPO_ROOT} from '../helpers/hv.js'
import {hvSession} from '../helpers/session.js'
import {eventually, hasTool} from '../helpers/tools.js'

/**
 * VMs with 2 GB and more: a 32-bit guest without PAE sees RAM up to the
 * 32-bit MMIO gap below 4 GiB (Hyper-V's default 128 MiB low MMIO space, so
 * RAM ends at 0xF8000000); the VM keeps its configured size. The memsize
 * kernel prints the Multiboot mem_upper, proves RAM is there up to the top
 * (a dword every 256 MiB and the last one), and checks again for every byte
 * it receives on COM1, so a restored VM can be asked whether its memory came back.
 */
const KERNELS = join(dirname(fileURLToPath(import.meta.url)), 'kernels')
const MEMSIZE = join(KERNELS, 'memsize.bin')
const EXIT42 = join(REPO_ROOT, 'guests', 'images', 'exit42.bin')
const MIB = 1024 * 1024
const GIB = 1024 * MIB
const GAP_BASE = 0xf8000000

const {home, run, json, ok} = hvSession({prefix: 'hv-bigmem-', timeoutMs: 90_000})

async function consoleOf(name: string): Promise<string> {
  return ok('get-vmconsole', name, '--raw')
}

const probes = async (name: string) => (await consoleOf(name)).split('\n').filter((l) => l.startsWith('probe ')).map((l) => l.trim())

/** Start memsize and wait for its first probe. */
async function startMemsize(name: string): Promise<void> {
  await ok('start-vm', name)
  await eventually(async () => (await probes(name)).length === 1, `${name}'s first probe`, 60_000)
}

function filesNamed(root: string, name: string): string[] {
  const found: string[] = []
  for (const entry of readdirSync(root, {withFileTypes: true, recursive: true})) {
    if (entry.isFile() && entry.name === name) found.push(join(entry.parentPath ?? entry.path, entry.name))
  }
  return found
}

function bytesUnder(root: string, pattern: RegExp): number {
  let total = 0
  for (const entry of readdirSync(root, {withFileTypes: true, recursive: true})) {
    const path = join(entry.parentPath ?? entry.path, entry.name)
    if (entry.isFile() && pattern.test(path)) total += statSync(path).size
  }
  return total
}

describe.skipIf(!hasTool('nasm', ['-v']))('the memsize kernel', () => {
  it('is what build.sh makes of its source (needs nasm)', () => {
    const out = mkdtempSync(join(tmpdir(), 'hv-kernels-'))
    execFileSync('nasm', ['-f', 'bin', '-o', join(out, 'memsize.bin'), join(KERNELS, 'memsize.asm')], {cwd: KERNELS})
    expect(readFileSync(join(out, 'memsize.bin')).equals(readFileSync(MEMSIZE))).toBe(true)
  })
})

describe('VMs with 2 GB or more of startup memory', () => {
  it.each([['2048MB', 2 * GIB], ['4GB', 4 * GIB]])('start-vm --wait of exit42 with %s exits 42', async (size) => {
    await json('new-vm', 'big', '-MemoryStartupBytes', size, '--boot-kernel', EXIT42)
    const result = await run('start-vm', 'big', '--wait', '--timeout', '60')
    expect(result.stderr).toBe('')
    expect(result.code).toBe(42)
  })

  it.each([[2], [3], [4]])('a %i GB guest sees its RAM up to the MMIO gap and all of it works; the VM keeps its size', async (gib) => {
    const configured = gib * GIB
    const [created] = await json('new-vm', 'm', '-MemoryStartupBytes', `${gib}GB`, '--boot-kernel', MEMSIZE)
    expect(created.MemoryStartup).toBe(configured)
    await startMemsize('m')
    const ram = Math.min(configured, GAP_BASE)
    const console = await consoleOf('m')
    expect(console).toContain(`mem_upper ${(ram - MIB) / 1024} KiB\r\n`)
    expect(console).toContain(`top of RAM ${ram / MIB} MiB\r\n`)
    expect(await probes('m')).toEqual(['probe ok'])
    const [vm] = await json('get-vm', 'm')
    expect(vm).toMatchObject({State: 'Running', MemoryStartup: configured, MemoryAssigned: configured})
  })

  it('Set-VM -LowMemoryMappedIoSpace moves the MMIO gap: a larger one leaves the guest less RAM below it', async () => {
    await json('new-vm', 'gap', '-MemoryStartupBytes', '4GB', '--boot-kernel', MEMSIZE)
    await ok('set-vm', 'gap', '-LowMemoryMappedIoSpace', '3GB')
    await startMemsize('gap')
    const ram = 1 * GIB
    const console = await consoleOf('gap')
    expect(console).toContain(`mem_upper ${(ram - MIB) / 1024} KiB\r\n`)
    expect(console).toContain(`top of RAM ${ram / MIB} MiB\r\n`)
    expect(await probes('gap')).toEqual(['probe ok'])
    expect((await json('get-vm', 'gap'))[0]).toMatchObject({MemoryStartup: 4 * GIB, LowMemoryMappedIoSpace: 3 * GIB})
  })

  it('save-vm of a 3 GB VM writes only the pages it touched; start-vm resumes it with its memory', async () => {
    await json('new-vm', 's', '-MemoryStartupBytes', '3GB', '--boot-kernel', MEMSIZE)
    await startMemsize('s')
    await ok('save-vm', 's')
    expect((await json('get-vm', 's'))[0].State).toBe('Saved')
    const [memoryFile] = filesNamed(home(), 'memory.bin')
    expect(memoryFile).toBeDefined()
    // The kernel, its stack, the loader's pages and one page per probe: far under a MiB.
    expect(statSync(memoryFile!).size).toBeLessThan(MIB)
    await ok('start-vm', 's')
    expect((await json('get-vm', 's'))[0]).toMatchObject({State: 'Running', MemoryAssigned: 3 * GIB})
    await sendByte('s')
    await eventually(async () => (await probes('s')).length === 2, 'the probe after restore', 60_000)
    expect(await probes('s')).toEqual(['probe ok', 'probe ok'])
  })

  it('a checkpoint of a running 4 GB VM is small and restores its memory', async () => {
    await json('new-vm', 'c', '-MemoryStartupBytes', '4GB', '--boot-kernel', MEMSIZE)
    await ok('set-vm', 'c', '-CheckpointType', 'Standard', '-AutomaticCheckpointsEnabled', '$false')
    await startMemsize('c')
    await ok('checkpoint-vm', 'c', 'big')
    const [checkpoint] = await json('get-vmcheckpoint', 'c')
    expect(checkpoint).toMatchObject({Name: 'big', MemoryStartup: 4 * GIB})
    expect(checkpoint.MemoryPages).toBeGreaterThan(0)
    expect(checkpoint.MemoryPages).toBeLessThan(256)
    expect(bytesUnder(home(), /\.(hvpack|json)$/)).toBeLessThan(2 * MIB)
    await ok('stop-vm', 'c', '--turn-off')
    await ok('restore-vmcheckpoint', 'c', 'big', '--force')
    expect((await json('get-vm', 'c'))[0].State).toBe('Saved')
    await ok('start-vm', 'c')
    await sendByte('c')
    await eventually(async () => (await probes('c')).length === 2, 'the probe after the checkpoint was applied', 60_000)
    expect(await probes('c')).toEqual(['probe ok', 'probe ok'])
  })

  it('set-vm -MemoryStartupBytes 4GB is checked against the host\'s memory capacity', async () => {
    await json('new-vm', 'v', '-MemoryStartupBytes', '1GB', '--boot-kernel', EXIT42)
    await ok('set-vm', 'v', '-MemoryStartupBytes', '4GB')
    expect((await json('get-vm', 'v'))[0].MemoryStartup).toBe(4 * GIB)
    await ok('set-vmhost', '--memory-capacity', '3GB')
    const refused = await run('set-vm', 'v', '-MemoryStartupBytes', '4GB')
    expect(refused.code).toBe(2)
    expect(refused.stderr).toMatch(/4096 MB is more than the host's memory capacity \(3072 MB\)/)
    await ok('set-vm', 'v', '-MemoryStartupBytes', '2GB')
    expect((await json('get-vm', 'v'))[0].MemoryStartup).toBe(2 * GIB)
  })
})

/** One byte to the guest's COM1, as a script pipes input to connect-vm. */
async function sendByte(name: string): Promise<void> {
  const result = await hv(['connect-vm', name], {home: home(), input: 'x', timeoutMs: 60_000})
  expect(result.code, result.stderr).toBe(0)
}

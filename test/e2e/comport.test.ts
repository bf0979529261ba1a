import {execFileSync} from 'node:child_process'
import {mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import type {Socket} from 'node:net'
import {tmpdir} from 'node:os'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {hv, hvJson, REPO_ROOT, tempHome} from '../helpers/hv.js'
import {socketClient} from '../helpers/socket-client.js'
import {eventually, hasTool} from '../helpers/tools.js'

const KERNELS = join(dirname(fileURLToPath(import.meta.url)), 'kernels')
const COM2ECHO = join(KERNELS, 'com2echo.bin')

let home: string
let cleanup: () => void
const clients: Socket[] = []
const run = (...args: string[]) => hv(args, {home, timeoutMs: 60_000})
const json = <T = Record<string, any>[]>(...args: string[]) => hvJson<T>(args, {home})
const ok = async (...args: string[]) => {
  const result = await run(...args)
  expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(0)
  return result
}
const ports = (name: string) => json('get-vmcomport', name)
const storeText = () => readFileSync(join(home, 'store.json'), 'utf8')

beforeEach(() => {
  ;({home, cleanup} = tempHome('hv-comport-'))
})
afterEach(async () => {
  for (const socket of clients.splice(0)) socket.destroy()
  const vms = await json('get-vm').catch(() => [])
  for (const vm of vms) if (vm.WorkerProcessId) await run('stop-vm', '--id', vm.VMId, '--turn-off')
  cleanup()
})

/** A client on a COM port's socket, as `socat - UNIX-CONNECT:PATH` would be. */
async function pipeClient(path: string) {
  const {socket, received, closed} = await socketClient(path)
  clients.push(socket)
  return {
    send: (data: string) => socket.write(data),
    text: () => received().replace(/\r\n/g, '\n'),
    /** Wait until what came in (since `from`) matches. */
    waitFor: (pattern: RegExp, what: string, from = 0) => eventually(async () => pattern.test(received().replace(/\r\n/g, '\n').slice(from)), what),
    closed,
  }
}

/** Tinyos's banner went out before anyone listened (and was dropped): Enter until its prompt answers. */
async function prompt(client: Awaited<ReturnType<typeof pipeClient>>): Promise<void> {
  await eventually(async () => {
    client.send('\r')
    await new Promise((resolve) => setTimeout(resolve, 300))
    return client.text().includes('tinyos> ')
  }, 'the tinyos prompt on the socket', 30_000)
}

describe('get-vmcomport and set-vmcomport on a VM that is off', () => {
  it('show COM1 on the console and COM2 on nothing, then what set-vmcomport connected', async () => {
    await ok('new-vm', 'v')
    const [com1, com2] = await ports('v')
    expect(com1).toMatchObject({VMName: 'v', Name: 'COM 1', Path: 'hv:console', DebuggerMode: 'Off'})
    expect(com2).toMatchObject({VMName: 'v', Name: 'COM 2', Path: '', DebuggerMode: 'Off'})
    expect(com1.Id).toBe(`Microsoft:${com1.VMId.toUpperCase()}\\ComPort\\0`)

    // The cmdlet's positional form, then its named form.
    await ok('set-vmcomport', 'v', '2', '\\\\.\\pipe\\v-com2')
    const socket = join(home, 'com1.sock')
    await ok('Set-VMComPort', '-VMName', 'v', '-Number', '1', '-Path', socket, '-DebuggerMode', 'On')
    const after = await ports('v')
    expect(after.map((p) => [p.Name, p.Path, p.DebuggerMode])).toEqual([
      ['COM 1', socket, 'On'],
      ['COM 2', join(home, 'pipes', 'v-com2'), 'Off'],
    ])
    expect((await json('get-vmcomport', 'v', '-Number', '2')).map((p) => p.Name)).toEqual(['COM 2'])
    expect((await json('get-vmcomport', 'v', '2')).map((p) => p.Name)).toEqual(['COM 2'])
    const passthru = JSON.parse((await ok('set-vmcomport', 'v', '-Number', '1', '-Path', '', '--passthru', '--json')).stdout)
    expect(passthru).toMatchObject([{Name: 'COM 1', Path: ''}])
    const table = (await ok('get-vmcomport', 'v')).stdout
    expect(table).toMatch(/VMName Name {2}Path/)
    expect(table).toContain(`v      COM 2 ${join(home, 'pipes', 'v-com2')}`)
    const [event] = await json('get-vmevent', 'v', '--max-events', '1')
    expect(event.Message).toBe("COM 1 of 'v' was configured: Path '', DebuggerMode On.")
  })

  it('refuse bad input with one line and its exit code, changing nothing', async () => {
    await ok('new-vm', 'a')
    await ok('new-vm', 'b')
    await ok('set-vmcomport', 'a', '-Number', '2', '-Path', '\\\\.\\pipe\\shared')
    const before = storeText()
    const cases: Array<[string[], number, RegExp]> = [
      [['set-vmcomport', 'b', '-Number', '3', '-Path', ''], 2, /^set-vmcomport: The COM port number 3 is not valid: a virtual machine has COM ports 1 and 2\.\n$/],
      [['set-vmcomport', 'b', '-Number', '1', '-Path', join(home, 'no', 'such', 'x.sock')], 2, /^set-vmcomport: The path '.*' cannot be used for a COM port: the folder '.*no\/such' does not exist\.\n$/],
      [['set-vmcomport', 'b', '-Number', '1', '-Path', '\\\\.\\pipe\\shared'], 2, /^set-vmcomport: Failed to modify COM 1 of 'b': '.*pipes\/shared' is already the path of COM 2 of the virtual machine 'a'\.\n$/],
      [['set-vmcomport', 'a', '-Number', '1', '-Path', '\\\\.\\pipe\\shared'], 2, /already the path of COM 2 of 'a'/],
      [['set-vmcomport', 'a', '-Number', '2', '-Path', 'hv:console'], 2, /COM 1 of 'a' is already connected to the console/],
      [['set-vmcomport', 'b', '-Number', '1', '-Path', '\\\\server\\pipe\\x'], 2, /on another computer/],
      [['set-vmcomport', 'b', '-Path', ''], 2, /Specify the COM port with -Number 1 or -Number 2/],
      [['set-vmcomport', 'b', '-Number', 'one', '-Path', ''], 2, /Cannot bind parameter 'Number'/],
      [['set-vmcomport', 'b', '-Number', '1', '-DebuggerMode', 'Maybe'], 2, /Cannot bind parameter 'DebuggerMode'/],
      [['set-vmcomport', 'nobody', '-Number', '1', '-Path', ''], 3, /unable to find a virtual machine with name "nobody"/],
      [['get-vmcomport', 'b', '-Number', '0'], 2, /The COM port number 0 is not valid/],
    ]
    for (const [args, code, message] of cases) {
      const result = await run(...args)
      expect(result.code, args.join(' ')).toBe(code)
      expect(result.stderr, args.join(' ')).toMatch(message)
      expect(result.stderr.trim().split('\n')).toHaveLength(1)
    }
    expect(storeText()).toBe(before)
    const file = join(home, 'keep.txt')
    writeFileSync(file, 'mine')
    expect((await run('set-vmcomport', 'b', '-Number', '1', '-Path', file)).code).toBe(2)
    expect(readFileSync(file, 'utf8')).toBe('mine')
    expect((await run('set-vmcomport', 'b', '-Number', '1', '-Path', '', '--whatif')).stdout).toMatch(/What if: .*Set-VMComPort.*"b"/)
    expect(storeText()).toBe(before)
  })

  it('travel with a checkpoint, and an import whose socket another VM has gets that port disconnected', async () => {
    // A VM that has run once (its folder exists), with COM2 on a pipe.
    await ok('new-vm', 'c', '--boot-kernel', join(REPO_ROOT, 'guests', 'images', 'exit42.bin'), '-MemoryStartupBytes', '32MB')
    expect((await run('start-vm', 'c', '--wait', '--timeout', '30')).code).toBe(42)
    await ok('set-vmcomport', 'c', '-Number', '2', '-Path', '\\\\.\\pipe\\c2')
    await ok('checkpoint-vm', 'c', 'wired')
    await ok('set-vmcomport', 'c', '-Number', '2', '-Path', '')
    await ok('restore-vmcheckpoint', 'c', 'wired', '--force')
    expect((await ports('c'))[1].Path).toBe(join(home, 'pipes', 'c2'))

    const exports = mkdtempSync(join(tmpdir(), 'hv-comport-export-'))
    try {
      await ok('export-vm', 'c', '--path', exports)
      await ok('import-vm', join(exports, 'c'), '--copy', '--generate-new-id')
      const all = await json('get-vmcomport', 'c')
      expect(all.map((p) => p.Path)).toEqual(['hv:console', join(home, 'pipes', 'c2'), 'hv:console', ''])
      const events = await json('get-vmevent', '--max-events', '1')
      expect(events[0].Message).toMatch(/^Importing 'c': COM 2 was disconnected \('.*pipes\/c2' is already the path of COM 2 of the virtual machine 'c'\)\.$/)
    } finally {
      execFileSync('rm', ['-rf', exports])
    }
  })
})

describe('COM ports of a running VM', () => {
  it("put tinyos's shell on a socket: a client reads the prompt and runs a command; save and start reconnect it; it moves back to the console live", async () => {
    await ok('new-vm', 't', '--guest', 'tinyos', '-MemoryStartupBytes', '64MB')
    await ok('set-vmcomport', 't', '-Number', '1', '-Path', '\\\\.\\pipe\\tinyos')
    await ok('start-vm', 't')
    const socket = join(home, 'pipes', 'tinyos')
    const client = await pipeClient(socket)
    await prompt(client)
    const mark = client.text().length
    client.send('echo hello over the pipe\r')
    await client.waitFor(/hello over the pipe\ntinyos> $/, 'the echo', mark)

    // A second client meets a busy pipe: disconnected at once, without a byte.
    const second = await pipeClient(socket)
    await second.closed
    expect(second.text()).toBe('')

    // Nothing went to the console log, and connect-vm says where the port is.
    const consoleRun = await run('get-vmconsole', 't')
    expect(consoleRun.stdout).toBe('')
    expect(consoleRun.stderr).toMatch(/WARNING: No COM port of 't' is connected to the console/)
    const attach = await run('connect-vm', 't')
    expect(attach.code).toBe(4)
    expect(attach.stderr).toMatch(/COM 1 is on '.*pipes\/tinyos' \(socat - UNIX-CONNECT:/)

    await ok('save-vm', 't')
    await client.closed
    await ok('start-vm', 't')
    const again = await pipeClient(socket)
    const uptime = again.text().length
    again.send('uptime\r')
    await again.waitFor(/\d+ ticks/, 'uptime after the restore', uptime)

    // A checkpoint of the running VM, applied to it later: its socket is back when it starts.
    await ok('checkpoint-vm', 't', 'live')
    await ok('stop-vm', 't', '--turn-off')
    await again.closed
    await ok('restore-vmcheckpoint', 't', 'live', '--force')
    await ok('start-vm', 't')
    const restored = await pipeClient(socket)
    restored.send('echo from the checkpoint\r')
    await restored.waitFor(/from the checkpoint\ntinyos> $/, 'the shell after applying the checkpoint')

    // While it runs: back on the console, where connect-vm types into it; the socket goes away.
    await ok('set-vmcomport', 't', '-Number', '1', '-Path', 'hv:console')
    await restored.closed
    const typed = await hv(['connect-vm', 't'], {home, input: 'echo on the console\r', timeoutMs: 60_000})
    expect(typed.code, typed.stderr).toBe(0)
    expect(typed.stdout.replace(/\r\n/g, '\n')).toContain('on the console\ntinyos> ')
    expect((await json('get-vm', 't'))[0].State).toBe('Running')
  })

  it('with COM1 on nothing, get-vmconsole is empty and the guest runs on', async () => {
    await ok('new-vm', 'quiet', '--guest', 'tinyos', '-MemoryStartupBytes', '64MB')
    await ok('set-vmcomport', 'quiet', '-Number', '1', '-Path', '')
    await ok('start-vm', 'quiet')
    const instructions = async () => (await json('get-vm', 'quiet'))[0].Counters.Instructions as number
    const first = await instructions()
    await eventually(async () => (await instructions()) > first, 'the guest to run on')
    const [vm] = await json('get-vm', 'quiet')
    expect(vm.State).toBe('Running')
    expect(vm.Counters.serialPorts).toEqual({COM1: {connection: 'none'}, COM2: {connection: 'none'}})
    const shown = await run('get-vmconsole', 'quiet')
    expect(shown.code).toBe(0)
    expect(shown.stdout).toBe('')
  })

  it('carry COM2 both ways: a guest that greets COM1 answers on COM2, through its interrupt', async () => {
    await ok('new-vm', 'e', '--boot-kernel', COM2ECHO, '-MemoryStartupBytes', '32MB')
    await ok('set-vmcomport', 'e', '2', '\\\\.\\pipe\\echo')
    await ok('start-vm', 'e')
    await eventually(async () => (await run('get-vmconsole', 'e')).stdout === 'com2echo ready\n', 'the guest on COM1')
    const client = await pipeClient(join(home, 'pipes', 'echo'))
    client.send('hello, com2\n')
    await client.waitFor(/^HELLO, COM2\n$/, 'the answer on COM2')
    const waitOff = run('wait-vm', 'e', '--for', 'off', '--timeout', '30')
    client.send('q')
    await client.waitFor(/bye\n$/, 'the goodbye')
    expect((await waitOff).code).toBe(0)
    await client.closed
    const [event] = await json('get-vmevent', 'e', '--max-events', '1')
    expect(event.Message).toBe("Virtual machine 'e' stopped: The guest wrote 3 to the test-exit port.")
  })
})

describe.skipIf(!hasTool('nasm'))('the COM2 test kernel', () => {
  it('is what build.sh makes of its source (needs nasm)', () => {
    const out = mkdtempSync(join(tmpdir(), 'hv-com2echo-'))
    try {
      execFileSync('nasm', ['-f', 'bin', '-o', join(out, 'com2echo.bin'), join(KERNELS, 'com2echo.asm')], {cwd: KERNELS})
      expect(readFileSync(join(out, 'com2echo.bin')).equals(readFileSync(COM2ECHO))).toBe(true)
    } finally {
      execFileSync('rm', ['-rf', out])
    }
  })
})

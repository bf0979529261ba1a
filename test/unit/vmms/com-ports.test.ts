import {mkdirSync, readFileSync, writeFileSync} from 'node:fs'
import {createServer, type Server} from 'node:net'
import {join} from 'node:path'

import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {HvError} from '../../../src/core/errors.js'
import {defaultComPorts, type VmRecord} from '../../../src/core/store/schema.js'
import {
  comPortClash, comPortConnection, consoleComPort, disconnectClashingPorts, requireComPortNumber, resolveComPortPath,
} from '../../../src/core/vmms/com-ports.js'
import {Vmms} from '../../../src/core/vmms/vmms.js'
import {tempHome} from '../../helpers/hv.js'

let home: string
let cleanup: () => void
beforeEach(() => {
  ;({home, cleanup} = tempHome('hv-comports-'))
})
afterEach(() => cleanup())

const vm = (id: string, name: string, paths: [string, string]): VmRecord =>
  ({id, name, comPorts: paths.map((path) => ({path, debuggerMode: 'Off'}))}) as VmRecord

function kindOf(run: () => unknown): string {
  try {
    run()
  } catch (error) {
    return error instanceof HvError ? `${error.kind}: ${error.reason}` : `not an HvError: ${error}`
  }
  return 'no error'
}

describe('COM port paths', () => {
  it('keep nothing and the console as they are, the console keyword in any case', () => {
    expect(resolveComPortPath('', home)).toBe('')
    expect(resolveComPortPath('  ', home)).toBe('')
    expect(resolveComPortPath('HV:Console', home)).toBe('hv:console')
    expect(comPortConnection('')).toEqual({kind: 'none'})
    expect(comPortConnection('hv:console')).toEqual({kind: 'console'})
  })

  it('map a local named pipe to a socket under HV_HOME/pipes, and refuse remote pipes and bad pipe names', () => {
    expect(resolveComPortPath('\\\\.\\pipe\\TestPipe', home)).toBe(join(home, 'pipes', 'TestPipe'))
    expect(resolveComPortPath('//./PIPE/dbg', home)).toBe(join(home, 'pipes', 'dbg'))
    expect(kindOf(() => resolveComPortPath('\\\\server\\pipe\\x', home))).toMatch(/^invalid-argument: .*another computer \('server'\)/)
    expect(kindOf(() => resolveComPortPath('\\\\.\\pipe\\', home))).toMatch(/^invalid-argument: .*not valid/)
    expect(kindOf(() => resolveComPortPath('\\\\.\\pipe\\a/b', home))).toMatch(/^invalid-argument/)
    expect(kindOf(() => resolveComPortPath('\\\\.\\pipe\\..', home))).toMatch(/^invalid-argument/)
  })

  it('take a filesystem socket path in a folder that exists, relative to the current directory', () => {
    expect(resolveComPortPath(join(home, 'com1.sock'), home)).toBe(join(home, 'com1.sock'))
    expect(resolveComPortPath('x.sock', home)).toBe(join(process.cwd(), 'x.sock'))
    expect(kindOf(() => resolveComPortPath(join(home, 'missing', 'com1.sock'), home))).toBe(
      `invalid-argument: The path '${join(home, 'missing', 'com1.sock')}' cannot be used for a COM port: the folder '${join(home, 'missing')}' does not exist.`,
    )
  })

  it('never take over a file that is not a socket', () => {
    const file = join(home, 'notes.txt')
    writeFileSync(file, 'keep me')
    expect(kindOf(() => resolveComPortPath(file, home))).toMatch(/^invalid-argument: .*exists and is not a socket/)
    mkdirSync(join(home, 'dir'))
    expect(kindOf(() => resolveComPortPath(join(home, 'dir'), home))).toMatch(/not a socket/)
    expect(readFileSync(file, 'utf8')).toBe('keep me')
  })

  it('accept an existing socket (a stale one from an earlier run)', async () => {
    const path = join(home, 'live.sock')
    const server: Server = createServer()
    await new Promise<void>((resolve) => server.listen(path, resolve))
    try {
      expect(resolveComPortPath(path, home)).toBe(path)
    } finally {
      server.close()
    }
  })

  it('refuse a socket path longer than a Unix socket address holds', () => {
    expect(kindOf(() => resolveComPortPath(join(home, 'x'.repeat(120)), home))).toMatch(/longer than the 107 bytes/)
    expect(kindOf(() => resolveComPortPath(`\\\\.\\pipe\\${'p'.repeat(120)}`, home))).toMatch(/longer than the 107 bytes/)
  })

  it('numbers are 1 and 2', () => {
    expect(requireComPortNumber(1)).toBe(1)
    expect(requireComPortNumber(2)).toBe(2)
    for (const bad of [0, 3, -1]) expect(kindOf(() => requireComPortNumber(bad))).toMatch(/^invalid-argument: The COM port number/)
  })
})

describe('COM port clashes', () => {
  const a = vm('a', 'alpha', ['hv:console', '/run/a2'])
  const b = vm('b', 'beta', ['', ''])
  const doc = {vms: [a, b]}

  it('a socket is one port of one VM; the console one port per VM; nothing never clashes', () => {
    expect(comPortClash(doc, b, 1, '/run/a2')).toBe("'/run/a2' is already the path of COM 2 of the virtual machine 'alpha'.")
    expect(comPortClash(doc, a, 1, '/run/a2')).toBe("'/run/a2' is already the path of COM 2 of 'alpha'.")
    expect(comPortClash(doc, a, 2, '/run/a2')).toBeNull()
    expect(comPortClash(doc, a, 2, 'hv:console')).toMatch(/COM 1 of 'alpha' is already connected to the console/)
    expect(comPortClash(doc, b, 2, 'hv:console')).toBeNull()
    expect(comPortClash(doc, b, 1, '')).toBeNull()
  })

  it('an arriving VM (import, applied checkpoint) loses the ports whose socket another VM has', () => {
    const arriving = vm('c', 'gamma', ['hv:console', '/run/a2'])
    expect(disconnectClashingPorts(doc, arriving)).toEqual([
      "COM 2 was disconnected ('/run/a2' is already the path of COM 2 of the virtual machine 'alpha')",
    ])
    expect(arriving.comPorts.map((p) => p.path)).toEqual(['hv:console', ''])
    const fine = vm('d', 'delta', ['', '/run/free'])
    expect(disconnectClashingPorts(doc, fine)).toEqual([])
    expect(fine.comPorts.map((p) => p.path)).toEqual(['', '/run/free'])
  })

  it('the console port is found, and a record without ports has the defaults', () => {
    expect(consoleComPort(a)).toBe(1)
    expect(consoleComPort(b)).toBeNull()
    expect(consoleComPort(vm('e', 'e', ['', 'hv:console']))).toBe(2)
    expect(consoleComPort({} as VmRecord)).toBe(1)
    expect(defaultComPorts()).toEqual([{path: 'hv:console', debuggerMode: 'Off'}, {path: '', debuggerMode: 'Off'}])
  })
})

describe('Set-VMComPort through the VMMS', () => {
  it('changes one port of an Off VM and logs it; bad input changes nothing', async () => {
    const vmms = Vmms.open(home)
    const created = await vmms.newVm({name: 'v'})
    expect(created.comPorts).toEqual(defaultComPorts())
    const rows = await vmms.comPorts.set({names: ['v']}, 2, {path: '\\\\.\\pipe\\v2', debuggerMode: 'On'})
    expect(rows.map((r) => [r.number, r.settings])).toEqual([[2, {path: join(home, 'pipes', 'v2'), debuggerMode: 'On'}]])
    const before = readFileSync(vmms.store.file, 'utf8')
    const other = await vmms.newVm({name: 'w'})
    const afterNew = readFileSync(vmms.store.file, 'utf8')
    await expect(vmms.comPorts.set({names: ['w']}, 3, {path: ''})).rejects.toMatchObject({kind: 'invalid-argument'})
    await expect(vmms.comPorts.set({names: ['w']}, 1, {path: '\\\\.\\pipe\\v2'})).rejects.toMatchObject({kind: 'invalid-argument'})
    await expect(vmms.comPorts.set({names: ['w']}, 1, {path: join(home, 'nope', 's')})).rejects.toMatchObject({kind: 'invalid-argument'})
    await expect(vmms.comPorts.set({names: ['w']}, 1, {})).rejects.toMatchObject({kind: 'invalid-argument'})
    await expect(vmms.comPorts.set({names: ['nobody']}, 1, {path: ''})).rejects.toMatchObject({kind: 'not-found'})
    expect(readFileSync(vmms.store.file, 'utf8')).toBe(afterNew)
    expect(before).not.toBe(afterNew)
    expect((await vmms.getVms({ids: [other.id]}))[0].comPorts).toEqual(defaultComPorts())
    const events = await vmms.getEvents({vmNames: ['v'], maxEvents: 1})
    expect(events[0].message).toBe(`COM 2 of 'v' was configured: Path '${join(home, 'pipes', 'v2')}', DebuggerMode On.`)
  })

  it('refuses a VM in a transitional state, and one socket path for several VMs', async () => {
    const vmms = Vmms.open(home)
    const a = await vmms.newVm({name: 'a1'})
    await vmms.newVm({name: 'a2'})
    await vmms.store.update((doc) => {
      doc.vms.find((v) => v.id === a.id)!.state = 'Starting'
    })
    await expect(vmms.comPorts.set({ids: [a.id]}, 1, {path: ''})).rejects.toMatchObject({kind: 'invalid-state'})
    await expect(vmms.comPorts.set({names: ['a2', 'a1']}, 1, {path: join(home, 's.sock')})).rejects.toMatchObject({kind: 'invalid-argument'})
  })

  it('lists both ports or the one asked for', async () => {
    const vmms = Vmms.open(home)
    const v = await vmms.newVm({name: 'r'})
    expect(vmms.comPorts.rows([v]).map((r) => r.number)).toEqual([1, 2])
    expect(vmms.comPorts.rows([v], 2).map((r) => r.number)).toEqual([2])
    expect(() => vmms.comPorts.rows([v], 3)).toThrow(/COM port number 3/)
  })
})

import {spawn} from 'node:child_process'
import {existsSync, lstatSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {ConsoleLog} from '../../../src/core/worker/console-log.js'
import {SerialPorts, type SerialPortNumber} from '../../../src/core/worker/serial-ports.js'
import {SerialSocket} from '../../../src/core/worker/serial-socket.js'
import {tempHome} from '../../helpers/hv.js'
import {socketClient} from '../../helpers/socket-client.js'

let home: string
let cleanup: () => void
const open: Array<{close(): Promise<void>}> = []
beforeEach(() => {
  ;({home, cleanup} = tempHome('hv-serial-'))
})
afterEach(async () => {
  for (const thing of open.splice(0)) await thing.close()
  cleanup()
})


async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (check()) return
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
  throw new Error(`timed out waiting for ${what}`)
}

describe('SerialSocket', () => {
  it('carries bytes both ways with one client, drops output while none is connected', async () => {
    const received: string[] = []
    const path = join(home, 'pipes', 'com1')
    const endpoint = await SerialSocket.listen(path, (bytes) => received.push(bytes.toString()))
    open.push(endpoint)
    expect(lstatSync(path).isSocket()).toBe(true)
    endpoint.write(Buffer.from('lost'))
    expect(endpoint.statistics()).toMatchObject({clientConnected: false, bytesDropped: 4})

    const first = await socketClient(path)
    await until(() => endpoint.connected, 'the client')
    first.socket.write('typed')
    await until(() => received.join('') === 'typed', 'the input')
    endpoint.write(Buffer.from('shown'))
    await until(() => first.received() === 'shown', 'the output')

    // A second client meets a busy pipe: closed at once, without a byte; the first goes on.
    const second = await socketClient(path)
    await second.closed
    expect(second.received()).toBe('')
    endpoint.write(Buffer.from('!'))
    await until(() => first.received() === 'shown!', 'more output')

    first.socket.destroy()
    await until(() => !endpoint.connected, 'the disconnect')
    const third = await socketClient(path)
    await until(() => endpoint.connected, 'a new client')
    endpoint.write(Buffer.from('again'))
    await until(() => third.received() === 'again', 'output to the new client')
    third.socket.destroy()
  })

  it('takes over a socket file nobody serves, refuses a live one and a file that is not a socket', async () => {
    const stale = join(home, 'stale.sock')
    // A process that listens, then is killed: its socket file stays behind, as a killed worker's does.
    const listener = spawn(process.execPath, ['-e', `require('net').createServer().listen(${JSON.stringify(stale)}, () => console.log('up'))`])
    await new Promise<void>((resolve) => listener.stdout.once('data', () => resolve()))
    const live = await SerialSocket.listen(stale, () => {}).catch((error: Error) => error)
    expect(live).toBeInstanceOf(Error)
    expect((live as Error).message).toMatch(/another process is listening on it/)
    const exited = new Promise((resolve) => listener.once('exit', resolve))
    listener.kill('SIGKILL')
    await exited
    expect(lstatSync(stale).isSocket()).toBe(true)
    const taken = await SerialSocket.listen(stale, () => {})
    open.push(taken)
    expect(lstatSync(stale).isSocket()).toBe(true)

    const file = join(home, 'file')
    writeFileSync(file, 'data')
    await expect(SerialSocket.listen(file, () => {})).rejects.toThrow(/exists and is not a socket/)
    expect(readFileSync(file, 'utf8')).toBe('data')
  })

  it('close removes its socket file and its client', async () => {
    const path = join(home, 's')
    const endpoint = await SerialSocket.listen(path, () => {})
    const c = await socketClient(path)
    await until(() => endpoint.connected, 'the client')
    await endpoint.close()
    await c.closed
    expect(existsSync(path)).toBe(false)
  })
})

describe('SerialPorts', () => {
  function ports() {
    const log = new ConsoleLog(join(home, 'console.log'), true)
    const delivered: Array<[SerialPortNumber, string]> = []
    const serial = new SerialPorts({console: log, deliver: (n, bytes) => delivered.push([n, Buffer.from(bytes).toString()])})
    open.push(serial)
    const transmit = (n: SerialPortNumber, text: string) => {
      for (const c of Buffer.from(text)) serial.transmit(n, c)
      serial.flush()
    }
    return {serial, delivered, transmit, logText: () => readFileSync(join(home, 'console.log'), 'utf8')}
  }

  it('sends a port on the console to the log, a port on nothing nowhere, and typing to the console port', async () => {
    const {serial, delivered, transmit, logText} = ports()
    await serial.connectAll([{path: 'hv:console', debuggerMode: 'Off'}, {path: '', debuggerMode: 'Off'}])
    transmit(1, 'boot\n')
    transmit(2, 'nobody hears this')
    expect(logText()).toBe('boot\n')
    serial.typeAtConsole(Buffer.from('ls\r'))
    expect(delivered).toEqual([[1, 'ls\r']])

    await serial.connect(1, '')
    await serial.connect(2, 'hv:console')
    transmit(1, 'gone')
    transmit(2, 'com2 here')
    expect(logText()).toBe('boot\ncom2 here')
    expect(serial.consolePort()).toBe(2)
    serial.typeAtConsole(Buffer.from('x'))
    expect(delivered.at(-1)).toEqual([2, 'x'])
  })

  it('moves a port to a socket and back while output flows; a socket that cannot be listened on leaves the port as it was', async () => {
    const {serial, delivered, transmit, logText} = ports()
    await serial.connectAll([{path: 'hv:console', debuggerMode: 'Off'}, {path: '', debuggerMode: 'Off'}])
    const path = join(home, 'com1.sock')
    await serial.connect(1, path)
    const c = await socketClient(path)
    await until(() => (serial.statistics().COM1 as {clientConnected: boolean}).clientConnected, 'the client')
    transmit(1, 'to the socket')
    await until(() => c.received() === 'to the socket', 'socket output')
    c.socket.write('from the socket')
    await until(() => delivered.some(([n, text]) => n === 1 && text === 'from the socket'), 'socket input')
    expect(logText()).toBe('')

    const file = join(home, 'plain')
    writeFileSync(file, '')
    await expect(serial.connect(1, file)).rejects.toThrow(/not a socket/)
    transmit(1, '.')
    await until(() => c.received() === 'to the socket.', 'the socket still connected')

    await serial.connect(1, 'hv:console')
    await c.closed
    expect(existsSync(path)).toBe(false)
    transmit(1, 'console again')
    expect(logText()).toBe('console again')
  })
})

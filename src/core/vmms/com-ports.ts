import {lstatSync, statSync} from 'node:fs'
import {dirname, join, resolve} from 'node:path'

import {InvalidArgumentError} from '../errors.js'
import {COM_PORT_CONSOLE, defaultComPorts, type ComPortSettings, type StoreDocument, type VmRecord} from '../store/schema.js'

/**
 * COM port connections as the VMMS keeps them: what a Set-VMComPort -Path
 * value means on this host, and the rules a port's connection obeys. Hyper-V
 * connects a COM port to nothing ('') or to a named pipe; hv adds its console
 * log (`hv:console`), and a named pipe is a Unix socket the VM's worker
 * listens on.
 */

export const COM_PORT_NUMBERS = [1, 2] as const
export type ComPortNumber = (typeof COM_PORT_NUMBERS)[number]

export type ComPortConnection = {kind: 'none'} | {kind: 'console'} | {kind: 'socket'; path: string}

/** The folder under HV_HOME that holds the sockets `\\.\pipe\NAME` names, one namespace per host as on Windows. */
export const PIPE_FOLDER = 'pipes'
/** sun_path holds 108 bytes with its terminating NUL. */
const SOCKET_PATH_LIMIT = 107

/** "COM 1", as Hyper-V names the port. */
export function comPortName(number: number): string {
  return `COM ${number}`
}

export function requireComPortNumber(number: number): ComPortNumber {
  if (!(COM_PORT_NUMBERS as readonly number[]).includes(number)) {
    throw new InvalidArgumentError(`The COM port number ${number} is not valid: a virtual machine has COM ports 1 and 2.`)
  }
  return number as ComPortNumber
}

/** A VM's ports, with the defaults for a record that has none. */
export function comPortsOf(vm: Pick<VmRecord, 'comPorts'>): ComPortSettings[] {
  return vm.comPorts?.length === COM_PORT_NUMBERS.length ? vm.comPorts : defaultComPorts()
}

/** The port on the console log (connect-vm types into it), or null when none is. */
export function consoleComPort(vm: Pick<VmRecord, 'comPorts'>): ComPortNumber | null {
  const index = comPortsOf(vm).findIndex((port) => port.path === COM_PORT_CONSOLE)
  return index < 0 ? null : ((index + 1) as ComPortNumber)
}

/** What a stored Path connects to. */
export function comPortConnection(path: string): ComPortConnection {
  if (path === '') return {kind: 'none'}
  if (path === COM_PORT_CONSOLE) return {kind: 'console'}
  return {kind: 'socket', path}
}

/**
 * The Path as stored: '' and `hv:console` as they are; `\\.\pipe\NAME` as the
 * socket `<HV_HOME>/pipes/NAME`; any other value a filesystem path (relative
 * to the current directory), which must be in an existing folder and must not
 * be a file that is not a socket.
 */
export function resolveComPortPath(input: string, home: string): string {
  const given = input.trim()
  if (given === '') return ''
  if (given.toLowerCase() === COM_PORT_CONSOLE) return COM_PORT_CONSOLE
  const pipe = /^[\\/]{2}([^\\/]+)[\\/]pipe[\\/](.*)$/i.exec(given)
  if (pipe) {
    const [, server, name] = pipe
    if (server !== '.') throw new InvalidArgumentError(`The named pipe '${given}' is on another computer ('${server}'); hv connects COM ports to local pipes (\\\\.\\pipe\\NAME) only.`)
    if (name === '' || /[\\/\0]/.test(name) || name === '.' || name === '..') {
      throw new InvalidArgumentError(`The named pipe '${given}' is not valid: the pipe name must be one name without '\\' or '/'.`)
    }
    return checkLength(given, join(home, PIPE_FOLDER, name))
  }
  if (given.includes('\0')) throw new InvalidArgumentError(`The path '${given}' is not valid.`)
  const path = checkLength(given, resolve(given))
  const folder = dirname(path)
  if (!statSync(folder, {throwIfNoEntry: false})?.isDirectory()) {
    throw new InvalidArgumentError(`The path '${given}' cannot be used for a COM port: the folder '${folder}' does not exist.`)
  }
  const existing = lstatSync(path, {throwIfNoEntry: false})
  if (existing && !existing.isSocket()) {
    throw new InvalidArgumentError(`The path '${given}' cannot be used for a COM port: it exists and is not a socket (hv does not replace files).`)
  }
  return path
}

function checkLength(given: string, path: string): string {
  if (Buffer.byteLength(path) > SOCKET_PATH_LIMIT) {
    throw new InvalidArgumentError(`The path '${given}' cannot be used for a COM port: its socket path '${path}' is longer than the ${SOCKET_PATH_LIMIT} bytes a Unix socket address holds.`)
  }
  return path
}

/**
 * Why `path` cannot be COM `number` of `vm`, or null: a socket path belongs
 * to one port of one VM (two listeners cannot share it), and one port per VM
 * is on the console (connect-vm types into one).
 */
export function comPortClash(doc: Pick<StoreDocument, 'vms'>, vm: VmRecord, number: ComPortNumber, path: string): string | null {
  const connection = comPortConnection(path)
  if (connection.kind === 'none') return null
  const others = comPortsOf(vm).map((port, i) => ({port, i})).filter(({i}) => i !== number - 1)
  if (connection.kind === 'console') {
    const other = others.find(({port}) => port.path === COM_PORT_CONSOLE)
    return other ? `${comPortName(other.i + 1)} of '${vm.name}' is already connected to the console; connect only one port to it.` : null
  }
  const same = others.find(({port}) => port.path === path)
  if (same) return `'${path}' is already the path of ${comPortName(same.i + 1)} of '${vm.name}'.`
  for (const other of doc.vms) {
    if (other.id === vm.id) continue
    const index = comPortsOf(other).findIndex((port) => port.path === path)
    if (index >= 0) return `'${path}' is already the path of ${comPortName(index + 1)} of the virtual machine '${other.name}'.`
  }
  return null
}

/**
 * A VM entering the store with ports it did not get from Set-VMComPort (an
 * import, an applied checkpoint) may name a socket another VM now uses: those
 * ports are disconnected ('') rather than fight over the socket. Returns what
 * was disconnected, for the event log.
 */
export function disconnectClashingPorts(doc: Pick<StoreDocument, 'vms'>, vm: VmRecord): string[] {
  const ports = comPortsOf(vm).map((port) => ({...port}))
  vm.comPorts = ports
  const dropped: string[] = []
  ports.forEach((port, i) => {
    const why = comPortClash(doc, vm, (i + 1) as ComPortNumber, port.path)
    if (why === null) return
    dropped.push(`${comPortName(i + 1)} was disconnected (${why.replace(/\.$/, '')})`)
    port.path = ''
  })
  return dropped
}

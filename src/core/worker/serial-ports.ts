import type {ComPortSettings} from '../store/schema.js'
import {comPortConnection, type ComPortConnection} from '../vmms/com-ports.js'
import type {ConsoleLog} from './console-log.js'
import {SerialSocket} from './serial-socket.js'

export type SerialPortNumber = 1 | 2

/** Guest output waiting for the next flush; a full batch is sent at once. */
const BATCH_BYTES = 4096

type Endpoint =
  | {kind: 'none'}
  | {kind: 'console'}
  | {kind: 'socket'; socket: SerialSocket; pending: number[]}

export interface SerialPortsOptions {
  /** The VM's console log (get-vmconsole, connect-vm). */
  console: ConsoleLog
  /** Bytes for the receive side of a port's UART. */
  deliver: (number: SerialPortNumber, bytes: Uint8Array) => void
}

/**
 * What the other end of each COM port's line is, in the worker: nothing (the
 * guest's output is lost, it reads no data), the console log, or a socket's
 * client. A port is reconnected without touching its UART, so a change on a
 * running VM is a cable moved from one plug to another.
 */
export class SerialPorts {
  private readonly endpoints: Endpoint[] = [{kind: 'none'}, {kind: 'none'}]
  private readonly paths = ['', '']

  constructor(private readonly options: SerialPortsOptions) {}

  /** Connect every port as the configuration says. */
  async connectAll(ports: readonly ComPortSettings[]): Promise<void> {
    for (const [i, port] of ports.entries()) await this.connect((i + 1) as SerialPortNumber, port.path)
  }

  /**
   * Connect one port to `path` (a stored COM port Path). The new end is made
   * first: a socket that cannot be listened on leaves the port as it was.
   */
  async connect(number: SerialPortNumber, path: string): Promise<void> {
    const index = number - 1
    if (this.paths[index] === path) return
    const connection: ComPortConnection = comPortConnection(path)
    const next: Endpoint =
      connection.kind === 'socket'
        ? {kind: 'socket', socket: await SerialSocket.listen(connection.path, (bytes) => this.options.deliver(number, bytes)), pending: []}
        : connection
    const previous = this.endpoints[index]
    this.flushPort(index)
    this.endpoints[index] = next
    this.paths[index] = path
    if (previous.kind === 'socket') await previous.socket.close()
  }

  /** A byte the guest transmitted on a port. */
  transmit(number: SerialPortNumber, byte: number): void {
    const endpoint = this.endpoints[number - 1]
    if (endpoint.kind === 'console') {
      this.options.console.push(byte)
    } else if (endpoint.kind === 'socket') {
      endpoint.pending.push(byte & 0xff)
      if (endpoint.pending.length >= BATCH_BYTES) this.flushPort(number - 1)
    }
  }

  /** The port connected to the console, which connect-vm types into; null when none is. */
  consolePort(): SerialPortNumber | null {
    const index = this.endpoints.findIndex((endpoint) => endpoint.kind === 'console')
    return index < 0 ? null : ((index + 1) as SerialPortNumber)
  }

  /** Typed at the console (connect-vm): to the port on the console; lost when there is none. */
  typeAtConsole(bytes: Uint8Array): void {
    const number = this.consolePort()
    if (number !== null) this.options.deliver(number, bytes)
  }

  /** Send what the guest wrote since the last flush (the run loop flushes after each slice). */
  flush(): void {
    this.flushPort(0)
    this.flushPort(1)
    this.options.console.flush()
  }

  private flushPort(index: number): void {
    const endpoint = this.endpoints[index]
    if (endpoint.kind !== 'socket' || endpoint.pending.length === 0) return
    endpoint.socket.write(Buffer.from(endpoint.pending))
    endpoint.pending = []
  }

  statistics(): Record<string, unknown> {
    return Object.fromEntries(
      this.endpoints.map((endpoint, i) => [`COM${i + 1}`, endpoint.kind === 'socket' ? endpoint.socket.statistics() : {connection: endpoint.kind}]),
    )
  }

  /** Flush and close every socket (their files are removed). */
  async close(): Promise<void> {
    for (let i = 0; i < this.endpoints.length; i++) {
      this.flushPort(i)
      const endpoint = this.endpoints[i]
      this.endpoints[i] = {kind: 'none'}
      this.paths[i] = ''
      if (endpoint.kind === 'socket') await endpoint.socket.close()
    }
  }
}

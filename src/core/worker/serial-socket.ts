import {lstat, mkdir, unlink} from 'node:fs/promises'
import {connect, createServer, type Server, type Socket} from 'node:net'
import {dirname} from 'node:path'

import {InvalidArgumentError} from '../errors.js'

/**
 * What a client that does not read can leave queued before the guest's
 * further output to it is dropped: a UART cannot make the guest wait, so the
 * line loses bytes instead of the worker growing without bound.
 */
export const CLIENT_QUEUE_LIMIT = 1 << 20

/**
 * The host end of a COM port connected to a named pipe: a Unix socket the
 * worker listens on, as Hyper-V's worker serves the pipe. One client at a
 * time, as a pipe with one instance: a second one is disconnected at once,
 * without a byte (the busy pipe). Bytes from the client are the line's
 * receive side; what the guest transmits goes to the client, and with no
 * client it is dropped, as a pipe with no reader takes nothing.
 */
export class SerialSocket {
  private client: Socket | null = null
  private bytesDropped = 0

  private constructor(
    readonly path: string,
    private readonly server: Server,
    onClient: (socket: Socket) => void,
  ) {
    server.on('connection', onClient)
  }

  /** Listen on `path`, taking over a socket file no live process serves; `onReceive` gets the client's bytes. */
  static async listen(path: string, onReceive: (bytes: Buffer) => void): Promise<SerialSocket> {
    await mkdir(dirname(path), {recursive: true})
    await removeStaleSocket(path)
    const server = createServer()
    await new Promise<void>((resolve, reject) => {
      server.once('error', (error: NodeJS.ErrnoException) =>
        reject(new InvalidArgumentError(`Cannot listen on the COM port socket '${path}': ${error.code ?? error.message}.`)),
      )
      server.listen(path, () => resolve())
    })
    const endpoint: SerialSocket = new SerialSocket(path, server, (socket) => endpoint.accept(socket, onReceive))
    server.on('error', () => {})
    return endpoint
  }

  get connected(): boolean {
    return this.client !== null
  }

  private accept(socket: Socket, onReceive: (bytes: Buffer) => void): void {
    if (this.client) {
      socket.destroy()
      return
    }
    this.client = socket
    socket.on('data', (bytes: Buffer) => onReceive(bytes))
    socket.on('error', () => socket.destroy())
    socket.on('close', () => {
      if (this.client === socket) this.client = null
    })
  }

  /** The guest's output, to the client if one is there and keeping up; otherwise it is lost. */
  write(bytes: Buffer): void {
    const client = this.client
    if (!client || client.destroyed || client.writableLength > CLIENT_QUEUE_LIMIT) {
      this.bytesDropped += bytes.length
      return
    }
    client.write(bytes)
  }

  statistics(): Record<string, unknown> {
    return {path: this.path, clientConnected: this.connected, bytesDropped: this.bytesDropped}
  }

  /** Stop listening, drop the client, and remove the socket file. */
  async close(): Promise<void> {
    this.client?.destroy()
    this.client = null
    await new Promise<void>((resolve) => this.server.close(() => resolve()))
    await unlink(this.path).catch(() => {})
  }
}

/**
 * A socket file left by a worker that was killed is taken over; one that a
 * live process answers on, or a file that is not a socket, is refused.
 */
async function removeStaleSocket(path: string): Promise<void> {
  const existing = await lstat(path).catch(() => null)
  if (!existing) return
  if (!existing.isSocket()) throw new InvalidArgumentError(`Cannot listen on the COM port socket '${path}': the path exists and is not a socket.`)
  const live = await new Promise<boolean>((resolve) => {
    const probe = connect(path)
    probe.once('connect', () => {
      probe.destroy()
      resolve(true)
    })
    probe.once('error', () => resolve(false))
  })
  if (live) throw new InvalidArgumentError(`Cannot listen on the COM port socket '${path}': another process is listening on it.`)
  await unlink(path).catch(() => {})
}

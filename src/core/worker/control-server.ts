import {mkdir, unlink} from 'node:fs/promises'
import {createServer, type Server, type Socket} from 'node:net'
import {dirname} from 'node:path'

import {HvError} from '../errors.js'
import {MAX_LINE_BYTES, type ControlRequest, type ControlResponse} from './control-protocol.js'

export type ControlHandler = (request: ControlRequest, socket: Socket) => Promise<unknown> | unknown

/** Marks a handler result that keeps the connection for streaming instead of answering once. */
export const STREAMING = Symbol('streaming')

/**
 * The worker's end of the control channel. Each line is a request; each
 * request gets one line back. A malformed line gets an error response and the
 * connection is closed: a bad client never disturbs the VM.
 */
export async function startControlServer(path: string, handler: ControlHandler): Promise<Server> {
  if (process.platform !== 'win32') {
    await mkdir(dirname(path), {recursive: true})
    await unlink(path).catch(() => {}) // a socket file left by a worker that was killed
  }
  const server = createServer((socket) => serve(socket, handler))
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(path, () => resolve())
  })
  return server
}

function serve(socket: Socket, handler: ControlHandler): void {
  let buffered = ''
  socket.setEncoding('utf8')
  socket.on('error', () => socket.destroy())
  socket.on('data', (chunk: string) => {
    buffered += chunk
    if (buffered.length > MAX_LINE_BYTES) {
      socket.destroy()
      return
    }
    let newline: number
    while ((newline = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, newline)
      buffered = buffered.slice(newline + 1)
      void answer(line, socket, handler)
    }
  })
}

async function answer(line: string, socket: Socket, handler: ControlHandler): Promise<void> {
  let request: ControlRequest
  try {
    request = JSON.parse(line) as ControlRequest
    if (typeof request !== 'object' || request === null || typeof request.op !== 'string') throw new Error('not a request')
  } catch {
    reply(socket, {id: 0, ok: false, error: {kind: 'invalid-argument', message: 'malformed control request'}})
    socket.end()
    return
  }
  try {
    const result = await handler(request, socket)
    if (result !== STREAMING) reply(socket, {id: request.id, ok: true, result: result ?? null})
  } catch (error) {
    const kind = error instanceof HvError ? error.kind : 'internal'
    reply(socket, {id: request.id, ok: false, error: {kind, message: (error as Error).message}})
  }
}

function reply(socket: Socket, response: ControlResponse): void {
  if (!socket.destroyed) socket.write(`${JSON.stringify(response)}\n`)
}

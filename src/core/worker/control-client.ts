import type {Socket} from 'node:net'

import {ConflictError, HvError, InvalidStateError} from '../errors.js'
import type {ControlRequest, ControlResponse} from './control-protocol.js'

type RequestBody = ControlRequest extends infer R ? (R extends {id: number} ? Omit<R, 'id'> : never) : never

/**
 * The VMMS's side of a worker's control channel: one request, one response.
 * A worker that does not answer in time is reported, not waited on forever
 * (a timeout of 0 waits as long as the connection lives).
 */
export async function controlRequest<T = unknown>(socketPath: string, body: RequestBody, timeoutMs = 10_000): Promise<T> {
  const socket = await connect(socketPath, timeoutMs > 0 ? Math.min(timeoutMs, 5_000) : 5_000)
  try {
    return await new Promise<T>((resolve, reject) => {
      let buffered = ''
      const timer =
        timeoutMs > 0
          ? setTimeout(() => reject(new ConflictError(`The VM worker did not answer '${body.op}' within ${timeoutMs} ms.`)), timeoutMs)
          : null
      socket.setEncoding('utf8')
      socket.on('data', (chunk: string) => {
        buffered += chunk
        const newline = buffered.indexOf('\n')
        if (newline < 0) return
        if (timer) clearTimeout(timer)
        const response = JSON.parse(buffered.slice(0, newline)) as ControlResponse
        if (response.ok) resolve(response.result as T)
        else reject(new HvError(response.error.kind, response.error.message))
      })
      socket.on('close', () => {
        if (timer) clearTimeout(timer)
        reject(new InvalidStateError(`The VM worker closed its control channel before answering '${body.op}'.`))
      })
      socket.on('error', (error) => reject(error))
      socket.write(`${JSON.stringify({id: 1, ...body})}\n`)
    })
  } finally {
    socket.destroy()
  }
}

export async function connect(socketPath: string, timeoutMs: number): Promise<Socket> {
  // Loaded on first use: most commands never talk to a worker.
  const {createConnection} = await import('node:net')
  return new Promise((resolve, reject) => {
    const socket = createConnection(socketPath)
    const timer = setTimeout(() => {
      socket.destroy()
      reject(new ConflictError(`The VM worker's control channel ${socketPath} did not accept a connection.`))
    }, timeoutMs)
    socket.once('connect', () => {
      clearTimeout(timer)
      resolve(socket)
    })
    socket.once('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer)
      reject(new InvalidStateError(`The VM worker is not reachable (${error.code ?? error.message}).`))
    })
  })
}

import type {Socket} from 'node:net'

import type {ConsoleLog} from './console-log.js'

/**
 * connect-vm's stream on a control socket: every byte the guest writes to
 * COM1 goes out as a `{console: base64}` line, and every `{input: base64}`
 * line that comes in is handed to `onInput`. A line that is not such JSON
 * ends the stream; the VM runs on either way.
 */
export function attachConsole(socket: Socket, consoleLog: ConsoleLog, onInput: (bytes: Buffer) => void): void {
  const unsubscribe = consoleLog.subscribe((bytes) => {
    if (!socket.destroyed) socket.write(`${JSON.stringify({console: bytes.toString('base64')})}\n`)
  })
  socket.on('close', unsubscribe)
  let buffered = ''
  socket.removeAllListeners('data')
  socket.on('data', (chunk: string) => {
    buffered += chunk
    let newline: number
    while ((newline = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, newline)
      buffered = buffered.slice(newline + 1)
      try {
        const {input} = JSON.parse(line) as {input?: string}
        if (typeof input === 'string') onInput(Buffer.from(input, 'base64'))
      } catch {
        socket.destroy()
      }
    }
  })
  socket.write(`${JSON.stringify({attached: true})}\n`)
}

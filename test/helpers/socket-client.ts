import {connect, type Socket} from 'node:net'

/**
 * A client of a Unix socket (a COM port's named pipe), as `socat -
 * UNIX-CONNECT:PATH` would be: connected, collecting what it receives.
 */
export async function socketClient(path: string): Promise<{socket: Socket; received: () => string; closed: Promise<void>}> {
  const socket = connect(path)
  let text = ''
  socket.on('data', (d: Buffer) => (text += d.toString('latin1')))
  const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()))
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve)
    socket.once('error', reject)
  })
  return {socket, received: () => text, closed}
}

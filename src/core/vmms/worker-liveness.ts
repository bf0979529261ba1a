import {processIsAlive} from '../store/process-alive.js'
import type {WorkerRecord} from '../store/schema.js'
import {START_TIMEOUT_MS} from './worker-process.js'

/**
 * Whether the worker a VM record names still runs. The worker listens on its
 * control socket from before it records itself until after it records its end,
 * and a process that dies, zombie or not, has closed every file: connecting is
 * refused at once. A live worker's connection is taken by the kernel's backlog
 * even while the worker is busy or stopped. So the socket answers without
 * trusting the PID (reused) or the parent (which may never reap). Only when
 * the socket itself is gone, or cannot be asked, does the process decide: it
 * must exist, not be a zombie, and have started when the worker did (it
 * records `startedAt` within the start timeout of being spawned).
 */
export async function workerIsAlive(worker: WorkerRecord): Promise<boolean> {
  const socket = await probeSocket(worker.socket)
  if (socket !== 'unknown') return socket === 'listening'
  const startedAt = Date.parse(worker.startedAt)
  return processIsAlive(worker.pid, Number.isNaN(startedAt) ? {} : {notBefore: startedAt - START_TIMEOUT_MS, notAfter: startedAt})
}

/** A Unix connect answers at once; a Windows pipe is given this long. */
const PROBE_TIMEOUT_MS = 1_000

async function probeSocket(path: string): Promise<'listening' | 'refused' | 'unknown'> {
  // Loaded on first use: only commands that look at running VMs probe.
  const {createConnection} = await import('node:net')
  return new Promise((resolve) => {
    const socket = createConnection(path)
    const done = (answer: 'listening' | 'refused' | 'unknown') => {
      clearTimeout(timer)
      socket.destroy()
      resolve(answer)
    }
    const timer = setTimeout(() => done('unknown'), PROBE_TIMEOUT_MS)
    socket.once('connect', () => done('listening'))
    socket.once('error', (error: NodeJS.ErrnoException) => {
      // EAGAIN: the backlog is full, so someone listens. ENOENT: the socket file is gone, which
      // a worker's own exit does, but so could a cleaner of temporary files: the process decides.
      if (error.code === 'ECONNREFUSED') done('refused')
      else if (error.code === 'EAGAIN') done('listening')
      else done('unknown')
    })
  })
}

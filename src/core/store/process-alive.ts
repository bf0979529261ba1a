import {readFileSync} from 'node:fs'

/**
 * Whether a process is alive, without trusting a PID alone. `kill(pid, 0)`
 * succeeds on a zombie (a process that died and nobody has reaped: forever in
 * a container whose PID 1 does not reap) and on whatever process was later
 * given the same PID. Where /proc exists, a zombie (state Z, or X as it is
 * reaped) counts as dead, and so does a process that started outside the
 * window the caller knows its process started in (its PID was reused).
 * Elsewhere only `kill(pid, 0)` can be asked.
 */
export interface StartWindow {
  /** Epoch ms: the process cannot have started before this. */
  notBefore?: number
  /** Epoch ms: the process cannot have started after this (it was already running then). */
  notAfter?: number
}

/** /proc's start times are whole clock ticks after a boot time in whole seconds. */
const START_TIME_SLACK_MS = 2_000
/** USER_HZ: the unit of /proc/<pid>/stat's start time, 100 on every Linux. */
const CLOCK_TICKS_PER_SECOND = 100

/** Whether a process with this PID exists on this host, is not a zombie, and started in `window`. */
export function processIsAlive(pid: number, window: StartWindow = {}): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false
  const proc = procStatus(pid)
  if (proc === 'no-proc') return signalReaches(pid)
  if (proc === null) return false
  if (proc.state === 'Z' || proc.state === 'X') return false
  if (window.notBefore !== undefined && proc.startedAt < window.notBefore - START_TIME_SLACK_MS) return false
  if (window.notAfter !== undefined && proc.startedAt > window.notAfter + START_TIME_SLACK_MS) return false
  return true
}

/** EPERM: it exists, owned by someone else. */
function signalReaches(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

let bootTimeMs: number | null | undefined

/** The process's state letter and start time (epoch ms); null when it does not exist; 'no-proc' without /proc. */
function procStatus(pid: number): {state: string; startedAt: number} | null | 'no-proc' {
  if (bootTimeMs === undefined) bootTimeMs = readBootTime()
  if (bootTimeMs === null) return 'no-proc'
  let stat: string
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'latin1')
  } catch {
    return null
  }
  // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so fields count from the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  const startTicks = Number(fields[19]) // field 22 of the line
  return {state: fields[0] ?? '', startedAt: bootTimeMs + (startTicks * 1000) / CLOCK_TICKS_PER_SECOND}
}

function readBootTime(): number | null {
  try {
    const line = /^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'latin1'))
    return line ? Number(line[1]) * 1000 : null
  } catch {
    return null
  }
}

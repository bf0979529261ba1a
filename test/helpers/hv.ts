import {spawn} from 'node:child_process'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
export const HV_BIN = join(REPO_ROOT, 'bin', 'run.js')

export interface HvResult {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
}

export interface HvOptions {
  home: string
  env?: NodeJS.ProcessEnv
  input?: string
  timeoutMs?: number
}

/** Run `node bin/run.js ARGS` as a shell script would: no TTY, a private HV_HOME. */
export function hv(args: string[], options: HvOptions): Promise<HvResult> {
  // An empty HV_HOME would send hv to the user's own data directory (hvSession's home before its beforeEach ran).
  if (!options.home) return Promise.reject(new Error(`hv ${args.join(' ')}: no HV_HOME given (call it inside a test, after hvSession's beforeEach)`))
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [HV_BIN, ...args], {
      env: {...shellEnvironment(), NO_COLOR: '1', ...options.env, HV_HOME: options.home},
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (chunk) => (stdout += chunk))
    child.stderr.setEncoding('utf8').on('data', (chunk) => (stderr += chunk))
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 20_000)
    child.on('error', reject)
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      resolve({code, signal, stdout, stderr})
    })
    // A command that never reads its input may exit before it is written: that is EPIPE, not a failure.
    child.stdin.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE') reject(error)
    })
    child.stdin.end(options.input ?? '')
  })
}

/** Run and parse --json output, failing loudly if the command failed. */
export async function hvJson<T = Record<string, unknown>[]>(args: string[], options: HvOptions): Promise<T> {
  const result = await hv([...args, '--json'], options)
  if (result.code !== 0) throw new Error(`hv ${args.join(' ')} exited ${result.code}: ${result.stderr}`)
  return JSON.parse(result.stdout) as T
}

export function tempHome(prefix = 'hv-test-'): {home: string; cleanup: () => void} {
  const home = mkdtempSync(join(tmpdir(), prefix))
  return {home, cleanup: () => rmSync(home, {recursive: true, force: true})}
}

/** The environment a shell script would have: without what the test runner adds (NODE_ENV=test, VITEST...). */
export function shellEnvironment(): NodeJS.ProcessEnv {
  const env = {...process.env}
  for (const key of Object.keys(env)) if (key === 'NODE_ENV' || key.startsWith('VITEST')) delete env[key]
  return env
}

import {readFileSync} from 'node:fs'
import {join} from 'node:path'

import {afterEach, beforeEach, expect} from 'vitest'

import {hv, hvJson, tempHome, type HvResult} from './hv.js'

/**
 * What an end-to-end test file does with hv, as a script would: a fresh
 * HV_HOME for every test, the commands run against it, and every VM still
 * running turned off after each test. Call it once, at the top of the file.
 */
export function hvSession(options: {prefix?: string; timeoutMs?: number} = {}) {
  let home = ''
  let cleanup = () => {}
  const run = (...args: string[]): Promise<HvResult> => hv(args, {home, timeoutMs: options.timeoutMs})
  const json = <T = Record<string, any>[]>(...args: string[]) => hvJson<T>(args, {home, timeoutMs: options.timeoutMs})
  const storeText = () => readFileSync(join(home, 'store.json'), 'utf8')

  /** Runs a command that must succeed; its stdout. */
  const ok = async (...args: string[]): Promise<string> => {
    const result = await run(...args)
    expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(0)
    return result.stdout
  }

  /** A failure: the exit code, one line on stderr, nothing on stdout, and the store document exactly as before. */
  const refused = async (code: number, message: RegExp, ...args: string[]): Promise<void> => {
    const before = storeText()
    const result = await run(...args)
    expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(code)
    expect(result.stdout).toBe('')
    expect(result.stderr.trimEnd().split('\n')).toHaveLength(1)
    expect(result.stderr).toMatch(message)
    expect(storeText()).toBe(before)
  }

  beforeEach(() => {
    ;({home, cleanup} = tempHome(options.prefix))
  })
  afterEach(async () => {
    const vms = await json('get-vm').catch(() => [])
    for (const vm of vms) if (vm.WorkerProcessId) await run('stop-vm', '--id', vm.VMId, '--turn-off')
    cleanup()
  })

  return {home: () => home, run, json, ok, refused, storeText}
}

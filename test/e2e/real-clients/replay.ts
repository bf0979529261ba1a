import {expect} from 'vitest'

import {hv, type HvResult} from '../../helpers/hv.js'

/**
 * Replays a tool's PowerShell, one hv command line per cmdlet call, in a private HV_HOME.
 *
 * Every step's exit code and JSON are asserted softly: a step that fails is reported with
 * its command line and stderr, and the sequence goes on, so one run lists every step that
 * does not behave as the cmdlet would (the test still fails). Later steps that depend on an
 * earlier one's output get what it printed, or nothing.
 */
export class Replay {
  constructor(private readonly home: string) {}

  /** Run `hv ARGS` and expect the exit code the cmdlet's outcome maps to. */
  async expectCode(expected: number, ...args: string[]): Promise<HvResult> {
    const result = await hv(args, {home: this.home, timeoutMs: 60_000})
    expect.soft(result.code, `hv ${quote(args)}\n  stderr: ${result.stderr.trim() || '(empty)'}`).toBe(expected)
    return result
  }

  /** A step that must succeed. */
  ok(...args: string[]): Promise<HvResult> {
    return this.expectCode(0, ...args)
  }

  /** A step whose objects the tool reads: `hv ARGS --json`, exit 0, a JSON array. */
  async json<T = Record<string, any>>(...args: string[]): Promise<T[]> {
    const result = await this.ok(...args, '--json')
    if (result.code !== 0) return []
    try {
      const parsed = JSON.parse(result.stdout) as unknown
      expect.soft(Array.isArray(parsed), `hv ${quote(args)} --json prints an array`).toBe(true)
      return Array.isArray(parsed) ? (parsed as T[]) : []
    } catch {
      expect.soft(result.stdout, `hv ${quote(args)} --json prints JSON`).toBe('a JSON array')
      return []
    }
  }

  /** The one object a step prints (Get-VM -Id, New-VM, Import-VM ...), or undefined. */
  async one<T = Record<string, any>>(...args: string[]): Promise<T | undefined> {
    const objects = await this.json<T>(...args)
    expect.soft(objects, `hv ${quote(args)} --json prints one object`).toHaveLength(1)
    return objects[0]
  }

  /** Poll a VM's State as the tools' wait loops do (`(Get-VM x).State` until it is the one wanted). */
  async waitForState(selector: string[], wanted: string, tries = 60): Promise<string | undefined> {
    let state: string | undefined
    for (let i = 0; i < tries; i++) {
      const result = await hv(['Get-VM', ...selector, '--json'], {home: this.home})
      if (result.code !== 0) break
      state = (JSON.parse(result.stdout) as {State: string}[])[0]?.State
      if (state === wanted) return state
      await new Promise((resolve) => setTimeout(resolve, 250))
    }
    expect.soft(state, `State of ${quote(selector)} after waiting`).toBe(wanted)
    return state
  }
}

function quote(args: string[]): string {
  return args.map((arg) => (/[\s'"$]/.test(arg) || arg === '' ? `'${arg}'` : arg)).join(' ')
}

/** Get-VM's Uptime as the tools read it (`$vm.Uptime.TotalSeconds`), from hv's TimeSpan text. */
export function uptimeSeconds(uptime: unknown): number {
  const match = typeof uptime === 'string' ? /^(?:(\d+)\.)?(\d\d):(\d\d):(\d\d(?:\.\d+)?)$/.exec(uptime) : null
  if (!match) return Number.NaN
  return Number(match[1] ?? 0) * 86_400 + Number(match[2]) * 3600 + Number(match[3]) * 60 + Number(match[4])
}

export const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
export const MB = 1024 ** 2
export const GB = 1024 ** 3

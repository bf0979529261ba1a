import {readFileSync} from 'node:fs'
import {join} from 'node:path'

import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {ConsoleLog} from '../../../src/core/worker/console-log.js'
import {tempHome} from '../../helpers/hv.js'

let dir: string
let cleanup: () => void
beforeEach(() => {
  ;({home: dir, cleanup} = tempHome('hv-console-'))
})
afterEach(() => cleanup())

const type = (log: ConsoleLog, text: string) => {
  for (const c of Buffer.from(text)) log.push(c)
  log.flush()
}

describe('the console log', () => {
  it('appends what the guest writes and copies it to attached listeners', () => {
    const path = join(dir, 'console.log')
    const log = new ConsoleLog(path, true)
    const seen: string[] = []
    const unsubscribe = log.subscribe((bytes) => seen.push(bytes.toString()))
    type(log, 'hello\r\n')
    unsubscribe()
    type(log, 'more')
    log.close()
    expect(readFileSync(path, 'utf8')).toBe('hello\r\nmore')
    expect(seen).toEqual(['hello\r\n'])
  })

  it('continues the log after a restore, and starts it anew at a boot', () => {
    const path = join(dir, 'console.log')
    const first = new ConsoleLog(path, true)
    type(first, 'before save ')
    first.close()
    const restored = new ConsoleLog(path, false)
    type(restored, 'after restore')
    restored.close()
    expect(readFileSync(path, 'utf8')).toBe('before save after restore')
    const booted = new ConsoleLog(path, true)
    booted.close()
    expect(readFileSync(path, 'utf8')).toBe('')
  })

  it('starts over past its size limit, keeping the previous log beside it', () => {
    const path = join(dir, 'console.log')
    const log = new ConsoleLog(path, true, 10)
    type(log, '0123456789')
    type(log, 'abc')
    log.close()
    expect(readFileSync(`${path}.1`, 'utf8')).toBe('0123456789')
    expect(readFileSync(path, 'utf8')).toBe('abc')
  })
})

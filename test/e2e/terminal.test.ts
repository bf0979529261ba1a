import {spawn} from 'node:child_process'

import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {HV_BIN, hv, hvJson, shellEnvironment, tempHome} from '../helpers/hv.js'
import {hasTool} from '../helpers/tools.js'

/** util-linux `script` gives the command a real pseudo-terminal. */
const hasScript = hasTool('script')

let home: string
let cleanup: () => void
beforeEach(() => {
  ;({home, cleanup} = tempHome('hv-tty-'))
})
afterEach(() => cleanup())

/**
 * Run hv on a terminal, typing `keys` once the prompt appears. Returns what the
 * terminal showed, with the terminal's line wrapping undone.
 */
function onTerminal(args: string, color: boolean, keys = ''): Promise<string> {
  const env: NodeJS.ProcessEnv = {...shellEnvironment(), HV_HOME: home, TERM: 'xterm'}
  if (color) delete env.NO_COLOR
  else env.NO_COLOR = '1'
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qfec', `node '${HV_BIN}' ${args}; echo "EXIT=$?"`, '/dev/null'], {env})
    let output = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk
      if (keys && output.includes('(y/N)')) {
        child.stdin.write(keys)
        keys = ''
      }
    })
    child.on('error', reject)
    child.on('close', () => resolve(output.replace(/\r\n/g, '')))
  })
}

describe.skipIf(!hasScript)('on a terminal (needs util-linux script)', () => {
  beforeEach(async () => {
    expect((await hv(['new-vm', 'web01'], {home})).code).toBe(0)
  })

  it('remove-vm asks; answering no keeps the VM and exits 7', async () => {
    const output = await onTerminal('remove-vm web01', false, 'n\r')
    expect(output, output).toContain('Performing the operation "Remove-VM" on target "web01"')
    expect(output, output).toContain('EXIT=7')
    expect(await hvJson(['get-vm'], {home})).toHaveLength(1)
  })

  it('remove-vm asks; answering yes removes it', async () => {
    const output = await onTerminal('remove-vm web01', false, 'y\r')
    expect(output, output).toContain('EXIT=0')
    expect(await hvJson(['get-vm'], {home})).toEqual([])
  })

  it('--force and --confirm false never prompt', async () => {
    const output = await onTerminal('remove-vm web01 --confirm false', false)
    expect(output, output).not.toContain('(y/N)')
    expect(output, output).toContain('EXIT=0')
  })

  it('colours errors on a terminal, and not with NO_COLOR', async () => {
    const coloured = await onTerminal('get-vm nope', true)
    expect(coloured).toMatch(/\u001b\[31mget-vm: Hyper-V was unable to find/)
    const plain = await onTerminal('get-vm nope', false)
    expect(plain).toContain('get-vm: Hyper-V was unable to find')
    expect(plain).not.toContain('\u001b')
  })
})

import {readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {readSavedState, writeSavedState} from '../../../src/core/worker/saved-state-files.js'
import {tempHome} from '../../helpers/hv.js'

let dir: string
let cleanup: () => void
beforeEach(() => {
  const temp = tempHome('hv-saved-')
  dir = temp.home
  cleanup = temp.cleanup
})
afterEach(() => cleanup())

const MIB = 1 << 20

function guestMemory(): {ram: Uint8Array; written: Uint8Array} {
  const ram = new Uint8Array(4 * MIB)
  const written = new Uint8Array(ram.length / 4096)
  ram.fill(0xab, 0x10000, 0x12000) // two pages
  ram[0x300005] = 7 // one byte on a third
  written.fill(1, 0x10, 0x12)
  written[0x300] = 1
  return {ram, written}
}

describe('saved state files', () => {
  it('keep only non-zero pages and restore memory and machine state exactly', async () => {
    const {ram, written} = guestMemory()
    const record = await writeSavedState(join(dir, 's'), 'vm-1', ram, {cpu: {eax: 1}}, written)
    expect(record.memoryBytes).toBe(32 + 3 * (4096 + 4))
    const restored = new Uint8Array(ram.length)
    const restoredWritten = new Uint8Array(written.length)
    const document = await readSavedState(record, 'vm-1', restored, restoredWritten)
    expect(document).toMatchObject({format: 'hv-saved-state', version: 1, vmId: 'vm-1', machine: {cpu: {eax: 1}}})
    expect(Buffer.from(restored).equals(Buffer.from(ram))).toBe(true)
    expect([...restoredWritten.keys()].filter((page) => restoredWritten[page])).toEqual([0x10, 0x11, 0x300])
  })

  it('refuse a changed state file, a changed memory file, another VM\'s state and a newer format', async () => {
    const {ram, written} = guestMemory()
    const record = await writeSavedState(join(dir, 's'), 'vm-1', ram, {}, written)
    const fresh = () => new Uint8Array(ram.length)
    await expect(readSavedState(record, 'vm-2', fresh())).rejects.toThrow(/belongs to another virtual machine/)

    const memory = readFileSync(record.memoryFile)
    memory[100] ^= 1
    writeFileSync(record.memoryFile, memory)
    await expect(readSavedState(record, 'vm-1', fresh())).rejects.toThrow(/saved memory file .* is corrupt/)

    const newer = Buffer.from(JSON.stringify({format: 'hv-saved-state', version: 2, vmId: 'vm-1', savedAt: '', machine: {}}))
    writeFileSync(record.stateFile, newer)
    const {createHash} = await import('node:crypto')
    const forged = {...record, stateBytes: newer.length, stateSha256: createHash('sha256').update(newer).digest('hex')}
    await expect(readSavedState(forged, 'vm-1', fresh())).rejects.toThrow(/written by a newer hv \(format version 2/)

    writeFileSync(record.stateFile, 'not json')
    await expect(readSavedState(record, 'vm-1', fresh())).rejects.toThrow(/saved state file .* is corrupt/)
  })

  it('say which file is missing', async () => {
    const {ram} = guestMemory()
    const record = await writeSavedState(join(dir, 's'), 'vm-1', ram, {})
    await expect(readSavedState({...record, stateFile: join(dir, 'gone.json')}, 'vm-1', new Uint8Array(ram.length))).rejects.toThrow(
      /saved state file .*gone.json is missing/,
    )
  })
})

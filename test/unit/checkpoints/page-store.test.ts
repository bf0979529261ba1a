import {readdirSync, readFileSync, statSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {PAGE} from '../../../src/core/vmms/checkpoints/pack-file.js'
import {PageStore, type CaptureSource} from '../../../src/core/vmms/checkpoints/page-store.js'
import {tempHome} from '../../helpers/hv.js'

let home: string
let cleanup: () => void
let store: PageStore

beforeEach(() => {
  ;({home, cleanup} = tempHome('hv-pages-'))
  store = new PageStore(join(home, 'checkpoints'))
})
afterEach(() => {
  delete process.env.HV_FAULT_ENOSPC_AFTER_BYTES
  cleanup()
})

const RAM = 8 * 1024 * 1024

/** Guest memory with `pages` pages filled with a pattern from `seed`. */
function memory(pages: number[], seed = 1): Uint8Array {
  const ram = new Uint8Array(RAM)
  for (const p of pages) for (let i = 0; i < PAGE; i += 4) new DataView(ram.buffer).setUint32(p * PAGE + i, (p * 2654435761 + i * seed + seed) >>> 0 || 1, true)
  return ram
}

function source(ram: Uint8Array, consoleText = 'hello', machine: unknown = {cpu: {eip: 0x100000}}): CaptureSource {
  return {
    ramBytes: ram.length,
    machine,
    console: Buffer.from(consoleText),
    forEachPage(visit) {
      for (let p = 0; p < ram.length / PAGE; p++) {
        const page = ram.subarray(p * PAGE, (p + 1) * PAGE)
        if (page.some((b) => b !== 0)) visit(p, page)
      }
    },
  }
}

async function restore(record: Parameters<PageStore['readCapture']>[0]) {
  const capture = await store.readCapture(record)
  const ram = new Uint8Array(capture.ramBytes)
  const written = new Uint8Array(capture.ramBytes / PAGE)
  capture.fill(ram, written)
  return {ram, written, capture}
}

const dirBytes = () => readdirSync(store.directory).reduce((sum, n) => sum + statSync(join(store.directory, n)).size, 0)

describe('PageStore', () => {
  it('gives back exactly the memory, machine state and console it was given', async () => {
    const ram = memory([0, 1, 7, 300, 2047])
    const {record} = await store.writeCapture('capture-a.json', source(ram, 'boot log\r\n'.repeat(1000)))
    expect(record.pages).toBe(5)
    const {ram: back, written, capture} = await restore(record)
    expect(Buffer.from(back).equals(Buffer.from(ram))).toBe(true)
    expect([...written.keys()].filter((p) => written[p])).toEqual([0, 1, 7, 300, 2047])
    expect(capture.machine).toEqual({cpu: {eip: 0x100000}})
    expect(capture.console.toString()).toBe('boot log\r\n'.repeat(1000))
  })

  it('stores a page another capture already holds only once (dedup across checkpoints)', async () => {
    const pages = Array.from({length: 512}, (_, i) => i + 10)
    const first = await store.writeCapture('capture-1.json', source(memory(pages)))
    expect(first.record.addedBytes).toBeGreaterThan(512 * PAGE)
    const changed = memory(pages)
    changed[20 * PAGE] ^= 0xff // one page differs
    const second = await store.writeCapture('capture-2.json', source(changed))
    // One data page, one page-table chunk, the console chunk is shared; plus the capture file.
    expect(second.record.addedBytes).toBeLessThan(4 * PAGE + 8192)
    expect((await restore(second.record)).ram[20 * PAGE]).toBe(changed[20 * PAGE])
    expect(Buffer.from((await restore(first.record)).ram).equals(Buffer.from(memory(pages)))).toBe(true)
    // Identical pages inside one capture are stored once too.
    const same = new Uint8Array(RAM)
    for (let p = 0; p < 100; p++) same.fill(0x5a, p * PAGE, (p + 1) * PAGE)
    const third = await store.writeCapture('capture-3.json', source(same))
    expect(third.record.pages).toBe(100)
    expect(third.record.addedBytes).toBeLessThan(3 * PAGE + 8192)
  })

  it('collects the pages and files no remaining capture references, and keeps the rest exact', async () => {
    const a = await store.writeCapture('capture-a.json', source(memory(Array.from({length: 256}, (_, i) => i), 1)))
    const b = await store.writeCapture('capture-b.json', source(memory(Array.from({length: 256}, (_, i) => i), 2)))
    const c = await store.writeCapture('capture-c.json', source(memory(Array.from({length: 256}, (_, i) => i + 1000), 2)))
    const before = dirBytes()
    // Drop b: its pages (unique to it) go; a and c still restore exactly.
    const gc = await store.collectGarbage([a.record, c.record])
    expect(gc.freedBytes).toBeGreaterThan(200 * PAGE)
    expect(dirBytes()).toBeLessThan(before - 200 * PAGE)
    expect(readdirSync(store.directory)).not.toContain('capture-b.json')
    expect(Buffer.from((await restore(a.record)).ram).equals(Buffer.from(memory(Array.from({length: 256}, (_, i) => i), 1)))).toBe(true)
    expect(Buffer.from((await restore(c.record)).ram).equals(Buffer.from(memory(Array.from({length: 256}, (_, i) => i + 1000), 2)))).toBe(true)
    await expect(store.readCapture(b.record)).rejects.toThrow(/missing/)
    // Nothing live: everything goes.
    await store.collectGarbage([])
    expect(readdirSync(store.directory)).toEqual([])
  })

  it('compacts a pack most of whose pages are dead, without moving the live ones', async () => {
    const a = await store.writeCapture('capture-a.json', source(memory(Array.from({length: 300}, (_, i) => i))))
    const b = await store.writeCapture('capture-b.json', source(memory(Array.from({length: 10}, (_, i) => i))))
    // b's pages all live in a's pack; dropping a leaves that pack mostly dead.
    const before = dirBytes()
    await store.collectGarbage([b.record])
    expect(dirBytes()).toBeLessThan(before - 250 * PAGE)
    expect(Buffer.from((await restore(b.record)).ram).equals(Buffer.from(memory(Array.from({length: 10}, (_, i) => i))))).toBe(true)
  })

  it('detects a corrupted page, capture file or pack index, and refuses only what depends on it', async () => {
    const a = await store.writeCapture('capture-a.json', source(memory([1, 2, 3], 1)))
    const b = await store.writeCapture('capture-b.json', source(memory([100, 101], 5)))
    const packs = readdirSync(store.directory).filter((n) => n.endsWith('.hvpack')).sort()
    expect(packs).toHaveLength(2)
    // Flip a byte inside the first data page of a's pack.
    const packA = join(store.directory, packs[0])
    const bytes = readFileSync(packA)
    bytes[96 + 10] ^= 1
    writeFileSync(packA, bytes)
    await expect(store.readCapture(a.record)).rejects.toThrow(/pack-000001\.hvpack is corrupt \(page \d+ does not match its checksum\)/)
    expect((await restore(b.record)).ram[100 * PAGE]).not.toBe(0)
    // A capture file edited.
    const captureB = join(store.directory, 'capture-b.json')
    writeFileSync(captureB, readFileSync(captureB, 'utf8').replace('"version":1', '"version":1 '))
    await expect(store.readCapture(b.record)).rejects.toThrow(/capture-b\.json is corrupt \(its checksum does not match\)/)
    // A truncated pack.
    writeFileSync(packA, bytes.subarray(0, bytes.length - 7))
    await expect(store.readCapture(a.record)).rejects.toThrow(/corrupt \(truncated or wrong size\)/)
    // With a live capture unreadable, garbage collection keeps everything.
    const files = readdirSync(store.directory).length
    expect((await store.collectGarbage([a.record])).skipped).toMatch(/corrupt/)
    expect(readdirSync(store.directory).length).toBe(files)
  })

  it('a write that fails part-way (a full disk) leaves no file behind', async () => {
    await store.writeCapture('capture-a.json', source(memory([1])))
    const before = readdirSync(store.directory).sort()
    process.env.HV_FAULT_ENOSPC_AFTER_BYTES = String(10 * PAGE)
    await expect(store.writeCapture('capture-b.json', source(memory(Array.from({length: 64}, (_, i) => i + 50), 9)))).rejects.toThrow(/ENOSPC/)
    expect(readdirSync(store.directory).sort()).toEqual(before)
  })
})

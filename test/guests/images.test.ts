/**
 * The shipped guest images: each is a flat Multiboot 1 kernel whose header
 * carries the a.out-kludge address fields, so any Multiboot loader (and hv's
 * --boot-kernel) can place it without an ELF parser. Needs no tools.
 */
import {describe, expect, it} from 'vitest'
import {readFileSync} from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

const imagesDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../guests/images')

const MB_MAGIC = 0x1badb002

interface Header {
  offset: number
  flags: number
  headerAddr: number
  loadAddr: number
  loadEndAddr: number
  bssEndAddr: number
  entryAddr: number
}

/** Finds and decodes the Multiboot header: 4-byte aligned in the first 8 KiB. */
function findHeader(image: Buffer): Header | null {
  for (let off = 0; off + 32 <= Math.min(image.length, 8192); off += 4) {
    if (image.readUInt32LE(off) !== MB_MAGIC) continue
    const flags = image.readUInt32LE(off + 4)
    if (((MB_MAGIC + flags + image.readUInt32LE(off + 8)) >>> 0) !== 0) continue
    return {
      offset: off,
      flags,
      headerAddr: image.readUInt32LE(off + 12),
      loadAddr: image.readUInt32LE(off + 16),
      loadEndAddr: image.readUInt32LE(off + 20),
      bssEndAddr: image.readUInt32LE(off + 24),
      entryAddr: image.readUInt32LE(off + 28),
    }
  }
  return null
}

describe.each(['tinyos', 'tinyos-hv', 'tinyos-hv-win', 'floatdemo', 'exit42', 'counter', 'fpu-error', 'fpu-series'])('guests/images/%s.bin', (name) => {
  const image = readFileSync(path.join(imagesDir, `${name}.bin`))
  const h = findHeader(image)

  it('has a Multiboot header with a valid checksum in its first 8 KiB', () => {
    expect(h).not.toBeNull()
  })

  it('uses the address fields (flag bit 16) and asks for memory information (bit 1)', () => {
    expect(h!.flags & 0x10000).toBe(0x10000)
    expect(h!.flags & 0x2).toBe(0x2)
    // No other request (video mode, ...) a plain loader would have to honour.
    expect(h!.flags & ~0x10003).toBe(0)
  })

  it('loads at 1 MiB as a flat file: header_addr, load_end_addr and the file agree', () => {
    expect(h!.loadAddr).toBe(0x100000)
    expect(h!.headerAddr - h!.loadAddr).toBe(h!.offset)
    expect(h!.loadEndAddr - h!.loadAddr).toBe(image.length)
    expect(h!.bssEndAddr).toBeGreaterThanOrEqual(h!.loadEndAddr)
  })

  it('enters inside the loaded part, past the header', () => {
    expect(h!.entryAddr).toBeGreaterThanOrEqual(h!.headerAddr + 32)
    expect(h!.entryAddr).toBeLessThan(h!.loadEndAddr)
  })
})

describe('guests/images/tinyos.bin contents', () => {
  const image = readFileSync(path.join(imagesDir, 'tinyos.bin')).toString('latin1')

  it('carries the boot banner and the prompt', () => {
    expect(image).toContain("(hv guest) - type 'help'")
    expect(image).toContain('tinyos> ')
  })

  it('carries no build path or compiler identification', () => {
    expect(image).not.toMatch(/\/work\/|\/home\/|\/tmp\/|GCC:|\.c\b/)
  })
})

describe.each([
  ['tinyos-hv', 'tinyos'],
  ['tinyos-hv-win', 'Windows 10 (tinyos-hv-win)'],
])('guests/images/%s.bin contents', (name, osName) => {
  const image = readFileSync(path.join(imagesDir, `${name}.bin`)).toString('latin1')

  it('carries its banner (the name filled in at run time), the prompt and the VMBus line tests wait for', () => {
    expect(image).toContain("%s 0.1 (hv guest, enlightened) - type 'help'\n")
    expect(image).toContain(`${name}\0`)
    expect(image).toContain('tinyos> ')
    expect(image).toContain('vmbus: connected, version %s, %d channels open\n')
  })

  it('reports its own flavour as the KVP OSName', () => {
    expect(image).toContain(`\0${osName}\0`)
  })

  it('carries no build path or compiler identification', () => {
    expect(image).not.toMatch(/\/work\/|\/home\/|\/tmp\/|GCC:|\.c\b/)
  })
})

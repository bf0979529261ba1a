/**
 * The test machine itself: the Multiboot loader (a.out-kludge fields and
 * ELF32), the information structure, and the port behaviour, with tiny
 * kernels built here byte by byte.
 */
import {describe, expect, it} from 'vitest'
import {
  createMemory, findMultibootHeader, loadMultiboot, MBI_ADDRESS, runMultiboot, TestMachine, writeMultibootInfo,
} from '../helpers/cpu-machine.js'

function le32(v: number): number[] {
  return [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff]
}
function le16(v: number): number[] {
  return [v & 0xff, (v >>> 8) & 0xff]
}
const rd32 = (ram: Uint8Array, a: number): number => (ram[a]! | (ram[a + 1]! << 8) | (ram[a + 2]! << 16) | (ram[a + 3]! << 24)) >>> 0

/** mov dx,3F8h; mov al,'O'; out dx,al; mov al,'K'; out dx,al; mov al,status; out F4h,al; hlt */
function payload(status: number): number[] {
  return [0x66, 0xba, 0xf8, 0x03, 0xb0, 0x4f, 0xee, 0xb0, 0x4b, 0xee, 0xb0, status, 0xe6, 0xf4, 0xf4]
}

/** A flat kernel loaded at 1 MiB through the address fields of the header. */
function aoutKernel(status: number, padding = 0): Uint8Array {
  const base = 0x100000
  const headerOffset = padding
  const codeOffset = headerOffset + 32
  const code = payload(status)
  const end = base + codeOffset + code.length
  const flags = 0x00010003
  return Uint8Array.from([
    ...new Array<number>(padding).fill(0),
    ...le32(0x1badb002), ...le32(flags), ...le32((-(0x1badb002 + flags)) >>> 0),
    ...le32(base + headerOffset), ...le32(base), ...le32(end), ...le32(end + 0x2000), ...le32(base + codeOffset),
    ...code,
  ])
}

/** A minimal ELF32 executable with one PT_LOAD segment at 1 MiB. */
function elfKernel(status: number): Uint8Array {
  const base = 0x100000
  const mbOffset = 52 + 32
  const codeOffset = mbOffset + 12
  const code = payload(status)
  const fileSize = codeOffset + code.length
  const ident = [0x7f, 0x45, 0x4c, 0x46, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0]
  const header = [
    ...ident, ...le16(2), ...le16(3), ...le32(1), ...le32(base + codeOffset), ...le32(52), ...le32(0),
    ...le32(0), ...le16(52), ...le16(32), ...le16(1), ...le16(40), ...le16(0), ...le16(0),
  ]
  const ph = [...le32(1), ...le32(0), ...le32(base), ...le32(base), ...le32(fileSize), ...le32(fileSize + 0x1000), ...le32(7), ...le32(0x1000)]
  const mb = [...le32(0x1badb002), ...le32(0x2), ...le32((-(0x1badb002 + 2)) >>> 0)]
  return Uint8Array.from([...header, ...ph, ...mb, ...code])
}

describe('Multiboot loader', () => {
  it('finds the header only on a 4-byte boundary within 8 KiB and with a valid checksum', () => {
    expect(findMultibootHeader(aoutKernel(0))).toBe(0)
    expect(findMultibootHeader(aoutKernel(0, 4096))).toBe(4096)
    expect(findMultibootHeader(aoutKernel(0, 8192))).toBe(-1)
    const bad = aoutKernel(0)
    bad[8]! ^= 1
    expect(findMultibootHeader(bad)).toBe(-1)
  })

  it('loads an a.out-kludge image at load_addr, clears the BSS, reports the entry', () => {
    const mem = createMemory(4 * 1024 * 1024)
    mem.ram.fill(0xcc)
    const image = aoutKernel(7, 64)
    const loaded = loadMultiboot(mem.ram, image)
    expect(loaded.format).toBe('aout-kludge')
    expect(loaded.entry).toBe(0x100000 + 64 + 32)
    expect(mem.ram.subarray(0x100000, 0x100000 + image.length)).toEqual(image)
    expect(mem.ram[loaded.loadEnd - 1]).toBe(0)
    expect(mem.ram[loaded.loadEnd]).toBe(0xcc)
  })

  it('loads an ELF32 image by its program headers', () => {
    const mem = createMemory(4 * 1024 * 1024)
    const loaded = loadMultiboot(mem.ram, elfKernel(0))
    expect(loaded.format).toBe('elf32')
    expect(loaded.entry).toBe(0x100000 + 52 + 32 + 12)
  })

  it('refuses images without a header or with required features it lacks', () => {
    const mem = createMemory(4 * 1024 * 1024)
    expect(() => loadMultiboot(mem.ram, new Uint8Array(64))).toThrow(/no Multiboot header/)
    const video = aoutKernel(0)
    video.set(le32(0x00010007), 4)
    video.set(le32((-(0x1badb002 + 0x00010007)) >>> 0), 8)
    expect(() => loadMultiboot(mem.ram, video)).toThrow(/unsupported/)
  })

  it('writes the information structure with memory sizes and a memory map', () => {
    const mem = createMemory(32 * 1024 * 1024)
    const at = writeMultibootInfo(mem.ram)
    expect(at).toBe(MBI_ADDRESS)
    expect(rd32(mem.ram, at) & 0x41).toBe(0x41)
    expect(rd32(mem.ram, at + 4)).toBe(639)
    expect(rd32(mem.ram, at + 8)).toBe(31 * 1024)
    const length = rd32(mem.ram, at + 44)
    const addr = rd32(mem.ram, at + 48)
    let total = 0
    for (let p = addr; p < addr + length; p += rd32(mem.ram, p) + 4) {
      if (rd32(mem.ram, p + 20) === 1) total += rd32(mem.ram, p + 12)
    }
    expect(total).toBe(0x9fc00 + 31 * 1024 * 1024)
  })
})

describe('test machine runs', () => {
  it('an a.out-kludge kernel: serial output and the debug-exit status', () => {
    const r = runMultiboot(aoutKernel(0x2a))
    expect(r).toMatchObject({serial: 'OK', exitStatus: 0x2a, reason: 'debug-exit'})
    expect(r.instructions).toBeGreaterThanOrEqual(6)
  })

  it('an ELF32 kernel', () => {
    expect(runMultiboot(elfKernel(3))).toMatchObject({serial: 'OK', exitStatus: 3, reason: 'debug-exit'})
  })

  it('starts in the Multiboot state: EAX magic, EBX the information structure, flat 32-bit protected mode', () => {
    const m = new TestMachine()
    m.boot(aoutKernel(0))
    expect(m.cpu.getReg(0) >>> 0).toBe(0x2badb002)
    expect(m.cpu.getReg(3) >>> 0).toBe(MBI_ADDRESS)
    expect(m.cpu.getCr(0) & 0x80000001).toBe(1)
    expect(m.cpu.getEflags() & 0x200).toBe(0)
    for (const s of [0, 1, 2, 3]) {
      const seg = m.cpu.getSegment(s)
      expect(seg.base, `segment ${s} base`).toBe(0)
      expect(seg.limit >>> 0, `segment ${s} limit`).toBe(0xffffffff)
    }
    expect(m.cpu.getSegment(1).access & 0x4000).toBe(0x4000) // 32-bit code
  })

  it('ends on HLT with IF=0, and on the instruction budget', () => {
    const hltOnly = aoutKernel(0)
    const entry = 32
    hltOnly[entry] = 0xf4
    expect(runMultiboot(hltOnly).reason).toBe('halt')
    const loop = aoutKernel(0)
    loop[entry] = 0xeb
    loop[entry + 1] = 0xfe // jmp $
    const r = runMultiboot(loop, {budget: 10_000})
    expect(r.reason).toBe('budget')
    expect(r.instructions).toBe(10_000)
  })

  it('reports a triple fault', () => {
    // lidt with a zero limit, then int3: no IDT entry, #GP, #DF, shutdown
    const k = aoutKernel(0)
    const entry = 32
    const code = [0x0f, 0x01, 0x1d, ...le32(0x100000 + 64), 0xcc]
    k.set(code, entry)
    const image = new Uint8Array(80)
    image.set(k.subarray(0, 64))
    image.set([0, 0, 0, 0, 0, 0], 64)
    // keep load_end inside the image
    image.set(le32(0x100000 + 80), 20)
    image.set(le32(0x100000 + 80 + 0x1000), 24)
    expect(runMultiboot(image).reason).toBe('triple-fault')
  })
})

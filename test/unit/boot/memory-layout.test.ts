import {describe, expect, it} from 'vitest'

import {GuestPhysicalAddressSpace} from '../../../src/core/hypervisor/guest-memory.js'
import {
  addressableRamBytes, applyMemoryLayout, cmosMemorySizes, describeMemoryLayout, isUsableRam, type LayoutTarget, MAX_RAM_BYTES, rangeAt,
} from '../../../src/core/worker/boot/memory-layout.js'
import {MIB} from './harness.js'

const GIB = 1024 * MIB

/** Stands in for a partition's address space where allocating gigabytes would be wasteful: records the map. */
class RecordingSpace implements LayoutTarget {
  readonly pages = new Map<number, number>() // GPA page -> RAM offset (absent: unmapped)
  constructor(readonly ramBytes: number) {}
  mapRam(gpa: number, length: number, ramOffset = gpa): void {
    if (ramOffset + length > this.ramBytes) throw new Error('RAM range outside the partition')
    for (let p = 0; p < length / 4096; p++) this.pages.set(gpa / 4096 + p, ramOffset + p * 4096)
  }
  unmap(gpa: number, length: number): void {
    for (let p = 0; p < length / 4096; p++) this.pages.delete(gpa / 4096 + p)
  }
}

describe('the PC memory layout', () => {
  it('maps 32 MiB as conventional memory, a VGA hole, the BIOS area and extended memory', () => {
    const memory = new GuestPhysicalAddressSpace(32 * MIB)
    const layout = applyMemoryLayout(memory)
    expect(layout.ranges).toEqual([
      {base: 0, length: 0xa0000, type: 'ram', name: 'conventional memory'},
      {base: 0xa0000, length: 0x20000, type: 'mmio', name: 'legacy VGA window'},
      {base: 0xc0000, length: 0x40000, type: 'reserved', name: 'option ROM and BIOS area'},
      {base: 0x100000, length: 31 * MIB, type: 'ram', name: 'extended memory'},
      {base: 0xf8000000, length: 0x08000000, type: 'mmio', name: '32-bit MMIO gap'},
    ])
    expect(layout.lowerKiB).toBe(640)
    expect(layout.upperKiB).toBe(31 * 1024)

    // RAM is 1:1 below the gap; the holes are really unmapped.
    expect(memory.offsetOf(0, 0xa0000)).toBe(0)
    expect(memory.offsetOf(0xc0000, 0x40000)).toBe(0xc0000)
    expect(memory.offsetOf(0x100000, 31 * MIB)).toBe(0x100000)
    expect(memory.isRam(0x9ffff, 1)).toBe(true)
    expect(memory.isRam(0xa0000, 1)).toBe(false)
    expect(memory.isRam(0xbffff, 1)).toBe(false)
    expect(memory.isRam(0xc0000, 1)).toBe(true)
    expect(memory.isRam(32 * MIB - 1, 1)).toBe(true)
    expect(memory.isRam(32 * MIB, 1)).toBe(false)
    expect(memory.isRam(0xfffffff0, 16)).toBe(false)
    for (let page = 0xa0; page < 0xc0; page++) expect(memory.pageOffset[page]).toBe(-1)
    for (let page = 32 * 256; page < 1 << 20; page += 4099) expect(memory.pageOffset[page]).toBe(-1)
  })

  it('lays out 512 MiB and reports its CMOS memory sizes', () => {
    const memory = new GuestPhysicalAddressSpace(512 * MIB)
    const layout = applyMemoryLayout(memory)
    expect(rangeAt(layout, 0x100000)).toMatchObject({type: 'ram', length: 511 * MIB})
    expect(layout.upperKiB).toBe(511 * 1024)
    expect(memory.isRam(512 * MIB - 4096, 4096)).toBe(true)
    expect(memory.isRam(512 * MIB, 1)).toBe(false)
    expect(cmosMemorySizes(layout)).toEqual({baseKiB: 640, extendedKiB: 0xffff, above16MiB64KiBBlocks: (496 * MIB) / 65536})
    expect(cmosMemorySizes(describeMemoryLayout(32 * MIB))).toEqual({
      baseKiB: 640, extendedKiB: 31 * 1024, above16MiB64KiBBlocks: (16 * MIB) / 65536,
    })
  })

  it('accepts everything below the MMIO gap (Hyper-V\'s 128 MiB low MMIO space at 0xF8000000)', () => {
    expect(MAX_RAM_BYTES).toBe(0xf8000000)
    const space = new RecordingSpace(MAX_RAM_BYTES)
    const layout = applyMemoryLayout(space)
    expect(layout.upperKiB).toBe((0xf8000000 - MIB) / 1024)
    const top = layout.ranges.find((r) => r.name === 'extended memory')!
    expect(top.base + top.length).toBe(0xf8000000)
    expect(space.pages.get(0xf8000000 / 4096 - 1)).toBe(0xf8000000 - 4096)
    expect(space.pages.has(0xf8000000 / 4096)).toBe(false)
    expect(space.pages.has(0xa0000 / 4096)).toBe(false)
    expect(space.pages.size).toBe(0xf8000000 / 4096 - 32)
    expect(cmosMemorySizes(layout).above16MiB64KiBBlocks).toBe((0xf8000000 - 16 * MIB) / 65536)
    // The fixed devices of the platform all lie in the gap.
    const gap = layout.ranges.find((r) => r.name === '32-bit MMIO gap')!
    for (const address of [0xfec00000, 0xfee00000, 0xffff0000]) expect(address >= gap.base && address < gap.base + gap.length).toBe(true)
  })

  it('backs only what a 32-bit guest can address: the configured size up to the gap', () => {
    expect(addressableRamBytes(2 * GIB)).toBe(2 * GIB)
    expect(addressableRamBytes(3 * GIB)).toBe(3 * GIB)
    expect(addressableRamBytes(4 * GIB)).toBe(0xf8000000)
    expect(addressableRamBytes(64 * GIB)).toBe(0xf8000000)
  })

  it('refuses to lay out more RAM than fits below the gap, saying why', () => {
    expect(() => describeMemoryLayout(0xf8000000 + 4096)).toThrow(/at most 3968 MiB/)
    expect(() => describeMemoryLayout(4 * GIB)).toThrow(/4 GiB is too large: a 32-bit guest can use at most 3968 MiB/)
    expect(() => applyMemoryLayout(new RecordingSpace(4 * GIB))).toThrow(/MMIO gap/)
  })

  it('refuses sizes that are not whole pages or smaller than 1 MiB', () => {
    expect(() => describeMemoryLayout(32 * MIB + 1)).toThrow(/4 KiB pages/)
    expect(() => describeMemoryLayout(0)).toThrow(/4 KiB pages/)
    expect(() => describeMemoryLayout(512 * 1024)).toThrow(/at least 1 MiB/)
    expect(describeMemoryLayout(MIB).upperKiB).toBe(0)
  })

  it('describes a firmware image at the top of the first MiB and of 4 GiB', () => {
    const small = describeMemoryLayout(32 * MIB, {firmwareBytes: 64 * 1024})
    expect(small.ranges).toContainEqual({base: 0xc0000, length: 0x30000, type: 'reserved', name: 'option ROM and BIOS area'})
    expect(small.ranges).toContainEqual({base: 0xf0000, length: 0x10000, type: 'reserved', name: 'firmware ROM (low alias)'})
    expect(small.ranges).toContainEqual({base: 0xffff0000, length: 0x10000, type: 'reserved', name: 'firmware ROM'})
    expect(small.ranges).toContainEqual({base: 0xf8000000, length: 0x07ff0000, type: 'mmio', name: '32-bit MMIO gap'})
    const big = describeMemoryLayout(32 * MIB, {firmwareBytes: 256 * 1024})
    expect(big.ranges.find((r) => r.name === 'firmware ROM (low alias)')).toEqual(
      {base: 0xe0000, length: 0x20000, type: 'reserved', name: 'firmware ROM (low alias)'})
    // Ranges are sorted and never overlap.
    for (const layout of [small, big]) {
      for (let i = 1; i < layout.ranges.length; i++) {
        expect(layout.ranges[i].base).toBeGreaterThanOrEqual(layout.ranges[i - 1].base + layout.ranges[i - 1].length)
      }
    }
  })

  it('tells usable RAM from everything else', () => {
    const layout = describeMemoryLayout(32 * MIB)
    expect(isUsableRam(layout, 0x1000, 0x1000)).toBe(true)
    expect(isUsableRam(layout, 0x9f000, 0x2000)).toBe(false)
    expect(isUsableRam(layout, 0xc0000, 16)).toBe(false)
    expect(isUsableRam(layout, 0x100000, 31 * MIB)).toBe(true)
    expect(isUsableRam(layout, 0x100000, 31 * MIB + 1)).toBe(false)
  })
})

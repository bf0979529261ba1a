import {describe, expect, it} from 'vitest'
import {ManualClock} from '../../../src/core/devices/clock.js'
import {createGen1Platform} from '../../../src/core/devices/platform.js'

/** A small deterministic generator (xorshift32), so a failure reproduces from its seed. */
function random(seed: number) {
  let state = seed >>> 0 || 1
  return () => {
    state ^= state << 13
    state >>>= 0
    state ^= state >>> 17
    state ^= state << 5
    state >>>= 0
    return state
  }
}

const CLAIMED_PORTS = [
  0x20, 0x21, 0xa0, 0xa1, 0x4d0, 0x4d1, 0x40, 0x41, 0x42, 0x43, 0x61, 0x60, 0x64, 0x70, 0x71, 0x80, 0x92, 0xf4,
  ...Array.from({length: 8}, (_, i) => 0x3f8 + i),
  ...Array.from({length: 8}, (_, i) => 0x2f8 + i),
  0x604, 0x605, 0x608, 0x609, 0x60a, 0x60b,
]

describe('Generation 1 platform under arbitrary guest I/O', () => {
  it.each([1, 2, 3, 0xc0ffee])('never throws and always saves a restorable state (seed %i)', (seed) => {
    const next = random(seed)
    const clock = new ManualClock()
    const platform = createGen1Platform({memoryBytes: 2 ** 25, clock, powerOnTime: new Date(Date.UTC(2099, 11, 31, 23, 59, 50))})
    platform.writePort(0x20, 1, 0x11)
    platform.writePort(0x21, 1, 0x20)
    for (let step = 0; step < 20_000; step++) {
      const port = CLAIMED_PORTS[next() % CLAIMED_PORTS.length]!
      const size = [1, 1, 1, 2, 4][next() % 5]!
      if (next() & 1) platform.writePort(port, size, next())
      else platform.readPort(port, size)
      if (step % 7 === 0) clock.advanceBy(next() % 2_000_000)
      if (step % 11 === 0) platform.sendConsoleInput(Uint8Array.of(next() & 0xff))
      const ic = platform.interruptController!
      if (ic.hasInterrupt()) expect(ic.acknowledge()).toBeLessThan(256)
      if (step % 2_000 === 0) platform.restoreState(JSON.parse(JSON.stringify(platform.saveState())))
    }
  })
})

describe('Generation 1 PCI and IDE under arbitrary guest I/O', () => {
  const PCI_AND_IDE_PORTS = [
    0xcf8, 0xcf9, 0xcfa, 0xcfb, 0xcfc, 0xcfd, 0xcfe, 0xcff,
    ...Array.from({length: 8}, (_, i) => 0x1f0 + i), 0x3f6,
    ...Array.from({length: 8}, (_, i) => 0x170 + i), 0x376,
    ...Array.from({length: 16}, (_, i) => 0xffa0 + i),
    0x600, 0x601, 0x602, 0x603,
  ]

  /** A medium that fails every access past its first MiB, as a damaged host file might. */
  function medium(size: number, sectorSize: number, readOnly: boolean) {
    const bytes = new Uint8Array(Math.min(size, 2 ** 20))
    const check = (offset: number, length: number) => {
      if (offset + length > bytes.length) throw new Error('host I/O error')
    }
    return {
      size,
      logicalSectorSize: sectorSize,
      physicalSectorSize: sectorSize,
      readOnly,
      diskIdentifier: '00000000-0000-0000-0000-000000000001',
      read(offset: number, into: Uint8Array) {
        check(offset, into.length)
        into.set(bytes.subarray(offset, offset + into.length))
      },
      write(offset: number, data: Uint8Array) {
        check(offset, data.length)
        bytes.set(data, offset)
      },
      flush() {},
    }
  }

  it.each([5, 6, 7, 0xbadc0de])('never throws and always saves a restorable state with a disk and a DVD on each channel (seed %i)', (seed) => {
    const next = random(seed)
    const clock = new ManualClock()
    const platform = createGen1Platform({
      memoryBytes: 2 ** 25,
      clock,
      ideDrives: [
        {channel: 0, position: 0, kind: 'HardDisk', medium: medium(8 * 2 ** 20, 512, false)},
        {channel: 0, position: 1, kind: 'DvdDrive', medium: medium(4 * 2 ** 20, 2048, true)},
        {channel: 1, position: 0, kind: 'DvdDrive', medium: null},
        {channel: 1, position: 1, kind: 'HardDisk', medium: medium(2 ** 20, 512, true)},
      ],
    })
    // Commands are drawn more often than other values so that transfers actually start.
    const commands = [0x20, 0x24, 0x30, 0x34, 0xc4, 0xc5, 0xc6, 0xec, 0xa1, 0xa0, 0x90, 0x91, 0xe7, 0xef, 0x40, 0x08]
    for (let step = 0; step < 40_000; step++) {
      const port = PCI_AND_IDE_PORTS[next() % PCI_AND_IDE_PORTS.length]!
      const register = port < 0x200 ? port & 7 : -1
      // Wide accesses to the byte registers spill into their neighbours (the command register above all); keep them rare.
      const size = register > 0 && next() % 16 !== 0 ? 1 : [1, 1, 2, 2, 4][next() % 5]!
      // Commands and small addresses are drawn more often than other values so that transfers start and end.
      let value = next()
      if (register === 7 && next() & 1) value = commands[next() % commands.length]!
      else if (register >= 2 && register <= 5 && next() % 4 !== 0) value = register === 3 ? next() & 0x3f : register === 2 ? next() & 7 : 0
      else if (register === 6 && next() & 1) value = 0xe0 | (next() & 0x10)
      // Device control: a software reset only now and then, or the devices are mostly held in reset.
      else if ((port === 0x3f6 || port === 0x376) && next() % 8 !== 0) value &= ~0x04
      if (next() % 64 === 0) {
        // A well-formed command now and then, on either channel and device, so that transfers start.
        const base = next() & 1 ? 0x1f0 : 0x170
        platform.writePort(base + 0x206, 1, next() & 0x02)
        platform.writePort(base + 6, 1, 0xe0 | (next() & 0x10))
        platform.writePort(base + 2, 1, 1 + (next() & 3))
        platform.writePort(base + 3, 1, next() & 0x3f)
        platform.writePort(base + 4, 1, 0)
        platform.writePort(base + 5, 1, 0)
        platform.writePort(base + 7, 1, commands[next() % commands.length]!)
      } else if (register === 0 && next() % 2 === 0) {
        // A burst on the data port, as a driver moves a block.
        const write = (next() & 1) === 1
        const count = 1 + (next() % 600)
        for (let i = 0; i < count; i++) {
          if (write) platform.writePort(port, size, next())
          else platform.readPort(port, size)
        }
      } else if (next() & 1) platform.writePort(port, size, value)
      else platform.readPort(port, size)
      if (step % 4_000 === 0) platform.restoreState(JSON.parse(JSON.stringify(platform.saveState())))
    }
    const stats = platform.ide!.statistics() as Record<string, number>
    expect(stats.commands).toBeGreaterThan(100)
    expect(stats.sectorsRead).toBeGreaterThan(0)
  })
})

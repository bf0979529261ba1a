/**
 * guests/images/ide-pio.bin, a small Multiboot program that reads and writes
 * the primary master with PIO (IDENTIFY, READ/WRITE SECTORS, FLUSH, SET
 * MULTIPLE + READ MULTIPLE, the EXT commands, READ VERIFY, an address past
 * the end, SRST), run on hv's Generation 1 platform with a disk in memory,
 * and, when qemu-system-i386 is installed, on QEMU's PIIX IDE with the same
 * raw disk: the console and the disk afterwards must be the same.
 */
import {spawnSync} from 'node:child_process'
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {ManualClock} from '../../../../src/core/devices/clock.js'
import {createGen1Platform} from '../../../../src/core/devices/platform.js'
import {HV_MESSAGE, Hypervisor} from '../../../../src/core/hypervisor/index.js'
import {loadMultiboot} from '../../../../src/core/worker/boot/multiboot.js'
import {applyMemoryLayout} from '../../../../src/core/worker/boot/memory-layout.js'
import {hasTool} from '../../../helpers/tools.js'
import {MemoryMedium} from './ide-test-kit.js'

const guests = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../guests')
const IMAGE = path.join(guests, 'images/ide-pio.bin')
const SOURCE = path.join(guests, 'examples/ide-pio.asm')
const DISK_BYTES = 4 * 2 ** 20
const EXIT_STATUS = 0x10

const tmp = mkdtempSync(path.join(tmpdir(), 'hv-ide-pio-'))
afterAll(() => rmSync(tmp, {recursive: true, force: true}))

/** The disk both machines start from: a hash of each dword's offset. */
function initialDisk(): Uint8Array {
  const bytes = new Uint8Array(DISK_BYTES)
  const view = new DataView(bytes.buffer)
  for (let offset = 0; offset < DISK_BYTES; offset += 4) view.setUint32(offset, (Math.imul(offset, 0x9e3779b1) >>> 7) >>> 0, true)
  return bytes
}

/** A medium over a byte array, as a raw disk file is. */
class RawMedium extends MemoryMedium {
  constructor(readonly bytes: Uint8Array) {
    super(bytes.length)
  }
  override read(offset: number, into: Uint8Array): void {
    into.set(this.bytes.subarray(offset, offset + into.length))
  }
  override write(offset: number, data: Uint8Array): void {
    this.writes++
    this.bytes.set(data, offset)
  }
}

/** Runs the image on a Generation 1 platform: every port exit goes to the platform, as the worker does. */
function runOnHv(image: Uint8Array, disk: Uint8Array): {console: string; status: number | null; medium: RawMedium} {
  const memoryBytes = 32 * 2 ** 20
  const partition = new Hypervisor().createPartition({name: 'ide-pio', memoryBytes})
  const layout = applyMemoryLayout(partition.memory)
  const vp = partition.createVp()
  loadMultiboot(partition.memory, layout, vp.cpu, image)
  const clock = new ManualClock()
  const medium = new RawMedium(disk)
  let console = ''
  let status: number | null = null
  const platform = createGen1Platform({
    memoryBytes,
    clock,
    com1Output: (byte) => (console += String.fromCharCode(byte)),
    onExit: (value) => (status = value),
    ideDrives: [{channel: 0, position: 0, kind: 'HardDisk', medium}],
  })
  for (let slice = 0; slice < 200_000 && status === null && !vp.halted; slice++) {
    const message = vp.run(1_000_000)
    clock.advanceBy(10_000)
    if (!message) continue
    if (message.type !== HV_MESSAGE.X64_IO_PORT_INTERCEPT) throw new Error(`unexpected intercept 0x${message.type.toString(16)}`)
    const size = message.accessSize
    if (message.interceptAccessType === 1) {
      platform.writePort(message.portNumber, size, size === 4 ? message.rax >>> 0 : message.rax & (size === 2 ? 0xffff : 0xff))
      vp.completeIoWrite()
    } else {
      vp.completeIoRead(platform.readPort(message.portNumber, size))
    }
  }
  return {console, status, medium}
}

const haveNasm = hasTool('nasm', ['-v'])
const haveQemu = hasTool('qemu-system-i386', ['--version'])

describe('ide-pio guest', () => {
  it.skipIf(!haveNasm)('reassembles byte for byte from guests/examples/ide-pio.asm', () => {
    const out = path.join(tmp, 'ide-pio.bin')
    const result = spawnSync('nasm', ['-f', 'bin', '-o', out, SOURCE], {encoding: 'utf8'})
    expect(result.status, result.stderr).toBe(0)
    expect(Buffer.compare(readFileSync(out), readFileSync(IMAGE))).toBe(0)
  })

  let hv: ReturnType<typeof runOnHv>
  beforeAll(() => {
    hv = runOnHv(readFileSync(IMAGE), initialDisk())
  })

  it('runs to the end on hv and reads back what it wrote, through the IDE controller', () => {
    expect(hv.status).toBe(EXIT_STATUS)
    const lines = hv.console.split('\r\n')
    expect(lines[0]).toBe(`identify ${(DISK_BYTES / 512).toString(16).padStart(8, '0')} ${(DISK_BYTES / 512).toString(16).padStart(8, '0')}`)
    // Sectors 8 and 9 read back the same before and within READ MULTIPLE.
    const reads = lines.filter((line) => line.startsWith('r 00000008') || line.startsWith('r 00000009'))
    expect(reads).toHaveLength(4)
    expect(reads[2]).toBe(reads[0])
    expect(reads[3]).toBe(reads[1])
    expect(lines).toContain('e 41')
    expect(lines).toContain('signature 01010000')
    expect(lines.at(-2)).toBe('done')
    // The pattern the program writes: byte i of sector n is i * 7 + n.
    for (const lba of [8, 9, 20]) {
      const sector = hv.medium.bytes.subarray(lba * 512, lba * 512 + 512)
      expect(sector.every((byte, i) => byte === ((i * 7 + lba) & 0xff))).toBe(true)
    }
    expect(hv.medium.flushes).toBeGreaterThanOrEqual(1)
  })

  it.skipIf(!haveQemu)('prints the same console and leaves the same disk as QEMU with the same raw disk', () => {
    const raw = path.join(tmp, 'disk.raw')
    writeFileSync(raw, initialDisk())
    const qemu = spawnSync(
      'qemu-system-i386',
      [
        '-kernel', IMAGE,
        '-serial', 'stdio',
        '-display', 'none',
        '-monitor', 'none',
        '-nodefaults',
        '-no-reboot',
        '-accel', 'tcg',
        '-m', '64',
        '-device', 'isa-debug-exit,iobase=0xf4,iosize=4',
        '-drive', `file=${raw},format=raw,if=ide,index=0`,
      ],
      {encoding: 'latin1', timeout: 60_000},
    )
    expect(qemu.status, qemu.stderr).toBe((EXIT_STATUS << 1) | 1)
    expect(hv.console).toBe(qemu.stdout)
    expect(Buffer.compare(Buffer.from(hv.medium.bytes), readFileSync(raw))).toBe(0)
  }, 90_000)
})

import {execFile, execFileSync} from 'node:child_process'
import {mkdtempSync, readFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {promisify} from 'node:util'

import {describe, expect, it} from 'vitest'

import {Seg} from '../../../src/core/cpu/index.js'
import {InvalidArgumentError} from '../../../src/core/errors.js'
import {Hypervisor} from '../../../src/core/hypervisor/index.js'
import {checkFirmwareSize, firmwareRomBytes, loadFirmware} from '../../../src/core/worker/boot/firmware.js'
import {applyMemoryLayout} from '../../../src/core/worker/boot/memory-layout.js'
import {hasTool, MIB, runGuest} from './harness.js'

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../../..')
const NO_OS_ROM = join(ROOT, 'guests/images/no-os.rom')
const NO_OS_ASM = join(ROOT, 'guests/firmware/no-os.asm')
const NO_OS_TEXT =
  'No operating system was loaded.\r\n' +
  'Attach a boot source (--guest, --boot-kernel or --firmware) and restart the virtual machine.\r\n'

function firmwareVm(image: Uint8Array, romBytes = firmwareRomBytes(image)) {
  const hypervisor = new Hypervisor()
  const partition = hypervisor.createPartition({name: 'firmware-test', memoryBytes: 32 * MIB, romBytes})
  const layout = applyMemoryLayout(partition.memory, {firmwareBytes: image.length})
  const vp = partition.createVp()
  const result = loadFirmware(partition.memory, vp.cpu, image, 'test.rom')
  return {partition, layout, vp, result}
}

function same(a: Uint8Array | null, b: Uint8Array): boolean {
  return a !== null && Buffer.compare(a, b) === 0
}

/** A ROM whose every byte tells where it is: byte i = (i >> 12) ^ i. */
function patternRom(size: number): Uint8Array {
  const rom = new Uint8Array(size)
  for (let i = 0; i < size; i++) rom[i] = ((i >> 12) ^ i) & 0xff
  return rom
}

describe('firmware images', () => {
  it('says how much ROM space an image needs, and refuses unusable sizes', () => {
    expect(firmwareRomBytes(64 * 1024)).toBe(64 * 1024)
    expect(firmwareRomBytes(new Uint8Array(4096))).toBe(4096)
    expect(firmwareRomBytes(16 * MIB)).toBe(16 * MIB)
    expect(() => checkFirmwareSize(0)).toThrow(/firmware image is empty/)
    expect(() => checkFirmwareSize(65535, 'bios.bin')).toThrow(/^bios\.bin: firmware image is 65535 bytes; a ROM image must be a multiple of 4 KiB$/)
    expect(() => checkFirmwareSize(16 * MIB + 4096)).toThrow(/at most 16 MiB/)
    expect(() => checkFirmwareSize(100)).toThrow(InvalidArgumentError)
  })

  it('maps a 64 KiB image read-only at the top of 4 GiB and of the first MiB', () => {
    const rom = patternRom(64 * 1024)
    const {partition, vp, result} = firmwareVm(rom)
    const memory = partition.memory
    expect(result).toMatchObject({highBase: 0xffff0000, lowBase: 0xf0000, lowLength: 0x10000, size: 0x10000})
    expect(same(memory.view(0xffff0000, 0x10000), rom)).toBe(true)
    expect(same(memory.view(0xf0000, 0x10000), rom)).toBe(true)
    for (let page = 0xffff0; page <= 0xfffff; page++) expect(memory.pageReadOnly[page]).toBe(1)
    for (let page = 0xf0; page <= 0xff; page++) expect(memory.pageReadOnly[page]).toBe(1)
    // The rest of the BIOS area stays RAM; the space below the ROM stays a hole.
    expect(memory.offsetOf(0xc0000, 0x30000)).toBe(0xc0000)
    expect(memory.pageReadOnly[0xef]).toBe(0)
    expect(memory.isRam(0xfffef000, 1)).toBe(false)
    // The processor starts at the reset vector inside the image.
    expect(vp.cpu.eip).toBe(0xfff0)
    expect(vp.cpu.getSegment(Seg.CS)).toMatchObject({selector: 0xf000, base: 0xffff0000})
  })

  it('aliases only the last 128 KiB of a larger image below 1 MiB', () => {
    const rom = patternRom(512 * 1024)
    const {partition, result} = firmwareVm(rom)
    expect(result).toMatchObject({highBase: 0xfff80000, lowBase: 0xe0000, lowLength: 0x20000})
    expect(same(partition.memory.view(0xfff80000, rom.length), rom)).toBe(true)
    expect(same(partition.memory.view(0xe0000, 0x20000), rom.subarray(rom.length - 0x20000))).toBe(true)
    expect(partition.memory.offsetOf(0xc0000, 0x20000)).toBe(0xc0000)
  })

  it('maps a small image whole at both places', () => {
    const rom = patternRom(8192)
    const {partition, result} = firmwareVm(rom)
    expect(result).toMatchObject({highBase: 0xffffe000, lowBase: 0xfe000, lowLength: 0x2000})
    expect(same(partition.memory.view(0xfe000, 0x2000), rom)).toBe(true)
    expect(partition.memory.isRam(0xfd000, 0x1000)).toBe(true)
  })

  it('refuses a partition without room for the image, naming the romBytes it needs', () => {
    expect(() => firmwareVm(new Uint8Array(64 * 1024), 32 * 1024)).toThrow(/create it with romBytes >= 65536/)
    expect(() => firmwareVm(new Uint8Array(64 * 1024 + 1), 128 * 1024)).toThrow(/multiple of 4 KiB/)
  })
})

describe('the no-OS firmware', () => {
  const rom = readFileSync(NO_OS_ROM)

  it('is a 64 KiB ROM with a far jump at the reset vector', () => {
    expect(rom.length).toBe(64 * 1024)
    expect(rom[0xfff0]).toBe(0xea) // JMP ptr16:16
    expect(rom.readUInt16LE(0xfff3)).toBe(0xf000)
  })

  it('prints its message on COM1 and halts, on the processor through the hypervisor', () => {
    const {vp} = firmwareVm(rom)
    const log = runGuest(vp)
    expect(log.stoppedBy).toBeUndefined()
    expect(log.com1).toBe(NO_OS_TEXT)
    expect(log.halted).toBe(true)
    expect(vp.halted).toBe(true)
    expect(log.divisor).toBe(1) // 115200 baud
    expect(log.lcr).toBe(0x03) // 8N1, DLAB off
    // It stays halted: with interrupts off, nothing wakes it.
    expect(vp.run(10_000)).toBeNull()
    expect(vp.halted).toBe(true)
  })

  it('waits for the transmitter before every byte', () => {
    const {vp} = firmwareVm(rom)
    // Report "transmitter busy" for the first two polls of every byte.
    let polls = 0
    const log = runGuest(vp, {lsr: () => (polls++ % 3 < 2 ? 0x00 : 0x60)})
    expect(log.com1).toBe(NO_OS_TEXT)
    expect(polls).toBe(NO_OS_TEXT.length * 3)
  })

  it('boots again after a reset of the same partition, reusing its ROM space', () => {
    const {partition, vp} = firmwareVm(rom)
    expect(runGuest(vp).com1).toBe(NO_OS_TEXT)
    partition.reset()
    const again = loadFirmware(partition.memory, vp.cpu, rom)
    expect(again.highBase).toBe(0xffff0000)
    expect(vp.cpu.eip).toBe(0xfff0)
    expect(runGuest(vp)).toMatchObject({com1: NO_OS_TEXT, halted: true})
  })

  it.skipIf(!hasTool('nasm', ['-v']))('is what no-os.asm assembles to (needs nasm)', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'hv-fw-')), 'no-os.rom')
    execFileSync('nasm', ['-f', 'bin', '-o', out, NO_OS_ASM])
    expect(Buffer.compare(readFileSync(out), rom)).toBe(0)
  })

  it.skipIf(!hasTool('qemu-system-i386'))('prints the same text in QEMU (needs qemu-system-i386)', async () => {
    const serial = join(mkdtempSync(join(tmpdir(), 'hv-fw-')), 'com1.txt')
    const qemu = promisify(execFile)('qemu-system-i386', [
      '-bios', NO_OS_ROM, '-display', 'none', '-monitor', 'none', '-serial', `file:${serial}`, '-no-reboot',
    ], {timeout: 20_000})
    // QEMU never exits on its own (the firmware halts forever): wait for the text, then stop it.
    let text = ''
    for (let i = 0; i < 200 && text !== NO_OS_TEXT; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50))
      try {
        text = readFileSync(serial, 'latin1')
      } catch {
        // not created yet
      }
    }
    qemu.child.kill()
    await qemu.catch(() => undefined)
    expect(text).toBe(NO_OS_TEXT)
  })
})

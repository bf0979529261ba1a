import {describe, expect, it} from 'vitest'

import {Reg, Seg} from '../../../src/core/cpu/index.js'
import {InvalidArgumentError} from '../../../src/core/errors.js'
import {Hypervisor, type Partition, type VirtualProcessor} from '../../../src/core/hypervisor/index.js'
import {
  isLinuxImage, loadLinux, type LinuxLoadOptions, type LinuxLoadResult, parseLinuxImage, ZERO_PAGE_ADDRESS,
} from '../../../src/core/worker/boot/linux-boot.js'
import {applyMemoryLayout, type MemoryLayout} from '../../../src/core/worker/boot/memory-layout.js'
import {MIB, runGuest} from './harness.js'

/**
 * A bzImage small enough to read: a one-sector setup whose header says what a
 * 6.1 kernel's says, then a protected-mode "kernel" that reports
 * type_of_loader from the zero page ESI points at, and halts.
 */
interface BzOptions {
  protocol?: number
  loadflags?: number
  setupSects?: number
  bootFlag?: number
  cmdlineSize?: number
  initSize?: number
  prefAddress?: number
  initrdAddrMax?: number
  kernelBytes?: number
}

// mov al, [esi+0x210]; out 0xF4, al; cli; hlt
const REPORT_LOADER = [0x8a, 0x86, 0x10, 0x02, 0x00, 0x00, 0xe6, 0xf4, 0xfa, 0xf4]

function bzImage(o: BzOptions = {}): Uint8Array {
  const setupSects = o.setupSects ?? 1
  const kernelBytes = o.kernelBytes ?? 0x1000
  const setupBytes = ((setupSects || 4) + 1) * 512
  const image = new Uint8Array(setupBytes + kernelBytes)
  const dv = new DataView(image.buffer)
  image[0x1f1] = setupSects
  dv.setUint16(0x1fe, o.bootFlag ?? 0xaa55, true)
  image[0x200] = 0xeb // jmp short over the header, to 0x268
  image[0x201] = 0x66
  dv.setUint32(0x202, 0x53726448, true)
  dv.setUint16(0x206, o.protocol ?? 0x020f, true)
  image[0x211] = o.loadflags ?? 0x01
  dv.setUint32(0x214, 0x100000, true)
  dv.setUint32(0x22c, o.initrdAddrMax ?? 0x7fffffff, true)
  dv.setUint32(0x230, 0x200000, true)
  dv.setUint32(0x238, o.cmdlineSize ?? 2047, true)
  dv.setBigUint64(0x258, BigInt(o.prefAddress ?? 0x1000000), true)
  dv.setUint32(0x260, o.initSize ?? 0x500000, true)
  image.set(REPORT_LOADER, setupBytes)
  return image
}

interface Vm {
  partition: Partition
  vp: VirtualProcessor
  layout: MemoryLayout
}

function newVm(memoryBytes = 64 * MIB): Vm {
  const partition = new Hypervisor().createPartition({name: 'linux-boot-test', memoryBytes})
  const layout = applyMemoryLayout(partition.memory)
  return {partition, vp: partition.createVp(), layout}
}

function boot(image: Uint8Array, options: LinuxLoadOptions = {}, vm = newVm()): Vm & {result: LinuxLoadResult} {
  return {...vm, result: loadLinux(vm.partition.memory, vm.layout, vm.vp.cpu, image, options)}
}

function refuses(image: Uint8Array, message: RegExp, options: LinuxLoadOptions = {}, vm = newVm()): void {
  let error: unknown
  try {
    loadLinux(vm.partition.memory, vm.layout, vm.vp.cpu, image, {fileName: 'vmlinuz', ...options})
  } catch (e) {
    error = e
  }
  expect(error).toBeInstanceOf(InvalidArgumentError)
  expect((error as Error).message).toMatch(/^vmlinuz: /)
  expect((error as Error).message).toMatch(message)
}

describe('the Linux 32-bit boot protocol', () => {
  it('tells a bzImage from other files by its boot flag and "HdrS"', () => {
    expect(isLinuxImage(bzImage())).toBe(true)
    expect(isLinuxImage(bzImage({bootFlag: 0}))).toBe(false)
    expect(isLinuxImage(new Uint8Array(0x2ff))).toBe(false)
    const parsed = parseLinuxImage(bzImage())
    expect(parsed).toMatchObject({protocol: 0x020f, setupBytes: 1024, initSize: 0x500000, prefAddress: 0x1000000, cmdlineSize: 2047})
    expect(parsed.header.length).toBe(0x268 - 0x1f1)
  })

  it('treats setup_sects 0 as 4, as the protocol says', () => {
    expect(parseLinuxImage(bzImage({setupSects: 0, kernelBytes: 0x2000})).setupBytes).toBe(5 * 512)
  })

  it('loads the kernel at 1 MiB and enters it flat at code32_start with ESI at the zero page', () => {
    const image = bzImage()
    const {vp, partition, result} = boot(image)
    expect(result.kernel).toEqual({base: 0x100000, length: image.length - 1024})
    expect(partition.memory.read(0x100000, 16)).toEqual(image.subarray(1024, 1040))
    const cpu = vp.cpu
    expect(cpu.eip).toBe(0x100000)
    expect(cpu.getReg(Reg.ESI)).toBe(ZERO_PAGE_ADDRESS)
    expect(cpu.getCr(0) & 0x80000001).toBe(1) // PE on, PG off
    expect(cpu.getSegment(Seg.CS)).toMatchObject({selector: 0x10, base: 0, limit: 0xffffffff})
    for (const s of [Seg.DS, Seg.ES, Seg.SS]) expect(cpu.getSegment(s)).toMatchObject({selector: 0x18, base: 0, limit: 0xffffffff})
    expect(cpu.getEflags() & 0x200).toBe(0) // IF clear
    // The GDT the kernel will reload from holds __BOOT_CS and __BOOT_DS.
    const gdt = cpu.gdtr
    expect(partition.memory.read(gdt.base + 0x10, 8)).toEqual(new Uint8Array([0xff, 0xff, 0, 0, 0, 0x9a, 0xcf, 0]))
    expect(partition.memory.read(gdt.base + 0x18, 8)).toEqual(new Uint8Array([0xff, 0xff, 0, 0, 0, 0x92, 0xcf, 0]))
    // The "kernel" reads type_of_loader through ESI.
    expect(runGuest(vp)).toMatchObject({status: 0xff, halted: true})
  })

  it('fills the zero page: the setup header, the loader fields, the command line and the E820 map', () => {
    const image = bzImage()
    const {partition, layout} = boot(image, {commandLine: 'console=ttyS0 quiet'})
    const zp = partition.memory.read(ZERO_PAGE_ADDRESS, 4096)!
    const dv = new DataView(zp.buffer, zp.byteOffset)
    expect(dv.getUint32(0x202, true)).toBe(0x53726448)
    expect(zp[0x210]).toBe(0xff)
    expect(zp[0x211]! & 0x81).toBe(0x81) // LOADED_HIGH kept, CAN_USE_HEAP set
    const cmdline = dv.getUint32(0x228, true)
    const text = partition.memory.read(cmdline, 20)!
    expect(new TextDecoder().decode(text)).toBe('console=ttyS0 quiet\0')
    const entries = zp[0x1e8]!
    const map = Array.from({length: entries}, (_, n) => ({
      base: Number(dv.getBigUint64(0x2d0 + n * 20, true)),
      length: Number(dv.getBigUint64(0x2d0 + n * 20 + 8, true)),
      type: dv.getUint32(0x2d0 + n * 20 + 16, true),
    }))
    // RAM below 1 MiB is in the map (the real-mode trampoline needs it), and all of the RAM is.
    expect(map[0]).toEqual({base: 0, length: 0xa0000, type: 1})
    const ram = map.filter((e) => e.type === 1).reduce((sum, e) => sum + e.length, 0)
    expect(ram).toBe(layout.ranges.filter((r) => r.type === 'ram').reduce((sum, r) => sum + r.length, 0))
    expect(dv.getUint32(0x218, true)).toBe(0) // no initrd
  })

  it('puts the initrd page-aligned at the top of RAM below initrd_addr_max, clear of the kernel', () => {
    const initrd = new Uint8Array(3 * MIB + 123).fill(0x5a)
    const {partition, result} = boot(bzImage(), {initrd})
    expect(result.initrd!.base % 4096).toBe(0)
    expect(result.initrd!.base + initrd.length).toBeLessThanOrEqual(64 * MIB)
    expect(result.initrd!.base).toBeGreaterThan(64 * MIB - 4 * MIB)
    expect(partition.memory.readU32(ZERO_PAGE_ADDRESS + 0x218)).toBe(result.initrd!.base)
    expect(partition.memory.readU32(ZERO_PAGE_ADDRESS + 0x21c)).toBe(initrd.length)
    expect(partition.memory.read(result.initrd!.base, 16)!.every((b) => b === 0x5a)).toBe(true)

    const low = boot(bzImage({initrdAddrMax: 48 * MIB - 1}), {initrd})
    expect(low.result.initrd!.base + initrd.length).toBeLessThanOrEqual(48 * MIB)
  })

  it('refuses what it cannot boot, naming why, and writes nothing', () => {
    refuses(bzImage({bootFlag: 0x1234}), /not a Linux bzImage/)
    refuses(bzImage({protocol: 0x0206}), /boot protocol 2\.06 is too old; hv needs 2\.10/)
    refuses(bzImage({loadflags: 0}), /zImage/)
    refuses(bzImage({cmdlineSize: 8}), /command line is 13 bytes; this kernel takes at most 8/, {commandLine: 'console=ttyS0'})
    refuses(bzImage(), /NUL/, {commandLine: 'a\0b'})
    refuses(bzImage(), /needs RAM up to 21 MiB to decompress itself; the VM has 16 MiB/, {}, newVm(16 * MIB))
    refuses(bzImage({initrdAddrMax: 22 * MIB}), /initrd 'big.img' \(8 MiB\) does not fit/, {initrd: new Uint8Array(8 * MIB), initrdName: 'big.img'})
    const vm = newVm()
    refuses(bzImage({initrdAddrMax: 22 * MIB}), /does not fit/, {initrd: new Uint8Array(8 * MIB)}, vm)
    expect(vm.partition.memory.read(0x100000, 16)!.every((b) => b === 0)).toBe(true)
  })
})

import {execFileSync} from 'node:child_process'
import {existsSync, mkdtempSync, readFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

import {describe, expect, it} from 'vitest'

import {Reg, Seg} from '../../../src/core/cpu/index.js'
import {InvalidArgumentError} from '../../../src/core/errors.js'
import {Hypervisor, type Partition, type VirtualProcessor} from '../../../src/core/hypervisor/index.js'
import {applyMemoryLayout, type MemoryLayout} from '../../../src/core/worker/boot/memory-layout.js'
import {
  loadMultiboot, MAX_COMMAND_LINE_BYTES, MBI_ADDRESS, type MultibootLoadOptions, type MultibootLoadResult,
  parseMultibootImage,
} from '../../../src/core/worker/boot/multiboot.js'
import {aoutImage, elfImage, STATUS7_CODE} from './images.js'
import {hasTool, MIB, runGuest} from './harness.js'

const HERE = dirname(fileURLToPath(import.meta.url))
const KERNELS = join(HERE, 'kernels')
const EXIT42 = join(HERE, '../../../guests/images/exit42.bin')

interface Vm {
  partition: Partition
  vp: VirtualProcessor
  layout: MemoryLayout
}

function newVm(memoryBytes = 32 * MIB): Vm {
  const hypervisor = new Hypervisor()
  const partition = hypervisor.createPartition({name: 'boot-test', memoryBytes})
  const layout = applyMemoryLayout(partition.memory)
  const vp = partition.createVp()
  return {partition, vp, layout}
}

function boot(image: Uint8Array, options: MultibootLoadOptions = {}, vm = newVm()): Vm & {result: MultibootLoadResult} {
  const result = loadMultiboot(vm.partition.memory, vm.layout, vm.vp.cpu, image, options)
  return {...vm, result}
}

function cString(vm: Vm, gpa: number): string {
  const bytes = vm.partition.memory.view(gpa, 0x2000)!
  return new TextDecoder().decode(bytes.subarray(0, bytes.indexOf(0)))
}

function u32(vm: Vm, gpa: number): number {
  return vm.partition.memory.readU32(gpa)!
}

/** Expect loading `image` to fail with an InvalidArgumentError whose message matches. */
function refuses(image: Uint8Array, message: RegExp, vm = newVm(), options: MultibootLoadOptions = {}): void {
  let error: unknown
  try {
    loadMultiboot(vm.partition.memory, vm.layout, vm.vp.cpu, image, {fileName: 'kernel.bin', ...options})
  } catch (e) {
    error = e
  }
  expect(error).toBeInstanceOf(InvalidArgumentError)
  expect((error as Error).message).toMatch(/^kernel\.bin: /)
  expect((error as Error).message).toMatch(message)
}

describe('multiboot kernels with the a.out kludge', () => {
  it('loads and runs the aout test kernel: magic, zeroed bss, command line on COM1', () => {
    const vm = newVm()
    vm.partition.memory.view(0x100000, 0x10000)!.fill(0xaa) // the bss must really be cleared
    const image = readFileSync(join(KERNELS, 'aout.bin'))
    const {result, vp} = boot(image, {fileName: 'aout.bin'}, vm)
    expect(result.format).toBe('aout-kludge')
    expect(result.entry).toBe(0x100020)
    expect(result.ranges).toEqual([{base: 0x100000, length: image.length + 0x2000, fileBytes: image.length}])
    expect(result.mbiAddress).toBe(MBI_ADDRESS)
    const log = runGuest(vp)
    expect(log).toMatchObject({com1: 'aout kernel: aout.bin\r\n', status: 0, halted: true})
  })

  it('passes the command line it is given', () => {
    const {vp} = boot(readFileSync(join(KERNELS, 'aout.bin')), {fileName: 'aout.bin', commandLine: 'root=/dev/hda quiet'})
    expect(runGuest(vp)).toMatchObject({com1: 'aout kernel: root=/dev/hda quiet\r\n', status: 0, halted: true})
  })

  it('reports a failed check from the guest when bss was not cleared (the kernel can fail)', () => {
    // Load, then spoil the bss behind the loader's back: the kernel must notice and say 2.
    const vm = boot(readFileSync(join(KERNELS, 'aout.bin')))
    const bss = vm.result.ranges[0].base + vm.result.ranges[0].fileBytes
    vm.partition.memory.write(bss + 16, new Uint8Array([1]))
    expect(runGuest(vm.vp)).toMatchObject({status: 2, halted: true})
  })

  it('puts the processor in the multiboot machine state', () => {
    const {vp, result} = boot(aoutImage())
    const cpu = vp.cpu
    expect(cpu.eip).toBe(result.entry)
    expect(cpu.getReg(Reg.EAX)).toBe(0x2badb002)
    expect(cpu.getReg(Reg.EBX)).toBe(MBI_ADDRESS)
    expect(cpu.getCr(0) & 0x80000001).toBe(1) // PE on, PG off
    expect(cpu.getSegment(Seg.CS)).toMatchObject({base: 0, limit: 0xffffffff})
    expect(cpu.getSegment(Seg.DS)).toMatchObject({base: 0, limit: 0xffffffff})
    expect(cpu.getEflags() & 0x200).toBe(0) // IF clear
    expect(runGuest(vp)).toMatchObject({status: 7, halted: true})
  })

  it('loads the whole file when load_end_addr is 0 and clears nothing when bss_end_addr is 0', () => {
    const vm = newVm()
    vm.partition.memory.view(0x100000, 0x2000)!.fill(0xaa)
    const image = aoutImage({size: 0x300})
    image[0x2ff] = 0x5a
    const {result, partition} = boot(image, {}, vm)
    expect(result.ranges).toEqual([{base: 0x100000, length: 0x300, fileBytes: 0x300}])
    expect(partition.memory.read(0x100000, 0x300)).toEqual(image)
    expect(partition.memory.view(0x100300, 1)![0]).toBe(0xaa)
  })

  it('honours load_end_addr, bss_end_addr and a header that is not at the start of the file', () => {
    const vm = newVm()
    vm.partition.memory.view(0x200000, 0x2000)!.fill(0xaa)
    // File: 0x40 bytes of junk, then the header at 0x40; load from file offset 0x20 to GPA 0x200000.
    const image = aoutImage({size: 0x400, headerOffset: 0x40, loadAddr: 0x200000, headerAddr: 0x200020,
      loadEndAddr: 0x200100, bssEndAddr: 0x200800, codeOffset: 0x80, entryAddr: 0x200060})
    const {result, partition, vp} = boot(image, {}, vm)
    expect(result.ranges).toEqual([{base: 0x200000, length: 0x800, fileBytes: 0x100}])
    expect(partition.memory.read(0x200000, 0x100)).toEqual(image.subarray(0x20, 0x120))
    expect(partition.memory.read(0x200100, 0x700)!.every((b) => b === 0)).toBe(true)
    expect(partition.memory.view(0x200800, 1)![0]).toBe(0xaa)
    expect(vp.cpu.eip).toBe(0x200060)
    expect(runGuest(vp)).toMatchObject({status: 7, halted: true})
  })

  it('ignores optional flag bits (16-31 other than 16) and accepts bit 0 with no modules', () => {
    const {result} = boot(aoutImage({flags: 0x10003 | (1 << 20) | (1 << 31)}))
    expect(result.entry).toBe(0x100020)
  })

  it.skipIf(!existsSync(EXIT42))('boots the exit42 example and sees its exit status', () => {
    const {vp} = boot(readFileSync(EXIT42), {fileName: 'exit42.bin'})
    expect(runGuest(vp).status).toBe(42)
  })
})

describe('ELF32 multiboot kernels', () => {
  it('loads and runs the C kernel, which reads the MBI back and checks it', () => {
    const vm = newVm()
    vm.partition.memory.view(0x100000, 0x10000)!.fill(0xaa)
    const {result, vp} = boot(readFileSync(join(KERNELS, 'elf.elf')), {fileName: 'elf.elf', commandLine: 'elf.elf console=ttyS0'}, vm)
    expect(result.format).toBe('elf32')
    const log = runGuest(vp)
    expect(log.stoppedBy).toBeUndefined()
    expect(log.com1).toBe([
      'elf kernel: elf.elf console=ttyS0',
      'loader: hv',
      'mem_lower=640 mem_upper=31744',
      'mmap 0x00000000 0x000a0000 type 1',
      'mmap 0x000a0000 0x00020000 type 2',
      'mmap 0x000c0000 0x00040000 type 2',
      'mmap 0x00100000 0x01f00000 type 1',
      'mmap 0xf8000000 0x08000000 type 2',
      '',
    ].join('\r\n'))
    expect(log).toMatchObject({status: 0, halted: true})
  })

  it('uses p_paddr, zeroes the bss part, and turns a virtual entry point into a physical one', () => {
    const vm = newVm()
    vm.partition.memory.view(0x300000, 0x3000)!.fill(0xaa)
    const code = [0x90, 0x90, ...STATUS7_CODE]
    const image = elfImage({
      segments: [
        {paddr: 0x300000, vaddr: 0xc0300000, data: code, memsz: 0x1000},
        {paddr: 0x302000, vaddr: 0xc0302000, data: [1, 2, 3, 4], memsz: 8},
        {type: 4, paddr: 0, data: [9, 9]}, // PT_NOTE: not loaded
      ],
      entry: 0xc0300002,
    })
    const {result, partition, vp} = boot(image, {}, vm)
    expect(result.entry).toBe(0x300002)
    expect(result.ranges).toEqual([
      {base: 0x300000, length: 0x1000, fileBytes: code.length},
      {base: 0x302000, length: 8, fileBytes: 4},
    ])
    expect([...partition.memory.read(0x300000, code.length)!]).toEqual(code)
    expect(partition.memory.read(0x300000 + code.length, 0x1000 - code.length)!.every((b) => b === 0)).toBe(true)
    expect([...partition.memory.read(0x302000, 9)!]).toEqual([1, 2, 3, 4, 0, 0, 0, 0, 0xaa])
    expect(partition.memory.view(0x301000, 1)![0]).toBe(0xaa)
    expect(runGuest(vp)).toMatchObject({status: 7, halted: true})
  })
})

describe('the multiboot information structure', () => {
  it('holds memory sizes, the memory map, the command line and the boot loader name', () => {
    const vm = boot(aoutImage(), {fileName: 'k.bin', commandLine: 'a b  c=1'}, newVm(512 * MIB))
    const flags = u32(vm, MBI_ADDRESS)
    expect(flags).toBe((1 << 0) | (1 << 2) | (1 << 6) | (1 << 9))
    expect(u32(vm, MBI_ADDRESS + 4)).toBe(640)
    expect(u32(vm, MBI_ADDRESS + 8)).toBe(511 * 1024)
    expect(cString(vm, u32(vm, MBI_ADDRESS + 16))).toBe('a b  c=1')
    expect(cString(vm, u32(vm, MBI_ADDRESS + 64))).toBe('hv')
    expect(u32(vm, MBI_ADDRESS + 20)).toBe(0) // mods_count

    const length = u32(vm, MBI_ADDRESS + 44)
    const addr = u32(vm, MBI_ADDRESS + 48)
    const entries: {size: number; base: number; length: number; type: number}[] = []
    for (let p = addr; p < addr + length; p += u32(vm, p) + 4) {
      entries.push({
        size: u32(vm, p),
        base: u32(vm, p + 4) + u32(vm, p + 8) * 2 ** 32,
        length: u32(vm, p + 12) + u32(vm, p + 16) * 2 ** 32,
        type: u32(vm, p + 20),
      })
    }
    expect(entries).toEqual([
      {size: 20, base: 0, length: 0xa0000, type: 1},
      {size: 20, base: 0xa0000, length: 0x20000, type: 2},
      {size: 20, base: 0xc0000, length: 0x40000, type: 2},
      {size: 20, base: 0x100000, length: 511 * MIB, type: 1},
      {size: 20, base: 0xf8000000, length: 0x08000000, type: 2},
    ])
    expect(vm.result.memoryMap.map((e) => e.type)).toEqual([1, 2, 2, 1, 2])
    // Everything the MBI points at lies in low conventional memory.
    for (const pointer of [addr + length, u32(vm, MBI_ADDRESS + 16), u32(vm, MBI_ADDRESS + 64)]) {
      expect(pointer).toBeLessThan(0xa0000)
    }
  })

  it('defaults the command line to the file name, else to empty', () => {
    expect(cString(boot(aoutImage(), {fileName: 'kernel.elf'}), 0x9220)).toBe('kernel.elf')
    const vm = boot(aoutImage())
    expect(vm.result.commandLine).toBe('')
    expect(cString(vm, u32(vm, MBI_ADDRESS + 16))).toBe('')
  })

  it('takes the longest command line that fits and refuses a longer one', () => {
    const longest = 'x'.repeat(MAX_COMMAND_LINE_BYTES)
    const vm = boot(aoutImage(), {commandLine: longest})
    expect(cString(vm, u32(vm, MBI_ADDRESS + 16))).toBe(longest)
    refuses(aoutImage(), /command line is \d+ bytes; at most/, newVm(), {commandLine: `${longest}y`})
    refuses(aoutImage(), /NUL/, newVm(), {commandLine: 'a\0b'})
  })
})

describe('malformed multiboot images are refused with a clear error', () => {
  it('no header, or a header the spec does not allow', () => {
    refuses(new Uint8Array(4), /too short/)
    refuses(new Uint8Array(4096), /no multiboot header/)
    const misaligned = new Uint8Array(0x200)
    misaligned.set(aoutImage({size: 0x100}), 2)
    refuses(misaligned, /no multiboot header/)
    const tooFar = new Uint8Array(8192 + 0x100)
    tooFar.set(aoutImage({size: 0x100}), 8192)
    refuses(tooFar, /no multiboot header .* first 8192 bytes/)
    // Just inside the first 8192 bytes is fine.
    const justInside = aoutImage({size: 8192 + 0x40, headerOffset: 8192 - 32})
    expect(parseMultibootImage(justInside).header.offset).toBe(8192 - 32)
    const straddling = aoutImage({size: 8192 + 0x40, headerOffset: 8192 - 16})
    refuses(straddling, /header at offset 8176 is 32 bytes long and so extends past the first 8192 bytes/)
  })

  it('a bad checksum', () => {
    refuses(aoutImage({checksum: 0x12345678}), /offset 0 has a bad checksum/)
  })

  it('Multiboot 2', () => {
    const image = new Uint8Array(0x100)
    const dv = new DataView(image.buffer)
    dv.setUint32(8, 0xe85250d6, true)
    dv.setUint32(12, 0, true)
    dv.setUint32(16, 24, true)
    dv.setUint32(20, -(0xe85250d6 + 24) >>> 0, true)
    refuses(image, /Multiboot 2 is not supported/)
  })

  it('required flag bits the loader does not support', () => {
    refuses(aoutImage({flags: 0x10006}), /video mode information \(flag bit 2\)/)
    refuses(aoutImage({flags: 0x10022}), /unsupported feature flag bit 5$/)
    refuses(aoutImage({flags: 0x18012}), /unsupported feature flag bits 4, 15/)
  })

  it('inconsistent a.out address fields', () => {
    refuses(aoutImage({loadEndAddr: 0x0f0000}), /load_end_addr 0x000F0000 is below load_addr 0x00100000/)
    refuses(aoutImage({loadAddr: 0x100100, headerAddr: 0x100000}), /load_addr 0x00100100 is above header_addr/)
    refuses(aoutImage({headerOffset: 0x10, headerAddr: 0x100100, loadAddr: 0x100000}), /reaches before the start of the file/)
    refuses(aoutImage({loadEndAddr: 0x100400}), /truncated: load_addr\.\.load_end_addr needs 1024 bytes/)
    refuses(aoutImage({loadEndAddr: 0x100100, bssEndAddr: 0x1000ff}), /bss_end_addr 0x001000FF is below/)
    refuses(aoutImage({loadEndAddr: 0x100008}), /cuts off the multiboot header/)
    refuses(aoutImage({entryAddr: 0x100200}), /entry_addr 0x00100200 is outside the loaded image/)
    refuses(aoutImage({entryAddr: 0x0fffff}), /entry_addr 0x000FFFFF is outside/)
    const cut = aoutImage().slice(0, 24)
    refuses(cut, /truncated inside the multiboot header's address fields/)
  })

  it('addresses outside usable RAM or on the MBI area', () => {
    refuses(aoutImage({loadAddr: 0x2000000}), /range 0x02000000-0x020001FF is outside the VM's usable RAM \(32 MiB\)/)
    refuses(aoutImage({loadAddr: 0x1ffff00}), /outside the VM's usable RAM/)
    refuses(aoutImage({loadAddr: 0xa0000}), /outside the VM's usable RAM/)
    refuses(aoutImage({loadAddr: 0xf0000}), /outside the VM's usable RAM/)
    refuses(aoutImage({loadAddr: 0x9f000, size: 0x2000}), /outside the VM's usable RAM/)
    refuses(aoutImage({loadAddr: 0xfffff000, size: 0x100}), /outside the VM's usable RAM/)
    refuses(aoutImage({loadAddr: 0x8000, size: 0x1001}), /overlaps the multiboot information area 0x00009000-0x0000AFFF/)
    refuses(aoutImage({loadAddr: 0xa000}), /overlaps the multiboot information area/)
    refuses(aoutImage({loadAddr: 0x100000, bssEndAddr: 0x2000001, loadEndAddr: 0x100200}), /outside the VM's usable RAM/)
    // Low memory outside the MBI area is fine.
    expect(boot(aoutImage({loadAddr: 0xb000})).result.entry).toBe(0xb020)
    expect(boot(aoutImage({loadAddr: 0x8000, size: 0x1000})).result.entry).toBe(0x8020)
  })

  it('an ELF that is not a 32-bit x86 executable', () => {
    refuses(elfImage({noMagic: true}), /must be an ELF32 x86 executable, but it has no ELF magic/)
    refuses(elfImage({elfClass: 2}), /it is a 64-bit ELF/)
    refuses(elfImage({dataEncoding: 2}), /not little-endian/)
    refuses(elfImage({elfVersion: 0}), /ELF version is 0/)
    refuses(elfImage({type: 1}), /ELF type is 1 \(relocatable object\)/)
    refuses(elfImage({type: 3}), /shared object/)
    refuses(elfImage({machine: 62}), /ELF machine is 62, not EM_386/)
  })

  it('a truncated or inconsistent ELF', () => {
    refuses(elfImage({truncateTo: 40, segments: []}).slice(0, 40), /no multiboot header|truncated/)
    const full = elfImage()
    const cutHeader = new Uint8Array(48)
    cutHeader.set(full.subarray(0, 36))
    const dv = new DataView(cutHeader.buffer)
    dv.setUint32(36, 0x1badb002, true)
    dv.setUint32(40, 3, true)
    dv.setUint32(44, -(0x1badb002 + 3) >>> 0, true)
    refuses(cutHeader, /ELF image is truncated: 48 bytes, the ELF header alone is 52/)
    refuses(elfImage({segments: [{paddr: 0x100000, data: STATUS7_CODE, offset: 0x10000}]}), /truncated: segment 0 needs bytes/)
    refuses(elfImage({segments: [{paddr: 0x100000, data: STATUS7_CODE, memsz: 2}]}), /p_filesz 6 larger than p_memsz 2/)
    refuses(elfImage({segments: []}), /no program headers/)
    refuses(elfImage({segments: [{type: 4, paddr: 0x100000, data: [1]}]}), /no loadable \(PT_LOAD\) segment/)
    refuses(elfImage({phentsize: 16}), /program header size 16 is smaller than 32/)
    refuses(elfImage({entry: 0x200000}), /entry point 0x00200000 is not inside any loadable segment/)
    refuses(elfImage({segments: [
      {paddr: 0x100000, data: STATUS7_CODE, memsz: 0x1000},
      {paddr: 0x100800, data: [1]},
    ]}), /segment 1 at 0x00100800 overlaps another/)
    refuses(elfImage({segments: [{paddr: 0x3000000, data: STATUS7_CODE}]}), /outside the VM's usable RAM/)
    // Program headers beyond the end of the file.
    const image = elfImage()
    new DataView(image.buffer).setUint32(28, image.length - 16, true)
    refuses(image, /program headers end at/)
  })

  it('leaves guest memory and the processor untouched when it refuses', () => {
    const vm = newVm()
    vm.partition.memory.view(0x100000, 0x1000)!.fill(0xaa)
    const before = vm.vp.cpu.saveState()
    refuses(elfImage({segments: [
      {paddr: 0x100000, data: STATUS7_CODE},
      {paddr: 0x5000000, data: [1, 2, 3]},
    ]}), /outside/, vm)
    expect(vm.partition.memory.read(0x100000, 0x1000)!.every((b) => b === 0xaa)).toBe(true)
    expect(vm.partition.memory.read(MBI_ADDRESS, 0x100)!.every((b) => b === 0)).toBe(true)
    expect(vm.vp.cpu.saveState()).toEqual(before)
  })
})

/** nasm, and a gcc that can build 32-bit code, and GNU ld: what kernels/build.sh needs. */
const canBuildKernels = (() => {
  if (!hasTool('nasm', ['-v']) || !hasTool('ld', ['--version'])) return false
  try {
    const out = join(mkdtempSync(join(tmpdir(), 'hv-gcc-')), 'probe.o')
    execFileSync('gcc', ['-m32', '-ffreestanding', '-c', '-x', 'c', '-o', out, '-'], {input: 'int probe;', stdio: ['pipe', 'ignore', 'ignore']})
    return true
  } catch {
    return false
  }
})()

describe('the committed test kernels', () => {
  it.skipIf(!canBuildKernels)('are what build.sh makes of their sources, and a rebuilt ELF kernel runs the same (needs nasm, gcc -m32, ld)', () => {
    const out = mkdtempSync(join(tmpdir(), 'hv-kernels-'))
    execFileSync('sh', [join(KERNELS, 'build.sh'), out], {stdio: 'ignore'})
    expect(Buffer.compare(readFileSync(join(out, 'aout.bin')), readFileSync(join(KERNELS, 'aout.bin')))).toBe(0)
    // Compilers differ in their exact output; the behaviour must not.
    const run = (file: string) => runGuest(boot(readFileSync(file), {fileName: 'elf.elf'}).vp)
    const fresh = run(join(out, 'elf.elf'))
    expect(fresh).toMatchObject({status: 0, halted: true})
    expect(fresh.com1).toBe(run(join(KERNELS, 'elf.elf')).com1)
  })

  it.skipIf(!hasTool('nasm', ['-v']))('aout.bin is what aout.asm assembles to (needs nasm)', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'hv-boot-')), 'aout.bin')
    execFileSync('nasm', ['-f', 'bin', '-o', out, join(KERNELS, 'aout.asm')])
    expect(Buffer.compare(readFileSync(out), readFileSync(join(KERNELS, 'aout.bin')))).toBe(0)
  })
})

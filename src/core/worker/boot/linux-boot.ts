/**
 * The Linux x86 boot protocol, 32-bit entry (Documentation/arch/x86/boot.rst):
 * what `--boot-kernel` does for a bzImage, as QEMU's `-kernel` with `-initrd`
 * and `-append` does, with no BIOS involved.
 *
 * A bzImage is a real-mode setup (setup_sects sectors of 512 bytes after the
 * boot sector) followed by the protected-mode kernel, which decompresses
 * itself. The setup header at 0x1F1 ("HdrS" at 0x202) says what the kernel
 * supports. The loader
 *   - writes the protected-mode kernel at 1 MiB (code32_start);
 *   - builds the "zero page" (struct boot_params): zeros, the setup header
 *     copied in, the loader's fields (type_of_loader, cmd_line_ptr, the
 *     initrd's place and size) and the E820 memory map;
 *   - puts the initrd as high as the kernel allows (initrd_addr_max), below
 *     the top of RAM and clear of where the kernel decompresses itself;
 *   - enters at code32_start in flat protected mode, paging off, interrupts
 *     off, with a GDT holding __BOOT_CS (0x10) and __BOOT_DS (0x18), and ESI
 *     pointing at the zero page.
 */
import {InvalidArgumentError} from '../../errors.js'
import type {GuestPhysicalAddressSpace} from '../../hypervisor/guest-memory.js'
import {isUsableRam, type MemoryLayout} from './memory-layout.js'

/** Offsets in the boot sector / zero page (struct boot_params, struct setup_header). */
const HDR = {
  ACPI_RSDP_ADDR: 0x070,
  E820_ENTRIES: 0x1e8,
  SETUP_SECTS: 0x1f1,
  BOOT_FLAG: 0x1fe,
  JUMP: 0x200,
  HEADER: 0x202,
  VERSION: 0x206,
  TYPE_OF_LOADER: 0x210,
  LOADFLAGS: 0x211,
  CODE32_START: 0x214,
  RAMDISK_IMAGE: 0x218,
  RAMDISK_SIZE: 0x21c,
  HEAP_END_PTR: 0x224,
  CMD_LINE_PTR: 0x228,
  INITRD_ADDR_MAX: 0x22c,
  KERNEL_ALIGNMENT: 0x230,
  RELOCATABLE_KERNEL: 0x234,
  CMDLINE_SIZE: 0x238,
  PREF_ADDRESS: 0x258,
  INIT_SIZE: 0x260,
  E820_TABLE: 0x2d0,
} as const

const HDRS_MAGIC = 0x53726448 // "HdrS"
const LOADED_HIGH = 0x01
const CAN_USE_HEAP = 0x80
/** The oldest protocol with everything used here (cmdline_size, init_size, pref_address): 2.10. */
const MIN_PROTOCOL = 0x020a
const E820_MAX_ENTRIES = 128
const E820_RAM = 1
const E820_RESERVED = 2

/** Where the loader puts its own pieces, all in conventional memory below the kernel. */
export const ZERO_PAGE_ADDRESS = 0x10000
const COMMAND_LINE_ADDRESS = 0x11000
const GDT_ADDRESS = 0x12000
const KERNEL_ADDRESS = 0x100000

const BOOT_CS = 0x10
const BOOT_DS = 0x18

export interface LinuxImage {
  protocol: number
  setupBytes: number
  /** The protected-mode kernel (after the setup). */
  kernel: Uint8Array
  /** Memory the kernel needs from its load address while it decompresses. */
  initSize: number
  prefAddress: number
  initrdAddrMax: number
  cmdlineSize: number
  /** The setup header bytes to copy into the zero page (0x1F1 to its end). */
  header: Uint8Array
}

/** Does the file look like a Linux bzImage (boot flag 0xAA55 and "HdrS")? */
export function isLinuxImage(image: Uint8Array): boolean {
  if (image.length < 0x300) return false
  const dv = new DataView(image.buffer, image.byteOffset, image.byteLength)
  return dv.getUint16(HDR.BOOT_FLAG, true) === 0xaa55 && dv.getUint32(HDR.HEADER, true) === HDRS_MAGIC
}

/** Refuse the image the way the Multiboot loader does: `file: problem`. */
function fail(fileName: string | undefined, problem: string): never {
  throw new InvalidArgumentError(`${fileName ? `${fileName}: ` : ''}${problem}`)
}

/** Read and check the setup header. */
export function parseLinuxImage(image: Uint8Array, fileName?: string): LinuxImage {
  if (!isLinuxImage(image)) fail(fileName, 'not a Linux bzImage (no boot flag 0xAA55 and "HdrS" setup header at 0x202)')
  const dv = new DataView(image.buffer, image.byteOffset, image.byteLength)
  const protocol = dv.getUint16(HDR.VERSION, true)
  if (protocol < MIN_PROTOCOL) {
    fail(fileName, `Linux boot protocol ${protocol >> 8}.${(protocol & 0xff).toString().padStart(2, '0')} is too old; hv needs 2.10 or later`)
  }
  if ((image[HDR.LOADFLAGS]! & LOADED_HIGH) === 0) fail(fileName, 'a zImage (loaded low); only bzImage kernels boot')
  const setupSects = image[HDR.SETUP_SECTS]! === 0 ? 4 : image[HDR.SETUP_SECTS]!
  const setupBytes = (setupSects + 1) * 512
  if (setupBytes >= image.length) fail(fileName, `its setup (${setupSects} sectors) leaves no protected-mode kernel in the file`)
  const headerEnd = HDR.HEADER + image[HDR.JUMP + 1]!
  return {
    protocol,
    setupBytes,
    kernel: image.subarray(setupBytes),
    initSize: dv.getUint32(HDR.INIT_SIZE, true),
    prefAddress: Number(dv.getBigUint64(HDR.PREF_ADDRESS, true)),
    initrdAddrMax: dv.getUint32(HDR.INITRD_ADDR_MAX, true),
    cmdlineSize: dv.getUint32(HDR.CMDLINE_SIZE, true),
    header: image.slice(HDR.SETUP_SECTS, headerEnd),
  }
}

/** The E820 map a layout gives Linux: RAM as usable, everything else reserved (MMIO holes left out). */
export function e820Map(layout: MemoryLayout): {base: number; length: number; type: number}[] {
  return layout.ranges
    .filter((r) => r.type !== 'mmio')
    .map((r) => ({base: r.base, length: r.length, type: r.type === 'ram' ? E820_RAM : E820_RESERVED}))
}

/** What the processor needs to offer for the 32-bit entry. */
export interface LinuxBootProcessor {
  reset(): void
  setCr(n: 0, value: number): void
  setSegment(s: number, value: {selector: number; base: number; limit: number; access: number}): void
  setReg(r: number, value: number): void
  setEflags(value: number): void
  gdtr: {base: number; limit: number}
  eip: number
  invalidateCode(gpa: number, length: number): void
}

export interface LinuxLoadOptions {
  fileName?: string
  commandLine?: string
  initrd?: Uint8Array
  initrdName?: string
  /** Where the loader put the ACPI RSDP (boot_params.acpi_rsdp_addr, protocol 2.14+), so that Linux need not scan. */
  acpiRsdpAddress?: number
}

export interface LinuxLoadResult {
  protocol: number
  kernel: {base: number; length: number}
  initrd: {base: number; length: number} | null
  commandLine: string
  e820: {base: number; length: number; type: number}[]
}

const FLAT_CODE = 0xc09b // present, DPL 0, execute/read, accessed, G, D
const FLAT_DATA = 0xc093

/** Load a bzImage (and initrd) into a VM laid out as `layout` and put the processor at its 32-bit entry. */
export function loadLinux(
  memory: GuestPhysicalAddressSpace,
  layout: MemoryLayout,
  cpu: LinuxBootProcessor,
  image: Uint8Array,
  options: LinuxLoadOptions = {},
): LinuxLoadResult {
  const {fileName} = options
  const linux = parseLinuxImage(image, fileName)
  const commandLine = options.commandLine ?? ''
  const cmdline = new TextEncoder().encode(commandLine)
  if (cmdline.includes(0)) fail(fileName, 'the kernel command line contains a NUL character')
  if (cmdline.length > linux.cmdlineSize) fail(fileName, `the kernel command line is ${cmdline.length} bytes; this kernel takes at most ${linux.cmdlineSize}`)
  const e820 = e820Map(layout)
  if (e820.length > E820_MAX_ENTRIES) throw new Error(`memory layout has ${e820.length} ranges; the zero page holds ${E820_MAX_ENTRIES}`)

  // The kernel decompresses in place from 1 MiB up to init_size beyond its preferred address.
  const kernelEnd = Math.max(KERNEL_ADDRESS + linux.kernel.length, linux.prefAddress + linux.initSize)
  if (!isUsableRam(layout, KERNEL_ADDRESS, kernelEnd - KERNEL_ADDRESS)) {
    fail(fileName, `the kernel needs RAM up to ${mib(kernelEnd)} MiB to decompress itself; the VM has ${mib(layout.ramBytes)} MiB`)
  }
  let initrd: LinuxLoadResult['initrd'] = null
  if (options.initrd) {
    const size = options.initrd.length
    const top = Math.min(topOfLowRam(layout), linux.initrdAddrMax + 1)
    const base = Math.floor((top - size) / 4096) * 4096
    if (base < kernelEnd || !isUsableRam(layout, base, size)) {
      fail(fileName, `the initrd '${options.initrdName ?? ''}' (${mib(size)} MiB) does not fit between the kernel (up to ${mib(kernelEnd)} MiB) and the top of RAM (${mib(top)} MiB)`)
    }
    initrd = {base, length: size}
  }

  // Every check passed: write.
  writeGuestBytes(memory, cpu, KERNEL_ADDRESS, linux.kernel)
  if (initrd && options.initrd) writeGuestBytes(memory, cpu, initrd.base, options.initrd)
  const zeroPage = new Uint8Array(4096)
  zeroPage.set(linux.header, HDR.SETUP_SECTS)
  const dv = new DataView(zeroPage.buffer)
  zeroPage[HDR.TYPE_OF_LOADER] = 0xff // an unregistered loader
  zeroPage[HDR.LOADFLAGS] = (zeroPage[HDR.LOADFLAGS]! | CAN_USE_HEAP) & 0xff
  dv.setUint16(HDR.HEAP_END_PTR, 0xfe00, true)
  dv.setUint32(HDR.CMD_LINE_PTR, COMMAND_LINE_ADDRESS, true)
  dv.setUint32(HDR.CODE32_START, KERNEL_ADDRESS, true)
  if (initrd) {
    dv.setUint32(HDR.RAMDISK_IMAGE, initrd.base, true)
    dv.setUint32(HDR.RAMDISK_SIZE, initrd.length, true)
  }
  if (options.acpiRsdpAddress !== undefined && linux.protocol >= 0x020e) dv.setBigUint64(HDR.ACPI_RSDP_ADDR, BigInt(options.acpiRsdpAddress), true)
  zeroPage[HDR.E820_ENTRIES] = e820.length
  e820.forEach((e, n) => {
    const at = HDR.E820_TABLE + n * 20
    dv.setBigUint64(at, BigInt(e.base), true)
    dv.setBigUint64(at + 8, BigInt(e.length), true)
    dv.setUint32(at + 16, e.type, true)
  })
  writeGuestBytes(memory, cpu, ZERO_PAGE_ADDRESS, zeroPage)
  const cmdlineBytes = new Uint8Array(cmdline.length + 1)
  cmdlineBytes.set(cmdline)
  writeGuestBytes(memory, cpu, COMMAND_LINE_ADDRESS, cmdlineBytes)
  // GDT: null, null, __BOOT_CS flat code, __BOOT_DS flat data.
  const gdt = new Uint8Array(32)
  const gdv = new DataView(gdt.buffer)
  gdv.setBigUint64(0x10, 0x00cf9a000000ffffn, true)
  gdv.setBigUint64(0x18, 0x00cf92000000ffffn, true)
  writeGuestBytes(memory, cpu, GDT_ADDRESS, gdt)

  cpu.reset()
  cpu.setCr(0, 0x11) // PE, ET
  cpu.setSegment(1, {selector: BOOT_CS, base: 0, limit: 0xffffffff, access: FLAT_CODE})
  for (const s of [0, 2, 3, 4, 5]) cpu.setSegment(s, {selector: BOOT_DS, base: 0, limit: 0xffffffff, access: FLAT_DATA})
  cpu.gdtr = {base: GDT_ADDRESS, limit: gdt.length - 1}
  cpu.setEflags(0x2)
  for (let r = 0; r < 8; r++) cpu.setReg(r, 0)
  cpu.setReg(6, ZERO_PAGE_ADDRESS) // ESI
  cpu.eip = KERNEL_ADDRESS
  return {protocol: linux.protocol, kernel: {base: KERNEL_ADDRESS, length: linux.kernel.length}, initrd, commandLine, e820}
}

/** Copy `bytes` into guest RAM at `gpa` (which the layout says is RAM) and drop any code decoded from there. */
export function writeGuestBytes(memory: GuestPhysicalAddressSpace, cpu: {invalidateCode(gpa: number, length: number): void}, gpa: number, bytes: Uint8Array): void {
  const target = memory.view(gpa, bytes.length)
  if (!target) throw new Error(`guest memory at 0x${gpa.toString(16)} is not mapped as the layout says`)
  target.set(bytes)
  cpu.invalidateCode(gpa, bytes.length)
}

/** The end of the RAM range that starts at 1 MiB. */
function topOfLowRam(layout: MemoryLayout): number {
  const extended = layout.ranges.find((r) => r.type === 'ram' && r.base === KERNEL_ADDRESS)
  return extended ? extended.base + extended.length : KERNEL_ADDRESS
}

function mib(bytes: number): string {
  return (bytes / (1024 * 1024)).toFixed(bytes % (1024 * 1024) === 0 ? 0 : 1)
}

/**
 * A Multiboot 1 loader: what `--boot-kernel` (QEMU's `-kernel`) does for a
 * multiboot kernel.
 *
 * The image carries a header (magic 0x1BADB002, 32-bit aligned, in its first
 * 8192 bytes) whose flags say what the kernel requires. Bits 0-15 are
 * requirements: a loader that cannot meet one must refuse the image. Bit 16 says
 * the header carries the load addresses itself (the "a.out kludge"); without it
 * the image must be an ELF32 executable, loaded by its program headers.
 *
 * The loader writes the image into guest RAM, builds the Multiboot information
 * structure (MBI) in a fixed area of low memory, and puts the processor in the
 * Multiboot machine state: 32-bit protected mode, paging off, flat 4 GiB code and
 * data segments, EAX = 0x2BADB002, EBX = the MBI's address.
 *
 * MBI area (below 640 KiB, never given to the kernel's image):
 *   0x9000  the information structure itself (128 bytes reserved)
 *   0x9080  the memory map (24 bytes an entry)
 *   0x9200  the boot loader name, "hv"
 *   0x9220  the command line, up to the end of the area at 0xB000
 */
import {InvalidArgumentError} from '../../errors.js'
import type {GuestPhysicalAddressSpace} from '../../hypervisor/guest-memory.js'
import {isUsableRam, type MemoryLayout} from './memory-layout.js'

export const MULTIBOOT_HEADER_MAGIC = 0x1badb002
export const MULTIBOOT2_HEADER_MAGIC = 0xe85250d6
/** EAX at the kernel's entry. */
export const MULTIBOOT_BOOTLOADER_MAGIC = 0x2badb002
/** The header must lie in the first 8192 bytes (Multiboot 2: 32768). */
export const MULTIBOOT_SEARCH_BYTES = 8192
export const MULTIBOOT2_SEARCH_BYTES = 32768

/** Header flag bits. */
export const MB_FLAG = {
  PAGE_ALIGN: 1 << 0,
  MEMORY_INFO: 1 << 1,
  VIDEO_MODE: 1 << 2,
  AOUT_KLUDGE: 1 << 16,
} as const

/** MBI flag bits this loader sets. */
export const MBI_FLAG = {
  MEMORY: 1 << 0,
  CMDLINE: 1 << 2,
  MMAP: 1 << 6,
  BOOT_LOADER_NAME: 1 << 9,
} as const

/** MBI field offsets. */
export const MBI = {
  FLAGS: 0,
  MEM_LOWER: 4,
  MEM_UPPER: 8,
  BOOT_DEVICE: 12,
  CMDLINE: 16,
  MODS_COUNT: 20,
  MODS_ADDR: 24,
  MMAP_LENGTH: 44,
  MMAP_ADDR: 48,
  BOOT_LOADER_NAME: 64,
} as const

export const MBI_AREA_BASE = 0x9000
export const MBI_AREA_END = 0xb000
export const MBI_ADDRESS = MBI_AREA_BASE
const MBI_STRUCT_BYTES = 0x80
const MMAP_ADDRESS = MBI_AREA_BASE + MBI_STRUCT_BYTES
const MMAP_MAX_ENTRIES = 16
const LOADER_NAME_ADDRESS = 0x9200
const CMDLINE_ADDRESS = 0x9220
/** Longest command line the MBI area holds (without its terminating NUL). */
export const MAX_COMMAND_LINE_BYTES = MBI_AREA_END - CMDLINE_ADDRESS - 1
export const BOOT_LOADER_NAME = 'hv'

/** Memory map entry types. */
export const MMAP_AVAILABLE = 1
export const MMAP_RESERVED = 2

const ELF_MAGIC = 0x464c457f // "\x7fELF" read little-endian
const ELFCLASS32 = 1
const ELFDATA2LSB = 1
const EV_CURRENT = 1
const ET_EXEC = 2
const EM_386 = 3
const PT_LOAD = 1
const ELF32_EHDR_BYTES = 52
const ELF32_PHDR_BYTES = 32

/** One piece of the kernel image in guest memory: bytes from the file, then zeros (bss). */
export interface LoadSegment {
  gpa: number
  /** Bytes copied from the image. */
  data: Uint8Array
  /** Zero bytes after the data. */
  zeroBytes: number
}

export interface MultibootHeader {
  /** Byte offset of the header in the image. */
  offset: number
  flags: number
  headerAddr?: number
  loadAddr?: number
  loadEndAddr?: number
  bssEndAddr?: number
  entryAddr?: number
}

/** A parsed, self-consistent multiboot kernel, before it meets a VM's memory. */
export interface MultibootImage {
  format: 'aout-kludge' | 'elf32'
  header: MultibootHeader
  entry: number
  segments: LoadSegment[]
}

export interface MultibootLoadOptions {
  /** The kernel command line. Default: `fileName`, else empty. */
  commandLine?: string
  /** Name of the image file, for messages and the default command line. */
  fileName?: string
}

/** What the loader did, for diagnostics. */
export interface MultibootLoadResult {
  format: MultibootImage['format']
  entry: number
  /** Guest-physical ranges written with the image (including zeroed bss). */
  ranges: {base: number; length: number; fileBytes: number}[]
  mbiAddress: number
  commandLine: string
  /** The memory map given to the kernel. */
  memoryMap: {base: number; length: number; type: number}[]
}

/** What the loader needs of a processor: the Multiboot machine state, and dropping stale decoded code. */
export interface MultibootProcessor {
  enterMultibootState(entry: number, eax: number, ebx: number): void
  invalidateCode(gpa: number, length: number): void
}

function fail(fileName: string | undefined, problem: string): never {
  throw new InvalidArgumentError(`${fileName ? `${fileName}: ` : ''}${problem}`)
}

const hex = (n: number): string => `0x${n.toString(16).toUpperCase().padStart(8, '0')}`

/** Read and check a multiboot image without touching any VM. Throws on anything malformed. */
export function parseMultibootImage(image: Uint8Array, fileName?: string): MultibootImage {
  const dv = new DataView(image.buffer, image.byteOffset, image.byteLength)
  const header = findHeader(image, dv, fileName)
  const flags = header.flags

  const required = flags & 0xffff
  const understood = MB_FLAG.PAGE_ALIGN | MB_FLAG.MEMORY_INFO
  if (required & MB_FLAG.VIDEO_MODE) {
    fail(fileName, 'multiboot header requires video mode information (flag bit 2), which hv does not provide')
  }
  const unknown = required & ~understood
  if (unknown) {
    const bits = [...Array(16).keys()].filter((b) => unknown & (1 << b))
    fail(fileName, `multiboot header requires unsupported feature flag bit${bits.length > 1 ? 's' : ''} ${bits.join(', ')}`)
  }

  if (flags & MB_FLAG.AOUT_KLUDGE) return parseAoutKludge(image, header, fileName)
  return parseElf(image, dv, header, fileName)
}

function findHeader(image: Uint8Array, dv: DataView, fileName: string | undefined): MultibootHeader {
  if (image.length < 12) fail(fileName, `image is ${image.length} bytes: too short to hold a multiboot header`)
  const limit = Math.min(image.length, MULTIBOOT_SEARCH_BYTES) - 12
  let badChecksumAt = -1
  for (let offset = 0; offset <= limit; offset += 4) {
    if (dv.getUint32(offset, true) !== MULTIBOOT_HEADER_MAGIC) continue
    const flags = dv.getUint32(offset + 4, true)
    const checksum = dv.getUint32(offset + 8, true)
    if (((MULTIBOOT_HEADER_MAGIC + flags + checksum) >>> 0) !== 0) {
      if (badChecksumAt < 0) badChecksumAt = offset
      continue
    }
    const header: MultibootHeader = {offset, flags}
    // The whole header, address fields and video fields included, lies in the first 8192 bytes.
    const length = flags & MB_FLAG.VIDEO_MODE ? 48 : flags & MB_FLAG.AOUT_KLUDGE ? 32 : 12
    if (offset + length > MULTIBOOT_SEARCH_BYTES) {
      fail(fileName, `multiboot header at offset ${offset} is ${length} bytes long and so extends past the first 8192 bytes`)
    }
    if (flags & MB_FLAG.AOUT_KLUDGE) {
      if (offset + 32 > image.length) fail(fileName, 'image is truncated inside the multiboot header\'s address fields')
      header.headerAddr = dv.getUint32(offset + 12, true)
      header.loadAddr = dv.getUint32(offset + 16, true)
      header.loadEndAddr = dv.getUint32(offset + 20, true)
      header.bssEndAddr = dv.getUint32(offset + 24, true)
      header.entryAddr = dv.getUint32(offset + 28, true)
    }
    return header
  }
  if (badChecksumAt >= 0) {
    fail(fileName, `multiboot header at offset ${badChecksumAt} has a bad checksum (magic + flags + checksum must be 0 mod 2^32)`)
  }
  for (let offset = 0; offset + 16 <= Math.min(image.length, MULTIBOOT2_SEARCH_BYTES); offset += 8) {
    if (dv.getUint32(offset, true) === MULTIBOOT2_HEADER_MAGIC) {
      fail(fileName, 'Multiboot 2 is not supported: hv loads Multiboot 1 kernels (header magic 0x1BADB002)')
    }
  }
  fail(fileName, 'no multiboot header (magic 0x1BADB002, 4-byte aligned) in the first 8192 bytes: not a multiboot kernel')
}

function parseAoutKludge(image: Uint8Array, header: MultibootHeader, fileName: string | undefined): MultibootImage {
  const headerAddr = header.headerAddr!
  const loadAddr = header.loadAddr!
  const loadEndAddr = header.loadEndAddr!
  const bssEndAddr = header.bssEndAddr!
  const entry = header.entryAddr!
  if (loadAddr > headerAddr) {
    fail(fileName, `multiboot load_addr ${hex(loadAddr)} is above header_addr ${hex(headerAddr)}`)
  }
  // header_addr is where the header's own bytes land; that fixes the file offset of load_addr.
  const fileStart = header.offset - (headerAddr - loadAddr)
  if (fileStart < 0) {
    fail(fileName, `multiboot header_addr - load_addr (${headerAddr - loadAddr}) reaches before the start of the file`)
  }
  let loadEnd: number
  if (loadEndAddr === 0) {
    loadEnd = loadAddr + (image.length - fileStart)
  } else {
    if (loadEndAddr < loadAddr) {
      fail(fileName, `multiboot load_end_addr ${hex(loadEndAddr)} is below load_addr ${hex(loadAddr)}`)
    }
    loadEnd = loadEndAddr
    if (fileStart + (loadEnd - loadAddr) > image.length) {
      fail(fileName, `image is truncated: load_addr..load_end_addr needs ${loadEnd - loadAddr} bytes from offset ${fileStart}, the file has ${image.length - fileStart}`)
    }
  }
  if (loadEnd < headerAddr + 12) {
    fail(fileName, `multiboot load_end_addr ${hex(loadEnd)} cuts off the multiboot header at ${hex(headerAddr)}`)
  }
  let end = loadEnd
  if (bssEndAddr !== 0) {
    if (bssEndAddr < loadEnd) {
      fail(fileName, `multiboot bss_end_addr ${hex(bssEndAddr)} is below the end of the loaded image ${hex(loadEnd)}`)
    }
    end = bssEndAddr
  }
  if (entry < loadAddr || entry >= end) {
    fail(fileName, `multiboot entry_addr ${hex(entry)} is outside the loaded image ${hex(loadAddr)}-${hex(end - 1)}`)
  }
  return {
    format: 'aout-kludge',
    header,
    entry,
    segments: [{gpa: loadAddr, data: image.subarray(fileStart, fileStart + (loadEnd - loadAddr)), zeroBytes: end - loadEnd}],
  }
}

function parseElf(image: Uint8Array, dv: DataView, header: MultibootHeader, fileName: string | undefined): MultibootImage {
  const notElf = (why: string): never =>
    fail(fileName, `multiboot header has no address fields (flag bit 16), so the image must be an ELF32 x86 executable, but ${why}`)
  if (image.length < 4 || dv.getUint32(0, true) !== ELF_MAGIC) notElf('it has no ELF magic')
  if (image.length < ELF32_EHDR_BYTES) fail(fileName, `ELF image is truncated: ${image.length} bytes, the ELF header alone is ${ELF32_EHDR_BYTES}`)
  if (image[4] !== ELFCLASS32) notElf(image[4] === 2 ? 'it is a 64-bit ELF' : `its ELF class is ${image[4]}`)
  if (image[5] !== ELFDATA2LSB) notElf('it is not little-endian')
  if (image[6] !== EV_CURRENT) notElf(`its ELF version is ${image[6]}`)
  const type = dv.getUint16(16, true)
  const machine = dv.getUint16(18, true)
  if (type !== ET_EXEC) notElf(`its ELF type is ${type} (${type === 1 ? 'relocatable object' : type === 3 ? 'shared object' : 'not ET_EXEC'})`)
  if (machine !== EM_386) notElf(`its ELF machine is ${machine}, not EM_386 (3)`)
  const eEntry = dv.getUint32(24, true)
  const phoff = dv.getUint32(28, true)
  const phentsize = dv.getUint16(42, true)
  const phnum = dv.getUint16(44, true)
  if (phnum === 0) fail(fileName, 'ELF image has no program headers')
  if (phentsize < ELF32_PHDR_BYTES) fail(fileName, `ELF program header size ${phentsize} is smaller than ${ELF32_PHDR_BYTES}`)
  if (phoff + phnum * phentsize > image.length) {
    fail(fileName, `ELF image is truncated: its program headers end at ${phoff + phnum * phentsize}, the file has ${image.length} bytes`)
  }

  const segments: LoadSegment[] = []
  let entry = -1
  for (let i = 0; i < phnum; i++) {
    const ph = phoff + i * phentsize
    if (dv.getUint32(ph, true) !== PT_LOAD) continue
    const offset = dv.getUint32(ph + 4, true)
    const vaddr = dv.getUint32(ph + 8, true)
    const paddr = dv.getUint32(ph + 12, true)
    const filesz = dv.getUint32(ph + 16, true)
    const memsz = dv.getUint32(ph + 20, true)
    if (filesz > memsz) fail(fileName, `ELF segment ${i} has p_filesz ${filesz} larger than p_memsz ${memsz}`)
    if (offset + filesz > image.length) {
      fail(fileName, `ELF image is truncated: segment ${i} needs bytes ${offset}-${offset + filesz - 1}, the file has ${image.length}`)
    }
    if (memsz === 0) continue
    for (const other of segments) {
      if (paddr < other.gpa + other.data.length + other.zeroBytes && other.gpa < paddr + memsz) {
        fail(fileName, `ELF segment ${i} at ${hex(paddr)} overlaps another loadable segment at ${hex(other.gpa)}`)
      }
    }
    segments.push({gpa: paddr, data: image.subarray(offset, offset + filesz), zeroBytes: memsz - filesz})
    // The entry point is a virtual address; where vaddr and paddr differ, follow the segment.
    if (entry < 0 && eEntry >= vaddr && eEntry < vaddr + memsz) entry = paddr + (eEntry - vaddr)
  }
  if (segments.length === 0) fail(fileName, 'ELF image has no loadable (PT_LOAD) segment')
  if (entry < 0) fail(fileName, `ELF entry point ${hex(eEntry)} is not inside any loadable segment`)
  return {format: 'elf32', header, entry, segments}
}

/** The memory map entries (type 1 available, 2 reserved) a layout gives a multiboot kernel. */
export function multibootMemoryMap(layout: MemoryLayout): {base: number; length: number; type: number}[] {
  return layout.ranges.map((r) => ({base: r.base, length: r.length, type: r.type === 'ram' ? MMAP_AVAILABLE : MMAP_RESERVED}))
}

/**
 * Load a multiboot kernel into a VM laid out as `layout`, build its MBI, and
 * put `cpu` at the kernel's entry in the Multiboot machine state.
 */
export function loadMultiboot(
  memory: GuestPhysicalAddressSpace,
  layout: MemoryLayout,
  cpu: MultibootProcessor,
  image: Uint8Array,
  options: MultibootLoadOptions = {},
): MultibootLoadResult {
  const {fileName} = options
  const parsed = parseMultibootImage(image, fileName)

  const commandLine = options.commandLine ?? fileName ?? ''
  const cmdlineBytes = new TextEncoder().encode(commandLine)
  if (cmdlineBytes.includes(0)) fail(fileName, 'the kernel command line contains a NUL character')
  if (cmdlineBytes.length > MAX_COMMAND_LINE_BYTES) {
    fail(fileName, `the kernel command line is ${cmdlineBytes.length} bytes; at most ${MAX_COMMAND_LINE_BYTES} fit`)
  }
  const memoryMap = multibootMemoryMap(layout)
  if (memoryMap.length > MMAP_MAX_ENTRIES) throw new Error(`memory layout has ${memoryMap.length} ranges; the MBI holds ${MMAP_MAX_ENTRIES}`)

  // Check every piece before writing any, so a refused image leaves memory untouched.
  for (const seg of parsed.segments) {
    const length = seg.data.length + seg.zeroBytes
    const last = seg.gpa + length - 1
    if (!isUsableRam(layout, seg.gpa, length)) {
      fail(fileName, `kernel image range ${hex(seg.gpa)}-${hex(last)} is outside the VM's usable RAM (${layout.ramBytes / (1024 * 1024)} MiB)`)
    }
    if (seg.gpa < MBI_AREA_END && MBI_AREA_BASE < seg.gpa + length) {
      fail(fileName, `kernel image range ${hex(seg.gpa)}-${hex(last)} overlaps the multiboot information area ${hex(MBI_AREA_BASE)}-${hex(MBI_AREA_END - 1)}`)
    }
  }

  const ranges: MultibootLoadResult['ranges'] = []
  for (const seg of parsed.segments) {
    const length = seg.data.length + seg.zeroBytes
    const target = memory.view(seg.gpa, length)
    if (!target) throw new Error(`guest memory at ${hex(seg.gpa)} is not mapped as the layout says`)
    target.set(seg.data)
    target.fill(0, seg.data.length)
    cpu.invalidateCode(seg.gpa, length)
    ranges.push({base: seg.gpa, length, fileBytes: seg.data.length})
  }

  writeMbi(memory, layout, memoryMap, cmdlineBytes)
  cpu.invalidateCode(MBI_AREA_BASE, MBI_AREA_END - MBI_AREA_BASE)
  cpu.enterMultibootState(parsed.entry, MULTIBOOT_BOOTLOADER_MAGIC, MBI_ADDRESS)
  return {format: parsed.format, entry: parsed.entry, ranges, mbiAddress: MBI_ADDRESS, commandLine, memoryMap}
}

function writeMbi(
  memory: GuestPhysicalAddressSpace,
  layout: MemoryLayout,
  memoryMap: {base: number; length: number; type: number}[],
  cmdline: Uint8Array,
): void {
  const area = memory.view(MBI_AREA_BASE, MBI_AREA_END - MBI_AREA_BASE)
  if (!area) throw new Error('the multiboot information area is not RAM')
  area.fill(0)
  const dv = new DataView(area.buffer, area.byteOffset, area.byteLength)
  const at = (gpa: number): number => gpa - MBI_AREA_BASE

  dv.setUint32(MBI.FLAGS, MBI_FLAG.MEMORY | MBI_FLAG.CMDLINE | MBI_FLAG.MMAP | MBI_FLAG.BOOT_LOADER_NAME, true)
  dv.setUint32(MBI.MEM_LOWER, layout.lowerKiB, true)
  dv.setUint32(MBI.MEM_UPPER, layout.upperKiB, true)
  dv.setUint32(MBI.CMDLINE, CMDLINE_ADDRESS, true)
  dv.setUint32(MBI.MMAP_LENGTH, memoryMap.length * 24, true)
  dv.setUint32(MBI.MMAP_ADDR, MMAP_ADDRESS, true)
  dv.setUint32(MBI.BOOT_LOADER_NAME, LOADER_NAME_ADDRESS, true)

  let p = at(MMAP_ADDRESS)
  for (const e of memoryMap) {
    dv.setUint32(p, 20, true) // size of the entry after this field
    dv.setUint32(p + 4, e.base >>> 0, true)
    dv.setUint32(p + 8, Math.floor(e.base / 0x1_0000_0000), true)
    dv.setUint32(p + 12, e.length >>> 0, true)
    dv.setUint32(p + 16, Math.floor(e.length / 0x1_0000_0000), true)
    dv.setUint32(p + 20, e.type, true)
    p += 24
  }
  area.set(new TextEncoder().encode(BOOT_LOADER_NAME), at(LOADER_NAME_ADDRESS))
  area.set(cmdline, at(CMDLINE_ADDRESS))
}

/** Synthetic multiboot images for the loader's tests: small, exact, and easy to break on purpose. */

export const MB_MAGIC = 0x1badb002

/** mov al, 7; out 0xF4, al; cli; hlt: a kernel body that reports status 7 and halts. */
export const STATUS7_CODE = [0xb0, 0x07, 0xe6, 0xf4, 0xfa, 0xf4]

export interface AoutOptions {
  size?: number
  headerOffset?: number
  flags?: number
  checksum?: number
  headerAddr?: number
  loadAddr?: number
  loadEndAddr?: number
  bssEndAddr?: number
  entryAddr?: number
  /** File offset of STATUS7_CODE (default just after the header). */
  codeOffset?: number
}

/** An a.out-kludge image: by default loaded at 1 MiB from file offset 0, entry right after the header. */
export function aoutImage(o: AoutOptions = {}): Uint8Array {
  const size = o.size ?? 0x200
  const headerOffset = o.headerOffset ?? 0
  const flags = o.flags ?? 0x10002
  const loadAddr = o.loadAddr ?? 0x100000
  const headerAddr = o.headerAddr ?? loadAddr + headerOffset
  const codeOffset = o.codeOffset ?? headerOffset + 32
  const image = new Uint8Array(size)
  const dv = new DataView(image.buffer)
  dv.setUint32(headerOffset, MB_MAGIC, true)
  dv.setUint32(headerOffset + 4, flags, true)
  dv.setUint32(headerOffset + 8, o.checksum ?? (-(MB_MAGIC + flags) >>> 0), true)
  dv.setUint32(headerOffset + 12, headerAddr, true)
  dv.setUint32(headerOffset + 16, loadAddr, true)
  dv.setUint32(headerOffset + 20, o.loadEndAddr ?? 0, true)
  dv.setUint32(headerOffset + 24, o.bssEndAddr ?? 0, true)
  dv.setUint32(headerOffset + 28, o.entryAddr ?? headerAddr - headerOffset + codeOffset, true)
  if (codeOffset + STATUS7_CODE.length <= size) image.set(STATUS7_CODE, codeOffset)
  return image
}

export interface ElfSegment {
  type?: number
  paddr: number
  vaddr?: number
  data: Uint8Array | number[]
  memsz?: number
  /** Override p_offset / p_filesz (for truncated files). */
  offset?: number
  filesz?: number
}

export interface ElfOptions {
  segments?: ElfSegment[]
  entry?: number
  elfClass?: number
  dataEncoding?: number
  elfVersion?: number
  type?: number
  machine?: number
  phentsize?: number
  /** Multiboot header flags (no bit 16). */
  flags?: number
  /** Cut the file to this many bytes. */
  truncateTo?: number
  noMagic?: boolean
}

/**
 * An ELF32 executable with a multiboot header after its program headers (outside
 * any segment) and its segments' bytes 0x80 further on. By default one segment at 1 MiB
 * holding STATUS7_CODE, entry at its start.
 */
export function elfImage(o: ElfOptions = {}): Uint8Array {
  const segments = o.segments ?? [{paddr: 0x100000, data: STATUS7_CODE}]
  const phnum = segments.length
  const headerOffset = Math.max(0x80, 52 + 32 * phnum)
  let dataOffset = headerOffset + 0x80
  const placed = segments.map((s) => {
    const offset = dataOffset
    dataOffset += s.data.length
    return offset
  })
  const image = new Uint8Array(dataOffset)
  const dv = new DataView(image.buffer)
  if (!o.noMagic) image.set([0x7f, 0x45, 0x4c, 0x46])
  image[4] = o.elfClass ?? 1
  image[5] = o.dataEncoding ?? 1
  image[6] = o.elfVersion ?? 1
  dv.setUint16(16, o.type ?? 2, true)
  dv.setUint16(18, o.machine ?? 3, true)
  dv.setUint32(20, 1, true)
  dv.setUint32(24, o.entry ?? segments[0]?.vaddr ?? segments[0]?.paddr ?? 0, true)
  dv.setUint32(28, 52, true) // e_phoff
  dv.setUint16(40, 52, true) // e_ehsize
  dv.setUint16(42, o.phentsize ?? 32, true)
  dv.setUint16(44, phnum, true)
  segments.forEach((s, i) => {
    const ph = 52 + i * 32
    dv.setUint32(ph, s.type ?? 1, true)
    dv.setUint32(ph + 4, s.offset ?? placed[i], true)
    dv.setUint32(ph + 8, s.vaddr ?? s.paddr, true)
    dv.setUint32(ph + 12, s.paddr, true)
    dv.setUint32(ph + 16, s.filesz ?? s.data.length, true)
    dv.setUint32(ph + 20, s.memsz ?? s.data.length, true)
    dv.setUint32(ph + 24, 7, true)
    dv.setUint32(ph + 28, 0x1000, true)
    image.set(s.data, placed[i])
  })
  const flags = o.flags ?? 0x3
  dv.setUint32(headerOffset, MB_MAGIC, true)
  dv.setUint32(headerOffset + 4, flags, true)
  dv.setUint32(headerOffset + 8, -(MB_MAGIC + flags) >>> 0, true)
  return o.truncateTo === undefined ? image : image.slice(0, o.truncateTo)
}

import type {GuestPhysicalMemory} from '../cpu/api.js'

export const PAGE_SIZE = 4096
export const PAGE_SHIFT = 12
/** Pages in the 4 GiB guest-physical space a 32-bit guest without PAE can reach. */
export const GPA_PAGE_COUNT = 1 << 20

/**
 * A partition's guest-physical address space: second-level address translation.
 *
 * All backing store is one ArrayBuffer: the partition's RAM, then room for ROM
 * images, then overlay pages (pages the hypervisor lays over a GPA, such as the
 * hypercall page, hiding the RAM beneath until it is removed). Each 4 KiB GPA
 * page maps to an offset in that buffer or to nothing; an access to nothing is
 * an intercept the root handles (MMIO). The processor reads `pageOffset`
 * directly on its slow path; whoever changes a mapping must tell the processors
 * (`onMappingChange`), because they cache translations.
 */
export class GuestPhysicalAddressSpace implements GuestPhysicalMemory {
  readonly ram: Uint8Array
  /** Float64, not Int32: with more than 2 GiB of RAM, buffer offsets pass 2^31. */
  readonly pageOffset = new Float64Array(GPA_PAGE_COUNT).fill(-1)
  readonly pageReadOnly = new Uint8Array(GPA_PAGE_COUNT)
  /**
   * Per 4 KiB page of the buffer: 1 once anything may have written it (the
   * processors mark what they write, `write` marks what the host writes).
   * Pages still 0 are known to be zero, so saving and clearing memory need
   * not read them (reading untouched memory would make the host commit it).
   */
  readonly ramWritten: Uint8Array
  readonly romBase: number
  readonly overlayBase: number
  private romUsed = 0
  private readonly overlaySlots: Array<number | null>
  /** GPA page -> the mapping an overlay hides. */
  private readonly hidden = new Map<number, {offset: number; readOnly: number}>()
  private readonly listeners: Array<(firstPage: number, pageCount: number) => void> = []

  constructor(
    readonly ramBytes: number,
    romBytes = 0,
    overlayPages = 8,
  ) {
    if (ramBytes % PAGE_SIZE !== 0 || romBytes % PAGE_SIZE !== 0) throw new Error('memory sizes must be whole pages')
    this.romBase = ramBytes
    this.overlayBase = ramBytes + romBytes
    this.ram = new Uint8Array(new ArrayBuffer(ramBytes + romBytes + overlayPages * PAGE_SIZE))
    this.ramWritten = new Uint8Array(this.ram.length / PAGE_SIZE)
    this.overlaySlots = new Array<number | null>(overlayPages).fill(null)
  }

  onMappingChange(listener: (firstPage: number, pageCount: number) => void): void {
    this.listeners.push(listener)
  }

  /** Map `length` bytes of RAM, from offset `ramOffset` of the partition's RAM, at `gpa`. */
  mapRam(gpa: number, length: number, ramOffset = gpa): void {
    checkRange(gpa, length)
    if (ramOffset % PAGE_SIZE !== 0 || ramOffset + length > this.ramBytes) throw new Error('RAM range outside the partition')
    this.setPages(gpa, length, ramOffset, 0)
  }

  /** Copy a ROM image into the ROM area and map it read-only at `gpa`. Returns the buffer offset. */
  mapRom(gpa: number, image: Uint8Array): number {
    const length = Math.ceil(image.length / PAGE_SIZE) * PAGE_SIZE
    checkRange(gpa, length)
    const offset = this.romBase + this.romUsed
    if (offset + length > this.overlayBase) throw new Error('no room left for ROM images')
    this.ram.set(image, offset)
    this.romUsed += length
    this.setPages(gpa, length, offset, 1)
    return offset
  }

  /** Map an already loaded ROM image (by buffer offset) at a second address too. */
  aliasRom(gpa: number, length: number, offset: number): void {
    checkRange(gpa, length)
    this.setPages(gpa, length, offset, 1)
  }

  /** Make a range a hole: accesses become intercepts (MMIO). */
  unmap(gpa: number, length: number): void {
    checkRange(gpa, length)
    this.setPages(gpa, length, -1, 0)
  }

  /**
   * Lay a hypervisor-owned page over `gpaPage`. The page's previous mapping is
   * kept and comes back when the overlay is removed. Returns the overlay's bytes.
   */
  addOverlay(gpaPage: number, readOnly: boolean): Uint8Array {
    this.removeOverlay(gpaPage)
    const slot = this.overlaySlots.indexOf(null)
    if (slot < 0) throw new Error('no free overlay page')
    this.overlaySlots[slot] = gpaPage
    const offset = this.overlayBase + slot * PAGE_SIZE
    this.ram.fill(0, offset, offset + PAGE_SIZE)
    this.hidden.set(gpaPage, {offset: this.pageOffset[gpaPage], readOnly: this.pageReadOnly[gpaPage]})
    this.setPages(gpaPage * PAGE_SIZE, PAGE_SIZE, offset, readOnly ? 1 : 0)
    return this.ram.subarray(offset, offset + PAGE_SIZE)
  }

  removeOverlay(gpaPage: number): void {
    const below = this.hidden.get(gpaPage)
    if (!below) return
    this.hidden.delete(gpaPage)
    this.overlaySlots[this.overlaySlots.indexOf(gpaPage)] = null
    this.setPages(gpaPage * PAGE_SIZE, PAGE_SIZE, below.offset, below.readOnly)
  }

  // ---- access for root-side code (loaders, VMBus, hypercall parameters) ----

  /** The buffer offset of `gpa`, or -1 when the byte range is not all RAM on one page run. */
  offsetOf(gpa: number, length: number): number {
    if (!Number.isInteger(gpa) || gpa < 0 || length < 0 || gpa + length > GPA_PAGE_COUNT * PAGE_SIZE) return -1
    const first = this.pageOffset[gpa >>> PAGE_SHIFT]
    if (first < 0) return -1
    const start = first + (gpa & (PAGE_SIZE - 1))
    // Every further page must continue the same run of the buffer.
    for (let page = (gpa >>> PAGE_SHIFT) + 1; page * PAGE_SIZE < gpa + length; page++) {
      if (this.pageOffset[page] !== first + (page - (gpa >>> PAGE_SHIFT)) * PAGE_SIZE) return -1
    }
    return start
  }

  isRam(gpa: number, length: number): boolean {
    return this.offsetOf(gpa, length) >= 0
  }

  /** A view of guest memory (no copy), or null if the range is not RAM. */
  view(gpa: number, length: number): Uint8Array | null {
    const offset = this.offsetOf(gpa, length)
    return offset < 0 ? null : this.ram.subarray(offset, offset + length)
  }

  read(gpa: number, length: number): Uint8Array | null {
    const v = this.view(gpa, length)
    return v ? v.slice() : null
  }

  /** Host writes ignore ROM protection (loaders); false if the range is not RAM. */
  write(gpa: number, data: Uint8Array): boolean {
    const offset = this.offsetOf(gpa, data.length)
    if (offset < 0) return false
    this.ram.set(data, offset)
    this.ramWritten.fill(1, offset >>> PAGE_SHIFT, ((offset + data.length - 1) >>> PAGE_SHIFT) + 1)
    return true
  }

  readU32(gpa: number): number | null {
    const v = this.view(gpa, 4)
    return v ? (v[0] | (v[1] << 8) | (v[2] << 16) | (v[3] << 24)) >>> 0 : null
  }

  writeU32(gpa: number, value: number): boolean {
    return this.write(gpa, new Uint8Array([value, value >>> 8, value >>> 16, value >>> 24]))
  }

  private setPages(gpa: number, length: number, offset: number, readOnly: number): void {
    const first = gpa / PAGE_SIZE
    // Not `length >>> 12`: a range can be all 4 GiB, which is 0 as a 32-bit number.
    const count = length / PAGE_SIZE
    for (let i = 0; i < count; i++) {
      this.pageOffset[first + i] = offset < 0 ? -1 : offset + i * PAGE_SIZE
      this.pageReadOnly[first + i] = readOnly
    }
    for (const listener of this.listeners) listener(first, count)
  }
}

function checkRange(gpa: number, length: number): void {
  if (gpa % PAGE_SIZE !== 0 || length % PAGE_SIZE !== 0 || gpa < 0 || gpa + length > GPA_PAGE_COUNT * PAGE_SIZE) {
    throw new Error(`GPA range 0x${gpa.toString(16)}+0x${length.toString(16)} is not page-aligned inside 4 GiB`)
  }
}

/**
 * Finding the pages of guest memory that hold something. Untouched guest RAM
 * is zero and costs the host nothing until it is touched (even a read makes
 * the host map it), so scans look only at pages the dirty map says may have
 * been written, and compare those against zero.
 */
export const PAGE_SIZE = 4096
const BLOCK_SIZE = 64 * 1024
const ZERO_BLOCK = Buffer.alloc(BLOCK_SIZE)
const ZERO_PAGE = ZERO_BLOCK.subarray(0, PAGE_SIZE)

/**
 * Calls `visit` with the index of every non-zero 4 KiB page, in order.
 * `written` (one byte per page, as GuestPhysicalAddressSpace.ramWritten)
 * limits the look to pages that may have been written.
 */
export function forEachNonZeroPage(ram: Uint8Array, visit: (pageIndex: number) => void, written?: Uint8Array): void {
  const bytes = Buffer.from(ram.buffer, ram.byteOffset, ram.byteLength)
  const pagesPerBlock = BLOCK_SIZE / PAGE_SIZE
  for (let block = 0; block < bytes.length; block += BLOCK_SIZE) {
    const firstPage = block / PAGE_SIZE
    if (written && !anySet(written, firstPage, firstPage + pagesPerBlock)) continue
    const end = Math.min(block + BLOCK_SIZE, bytes.length)
    if (bytes.subarray(block, end).equals(ZERO_BLOCK.subarray(0, end - block))) continue
    for (let page = block; page < end; page += PAGE_SIZE) {
      if (written && written[page / PAGE_SIZE] === 0) continue
      if (!bytes.subarray(page, page + PAGE_SIZE).equals(ZERO_PAGE)) visit(page / PAGE_SIZE)
    }
  }
}

/** Zero guest memory, writing only the pages that are not zero already, and forget they were written. */
export function clearRam(ram: Uint8Array, written?: Uint8Array): void {
  forEachNonZeroPage(ram, (page) => ram.fill(0, page * PAGE_SIZE, (page + 1) * PAGE_SIZE), written)
  written?.fill(0, 0, Math.ceil(ram.length / PAGE_SIZE))
}

function anySet(map: Uint8Array, from: number, to: number): boolean {
  for (let i = from; i < to && i < map.length; i++) if (map[i] !== 0) return true
  return false
}

/**
 * Finding the pages of guest memory that hold something. Untouched guest RAM
 * is zero and costs the host nothing (the ArrayBuffer's pages are never
 * written), so scans compare against zero without writing, block by block,
 * and only look inside blocks that are not entirely zero.
 */
export const PAGE_SIZE = 4096
const BLOCK_SIZE = 64 * 1024
const ZERO_BLOCK = Buffer.alloc(BLOCK_SIZE)
const ZERO_PAGE = ZERO_BLOCK.subarray(0, PAGE_SIZE)

/** Calls `visit` with the index of every non-zero 4 KiB page, in order. */
export function forEachNonZeroPage(ram: Uint8Array, visit: (pageIndex: number) => void): void {
  const bytes = Buffer.from(ram.buffer, ram.byteOffset, ram.byteLength)
  for (let block = 0; block < bytes.length; block += BLOCK_SIZE) {
    const end = Math.min(block + BLOCK_SIZE, bytes.length)
    if (bytes.subarray(block, end).equals(ZERO_BLOCK.subarray(0, end - block))) continue
    for (let page = block; page < end; page += PAGE_SIZE) {
      if (!bytes.subarray(page, page + PAGE_SIZE).equals(ZERO_PAGE)) visit(page / PAGE_SIZE)
    }
  }
}

/** Zero guest memory, writing only the pages that are not zero already. */
export function clearRam(ram: Uint8Array): void {
  forEachNonZeroPage(ram, (page) => ram.fill(0, page * PAGE_SIZE, (page + 1) * PAGE_SIZE))
}

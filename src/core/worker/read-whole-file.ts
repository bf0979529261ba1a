import {open} from 'node:fs/promises'

/** Node's readFile refuses files over 2 GiB; one read(2) returns at most this much on Linux. */
const CHUNK_BYTES = 1 << 30

/**
 * A whole file in one Buffer, as `readFile`, but also past 2 GiB (which
 * `readFile` refuses): saved memory and checkpoint page files of a VM that
 * touched most of nearly 4 GiB of RAM are that large. Buffers reach 4 GiB.
 */
export async function readWholeFile(path: string): Promise<Buffer> {
  const handle = await open(path, 'r')
  try {
    const size = (await handle.stat()).size
    const data = Buffer.allocUnsafe(size)
    let at = 0
    while (at < size) {
      const {bytesRead} = await handle.read(data, at, Math.min(CHUNK_BYTES, size - at), at)
      if (bytesRead === 0) throw new Error(`${path} became shorter while it was read`)
      at += bytesRead
    }
    return data
  } finally {
    await handle.close()
  }
}

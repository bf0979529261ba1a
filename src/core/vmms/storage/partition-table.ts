/**
 * How small a virtual disk can become without cutting into its partitions:
 * Get-VHD's MinimumSize, and the size Resize-VHD -ToMinimumSize shrinks to.
 * Read from the disk's own partition table: MBR, or GPT behind a protective
 * MBR (whose backup table at the end of the disk must still fit).
 */
import type {VirtualDisk} from '../../storage/index.js'

const MIB = 1024 * 1024
/** The backup GPT: 32 sectors of entries (128 of 128 bytes at 512-byte sectors) and its header. */
const GPT_BACKUP_SECTORS = 33
const MBR_GPT_PROTECTIVE = 0xee

/** The end of the last partition, rounded up to a MiB, or null for a disk without a partition table. */
export function minimumSize(disk: VirtualDisk): number | null {
  const sector = disk.logicalSectorSize
  const mbr = readSectors(disk, 0, 1)
  if (mbr[510] !== 0x55 || mbr[511] !== 0xaa) return null
  const view = new DataView(mbr.buffer, mbr.byteOffset, mbr.length)
  let endLba = 0
  let gpt = false
  for (let entry = 0; entry < 4; entry++) {
    const at = 446 + entry * 16
    const type = mbr[at + 4]
    const count = view.getUint32(at + 12, true)
    if (type === 0 || count === 0) continue
    if (type === MBR_GPT_PROTECTIVE) gpt = true
    else endLba = Math.max(endLba, view.getUint32(at + 8, true) + count)
  }
  if (gpt) {
    const end = gptEnd(disk)
    if (end === null) return null
    endLba = end + GPT_BACKUP_SECTORS
  }
  if (endLba === 0) return null
  return Math.min(Math.ceil((endLba * sector) / MIB) * MIB, disk.size)
}

/** One past the last LBA any GPT partition uses, or null when the GPT header is not there. */
function gptEnd(disk: VirtualDisk): number | null {
  const header = readSectors(disk, 1, 1)
  if (new TextDecoder('latin1').decode(header.subarray(0, 8)) !== 'EFI PART') return null
  const view = new DataView(header.buffer, header.byteOffset, header.length)
  const entriesLba = Number(view.getBigUint64(72, true))
  const count = view.getUint32(80, true)
  const entrySize = view.getUint32(84, true)
  const sector = disk.logicalSectorSize
  if (entrySize < 128 || entrySize > 4096 || count > 4096 || (entriesLba + 1) * sector > disk.size) return null
  const bytes = count * entrySize
  const entries = readSectors(disk, entriesLba, Math.min(Math.ceil(bytes / sector), Math.floor(disk.size / sector) - entriesLba))
  const entriesView = new DataView(entries.buffer, entries.byteOffset, entries.length)
  let end = 0
  for (let k = 0; k < count && (k + 1) * entrySize <= entries.length; k++) {
    const at = k * entrySize
    if (entries.subarray(at, at + 16).every((b) => b === 0)) continue
    end = Math.max(end, Number(entriesView.getBigUint64(at + 40, true)) + 1)
  }
  return end
}

function readSectors(disk: VirtualDisk, lba: number, count: number): Uint8Array {
  const bytes = new Uint8Array(Math.max(count, 0) * disk.logicalSectorSize)
  if (bytes.length > 0) disk.read(lba * disk.logicalSectorSize, bytes)
  return bytes
}

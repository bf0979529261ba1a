import {MAX_MULTIPLE_SECTORS, SECTOR_SIZE} from './ata-constants.js'

/**
 * The 512-byte IDENTIFY DEVICE and IDENTIFY PACKET DEVICE data (ACS-2 7.16,
 * 7.17): 256 little-endian words. Strings are ASCII padded with spaces, two
 * characters a word with the first in the high byte. Word 255 is the
 * integrity word (signature A5h, then a checksum making all 512 bytes sum to
 * zero), which Linux checks.
 */

/** The models Hyper-V's emulated drives report. */
export const ATA_MODEL = 'Virtual HD'
export const ATAPI_MODEL = 'Virtual CD'
export const FIRMWARE_REVISION = '1.1.0'

/** Logical CHS for a disk of `sectors` (ATA-1's translation: 16 heads, 63 sectors, at most 16383 cylinders). */
export interface ChsGeometry {
  cylinders: number
  heads: number
  sectorsPerTrack: number
}

export function defaultGeometry(sectors: number): ChsGeometry {
  const heads = 16
  const sectorsPerTrack = 63
  const cylinders = Math.max(1, Math.min(16383, Math.floor(sectors / (heads * sectorsPerTrack))))
  return {cylinders, heads, sectorsPerTrack}
}

class IdentifyWords {
  readonly words = new Uint16Array(256)

  set(word: number, value: number): this {
    this.words[word] = value & 0xffff
    return this
  }

  /** Two words, low word first. */
  setDword(word: number, value: number): this {
    this.words[word] = value & 0xffff
    this.words[word + 1] = Math.floor(value / 0x10000) & 0xffff
    return this
  }

  string(word: number, lengthWords: number, text: string): this {
    const padded = text.padEnd(lengthWords * 2, ' ').slice(0, lengthWords * 2)
    for (let i = 0; i < lengthWords; i++) {
      this.words[word + i] = (padded.charCodeAt(2 * i) << 8) | padded.charCodeAt(2 * i + 1)
    }
    return this
  }

  toBytes(): Uint8Array {
    const bytes = new Uint8Array(512)
    this.words[255] = 0x00a5
    for (let i = 0; i < 255; i++) {
      bytes[2 * i] = this.words[i]! & 0xff
      bytes[2 * i + 1] = this.words[i]! >> 8
    }
    bytes[510] = 0xa5
    let sum = 0
    for (let i = 0; i < 511; i++) sum += bytes[i]!
    bytes[511] = -sum & 0xff
    return bytes
  }
}

/** A serial number from the disk's identity: 20 characters, hex digits of its GUID. */
export function serialNumberOf(diskIdentifier: string): string {
  const digits = diskIdentifier.replace(/[^0-9a-fA-F]/g, '').toUpperCase()
  return (digits.slice(-20) || '0').padStart(20, '0')
}

export interface AtaIdentity {
  sectors: number
  physicalSectorSize: number
  serial: string
  /** The current translation (INITIALIZE DEVICE PARAMETERS), or null when it is not valid. */
  current: ChsGeometry | null
  /** SET MULTIPLE MODE's value; 0 when multiple mode is off. */
  multipleSectors: number
  writeCache: boolean
  /** DMA modes are offered (a bus master with guest memory), and which SET FEATURES chose. */
  dma: boolean
  transferMode: number
}

/**
 * Words 49 (bit 8), 53 (bit 2: word 88 valid), 63 and 88 for a device that
 * offers multiword DMA 0-2 and Ultra DMA 0-2, with the selected mode's bit
 * in the high byte.
 */
function setDmaWords(id: IdentifyWords, transferMode: number): void {
  id.set(49, id.words[49]! | CAPABILITY_DMA)
  id.set(53, id.words[53]! | 0x0004)
  const mwdma = transferMode >= 0x20 && transferMode <= 0x22 ? 0x100 << (transferMode & 7) : 0
  const udma = transferMode >= 0x40 && transferMode <= 0x42 ? 0x100 << (transferMode & 7) : 0
  id.set(63, 0x0007 | mwdma)
  id.set(88, 0x0007 | udma)
}

const WORD_82_WRITE_CACHE = 1 << 5
const WORD_82_NOP = 1 << 14
const WORD_83_LBA48 = 1 << 10
const WORD_83_FLUSH_CACHE = 1 << 12
const WORD_83_FLUSH_CACHE_EXT = 1 << 13
const WORDS_VALID = 0x4000
const CAPABILITY_DMA = 1 << 8
const CAPABILITY_LBA = 1 << 9
const CAPABILITY_IORDY = 1 << 11

/**
 * A hard disk's IDENTIFY DEVICE data: PIO modes 3 and 4 with IORDY, and DMA
 * modes only when the controller can do DMA (otherwise words 49 bit 8, 63
 * and 88 are clear and drivers stay on PIO).
 */
export function identifyDevice(identity: AtaIdentity): Uint8Array {
  const geometry = defaultGeometry(identity.sectors)
  const id = new IdentifyWords()
  id.set(0, 0x0040) // fixed device, not removable
  id.set(1, geometry.cylinders)
  id.set(3, geometry.heads)
  id.set(6, geometry.sectorsPerTrack)
  id.string(10, 10, identity.serial)
  id.string(23, 4, FIRMWARE_REVISION)
  id.string(27, 20, ATA_MODEL)
  id.set(47, 0x8000 | MAX_MULTIPLE_SECTORS)
  id.set(49, CAPABILITY_LBA | CAPABILITY_IORDY)
  id.set(50, 0x4000)
  id.set(51, 0x0200) // obsolete PIO timing: mode 2
  id.set(53, 0x0003) // words 54-58 and 64-70 are valid
  if (identity.current) {
    const chs = identity.current
    const capacity = Math.min(identity.sectors, chs.cylinders * chs.heads * chs.sectorsPerTrack)
    id.set(54, chs.cylinders).set(55, chs.heads).set(56, chs.sectorsPerTrack).setDword(57, capacity)
  }
  id.set(59, identity.multipleSectors ? 0x0100 | identity.multipleSectors : 0)
  id.setDword(60, Math.min(identity.sectors, 0x0fffffff))
  id.set(64, 0x0003) // PIO modes 3 and 4
  id.set(65, 120).set(66, 120).set(67, 120).set(68, 120)
  id.set(80, 0x00f0) // ATA/ATAPI-4 to -7
  id.set(82, WORD_82_NOP | WORD_82_WRITE_CACHE)
  id.set(83, WORDS_VALID | WORD_83_LBA48 | WORD_83_FLUSH_CACHE | WORD_83_FLUSH_CACHE_EXT)
  id.set(84, WORDS_VALID)
  id.set(85, WORD_82_NOP | (identity.writeCache ? WORD_82_WRITE_CACHE : 0))
  id.set(86, WORD_83_LBA48 | WORD_83_FLUSH_CACHE | WORD_83_FLUSH_CACHE_EXT)
  id.set(87, WORDS_VALID)
  id.set(93, 0x6001) // hardware reset result: device 0 passed diagnostics, 40-pin cable
  id.setDword(100, identity.sectors)
  id.setDword(102, Math.floor(identity.sectors / 2 ** 32))
  const perPhysical = Math.max(1, Math.floor(identity.physicalSectorSize / SECTOR_SIZE))
  if (perPhysical > 1) id.set(106, 0x4000 | 0x2000 | Math.log2(perPhysical))
  else id.set(106, 0x4000)
  if (identity.dma) setDmaWords(id, identity.transferMode)
  return id.toBytes()
}

/**
 * A DVD drive's IDENTIFY PACKET DEVICE data: a removable CD-ROM-class packet
 * device with 12-byte packets that asserts DRQ within 50 us of the PACKET
 * command (so the host polls for it without an interrupt), PIO only.
 */
export function identifyPacketDevice(serial: string, dma = false, transferMode = 0): Uint8Array {
  const id = new IdentifyWords()
  id.set(0, 0x8000 | (0x05 << 8) | 0x0080 | 0x0040)
  id.string(10, 10, serial)
  id.string(23, 4, FIRMWARE_REVISION)
  id.string(27, 20, ATAPI_MODEL)
  id.set(49, CAPABILITY_LBA | CAPABILITY_IORDY)
  id.set(53, 0x0002) // words 64-70 are valid
  id.set(64, 0x0003)
  id.set(65, 120).set(66, 120).set(67, 120).set(68, 120)
  id.set(71, 30).set(72, 30)
  id.set(80, 0x007e) // ATAPI-1 to -6
  id.set(82, WORD_82_NOP | (1 << 4)) // PACKET feature set
  id.set(83, WORDS_VALID)
  id.set(84, WORDS_VALID)
  id.set(85, 1 << 4)
  id.set(87, WORDS_VALID)
  id.set(93, 0x6001)
  if (dma) setDmaWords(id, transferMode)
  return id.toBytes()
}

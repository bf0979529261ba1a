/**
 * A SCSI direct-access block device (SBC) over a BlockMedium: the "Msft
 * Virtual Disk" that Hyper-V's storage stack presents for a virtual hard
 * disk. The command set is what Linux's sd driver issues while probing and
 * doing I/O: INQUIRY with the VPD pages it reads, READ CAPACITY (10/16),
 * READ/WRITE (6/10/12/16), VERIFY, SYNCHRONIZE CACHE, MODE SENSE (6/10) for
 * write protection and caching, TEST UNIT READY, START STOP UNIT, PREVENT
 * ALLOW MEDIUM REMOVAL and REQUEST SENSE. Anything else is ILLEGAL REQUEST /
 * INVALID COMMAND OPERATION CODE, as a real target answers.
 */
import type {BlockMedium} from '../block-medium.js'
import {Asc, fixedSense, SenseKey} from './sense.js'
import {
  be16, be32, be64, checkCondition, CountingUnit, type DataBuffer, good, putAscii, putBe16, putBe32, putBe64, replyData,
  type ScsiCommandResult,
} from './scsi-target.js'

export const ScsiOp = {
  TestUnitReady: 0x00,
  RequestSense: 0x03,
  Read6: 0x08,
  Write6: 0x0a,
  Inquiry: 0x12,
  ModeSelect6: 0x15,
  ModeSense6: 0x1a,
  StartStopUnit: 0x1b,
  PreventAllowMediumRemoval: 0x1e,
  ReadCapacity10: 0x25,
  Read10: 0x28,
  Write10: 0x2a,
  Verify10: 0x2f,
  SynchronizeCache10: 0x35,
  ReadToc: 0x43,
  GetConfiguration: 0x46,
  GetEventStatusNotification: 0x4a,
  ReadDiscInformation: 0x51,
  ModeSelect10: 0x55,
  ModeSense10: 0x5a,
  Read16: 0x88,
  Write16: 0x8a,
  Verify16: 0x8f,
  SynchronizeCache16: 0x91,
  ServiceActionIn16: 0x9e,
  ReportLuns: 0xa0,
  Read12: 0xa8,
  Write12: 0xaa,
  Verify12: 0xaf,
} as const

/** SERVICE ACTION IN(16)'s READ CAPACITY(16). */
const SA_READ_CAPACITY_16 = 0x10
/** VPD pages served, in the order page 0x00 lists them. */
const VPD_PAGES = [0x00, 0x80, 0x83, 0xb0, 0xb1] as const
/** Bytes moved per medium access: big requests go through in pieces. */
const CHUNK_BYTES = 1 << 20
/** The largest transfer the block-limits page advertises (and the StorVSP's max_transfer_bytes). */
export const MAX_TRANSFER_BYTES = 512 * 1024

export interface InquiryIdentity {
  vendor: string
  product: string
  revision: string
}

export const VIRTUAL_DISK_IDENTITY: InquiryIdentity = {vendor: 'Msft', product: 'Virtual Disk', revision: '1.0'}

export class ScsiDisk extends CountingUnit {
  readonly description = 'Virtual Disk'
  private readonly blockSize: number
  private readonly blocks: number

  constructor(private readonly medium: BlockMedium) {
    super()
    this.blockSize = medium.logicalSectorSize
    this.blocks = Math.floor(medium.size / this.blockSize)
  }

  protected dispatch(cdb: Uint8Array, buffer: DataBuffer | null): ScsiCommandResult {
    switch (cdb[0]) {
      case ScsiOp.TestUnitReady:
      case ScsiOp.StartStopUnit:
      case ScsiOp.PreventAllowMediumRemoval:
        return good()
      case ScsiOp.RequestSense:
        // Sense travels with each failed command (autosense): nothing is pending.
        return replyData(fixedSense(SenseKey.NoSense, [0, 0]), cdb[4], buffer)
      case ScsiOp.Inquiry:
        return this.inquiry(cdb, buffer)
      case ScsiOp.ReadCapacity10:
        return this.readCapacity10(buffer)
      case ScsiOp.ServiceActionIn16:
        if ((cdb[1] & 0x1f) === SA_READ_CAPACITY_16) return this.readCapacity16(be32(cdb, 10), buffer)
        return invalidField()
      case ScsiOp.ModeSense6:
        return this.modeSense(cdb[2], cdb[4], buffer, false)
      case ScsiOp.ModeSense10:
        return this.modeSense(cdb[2], be16(cdb, 7), buffer, true)
      case ScsiOp.ModeSelect6:
      case ScsiOp.ModeSelect10:
        // The caching page is fixed (write-back, flushed on request): accept and ignore.
        return good(buffer ? buffer.length : 0)
      case ScsiOp.Read6:
        return this.transfer('read', ((cdb[1] & 0x1f) << 16) | be16(cdb, 2), cdb[4] || 256, buffer)
      case ScsiOp.Read10:
        return this.transfer('read', be32(cdb, 2), be16(cdb, 7), buffer)
      case ScsiOp.Read12:
        return this.transfer('read', be32(cdb, 2), be32(cdb, 6), buffer)
      case ScsiOp.Read16:
        return this.transfer('read', be64(cdb, 2), be32(cdb, 10), buffer)
      case ScsiOp.Write6:
        return this.transfer('write', ((cdb[1] & 0x1f) << 16) | be16(cdb, 2), cdb[4] || 256, buffer)
      case ScsiOp.Write10:
        return this.transfer('write', be32(cdb, 2), be16(cdb, 7), buffer)
      case ScsiOp.Write12:
        return this.transfer('write', be32(cdb, 2), be32(cdb, 6), buffer)
      case ScsiOp.Write16:
        return this.transfer('write', be64(cdb, 2), be32(cdb, 10), buffer)
      case ScsiOp.Verify10:
        return this.checkRange(be32(cdb, 2), be16(cdb, 7)) ?? good()
      case ScsiOp.Verify12:
        return this.checkRange(be32(cdb, 2), be32(cdb, 6)) ?? good()
      case ScsiOp.Verify16:
        return this.checkRange(be64(cdb, 2), be32(cdb, 10)) ?? good()
      case ScsiOp.SynchronizeCache10:
      case ScsiOp.SynchronizeCache16:
        return this.flush()
      default:
        return checkCondition(fixedSense(SenseKey.IllegalRequest, Asc.InvalidCommandOperationCode))
    }
  }

  private inquiry(cdb: Uint8Array, buffer: DataBuffer | null): ScsiCommandResult {
    const allocation = be16(cdb, 3)
    if (cdb[1] & 0x01) {
      const page = this.vpdPage(cdb[2])
      return page ? replyData(page, allocation, buffer) : invalidField()
    }
    // A page code without EVPD is an error (SPC).
    if (cdb[2] !== 0) return invalidField()
    return replyData(standardInquiry(0x00, false, VIRTUAL_DISK_IDENTITY), allocation, buffer)
  }

  private vpdPage(code: number): Uint8Array | null {
    switch (code) {
      case 0x00:
        return vpd(0x00, 0x00, Uint8Array.from(VPD_PAGES))
      case 0x80:
        return vpd(0x00, 0x80, asciiBytes(this.serialNumber()))
      case 0x83:
        return vpd(0x00, 0x83, this.deviceIdentification())
      case 0xb0: {
        // Block limits: transfers up to what the VSP takes, no UNMAP or WRITE SAME.
        const page = new Uint8Array(0x3c)
        putBe16(page, 2, 0) // optimal transfer length granularity
        putBe32(page, 4, MAX_TRANSFER_BYTES / this.blockSize) // maximum transfer length
        putBe32(page, 8, (this.medium.physicalSectorSize / this.blockSize) | 0 || 1) // optimal transfer length
        return vpd(0x00, 0xb0, page)
      }
      case 0xb1: {
        // Block device characteristics: non-rotating medium (rotation rate 1).
        const page = new Uint8Array(0x3c)
        putBe16(page, 0, 1)
        return vpd(0x00, 0xb1, page)
      }
      default:
        return null
    }
  }

  /** The unit serial number: the disk's identifier without dashes, as a VPD 0x80 string. */
  private serialNumber(): string {
    return this.medium.diskIdentifier.replace(/-/g, '').toUpperCase()
  }

  /** VPD 0x83: an NAA IEEE Registered Extended designator (type 6) from the disk identifier, as Hyper-V gives. */
  private deviceIdentification(): Uint8Array {
    const id = this.medium.diskIdentifier.replace(/-/g, '').padEnd(32, '0')
    const designator = new Uint8Array(4 + 16)
    designator[0] = 0x01 // binary code set
    designator[1] = 0x03 // association: logical unit; type 3: NAA
    designator[3] = 16
    for (let i = 0; i < 16; i++) designator[4 + i] = parseInt(id.slice(i * 2, i * 2 + 2), 16) || 0
    designator[4] = 0x60 | (designator[4] & 0x0f) // NAA 6
    return designator
  }

  private readCapacity10(buffer: DataBuffer | null): ScsiCommandResult {
    const reply = new Uint8Array(8)
    // A disk past 2 TiB says 0xFFFFFFFF and leaves the rest to READ CAPACITY(16).
    putBe32(reply, 0, this.blocks - 1 > 0xffffffff ? 0xffffffff : this.blocks - 1)
    putBe32(reply, 4, this.blockSize)
    return replyData(reply, 8, buffer)
  }

  private readCapacity16(allocation: number, buffer: DataBuffer | null): ScsiCommandResult {
    const reply = new Uint8Array(32)
    putBe64(reply, 0, this.blocks - 1)
    putBe32(reply, 8, this.blockSize)
    // Logical blocks per physical block, as a power of two (4096-byte physical sectors of a 512e disk: 3).
    reply[13] = Math.max(0, Math.log2(this.medium.physicalSectorSize / this.blockSize)) & 0x0f
    return replyData(reply, allocation, buffer)
  }

  private modeSense(pageByte: number, allocation: number, buffer: DataBuffer | null, ten: boolean): ScsiCommandResult {
    const page = pageByte & 0x3f
    const control = pageByte >> 6
    const pages: Uint8Array[] = []
    if (page === 0x08 || page === 0x3f) pages.push(cachingPage(control))
    if (page === 0x0a || page === 0x3f) pages.push(controlPage())
    if (pages.length === 0) return invalidField()
    const body = concat(pages)
    const headerLength = ten ? 8 : 4
    const reply = new Uint8Array(headerLength + body.length)
    // Device-specific parameter: bit 7 write-protected; bit 4 DPOFUA supported.
    const deviceSpecific = (this.medium.readOnly ? 0x80 : 0) | 0x10
    if (ten) {
      putBe16(reply, 0, reply.length - 2)
      reply[3] = deviceSpecific
    } else {
      reply[0] = reply.length - 1
      reply[2] = deviceSpecific
    }
    reply.set(body, headerLength)
    return replyData(reply, allocation, buffer)
  }

  private checkRange(lba: number, count: number): ScsiCommandResult | null {
    if (lba + count > this.blocks) return checkCondition(fixedSense(SenseKey.IllegalRequest, Asc.LbaOutOfRange))
    return null
  }

  private transfer(direction: 'read' | 'write', lba: number, count: number, buffer: DataBuffer | null): ScsiCommandResult {
    const outOfRange = this.checkRange(lba, count)
    if (outOfRange) return outOfRange
    if (count === 0) return good()
    if (direction === 'write' && this.medium.readOnly) return checkCondition(fixedSense(SenseKey.DataProtect, Asc.WriteProtected))
    const bytes = count * this.blockSize
    // The initiator must hand over a buffer for all of it.
    if (!buffer || buffer.length < bytes) return invalidField()
    const start = lba * this.blockSize
    const chunk = new Uint8Array(Math.min(bytes, CHUNK_BYTES))
    for (let done = 0; done < bytes; done += chunk.length) {
      const piece = chunk.subarray(0, Math.min(chunk.length, bytes - done))
      // A failing host file fails the command with MEDIUM ERROR; a guest buffer
      // that is not RAM fails it as an invalid request. The VM goes on either way.
      if (direction === 'read') {
        if (!attempt(() => this.medium.read(start + done, piece))) return mediumError('read')
        if (!attempt(() => buffer.write(done, piece))) return invalidField()
      } else {
        if (!attempt(() => buffer.read(done, piece))) return invalidField()
        if (!attempt(() => this.medium.write(start + done, piece))) return mediumError('write')
      }
    }
    if (direction === 'read') {
      this.stats.readCommands++
      this.stats.bytesRead += bytes
    } else {
      this.stats.writeCommands++
      this.stats.bytesWritten += bytes
    }
    return good(bytes)
  }

  private flush(): ScsiCommandResult {
    try {
      this.medium.flush()
      return good()
    } catch {
      return checkCondition(fixedSense(SenseKey.MediumError, Asc.WriteError))
    }
  }
}

function attempt(io: () => void): boolean {
  try {
    io()
    return true
  } catch {
    return false
  }
}

function mediumError(direction: 'read' | 'write'): ScsiCommandResult {
  return checkCondition(fixedSense(SenseKey.MediumError, direction === 'read' ? Asc.UnrecoveredReadError : Asc.WriteError))
}

export function invalidField(): ScsiCommandResult {
  return checkCondition(fixedSense(SenseKey.IllegalRequest, Asc.InvalidFieldInCdb))
}

/** Standard INQUIRY data (36 bytes): SPC-3, response format 2, command queuing. */
export function standardInquiry(deviceType: number, removable: boolean, identity: InquiryIdentity): Uint8Array {
  const reply = new Uint8Array(36)
  reply[0] = deviceType & 0x1f
  reply[1] = removable ? 0x80 : 0
  reply[2] = 0x05 // SPC-3
  reply[3] = 0x02 // response data format 2
  reply[4] = reply.length - 5
  reply[7] = 0x02 // CmdQue
  putAscii(reply, 8, 8, identity.vendor)
  putAscii(reply, 16, 16, identity.product)
  putAscii(reply, 32, 4, identity.revision)
  return reply
}

/** INQUIRY data for a LUN with no unit behind it: peripheral qualifier 3, type 0x1F (what makes Linux ask REPORT LUNS). */
export function noUnitInquiry(): Uint8Array {
  const reply = standardInquiry(0x1f, false, {vendor: '', product: '', revision: ''})
  reply[0] = 0x7f
  return reply
}

function vpd(deviceType: number, code: number, body: Uint8Array): Uint8Array {
  const page = new Uint8Array(4 + body.length)
  page[0] = deviceType
  page[1] = code
  putBe16(page, 2, body.length)
  page.set(body, 4)
  return page
}

function asciiBytes(text: string): Uint8Array {
  return Uint8Array.from(text, (c) => c.charCodeAt(0) & 0x7f)
}

/** Caching mode page (0x08): write cache enabled, read cache on. Changeable values (PC 1) are all zero. */
function cachingPage(control: number): Uint8Array {
  const page = new Uint8Array(20)
  page[0] = 0x08
  page[1] = 18
  if (control !== 1) page[2] = 0x04 // WCE
  return page
}

/** Control mode page (0x0A), defaults. */
function controlPage(): Uint8Array {
  const page = new Uint8Array(12)
  page[0] = 0x0a
  page[1] = 10
  return page
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let o = 0
  for (const p of parts) {
    out.set(p, o)
    o += p.length
  }
  return out
}

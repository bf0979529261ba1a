/**
 * A SCSI CD/DVD-ROM unit (MMC) over an ISO image, or empty: Generation 2's
 * DVD drive, which Linux's sr driver sees on the synthetic SCSI controller.
 * The commands are the ones sr and the cdrom layer issue: INQUIRY, TEST UNIT
 * READY (NOT READY / MEDIUM NOT PRESENT when empty), READ CAPACITY, READ
 * (10/12) in 2048-byte blocks, READ TOC, GET CONFIGURATION, GET EVENT STATUS
 * NOTIFICATION, MODE SENSE(10) with the capabilities page, and the no-ops.
 */
import type {BlockMedium} from '../block-medium.js'
import {Asc, fixedSense, SenseKey} from './sense.js'
import {
  be16, be32, checkCondition, CountingUnit, type DataBuffer, good, putBe16, putBe32, replyData, type ScsiCommandResult,
} from './scsi-target.js'
import {invalidField, ScsiOp, standardInquiry} from './scsi-disk.js'

const DVD_BLOCK = 2048
/** MMC profile 0x0010: DVD-ROM. */
const PROFILE_DVD_ROM = 0x0010

export class ScsiDvd extends CountingUnit {
  readonly description = 'Virtual DVD-ROM'

  constructor(private readonly medium: BlockMedium | null) {
    super()
  }

  private get blocks(): number {
    return this.medium ? Math.floor(this.medium.size / DVD_BLOCK) : 0
  }

  protected dispatch(cdb: Uint8Array, buffer: DataBuffer | null): ScsiCommandResult {
    switch (cdb[0]) {
      case ScsiOp.Inquiry:
        if (cdb[1] & 0x01) {
          if (cdb[2] !== 0x00) return invalidField()
          return replyData(Uint8Array.from([0x05, 0x00, 0x00, 0x01, 0x00]), be16(cdb, 3), buffer)
        }
        return replyData(standardInquiry(0x05, true, {vendor: 'Msft', product: 'Virtual DVD-ROM', revision: '1.0'}), be16(cdb, 3), buffer)
      case ScsiOp.TestUnitReady:
        return this.medium ? good() : noMedium()
      case ScsiOp.RequestSense:
        return replyData(this.medium ? fixedSense(SenseKey.NoSense, [0, 0]) : fixedSense(SenseKey.NotReady, Asc.MediumNotPresent), cdb[4], buffer)
      case ScsiOp.StartStopUnit:
      case ScsiOp.PreventAllowMediumRemoval:
        return good()
      case ScsiOp.ReadCapacity10: {
        if (!this.medium) return noMedium()
        const reply = new Uint8Array(8)
        putBe32(reply, 0, this.blocks - 1)
        putBe32(reply, 4, DVD_BLOCK)
        return replyData(reply, 8, buffer)
      }
      case ScsiOp.Read10:
        return this.read(be32(cdb, 2), be16(cdb, 7), buffer)
      case ScsiOp.Read12:
        return this.read(be32(cdb, 2), be32(cdb, 6), buffer)
      case ScsiOp.ReadToc:
        return this.readToc(cdb, buffer)
      case ScsiOp.GetConfiguration: {
        // The feature header only: the current profile (none when empty).
        const reply = new Uint8Array(8)
        putBe32(reply, 0, 4)
        putBe16(reply, 6, this.medium ? PROFILE_DVD_ROM : 0)
        return replyData(reply, be16(cdb, 7), buffer)
      }
      case ScsiOp.GetEventStatusNotification: {
        if (!(cdb[1] & 0x01)) return invalidField() // only polled operation
        // Media class: no change; media present or not.
        const reply = Uint8Array.from([0, 6, 0x04, 0x10, 0x00, this.medium ? 0x02 : 0x00, 0, 0])
        return replyData(reply, be16(cdb, 7), buffer)
      }
      case ScsiOp.ModeSense10: {
        if ((cdb[2] & 0x3f) !== 0x2a && (cdb[2] & 0x3f) !== 0x3f) return invalidField()
        // Capabilities and mechanical status page (0x2A): reads CD/DVD, tray loading.
        const page = new Uint8Array(28)
        page[0] = 0x2a
        page[1] = 26
        page[2] = 0x3f // reads CD-R/RW, DVD-ROM ...
        page[6] = 0x29 // tray, eject, lock
        const reply = new Uint8Array(8 + page.length)
        putBe16(reply, 0, reply.length - 2)
        reply.set(page, 8)
        return replyData(reply, be16(cdb, 7), buffer)
      }
      default:
        return checkCondition(fixedSense(SenseKey.IllegalRequest, Asc.InvalidCommandOperationCode))
    }
  }

  private read(lba: number, count: number, buffer: DataBuffer | null): ScsiCommandResult {
    if (!this.medium) return noMedium()
    if (lba + count > this.blocks) return checkCondition(fixedSense(SenseKey.IllegalRequest, Asc.LbaOutOfRange))
    const bytes = count * DVD_BLOCK
    if (bytes === 0) return good()
    if (!buffer || buffer.length < bytes) return invalidField()
    const data = new Uint8Array(bytes)
    try {
      this.medium.read(lba * DVD_BLOCK, data)
    } catch {
      return checkCondition(fixedSense(SenseKey.MediumError, Asc.UnrecoveredReadError))
    }
    try {
      buffer.write(0, data)
    } catch {
      return invalidField()
    }
    this.stats.readCommands++
    this.stats.bytesRead += bytes
    return good(bytes)
  }

  /** READ TOC format 0: one data track from LBA 0 and the lead-out. */
  private readToc(cdb: Uint8Array, buffer: DataBuffer | null): ScsiCommandResult {
    if (!this.medium) return noMedium()
    const format = cdb[2] & 0x0f
    if (format !== 0 && format !== 1) return invalidField()
    const msf = (cdb[1] & 0x02) !== 0
    const reply = new Uint8Array(format === 0 ? 20 : 12)
    putBe16(reply, 0, reply.length - 2)
    reply[2] = 1 // first track (session)
    reply[3] = 1 // last track (session)
    const entry = (o: number, track: number, lba: number) => {
      reply[o + 1] = 0x14 // ADR 1, data track
      reply[o + 2] = track
      if (msf) {
        const frames = lba + 150
        reply[o + 5] = Math.floor(frames / (60 * 75))
        reply[o + 6] = Math.floor(frames / 75) % 60
        reply[o + 7] = frames % 75
      } else {
        putBe32(reply, o + 4, lba)
      }
    }
    entry(4, 1, 0)
    if (format === 0) entry(12, 0xaa, this.blocks)
    return replyData(reply, be16(cdb, 7), buffer)
  }
}

function noMedium(): ScsiCommandResult {
  return checkCondition(fixedSense(SenseKey.NotReady, Asc.MediumNotPresent))
}

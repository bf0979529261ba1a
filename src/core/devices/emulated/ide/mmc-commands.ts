import type {BlockMedium} from '../../storage/block-medium.js'
import {be16, be32, putAscii, putBe16, putBe32} from '../../storage/scsi/scsi-target.js'

/**
 * The SCSI/MMC commands a DVD drive answers inside ATAPI packets (SPC-3,
 * MMC-5), as pure functions of the command and the medium: each returns the
 * data to send, a range of the medium to read, nothing, or a CHECK CONDITION
 * with its sense. Linux's sr and cdrom drivers, libata's ATAPI probing and
 * the usual boot loaders use this set.
 */

export const CD_BLOCK_SIZE = 2048

/** Sense keys and additional sense codes. */
export const SENSE_NONE = 0x00
export const SENSE_NOT_READY = 0x02
export const SENSE_ILLEGAL_REQUEST = 0x05
export const SENSE_UNIT_ATTENTION = 0x06
export const ASC_INVALID_COMMAND = 0x20
export const ASC_LBA_OUT_OF_RANGE = 0x21
export const ASC_INVALID_FIELD_IN_CDB = 0x24
export const ASC_MEDIUM_NOT_PRESENT = 0x3a

export const enum MmcOpcode {
  TestUnitReady = 0x00,
  RequestSense = 0x03,
  Inquiry = 0x12,
  ModeSense6 = 0x1a,
  StartStopUnit = 0x1b,
  PreventAllowMediumRemoval = 0x1e,
  ReadCapacity = 0x25,
  Read10 = 0x28,
  Seek10 = 0x2b,
  ReadToc = 0x43,
  GetConfiguration = 0x46,
  GetEventStatusNotification = 0x4a,
  ModeSense10 = 0x5a,
  Read12 = 0xa8,
  SetCdSpeed = 0xbb,
}

export interface Sense {
  key: number
  asc: number
  ascq: number
}

export type MmcResult =
  | {kind: 'data'; data: Uint8Array}
  | {kind: 'read'; offset: number; length: number}
  | {kind: 'none'}
  | {kind: 'check'; sense: Sense}

export const NO_SENSE: Sense = {key: SENSE_NONE, asc: 0, ascq: 0}

const VENDOR = 'Msft'
const PRODUCT = 'Virtual CD/ROM'
const REVISION = '1.0'

/** MMC profiles: what the drive can read, and what the disc in it is. */
const PROFILE_CD_ROM = 0x0008
const PROFILE_DVD_ROM = 0x0010
/** An ISO up to a CD's capacity is reported as a CD, anything larger as a DVD. */
const CD_CAPACITY_BYTES = 700 * 1024 * 1024

const MODE_PAGE_ERROR_RECOVERY = 0x01
const MODE_PAGE_CAPABILITIES = 0x2a
const MODE_PAGE_ALL = 0x3f

function check(key: number, asc: number, ascq = 0): MmcResult {
  return {kind: 'check', sense: {key, asc, ascq}}
}

const invalidField = () => check(SENSE_ILLEGAL_REQUEST, ASC_INVALID_FIELD_IN_CDB)
const notPresent = () => check(SENSE_NOT_READY, ASC_MEDIUM_NOT_PRESENT)

/** The response cut to the allocation length the host gave. */
function data(bytes: Uint8Array, allocationLength: number): MmcResult {
  return {kind: 'data', data: bytes.subarray(0, Math.min(bytes.length, allocationLength))}
}

export function blocksOf(medium: BlockMedium): number {
  return Math.floor(medium.size / CD_BLOCK_SIZE)
}

/** Fixed-format sense data (SPC-3 4.5.3), 18 bytes. */
export function senseData(sense: Sense): Uint8Array {
  const out = new Uint8Array(18)
  out[0] = 0x70 // current error, fixed format
  out[2] = sense.key
  out[7] = 10 // additional length
  out[12] = sense.asc
  out[13] = sense.ascq
  return out
}

export interface MmcContext {
  medium: BlockMedium | null
  /** The sense of the last command, for REQUEST SENSE. */
  sense: Sense
  serial: string
}

export function executeMmc(cdb: Uint8Array, context: MmcContext): MmcResult {
  const medium = context.medium
  switch (cdb[0]) {
    case MmcOpcode.TestUnitReady:
      return medium ? {kind: 'none'} : notPresent()
    case MmcOpcode.RequestSense:
      return data(senseData(context.sense), cdb[4]!)
    case MmcOpcode.Inquiry:
      return inquiry(cdb, context)
    case MmcOpcode.StartStopUnit:
    case MmcOpcode.PreventAllowMediumRemoval:
    case MmcOpcode.SetCdSpeed:
      return {kind: 'none'}
    case MmcOpcode.Seek10:
      return medium ? {kind: 'none'} : notPresent()
    case MmcOpcode.ReadCapacity: {
      if (!medium) return notPresent()
      const out = new Uint8Array(8)
      putBe32(out, 0, Math.max(0, blocksOf(medium) - 1))
      putBe32(out, 4, CD_BLOCK_SIZE)
      return data(out, 8)
    }
    case MmcOpcode.Read10:
      return read(be32(cdb, 2), be16(cdb, 7), medium)
    case MmcOpcode.Read12:
      return read(be32(cdb, 2), be32(cdb, 6), medium)
    case MmcOpcode.ModeSense10:
      return modeSense10(cdb, medium)
    case MmcOpcode.ReadToc:
      return readToc(cdb, medium)
    case MmcOpcode.GetConfiguration:
      return getConfiguration(cdb, medium)
    case MmcOpcode.GetEventStatusNotification:
      return eventStatus(cdb, medium)
    default:
      return check(SENSE_ILLEGAL_REQUEST, ASC_INVALID_COMMAND)
  }
}

function inquiry(cdb: Uint8Array, context: MmcContext): MmcResult {
  const allocation = be16(cdb, 3)
  if (cdb[1]! & 0x01) {
    // Vital product data: the supported-pages list and the unit serial number.
    if (cdb[2] === 0x00) return data(Uint8Array.of(0x05, 0x00, 0x00, 2, 0x00, 0x80), allocation)
    if (cdb[2] === 0x80) {
      const out = new Uint8Array(4 + context.serial.length)
      out[0] = 0x05
      out[1] = 0x80
      out[3] = context.serial.length
      putAscii(out, 4, context.serial.length, context.serial)
      return data(out, allocation)
    }
    return invalidField()
  }
  if (cdb[2] !== 0) return invalidField()
  const out = new Uint8Array(36)
  out[0] = 0x05 // peripheral device type: CD/DVD
  out[1] = 0x80 // removable medium
  out[2] = 0x05 // SPC-3
  out[3] = 0x02 // response data format 2
  out[4] = 36 - 5
  putAscii(out, 8, 8, VENDOR)
  putAscii(out, 16, 16, PRODUCT)
  putAscii(out, 32, 4, REVISION)
  return data(out, allocation)
}

function read(lba: number, blocks: number, medium: BlockMedium | null): MmcResult {
  if (!medium) return notPresent()
  if (lba + blocks > blocksOf(medium)) return check(SENSE_ILLEGAL_REQUEST, ASC_LBA_OUT_OF_RANGE)
  if (blocks === 0) return {kind: 'none'}
  return {kind: 'read', offset: lba * CD_BLOCK_SIZE, length: blocks * CD_BLOCK_SIZE}
}

function modeSense10(cdb: Uint8Array, medium: BlockMedium | null): MmcResult {
  const pageControl = cdb[2]! >> 6
  const page = cdb[2]! & 0x3f
  const allocation = be16(cdb, 7)
  // Saved values (page control 3) are not supported, as on most drives.
  if (pageControl === 3) return check(SENSE_ILLEGAL_REQUEST, 0x39)
  const pages: Uint8Array[] = []
  if (page === MODE_PAGE_ERROR_RECOVERY || page === MODE_PAGE_ALL) {
    pages.push(Uint8Array.of(MODE_PAGE_ERROR_RECOVERY, 6, 0x00, 5, 0, 0, 0, 0))
  }
  if (page === MODE_PAGE_CAPABILITIES || page === MODE_PAGE_ALL) {
    const p = new Uint8Array(28)
    p[0] = MODE_PAGE_CAPABILITIES
    p[1] = 26
    p[2] = 0x3b // reads CD-R, CD-RW, DVD-ROM, DVD-R, DVD-RAM
    p[4] = 0x71 // audio play, mode 2 form 1 and 2, multisession
    p[5] = 0x60 // CD-DA commands, accurate stream
    p[6] = 0x29 // lock supported, eject supported, tray loading mechanism
    p[7] = 0x00
    putBe16(p, 8, 2816) // maximum read speed, kB/s (16x)
    putBe16(p, 10, 256) // volume levels
    putBe16(p, 12, 512) // buffer, KiB
    putBe16(p, 14, 2816) // current read speed
    pages.push(p)
  }
  if (pages.length === 0) return invalidField()
  const length = 8 + pages.reduce((sum, p) => sum + p.length, 0)
  const out = new Uint8Array(length)
  putBe16(out, 0, length - 2)
  // Medium type: 0x70 is "door closed, no disc" in the old ATAPI CD-ROM values.
  out[2] = medium ? 0x01 : 0x70
  let at = 8
  for (const p of pages) {
    out.set(p, at)
    at += p.length
  }
  return data(out, allocation)
}

/** An LBA as MSF (the 2-second lead-in offset included), in the 4-byte TOC form. */
function putAddress(out: Uint8Array, at: number, lba: number, msf: boolean): void {
  if (!msf) return putBe32(out, at, lba)
  const frames = lba + 150
  out[at] = 0
  out[at + 1] = Math.floor(frames / (60 * 75))
  out[at + 2] = Math.floor(frames / 75) % 60
  out[at + 3] = frames % 75
}

/** READ TOC/PMA/ATIP formats 0 (TOC) and 1 (session information): one data track. */
function readToc(cdb: Uint8Array, medium: BlockMedium | null): MmcResult {
  if (!medium) return notPresent()
  const msf = (cdb[1]! & 0x02) !== 0
  const format = cdb[2]! & 0x0f || cdb[9]! >> 6
  const allocation = be16(cdb, 7)
  if (format === 0) {
    const startTrack = cdb[6]!
    if (startTrack > 1 && startTrack !== 0xaa) return invalidField()
    const tracks = startTrack === 0xaa ? [0xaa] : [1, 0xaa]
    const out = new Uint8Array(4 + 8 * tracks.length)
    putBe16(out, 0, out.length - 2)
    out[2] = 1 // first track
    out[3] = 1 // last track
    tracks.forEach((track, i) => {
      const at = 4 + 8 * i
      out[at + 1] = 0x14 // ADR 1, control: data track
      out[at + 2] = track
      putAddress(out, at + 4, track === 0xaa ? blocksOf(medium) : 0, msf)
    })
    return data(out, allocation)
  }
  if (format === 1) {
    const out = new Uint8Array(12)
    putBe16(out, 0, 10)
    out[2] = 1 // first session
    out[3] = 1 // last session
    out[5] = 0x14
    out[6] = 1 // first track of the last session
    putAddress(out, 8, 0, msf)
    return data(out, allocation)
  }
  return invalidField()
}

/** GET CONFIGURATION: the feature header and the profile list (feature 0). */
function getConfiguration(cdb: Uint8Array, medium: BlockMedium | null): MmcResult {
  const requestType = cdb[1]! & 0x03
  const startingFeature = be16(cdb, 2)
  const allocation = be16(cdb, 7)
  const current = medium ? (medium.size > CD_CAPACITY_BYTES ? PROFILE_DVD_ROM : PROFILE_CD_ROM) : 0
  const parts: Uint8Array[] = []
  if (startingFeature === 0 && requestType !== 3) {
    const list = new Uint8Array(4 + 8)
    list[2] = 0x03 // version 0, persistent, current
    list[3] = 8
    putBe16(list, 4, PROFILE_DVD_ROM)
    list[6] = current === PROFILE_DVD_ROM ? 1 : 0
    putBe16(list, 8, PROFILE_CD_ROM)
    list[10] = current === PROFILE_CD_ROM ? 1 : 0
    parts.push(list)
  }
  const length = 8 + parts.reduce((sum, p) => sum + p.length, 0)
  const out = new Uint8Array(length)
  putBe32(out, 0, length - 4)
  putBe16(out, 6, current)
  if (parts[0]) out.set(parts[0], 8)
  return data(out, allocation)
}

/** GET EVENT STATUS NOTIFICATION (polled only): the media class, with no change to report. */
function eventStatus(cdb: Uint8Array, medium: BlockMedium | null): MmcResult {
  if (!(cdb[1]! & 0x01)) return invalidField()
  const requested = cdb[4]!
  const allocation = be16(cdb, 7)
  const MEDIA_CLASS = 1 << 4
  if (!(requested & MEDIA_CLASS)) {
    // No event available for the classes asked; report the classes supported.
    return data(Uint8Array.of(0, 2, 0x80, MEDIA_CLASS), allocation)
  }
  const out = new Uint8Array(8)
  putBe16(out, 0, 6)
  out[2] = 0x04 // media class
  out[3] = MEDIA_CLASS
  out[4] = 0 // no change
  out[5] = medium ? 0x02 : 0x00 // media present
  return data(out, allocation)
}

/**
 * The two headers, at 64 KiB and 128 KiB. Each is 4 KiB, checksummed; the
 * valid one with the higher sequence number is current. A header is updated
 * by writing the other copy with the next sequence number and flushing, so a
 * crash in the middle leaves the previous header current.
 *
 * Layout (little-endian): signature "head" 0, checksum 4, sequence number 8,
 * file write GUID 16, data write GUID 32, log GUID 48, log version 64,
 * version 66, log length 68, log offset 72, reserved (zero) to 4096.
 */
import {structureChecksum} from './crc32c.js'
import {isZeroGuid, type Guid, readGuid} from './guid.js'
import {HEADER_OFFSETS, HEADER_SECTION_SIZE, HEADER_SIZE, MiB} from './layout.js'
import type {ImageFile} from './image-file.js'
import {DiskFormatError} from '../virtual-disk.js'

const SIGNATURE = 0x64616568 // "head"
const CHECKSUM_OFFSET = 4
const FORMAT_VERSION = 1
const LOG_FORMAT_VERSION = 0
const MAX_SEQUENCE = (1n << 64n) - 1n

export interface VhdxHeader {
  sequenceNumber: bigint
  /** Changed before the first write to the file after it is opened. */
  fileWriteGuid: Guid
  /** Changed before the first change of the virtual disk's contents; differencing children record it. */
  dataWriteGuid: Guid
  /** Non-zero while the log may hold entries to replay. */
  logGuid: Guid
  logVersion: number
  version: number
  logLength: number
  logOffset: number
}

export type HeaderSlot = 0 | 1

export function serializeHeader(header: VhdxHeader): Uint8Array {
  const bytes = new Uint8Array(HEADER_SIZE)
  const view = new DataView(bytes.buffer)
  view.setUint32(0, SIGNATURE, true)
  view.setBigUint64(8, header.sequenceNumber, true)
  bytes.set(header.fileWriteGuid, 16)
  bytes.set(header.dataWriteGuid, 32)
  bytes.set(header.logGuid, 48)
  view.setUint16(64, header.logVersion, true)
  view.setUint16(66, header.version, true)
  view.setUint32(68, header.logLength, true)
  view.setBigUint64(72, BigInt(header.logOffset), true)
  view.setUint32(CHECKSUM_OFFSET, structureChecksum(bytes, CHECKSUM_OFFSET), true)
  return bytes
}

/** A header with the fields a new image starts with. */
export function newHeader(fields: {sequenceNumber: bigint; fileWriteGuid: Guid; dataWriteGuid: Guid; logGuid: Guid; logOffset: number; logLength: number}): VhdxHeader {
  return {...fields, logVersion: LOG_FORMAT_VERSION, version: FORMAT_VERSION}
}

/** The header in `bytes`, or why it is not a valid one. */
function parseHeader(bytes: Uint8Array): VhdxHeader | string {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  if (view.getUint32(0, true) !== SIGNATURE) return 'signature is not "head"'
  if (view.getUint32(CHECKSUM_OFFSET, true) !== structureChecksum(bytes, CHECKSUM_OFFSET)) return 'checksum does not match'
  return {
    sequenceNumber: view.getBigUint64(8, true),
    fileWriteGuid: readGuid(bytes, 16),
    dataWriteGuid: readGuid(bytes, 32),
    logGuid: readGuid(bytes, 48),
    logVersion: view.getUint16(64, true),
    version: view.getUint16(66, true),
    logLength: view.getUint32(68, true),
    // Beyond 2^53 the number is inexact, but then it is far past any file's end and refused below.
    logOffset: Number(view.getBigUint64(72, true)),
  }
}

/**
 * Read both headers and return the current one, checked: the valid one (right
 * signature and checksum) with the higher sequence number. Two valid headers
 * with the same number must be identical, as some tools write them.
 */
export function readCurrentHeader(file: ImageFile, forWriting: boolean): {header: VhdxHeader; slot: HeaderSlot} {
  const raw = HEADER_OFFSETS.map((offset) => {
    const bytes = new Uint8Array(HEADER_SIZE)
    file.read(offset, bytes)
    return bytes
  }) as [Uint8Array, Uint8Array]
  const parsed = raw.map(parseHeader) as [VhdxHeader | string, VhdxHeader | string]
  const [first, second] = parsed
  let slot: HeaderSlot
  if (typeof first === 'string' && typeof second === 'string') {
    throw new DiskFormatError(file.path, `no valid header: header 1 ${first}; header 2 ${second}`)
  } else if (typeof first === 'string') {
    slot = 1
  } else if (typeof second === 'string') {
    slot = 0
  } else if (first.sequenceNumber !== second.sequenceNumber) {
    slot = first.sequenceNumber > second.sequenceNumber ? 0 : 1
  } else if (Buffer.from(raw[0]).equals(Buffer.from(raw[1]))) {
    slot = 0
  } else {
    throw new DiskFormatError(file.path, `both headers have sequence number ${first.sequenceNumber} but differ`)
  }
  const header = parsed[slot] as VhdxHeader
  checkHeaderFields(file, header, slot, forWriting)
  return {header, slot}
}

function checkHeaderFields(file: ImageFile, header: VhdxHeader, slot: HeaderSlot, forWriting: boolean): void {
  const fail = (problem: string) => new DiskFormatError(file.path, `header ${slot + 1}: ${problem}`)
  if (header.version !== FORMAT_VERSION) throw fail(`version is ${header.version}; hv reads version 1`)
  // A log of another version only matters when there is one to replay, or when hv would write one.
  if (header.logVersion !== LOG_FORMAT_VERSION && (forWriting || !isZeroGuid(header.logGuid))) throw fail(`log version is ${header.logVersion}; hv reads and writes version 0`)
  if (header.logOffset % MiB !== 0 || header.logOffset < HEADER_SECTION_SIZE) throw fail(`log offset ${header.logOffset} is not a multiple of 1 MiB past the header section`)
  if (header.logLength % MiB !== 0) throw fail(`log length ${header.logLength} is not a multiple of 1 MiB`)
  if (header.logOffset + header.logLength > file.size()) throw fail(`the log (offset ${header.logOffset}, length ${header.logLength}) goes past the end of the file (${file.size()} bytes)`)
}

/** The current header, and its updates as the format prescribes. */
export class HeaderState {
  constructor(
    private readonly file: ImageFile,
    private currentHeader: VhdxHeader,
    private currentSlot: HeaderSlot,
  ) {}

  get current(): Readonly<VhdxHeader> {
    return this.currentHeader
  }

  /**
   * Make `changes` current: write them into the non-current copy with the
   * next sequence number and flush, then do it once more so that both copies
   * hold them (a damaged copy then costs nothing). A crash at any point
   * leaves either the previous header or the new one current.
   */
  update(changes: Partial<Pick<VhdxHeader, 'fileWriteGuid' | 'dataWriteGuid' | 'logGuid'>>): void {
    for (let copy = 0; copy < 2; copy++) {
      if (this.currentHeader.sequenceNumber >= MAX_SEQUENCE) throw new DiskFormatError(this.file.path, 'the header sequence number cannot grow any more')
      const next: VhdxHeader = {...this.currentHeader, ...changes, sequenceNumber: this.currentHeader.sequenceNumber + 1n}
      const slot: HeaderSlot = this.currentSlot === 0 ? 1 : 0
      this.file.write(HEADER_OFFSETS[slot], serializeHeader(next), 'header')
      this.file.flush()
      this.currentHeader = next
      this.currentSlot = slot
    }
  }
}

/**
 * Channel message layouts (Linux include/linux/hyperv.h, all __packed,
 * little-endian). Every message starts with the 8-byte header {u32 msgtype,
 * u32 padding}; offsets below are from the start of the message.
 *
 * Decoding is the only place guest bytes become structured values, so every
 * read is bounds-checked here and a message that is too short, or whose
 * variable part does not add up, decodes to an error, never an exception.
 * Longer messages than the layout are accepted and the tail ignored: later
 * protocol versions append fields (as Linux and Hyper-V both tolerate).
 */
import {CHANNELMSG, CHANNELMSG_NAMES, HV_MESSAGE_PAYLOAD_BYTES, MAX_USER_DEFINED_BYTES} from './constants.js'
import {readGuid, writeGuid} from './guid.js'

export const HEADER_BYTES = 8

export interface OfferChannelMessage {
  type: typeof CHANNELMSG.OFFERCHANNEL
  classId: string
  instanceId: string
  chnFlags: number
  mmioMegabytes: number
  userDefined: Uint8Array
  subChannelIndex: number
  childRelid: number
  monitorId: number
  monitorAllocated: boolean
  dedicatedInterrupt: boolean
  connectionId: number
}
export interface RescindChannelOfferMessage {
  type: typeof CHANNELMSG.RESCIND_CHANNELOFFER
  childRelid: number
}
export interface RequestOffersMessage {
  type: typeof CHANNELMSG.REQUESTOFFERS
}
export interface AllOffersDeliveredMessage {
  type: typeof CHANNELMSG.ALLOFFERS_DELIVERED
}
export interface OpenChannelMessage {
  type: typeof CHANNELMSG.OPENCHANNEL
  childRelid: number
  openId: number
  ringBufferGpadl: number
  targetVp: number
  downstreamPageOffset: number
  userData: Uint8Array
}
export interface OpenChannelResultMessage {
  type: typeof CHANNELMSG.OPENCHANNEL_RESULT
  childRelid: number
  openId: number
  status: number
}
export interface CloseChannelMessage {
  type: typeof CHANNELMSG.CLOSECHANNEL
  childRelid: number
}
/** GPADL_HEADER: `rangeData` is the part of the gpa_range array carried in this message. */
export interface GpadlHeaderMessage {
  type: typeof CHANNELMSG.GPADL_HEADER
  childRelid: number
  gpadl: number
  rangeBufLen: number
  rangeCount: number
  rangeData: Uint8Array
}
/** GPADL_BODY: `pfnData` continues the header's range data (whole u64 PFNs). */
export interface GpadlBodyMessage {
  type: typeof CHANNELMSG.GPADL_BODY
  msgNumber: number
  gpadl: number
  pfnData: Uint8Array
}
export interface GpadlCreatedMessage {
  type: typeof CHANNELMSG.GPADL_CREATED
  childRelid: number
  gpadl: number
  status: number
}
export interface GpadlTeardownMessage {
  type: typeof CHANNELMSG.GPADL_TEARDOWN
  childRelid: number
  gpadl: number
}
export interface GpadlTorndownMessage {
  type: typeof CHANNELMSG.GPADL_TORNDOWN
  gpadl: number
}
export interface RelidReleasedMessage {
  type: typeof CHANNELMSG.RELID_RELEASED
  childRelid: number
}
/**
 * INITIATE_CONTACT. Before 5.0 bytes 16-23 are the interrupt page GPA; from
 * 5.0 on they are {u8 msg_sint, u8 msg_vtl, u8 reserved[2], u32 feature_flags}.
 * Both readings are decoded; the server picks by version.
 */
export interface InitiateContactMessage {
  type: typeof CHANNELMSG.INITIATE_CONTACT
  versionRequested: number
  targetVcpu: number
  interruptPage: bigint
  msgSint: number
  msgVtl: number
  featureFlags: number
  monitorPage1: bigint
  monitorPage2: bigint
}
export interface VersionResponseMessage {
  type: typeof CHANNELMSG.VERSION_RESPONSE
  versionSupported: boolean
  connectionState: number
  msgConnId: number
}
export interface UnloadMessage {
  type: typeof CHANNELMSG.UNLOAD
}
export interface UnloadResponseMessage {
  type: typeof CHANNELMSG.UNLOAD_RESPONSE
}

export type ChannelMessage =
  | OfferChannelMessage
  | RescindChannelOfferMessage
  | RequestOffersMessage
  | AllOffersDeliveredMessage
  | OpenChannelMessage
  | OpenChannelResultMessage
  | CloseChannelMessage
  | GpadlHeaderMessage
  | GpadlBodyMessage
  | GpadlCreatedMessage
  | GpadlTeardownMessage
  | GpadlTorndownMessage
  | RelidReleasedMessage
  | InitiateContactMessage
  | VersionResponseMessage
  | UnloadMessage
  | UnloadResponseMessage

export type DecodeResult = {ok: true; message: ChannelMessage} | {ok: false; type: number | null; error: string}

/** Fixed sizes (header included) of each message; GPADL_HEADER/BODY are minimums before their arrays. */
export const MESSAGE_SIZE: Record<number, number> = {
  [CHANNELMSG.OFFERCHANNEL]: 196,
  [CHANNELMSG.RESCIND_CHANNELOFFER]: 12,
  [CHANNELMSG.REQUESTOFFERS]: 8,
  [CHANNELMSG.ALLOFFERS_DELIVERED]: 8,
  [CHANNELMSG.OPENCHANNEL]: 148,
  [CHANNELMSG.OPENCHANNEL_RESULT]: 20,
  [CHANNELMSG.CLOSECHANNEL]: 12,
  [CHANNELMSG.GPADL_HEADER]: 20,
  [CHANNELMSG.GPADL_BODY]: 16,
  [CHANNELMSG.GPADL_CREATED]: 20,
  [CHANNELMSG.GPADL_TEARDOWN]: 16,
  [CHANNELMSG.GPADL_TORNDOWN]: 12,
  [CHANNELMSG.RELID_RELEASED]: 12,
  [CHANNELMSG.INITIATE_CONTACT]: 40,
  [CHANNELMSG.VERSION_RESPONSE]: 16,
  [CHANNELMSG.UNLOAD]: 8,
  [CHANNELMSG.UNLOAD_RESPONSE]: 8,
}

/** PFNs that fit in a GPADL_HEADER with one range, and in each GPADL_BODY (as Linux computes them). */
export const GPADL_HEADER_MAX_PFNS = Math.floor((HV_MESSAGE_PAYLOAD_BYTES - MESSAGE_SIZE[CHANNELMSG.GPADL_HEADER] - 8) / 8)
export const GPADL_BODY_MAX_PFNS = Math.floor((HV_MESSAGE_PAYLOAD_BYTES - MESSAGE_SIZE[CHANNELMSG.GPADL_BODY]) / 8)

export function messageName(type: number): string {
  return CHANNELMSG_NAMES[type] ?? `UNKNOWN_${type}`
}

/** Read a u64 PFN as a number; values past 2^53 lose precision but are far outside any guest anyway. */
export function readU64(view: DataView, offset: number): number {
  return view.getUint32(offset + 4, true) * 0x1_0000_0000 + view.getUint32(offset, true)
}

function writeU64(view: DataView, offset: number, value: number | bigint): void {
  const v = BigInt(value)
  view.setUint32(offset, Number(v & 0xffffffffn), true)
  view.setUint32(offset + 4, Number((v >> 32n) & 0xffffffffn), true)
}

export function decodeChannelMessage(bytes: Uint8Array): DecodeResult {
  if (bytes.length < HEADER_BYTES) return {ok: false, type: null, error: `message of ${bytes.length} bytes is shorter than its header`}
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const type = view.getUint32(0, true)
  const size = MESSAGE_SIZE[type]
  if (size === undefined) return {ok: false, type, error: `unknown channel message type ${type}`}
  if (bytes.length < size) {
    return {ok: false, type, error: `${messageName(type)} of ${bytes.length} bytes, needs ${size}`}
  }
  const u32 = (o: number) => view.getUint32(o, true)
  const u16 = (o: number) => view.getUint16(o, true)
  switch (type) {
    case CHANNELMSG.OFFERCHANNEL:
      return {
        ok: true,
        message: {
          type,
          classId: readGuid(bytes, 8),
          instanceId: readGuid(bytes, 24),
          chnFlags: u16(56),
          mmioMegabytes: u16(58),
          userDefined: bytes.slice(60, 60 + MAX_USER_DEFINED_BYTES),
          subChannelIndex: u16(180),
          childRelid: u32(184),
          monitorId: bytes[188],
          monitorAllocated: (bytes[189] & 1) !== 0,
          dedicatedInterrupt: (u16(190) & 1) !== 0,
          connectionId: u32(192),
        },
      }
    case CHANNELMSG.RESCIND_CHANNELOFFER:
    case CHANNELMSG.CLOSECHANNEL:
    case CHANNELMSG.RELID_RELEASED:
      return {ok: true, message: {type, childRelid: u32(8)}}
    case CHANNELMSG.REQUESTOFFERS:
    case CHANNELMSG.ALLOFFERS_DELIVERED:
    case CHANNELMSG.UNLOAD:
    case CHANNELMSG.UNLOAD_RESPONSE:
      return {ok: true, message: {type}}
    case CHANNELMSG.OPENCHANNEL:
      return {
        ok: true,
        message: {
          type,
          childRelid: u32(8),
          openId: u32(12),
          ringBufferGpadl: u32(16),
          targetVp: u32(20),
          downstreamPageOffset: u32(24),
          userData: bytes.slice(28, 28 + MAX_USER_DEFINED_BYTES),
        },
      }
    case CHANNELMSG.OPENCHANNEL_RESULT:
      return {ok: true, message: {type, childRelid: u32(8), openId: u32(12), status: u32(16)}}
    case CHANNELMSG.GPADL_HEADER: {
      const rangeData = bytes.slice(20)
      if (rangeData.length % 8 !== 0) {
        return {ok: false, type, error: `GPADL_HEADER range data of ${rangeData.length} bytes is not whole u64s`}
      }
      return {
        ok: true,
        message: {type, childRelid: u32(8), gpadl: u32(12), rangeBufLen: u16(16), rangeCount: u16(18), rangeData},
      }
    }
    case CHANNELMSG.GPADL_BODY: {
      const pfnData = bytes.slice(16)
      if (pfnData.length % 8 !== 0) {
        return {ok: false, type, error: `GPADL_BODY PFN data of ${pfnData.length} bytes is not whole u64s`}
      }
      return {ok: true, message: {type, msgNumber: u32(8), gpadl: u32(12), pfnData}}
    }
    case CHANNELMSG.GPADL_CREATED:
      return {ok: true, message: {type, childRelid: u32(8), gpadl: u32(12), status: u32(16)}}
    case CHANNELMSG.GPADL_TEARDOWN:
      return {ok: true, message: {type, childRelid: u32(8), gpadl: u32(12)}}
    case CHANNELMSG.GPADL_TORNDOWN:
      return {ok: true, message: {type, gpadl: u32(8)}}
    case CHANNELMSG.INITIATE_CONTACT:
      return {
        ok: true,
        message: {
          type,
          versionRequested: u32(8),
          targetVcpu: u32(12),
          interruptPage: view.getBigUint64(16, true),
          msgSint: bytes[16],
          msgVtl: bytes[17],
          featureFlags: u32(20),
          monitorPage1: view.getBigUint64(24, true),
          monitorPage2: view.getBigUint64(32, true),
        },
      }
    case CHANNELMSG.VERSION_RESPONSE:
      return {ok: true, message: {type, versionSupported: bytes[8] !== 0, connectionState: bytes[9], msgConnId: u32(12)}}
  }
  return {ok: false, type, error: `unknown channel message type ${type}`}
}

/** Encode a message (both directions: the server uses it for replies, test clients for requests). */
export function encodeChannelMessage(message: ChannelMessage): Uint8Array {
  let size = MESSAGE_SIZE[message.type]
  if (message.type === CHANNELMSG.GPADL_HEADER) size += message.rangeData.length
  if (message.type === CHANNELMSG.GPADL_BODY) size += message.pfnData.length
  const out = new Uint8Array(size)
  const view = new DataView(out.buffer)
  view.setUint32(0, message.type, true)
  const u32 = (o: number, v: number) => view.setUint32(o, v >>> 0, true)
  const u16 = (o: number, v: number) => view.setUint16(o, v & 0xffff, true)
  switch (message.type) {
    case CHANNELMSG.OFFERCHANNEL:
      writeGuid(out, 8, message.classId)
      writeGuid(out, 24, message.instanceId)
      u16(56, message.chnFlags)
      u16(58, message.mmioMegabytes)
      out.set(message.userDefined.subarray(0, MAX_USER_DEFINED_BYTES), 60)
      u16(180, message.subChannelIndex)
      u32(184, message.childRelid)
      out[188] = message.monitorId
      out[189] = message.monitorAllocated ? 1 : 0
      u16(190, message.dedicatedInterrupt ? 1 : 0)
      u32(192, message.connectionId)
      break
    case CHANNELMSG.RESCIND_CHANNELOFFER:
    case CHANNELMSG.CLOSECHANNEL:
    case CHANNELMSG.RELID_RELEASED:
      u32(8, message.childRelid)
      break
    case CHANNELMSG.REQUESTOFFERS:
    case CHANNELMSG.ALLOFFERS_DELIVERED:
    case CHANNELMSG.UNLOAD:
    case CHANNELMSG.UNLOAD_RESPONSE:
      break
    case CHANNELMSG.OPENCHANNEL:
      u32(8, message.childRelid)
      u32(12, message.openId)
      u32(16, message.ringBufferGpadl)
      u32(20, message.targetVp)
      u32(24, message.downstreamPageOffset)
      out.set(message.userData.subarray(0, MAX_USER_DEFINED_BYTES), 28)
      break
    case CHANNELMSG.OPENCHANNEL_RESULT:
      u32(8, message.childRelid)
      u32(12, message.openId)
      u32(16, message.status)
      break
    case CHANNELMSG.GPADL_HEADER:
      u32(8, message.childRelid)
      u32(12, message.gpadl)
      u16(16, message.rangeBufLen)
      u16(18, message.rangeCount)
      out.set(message.rangeData, 20)
      break
    case CHANNELMSG.GPADL_BODY:
      u32(8, message.msgNumber)
      u32(12, message.gpadl)
      out.set(message.pfnData, 16)
      break
    case CHANNELMSG.GPADL_CREATED:
      u32(8, message.childRelid)
      u32(12, message.gpadl)
      u32(16, message.status)
      break
    case CHANNELMSG.GPADL_TEARDOWN:
      u32(8, message.childRelid)
      u32(12, message.gpadl)
      break
    case CHANNELMSG.GPADL_TORNDOWN:
      u32(8, message.gpadl)
      break
    case CHANNELMSG.INITIATE_CONTACT:
      u32(8, message.versionRequested)
      u32(12, message.targetVcpu)
      writeU64(view, 16, message.interruptPage)
      if (message.interruptPage === 0n) {
        // 5.0 layout: the sint/vtl/flags fields share the interrupt page's bytes.
        out[16] = message.msgSint
        out[17] = message.msgVtl
        u32(20, message.featureFlags)
      }
      writeU64(view, 24, message.monitorPage1)
      writeU64(view, 32, message.monitorPage2)
      break
    case CHANNELMSG.VERSION_RESPONSE:
      out[8] = message.versionSupported ? 1 : 0
      out[9] = message.connectionState
      u32(12, message.msgConnId)
      break
  }
  return out
}

// ---- gpa_range arrays (GPADL_HEADER + GPADL_BODY data) ---------------------------

/** One gpa_range: {u32 byte_count, u32 byte_offset, u64 pfn[ceil((offset + count) / 4096)]}. */
export interface GpaRange {
  byteCount: number
  byteOffset: number
  pfns: number[]
}

/** PFNs a range of `byteCount` bytes starting `byteOffset` into its first page spans. */
export function rangePageCount(byteCount: number, byteOffset: number): number {
  return Math.ceil((byteOffset + byteCount) / 4096)
}

export function encodeGpaRanges(ranges: readonly GpaRange[]): Uint8Array {
  const size = ranges.reduce((n, r) => n + 8 + r.pfns.length * 8, 0)
  const out = new Uint8Array(size)
  const view = new DataView(out.buffer)
  let o = 0
  for (const r of ranges) {
    view.setUint32(o, r.byteCount >>> 0, true)
    view.setUint32(o + 4, r.byteOffset >>> 0, true)
    o += 8
    for (const pfn of r.pfns) {
      writeU64(view, o, pfn)
      o += 8
    }
  }
  return out
}

/**
 * Parse `rangeCount` ranges that must fill `data` exactly. Checks every
 * range's byte_offset (inside the first page), byte_count (non-zero) and that
 * its PFN array is there; returns an error string for the first violation.
 */
export function parseGpaRanges(data: Uint8Array, rangeCount: number, maxPages: number): GpaRange[] | string {
  if (rangeCount === 0) return 'GPADL with no ranges'
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength)
  const ranges: GpaRange[] = []
  let o = 0
  let pages = 0
  for (let i = 0; i < rangeCount; i++) {
    if (o + 8 > data.length) return `range ${i} lies past the range data (${data.length} bytes)`
    const byteCount = view.getUint32(o, true)
    const byteOffset = view.getUint32(o + 4, true)
    o += 8
    if (byteCount === 0) return `range ${i} has byte_count 0`
    if (byteOffset >= 4096) return `range ${i} has byte_offset ${byteOffset}, outside its first page`
    const count = rangePageCount(byteCount, byteOffset)
    pages += count
    if (pages > maxPages) return `GPADL describes more than ${maxPages} pages`
    if (o + count * 8 > data.length) return `range ${i} needs ${count} PFNs, the data holds fewer`
    const pfns: number[] = []
    for (let p = 0; p < count; p++) pfns.push(readU64(view, o + p * 8))
    o += count * 8
    ranges.push({byteCount, byteOffset, pfns})
  }
  if (o !== data.length) return `range data has ${data.length - o} bytes after the last range`
  return ranges
}

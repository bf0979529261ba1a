import {describe, expect, it} from 'vitest'
import {
  CHANNELMSG,
  GPADL_BODY_MAX_PFNS,
  GPADL_HEADER_MAX_PFNS,
  MESSAGE_SIZE,
  decodeChannelMessage,
  encodeChannelMessage,
  encodeGpaRanges,
  guidToBytes,
  parseGpaRanges,
  readGuid,
  type ChannelMessage,
} from '../../../src/core/vmbus/index.js'

const user = new Uint8Array(120).map((_, i) => i)

const samples: ChannelMessage[] = [
  {
    type: CHANNELMSG.OFFERCHANNEL,
    classId: '57164f39-9115-4e78-ab55-382f3bd5422d',
    instanceId: 'fd149e91-82e0-4a7d-afa6-2a4166cbd7c0',
    chnFlags: 0x100,
    mmioMegabytes: 3,
    userDefined: user,
    subChannelIndex: 2,
    childRelid: 7,
    monitorId: 0xff,
    monitorAllocated: true,
    dedicatedInterrupt: true,
    connectionId: 0x2007,
  },
  {type: CHANNELMSG.RESCIND_CHANNELOFFER, childRelid: 5},
  {type: CHANNELMSG.REQUESTOFFERS},
  {type: CHANNELMSG.ALLOFFERS_DELIVERED},
  {type: CHANNELMSG.OPENCHANNEL, childRelid: 1, openId: 2, ringBufferGpadl: 0xe1e10, targetVp: 3, downstreamPageOffset: 4, userData: user},
  {type: CHANNELMSG.OPENCHANNEL_RESULT, childRelid: 1, openId: 2, status: 0xc0000001},
  {type: CHANNELMSG.CLOSECHANNEL, childRelid: 9},
  {type: CHANNELMSG.GPADL_HEADER, childRelid: 1, gpadl: 0x10, rangeBufLen: 24, rangeCount: 1, rangeData: new Uint8Array(24).fill(3)},
  {type: CHANNELMSG.GPADL_BODY, msgNumber: 1, gpadl: 0x10, pfnData: new Uint8Array(16).fill(4)},
  {type: CHANNELMSG.GPADL_CREATED, childRelid: 1, gpadl: 0x10, status: 0},
  {type: CHANNELMSG.GPADL_TEARDOWN, childRelid: 1, gpadl: 0x10},
  {type: CHANNELMSG.GPADL_TORNDOWN, gpadl: 0x10},
  {type: CHANNELMSG.RELID_RELEASED, childRelid: 4},
  {
    type: CHANNELMSG.INITIATE_CONTACT,
    versionRequested: 0x50000,
    targetVcpu: 1,
    interruptPage: 0n,
    msgSint: 2,
    msgVtl: 0,
    featureFlags: 0,
    monitorPage1: 0x5000n,
    monitorPage2: 0x6000n,
  },
  {type: CHANNELMSG.VERSION_RESPONSE, versionSupported: true, connectionState: 0, msgConnId: 1},
  {type: CHANNELMSG.UNLOAD},
  {type: CHANNELMSG.UNLOAD_RESPONSE},
]

describe('channel message layouts', () => {
  it('round-trips every message type 1-17', () => {
    expect(new Set(samples.map((m) => m.type)).size).toBe(17)
    for (const message of samples) {
      const bytes = encodeChannelMessage(message)
      expect(new DataView(bytes.buffer).getUint32(0, true)).toBe(message.type)
      const decoded = decodeChannelMessage(bytes)
      expect(decoded.ok).toBe(true)
      if (!decoded.ok) continue
      // The INITIATE_CONTACT decode also exposes the pre-5.0 reading of the union.
      if (message.type === CHANNELMSG.INITIATE_CONTACT) {
        expect({...decoded.message, interruptPage: 0n}).toEqual({...message, interruptPage: 0n})
      } else {
        expect(decoded.message).toEqual(message)
      }
    }
  })

  it('lays out the fields at the Linux hyperv.h offsets', () => {
    const offer = encodeChannelMessage(samples[0])
    expect(offer.length).toBe(196)
    const v = new DataView(offer.buffer)
    expect(v.getUint16(56, true)).toBe(0x100) // chn_flags
    expect(v.getUint16(58, true)).toBe(3) // mmio_megabytes
    expect(offer[60]).toBe(0) // user_def[0]
    expect(offer[179]).toBe(119) // user_def[119]
    expect(v.getUint16(180, true)).toBe(2) // sub_channel_index
    expect(v.getUint32(184, true)).toBe(7) // child_relid
    expect(offer[188]).toBe(0xff) // monitorid
    expect(offer[189]).toBe(1) // monitor_allocated
    expect(v.getUint16(190, true)).toBe(1) // is_dedicated_interrupt
    expect(v.getUint32(192, true)).toBe(0x2007) // connection_id

    const open = new DataView(encodeChannelMessage(samples[4]).buffer)
    expect(open.byteLength).toBe(148)
    expect(open.getUint32(16, true)).toBe(0xe1e10)
    expect(open.getUint32(24, true)).toBe(4)

    const contact = encodeChannelMessage(samples[13])
    expect(contact.length).toBe(40)
    expect(contact[16]).toBe(2) // msg_sint
    expect(new DataView(contact.buffer).getBigUint64(24, true)).toBe(0x5000n)

    const response = encodeChannelMessage(samples[14])
    expect(response.length).toBe(16)
    expect(response[8]).toBe(1)
    expect(new DataView(response.buffer).getUint32(12, true)).toBe(1)
    expect(MESSAGE_SIZE[CHANNELMSG.GPADL_HEADER]).toBe(20)
    expect(GPADL_HEADER_MAX_PFNS).toBe(26)
    expect(GPADL_BODY_MAX_PFNS).toBe(28)
  })

  it('writes GUIDs in Windows mixed-endian order', () => {
    const bytes = guidToBytes('57164f39-9115-4e78-ab55-382f3bd5422d')
    expect([...bytes]).toEqual([0x39, 0x4f, 0x16, 0x57, 0x15, 0x91, 0x78, 0x4e, 0xab, 0x55, 0x38, 0x2f, 0x3b, 0xd5, 0x42, 0x2d])
    expect(readGuid(bytes, 0)).toBe('57164f39-9115-4e78-ab55-382f3bd5422d')
  })

  it('decodes short, empty and unknown messages to errors', () => {
    expect(decodeChannelMessage(new Uint8Array(0)).ok).toBe(false)
    expect(decodeChannelMessage(new Uint8Array(7)).ok).toBe(false)
    const unknown = new Uint8Array(8)
    unknown[0] = 99
    const r = decodeChannelMessage(unknown)
    expect(r.ok).toBe(false)
    if (!r.ok) expect(r.type).toBe(99)
    for (const message of samples) {
      const bytes = encodeChannelMessage(message)
      const size = MESSAGE_SIZE[message.type]
      if (size > 8) expect(decodeChannelMessage(bytes.subarray(0, size - 1)).ok).toBe(false)
    }
    // GPADL data that is not whole u64s.
    const header = encodeChannelMessage(samples[7])
    expect(decodeChannelMessage(header.subarray(0, header.length - 3)).ok).toBe(false)
  })

  it('parses gpa_range arrays and rejects inconsistent ones', () => {
    const data = encodeGpaRanges([
      {byteCount: 5000, byteOffset: 100, pfns: [10, 11]},
      {byteCount: 4096, byteOffset: 0, pfns: [20]},
    ])
    expect(parseGpaRanges(data, 2, 100)).toEqual([
      {byteCount: 5000, byteOffset: 100, pfns: [10, 11]},
      {byteCount: 4096, byteOffset: 0, pfns: [20]},
    ])
    expect(typeof parseGpaRanges(data, 3, 100)).toBe('string') // missing range
    expect(typeof parseGpaRanges(data, 1, 100)).toBe('string') // trailing bytes
    expect(typeof parseGpaRanges(data, 2, 2)).toBe('string') // too many pages
    expect(typeof parseGpaRanges(encodeGpaRanges([{byteCount: 0, byteOffset: 0, pfns: []}]), 1, 10)).toBe('string')
    expect(typeof parseGpaRanges(encodeGpaRanges([{byteCount: 8, byteOffset: 4096, pfns: [1, 2]}]), 1, 10)).toBe('string')
  })
})

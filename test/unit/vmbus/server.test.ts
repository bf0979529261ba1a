import {describe, expect, it} from 'vitest'
import {HV_STATUS} from '../../../src/core/hypervisor/hvdef.js'
import {
  CHANNELMSG,
  CHANNEL_CONNECTION_ID_BASE,
  NT_STATUS,
  VMBUS_MESSAGE_CONNECTION_ID,
  VMBUS_MESSAGE_CONNECTION_ID_4,
  VMBUS_VERSION,
  VmbusServer,
  encodeChannelMessage,
  encodeGpaRanges,
} from '../../../src/core/vmbus/index.js'
import {EchoDevice, FakePartitionLink, VmbusTestClient, echoOffer} from '../../helpers/vmbus-client.js'

function setup(count = 1) {
  const link = new FakePartitionLink()
  const devices = Array.from({length: count}, (_, i) => new EchoDevice(echoOffer(i)))
  const logs: string[] = []
  const server = new VmbusServer(link, {devices, log: (m) => logs.push(m)})
  const client = new VmbusTestClient(link)
  return {link, devices, server, client, logs}
}

function connected(count = 1, version: number = VMBUS_VERSION.WIN10) {
  const s = setup(count)
  expect(s.client.initiateContact(version).versionSupported).toBe(true)
  s.client.requestOffers()
  return s
}

function bytes(n: number, seed = 1): Uint8Array {
  return Uint8Array.from({length: n}, (_, i) => (i * 31 + seed * 7) & 0xff)
}

describe('VMBus handshake', () => {
  it('negotiates WIN10, offers every device and opens a channel', () => {
    const {link, server, client, devices} = setup(2)
    const response = client.initiateContact(VMBUS_VERSION.WIN10)
    expect(response).toMatchObject({versionSupported: true, connectionState: 0})
    expect(link.posted).toHaveLength(0) // taken
    expect(server.version).toBe(VMBUS_VERSION.WIN10)

    const offers = client.requestOffers()
    expect(offers.map((o) => o.childRelid)).toEqual([1, 2])
    expect(offers.map((o) => o.connectionId)).toEqual([CHANNEL_CONNECTION_ID_BASE + 1, CHANNEL_CONNECTION_ID_BASE + 2])
    expect(offers[0]).toMatchObject({
      classId: devices[0].offer.classId,
      instanceId: devices[0].offer.instanceId,
      monitorAllocated: false,
      dedicatedInterrupt: true,
    })

    const channel = client.openChannel(offers[0], {toHostPages: 3, toGuestPages: 5})
    expect(channel.result).toMatchObject({childRelid: 1, openId: 1, status: 0})
    expect(devices[0].openedCount).toBe(1)
    expect(devices[1].openedCount).toBe(0)

    const stats = server.statistics()
    expect(stats).toMatchObject({Connected: true, Version: VMBUS_VERSION.WIN10, VersionName: 'WIN10', TargetVp: 0, MessageSint: 2})
    expect(stats.Channels[0]).toMatchObject({
      Name: 'Echo 0',
      ClassName: 'Heartbeat',
      RelId: 1,
      State: 'Open',
      RingBytesToHost: 2 * 4096,
      RingBytesToGuest: 4 * 4096,
    })
    expect(stats.Channels[1].State).toBe('Offered')
    expect(stats.MessagesReceived).toMatchObject({INITIATE_CONTACT: 1, REQUESTOFFERS: 1, GPADL_HEADER: 1, OPENCHANNEL: 1})
    expect(stats.MessagesSent).toMatchObject({VERSION_RESPONSE: 1, OFFERCHANNEL: 2, ALLOFFERS_DELIVERED: 1, GPADL_CREATED: 1, OPENCHANNEL_RESULT: 1})
    expect(JSON.parse(JSON.stringify(stats))).toEqual(stats)
  })

  it('exchanges packets both ways through an echo device, across many wrap-arounds', () => {
    const {link, client, devices, server} = connected()
    const channel = client.openChannel(client.offers[0])
    const sent: Uint8Array[] = []
    let received = 0
    for (let i = 0; i < 400; i++) {
      const payload = bytes(1 + ((i * 37) % 700), i)
      expect(client.sendPacket(channel, payload, {transactionId: BigInt(i), flags: 1})).toBe(true)
      sent.push(payload)
      // The guest drains what the host echoed.
      for (let p = channel.toGuest.readPacket(); p; p = channel.toGuest.readPacket()) {
        expect(p.transactionId).toBe(BigInt(received))
        expect(p.payload.subarray(0, sent[received].length)).toEqual(sent[received])
        expect(p.payload.length).toBe(Math.ceil(sent[received].length / 8) * 8)
        received++
      }
    }
    expect(received).toBe(400)
    expect(devices[0].received).toHaveLength(400)
    expect(devices[0].received[5]).toMatchObject({type: 6, flags: 1, transactionId: 5n})
    expect(devices[0].received[5].payload.subarray(0, sent[5].length)).toEqual(sent[5])
    const total = sent.reduce((n, p) => n + 16 + Math.ceil(p.length / 8) * 8 + 8, 0)
    expect(total).toBeGreaterThan(20 * 4096) // wrapped many times
    const stats = server.statistics().Channels[0]
    expect(stats).toMatchObject({PacketsToHost: 400, PacketsToGuest: 400, BytesToHost: total, BytesToGuest: total})
    // Each host write found the ring empty (the guest had drained it), so each one signalled relid 1 on SINT 2.
    expect(link.signals.length).toBe(400)
    expect(link.signals[0]).toEqual({vp: 0, sint: 2, flag: 1})
    expect(stats.InterruptsSent).toBe(400)
    expect(stats.InterruptsReceived).toBe(400)
  })

  it('writes the trailer as the previous write index << 32', () => {
    const {client, devices} = connected()
    const channel = client.openChannel(client.offers[0])
    devices[0].endpoint!.send(bytes(10))
    devices[0].endpoint!.send(bytes(3))
    expect(channel.toGuest.readPacket()!.trailer).toBe(0)
    expect(channel.toGuest.readPacket()!.trailer).toBe(16 + 16 + 8)
  })

  it('refuses WS2008, WIN7 and unknown versions so the guest retries lower', () => {
    const {client, server} = setup()
    for (const v of [0x00060000, VMBUS_VERSION.WIN7, VMBUS_VERSION.WS2008, 0x00050004]) {
      const response = client.initiateContact(v)
      expect(response.versionSupported).toBe(false)
      expect(server.connected).toBe(false)
    }
    for (const v of [VMBUS_VERSION.WIN8, VMBUS_VERSION.WIN8_1, VMBUS_VERSION.WIN10_V4_1, VMBUS_VERSION.WIN10_V5_3]) {
      expect(client.initiateContact(v).versionSupported).toBe(true)
      expect(server.version).toBe(v)
    }
  })

  it('at >= 5.0 takes INITIATE_CONTACT on connection 4 and answers on the guest-named SINT and VP', () => {
    const {link, client, server} = setup()
    client.send(
      {
        type: CHANNELMSG.INITIATE_CONTACT,
        versionRequested: VMBUS_VERSION.WIN10_V5_2,
        targetVcpu: 1,
        interruptPage: 0n,
        msgSint: 5,
        msgVtl: 0,
        featureFlags: 0,
        monitorPage1: 0n,
        monitorPage2: 0n,
      },
      VMBUS_MESSAGE_CONNECTION_ID_4,
    )
    expect(link.posted[0]).toMatchObject({vp: 1, sint: 5, messageType: 1})
    const response = client.takeOne(CHANNELMSG.VERSION_RESPONSE)
    expect(response).toMatchObject({versionSupported: true, msgConnId: VMBUS_MESSAGE_CONNECTION_ID})
    client.send({type: CHANNELMSG.REQUESTOFFERS}, response.msgConnId)
    expect(link.posted.every((m) => m.vp === 1 && m.sint === 5)).toBe(true)
    client.requestOffers()
    const channel = client.openChannel(client.offers[0], {targetVp: 1})
    client.sendPacket(channel, bytes(8))
    expect(link.signals.at(-1)).toEqual({vp: 1, sint: 5, flag: 1})
    expect(server.statistics().MessageSint).toBe(5)
  })

  it('ignores channel messages before contact, and counts them', () => {
    const {link, client, server} = setup()
    client.send({type: CHANNELMSG.REQUESTOFFERS})
    expect(link.posted).toHaveLength(0)
    expect(server.statistics().ProtocolErrors).toBe(1)
    expect(server.statistics().LastProtocolError).toMatch(/before INITIATE_CONTACT/)
  })
})

describe('malformed messages', () => {
  it('are counted and ignored without an exception', () => {
    const {link, client, server} = connected()
    const before = link.posted.length
    expect(client.sendRaw(new Uint8Array(4))).toBe(HV_STATUS.SUCCESS)
    expect(client.sendRaw(new Uint8Array(0))).toBe(HV_STATUS.SUCCESS)
    const unknown = new Uint8Array(16)
    unknown[0] = 99
    client.sendRaw(unknown)
    const open = encodeChannelMessage({
      type: CHANNELMSG.OPENCHANNEL,
      childRelid: 1,
      openId: 1,
      ringBufferGpadl: 1,
      targetVp: 0,
      downstreamPageOffset: 1,
      userData: new Uint8Array(120),
    })
    client.sendRaw(open.subarray(0, 40)) // truncated OPENCHANNEL
    client.sendRaw(new Uint8Array(13).fill(0).map((_, i) => (i === 0 ? CHANNELMSG.GPADL_HEADER : 0)).subarray(0, 13))
    const header = new Uint8Array(23)
    header[0] = CHANNELMSG.GPADL_HEADER
    client.sendRaw(header) // range data not whole u64s
    client.sendRaw(encodeChannelMessage({type: CHANNELMSG.REQUESTOFFERS}), VMBUS_MESSAGE_CONNECTION_ID, 7) // wrong SynIC type
    client.send({type: CHANNELMSG.ALLOFFERS_DELIVERED}) // host-to-guest message from the guest
    expect(link.posted.length).toBe(before)
    const stats = server.statistics()
    expect(stats.MalformedMessages).toBe(7)
    expect(stats.ProtocolErrors).toBe(8)
    expect(server.connected).toBe(true)
  })
})

describe('GPADLs', () => {
  it('assembles a GPADL from a header and bodies', () => {
    const {client, server} = connected()
    const pages = client.allocPages(100, true)
    const handle = client.newGpadlHandle()
    client.sendGpadl(1, handle, pages)
    expect(client.takeOne(CHANNELMSG.GPADL_CREATED)).toMatchObject({childRelid: 1, gpadl: handle, status: 0})
    expect(server.statistics().MessagesReceived.GPADL_BODY).toBe(3) // 26 + 28 + 28 + 18
    expect(server.statistics().Gpadls).toBe(1)
  })

  it('refuses PFNs outside guest RAM', () => {
    const {client} = connected()
    for (const pfn of [256 /* just past 1 MiB of RAM */, 0xfffff, 0x100000, 2 ** 40]) {
      const created = client.createGpadl(1, [20, pfn])
      expect(created.status).toBe(NT_STATUS.UNSUCCESSFUL)
    }
  })

  it('refuses too many pages, inconsistent lengths and unknown channels', () => {
    const {client, server} = connected()
    const send = (fields: {relid?: number; rangeBufLen: number; rangeCount: number; data: Uint8Array}) => {
      const handle = client.newGpadlHandle()
      client.send({
        type: CHANNELMSG.GPADL_HEADER,
        childRelid: fields.relid ?? 1,
        gpadl: handle,
        rangeBufLen: fields.rangeBufLen,
        rangeCount: fields.rangeCount,
        rangeData: fields.data,
      })
      return client.takeOne(CHANNELMSG.GPADL_CREATED)
    }
    const one = encodeGpaRanges([{byteCount: 4096, byteOffset: 0, pfns: [20]}])
    expect(send({rangeBufLen: 16, rangeCount: 1, data: one}).status).toBe(0)
    expect(send({rangeBufLen: 8 + 4097 * 8, rangeCount: 1, data: one}).status).not.toBe(0) // too many pages
    expect(send({rangeBufLen: 16, rangeCount: 0, data: one}).status).not.toBe(0)
    expect(send({rangeBufLen: 8, rangeCount: 1, data: one.subarray(0, 8)}).status).not.toBe(0)
    expect(send({rangeBufLen: 20, rangeCount: 1, data: one}).status).not.toBe(0) // not whole u64s
    expect(send({rangeBufLen: 16, rangeCount: 2, data: one}).status).not.toBe(0)
    // byte_count says two pages, one PFN given.
    const short = encodeGpaRanges([{byteCount: 8192, byteOffset: 0, pfns: [20]}])
    expect(send({rangeBufLen: 16, rangeCount: 1, data: short}).status).not.toBe(0)
    // Header carries more than range_buflen.
    expect(send({rangeBufLen: 16, rangeCount: 1, data: encodeGpaRanges([{byteCount: 8192, byteOffset: 0, pfns: [20, 21]}])}).status).not.toBe(0)
    expect(send({relid: 77, rangeBufLen: 16, rangeCount: 1, data: one}).status).not.toBe(0)
    expect(server.statistics().Gpadls).toBe(1)
  })

  it('keeps the first GPADL when a handle is reused', () => {
    const {client, server} = connected()
    const handle = client.newGpadlHandle()
    client.sendGpadl(1, handle, [20, 21, 22, 23])
    expect(client.takeOne(CHANNELMSG.GPADL_CREATED).status).toBe(0)
    client.sendGpadl(1, handle, [30])
    expect(client.takeOne(CHANNELMSG.GPADL_CREATED).status).not.toBe(0)
    client.send({type: CHANNELMSG.OPENCHANNEL, childRelid: 1, openId: 1, ringBufferGpadl: handle, targetVp: 0, downstreamPageOffset: 2, userData: new Uint8Array(120)})
    expect(client.takeOne(CHANNELMSG.OPENCHANNEL_RESULT).status).toBe(0)
    expect(server.statistics().Channels[0].RingBytesToGuest).toBe(4096)
  })

  it('ignores a body for an unknown GPADL and fails one that overruns', () => {
    const {client, server} = connected()
    client.send({type: CHANNELMSG.GPADL_BODY, msgNumber: 1, gpadl: 0x999, pfnData: new Uint8Array(8)})
    expect(client.take()).toHaveLength(0)
    expect(server.statistics().ProtocolErrors).toBe(1)

    const handle = client.newGpadlHandle()
    const data = encodeGpaRanges([{byteCount: 30 * 4096, byteOffset: 0, pfns: client.allocPages(30)}])
    client.send({type: CHANNELMSG.GPADL_HEADER, childRelid: 1, gpadl: handle, rangeBufLen: data.length, rangeCount: 1, rangeData: data.subarray(0, 16)})
    expect(client.take()).toHaveLength(0)
    expect(server.statistics().GpadlsInProgress).toBe(1)
    client.send({type: CHANNELMSG.GPADL_BODY, msgNumber: 1, gpadl: handle, pfnData: new Uint8Array(28 * 8 + 8 * 8).subarray(0, 224)})
    // 16 + 224 = 240 of 248: one more u64 expected; send two.
    client.send({type: CHANNELMSG.GPADL_BODY, msgNumber: 2, gpadl: handle, pfnData: new Uint8Array(16)})
    expect(client.takeOne(CHANNELMSG.GPADL_CREATED)).toMatchObject({gpadl: handle, status: NT_STATUS.UNSUCCESSFUL})
    expect(server.statistics().GpadlsInProgress).toBe(0)
  })

  it('tears down a GPADL, deferring while the channel still uses it', () => {
    const {client, server} = connected()
    const channel = client.openChannel(client.offers[0])
    client.send({type: CHANNELMSG.GPADL_TEARDOWN, childRelid: 1, gpadl: channel.gpadl})
    expect(client.take()).toHaveLength(0)
    client.send({type: CHANNELMSG.CLOSECHANNEL, childRelid: 1})
    expect(client.takeOne(CHANNELMSG.GPADL_TORNDOWN).gpadl).toBe(channel.gpadl)
    expect(server.statistics().Gpadls).toBe(0)
    const other = client.createGpadl(1, [40])
    client.send({type: CHANNELMSG.GPADL_TEARDOWN, childRelid: 1, gpadl: other.gpadl})
    expect(client.takeOne(CHANNELMSG.GPADL_TORNDOWN).gpadl).toBe(other.gpadl)
    client.send({type: CHANNELMSG.GPADL_TEARDOWN, childRelid: 1, gpadl: other.gpadl})
    expect(client.take()).toHaveLength(0)
    expect(server.statistics().ProtocolErrors).toBe(1)
  })
})

describe('OPENCHANNEL validation', () => {
  function tryOpen(pageCount: number, offset: number, relid = 1) {
    const s = connected(2)
    const created = s.client.createGpadl(relid, s.client.allocPages(pageCount))
    s.client.send({type: CHANNELMSG.OPENCHANNEL, childRelid: 1, openId: 9, ringBufferGpadl: created.gpadl, targetVp: 0, downstreamPageOffset: offset, userData: new Uint8Array(120)})
    return {...s, result: s.client.takeOne(CHANNELMSG.OPENCHANNEL_RESULT)}
  }

  it('accepts two-page rings', () => {
    expect(tryOpen(4, 2).result.status).toBe(0)
  })

  it.each([
    [4, 0, 'offset 0'],
    [4, 4, 'offset at the end'],
    [4, 9, 'offset past the end'],
    [4, 1, 'one-page guest-to-host ring'],
    [4, 3, 'one-page host-to-guest ring'],
    [3, 2, 'too few pages'],
  ])('refuses %i pages with downstream offset %i (%s)', (pages, offset) => {
    const {result, devices, server} = tryOpen(pages, offset)
    expect(result).toMatchObject({childRelid: 1, openId: 9})
    expect(result.status).not.toBe(0)
    expect(devices[0].openedCount).toBe(0)
    expect(server.statistics().Channels[0].State).toBe('Offered')
  })

  it('refuses a GPADL of another channel, an unknown GPADL and an unknown relid', () => {
    expect(tryOpen(4, 2, 2).result.status).not.toBe(0)
    const {client} = connected()
    client.send({type: CHANNELMSG.OPENCHANNEL, childRelid: 1, openId: 1, ringBufferGpadl: 0x4242, targetVp: 0, downstreamPageOffset: 2, userData: new Uint8Array(120)})
    expect(client.takeOne(CHANNELMSG.OPENCHANNEL_RESULT).status).not.toBe(0)
    client.send({type: CHANNELMSG.OPENCHANNEL, childRelid: 55, openId: 1, ringBufferGpadl: 0x4242, targetVp: 0, downstreamPageOffset: 2, userData: new Uint8Array(120)})
    expect(client.takeOne(CHANNELMSG.OPENCHANNEL_RESULT)).toMatchObject({childRelid: 55})
  })

  it('refuses a second open without disturbing the first', () => {
    const {client, devices} = connected()
    const channel = client.openChannel(client.offers[0])
    const created = client.createGpadl(1, client.allocPages(4))
    client.send({type: CHANNELMSG.OPENCHANNEL, childRelid: 1, openId: 2, ringBufferGpadl: created.gpadl, targetVp: 0, downstreamPageOffset: 2, userData: new Uint8Array(120)})
    expect(client.takeOne(CHANNELMSG.OPENCHANNEL_RESULT).status).not.toBe(0)
    client.sendPacket(channel, bytes(5))
    expect(channel.toGuest.readPacket()?.payload.subarray(0, 5)).toEqual(bytes(5))
    expect(devices[0].openedCount).toBe(1)
  })
})

describe('hostile rings', () => {
  function openEcho() {
    const s = connected()
    const channel = s.client.openChannel(s.client.offers[0])
    return {...s, channel}
  }

  const cases: Array<[string, (c: ReturnType<typeof openEcho>['channel']) => void, RegExp]> = [
    ['write_index past the data area', (c) => (c.toHost.writeIndex = 4096), /outside the data area/],
    ['misaligned write_index', (c) => (c.toHost.writeIndex = 12), /not 8-byte aligned/],
    ['misaligned read_index', (c) => (c.toHost.readIndex = 4), /not 8-byte aligned/],
    [
      'a packet longer than the ring holds',
      (c) => {
        c.toHost.poke(0, Uint8Array.of(6, 0, 2, 0, 0xff, 0x7f, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0))
        c.toHost.writeIndex = 64
      },
      /longer than/,
    ],
    [
      'len8 < offset8',
      (c) => {
        c.toHost.poke(0, Uint8Array.of(6, 0, 4, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0))
        c.toHost.writeIndex = 64
      },
      /less than offset8/,
    ],
    [
      'offset8 inside the descriptor',
      (c) => {
        c.toHost.poke(0, Uint8Array.of(6, 0, 1, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0))
        c.toHost.writeIndex = 64
      },
      /inside the descriptor/,
    ],
    ['fewer bytes than a packet', (c) => (c.toHost.writeIndex = 8), /less than a packet/],
  ]

  it.each(cases)('%s puts the channel in Error without throwing', (_name, corrupt, reason) => {
    const {client, server, devices, channel} = openEcho()
    corrupt(channel)
    expect(client.signal(channel.connectionId)).toBe(HV_STATUS.SUCCESS)
    const stats = server.statistics().Channels[0]
    expect(stats.State).toBe('Error')
    expect(stats.ErrorReason).toMatch(reason)
    expect(devices[0].closedCount).toBe(1)
    expect(devices[0].received).toHaveLength(0)
    // The channel is unusable until the guest closes it (signals are ignored); then it can be opened again.
    channel.toHost.readIndex = 0
    channel.toHost.writeIndex = 0
    channel.toHost.writePacket(bytes(8))
    expect(client.signal(channel.connectionId)).toBe(HV_STATUS.SUCCESS)
    expect(devices[0].received).toHaveLength(0)
    client.send({type: CHANNELMSG.CLOSECHANNEL, childRelid: 1})
    expect(server.statistics().Channels[0]).toMatchObject({State: 'Closed', LastError: expect.stringMatching(reason)})
    const again = client.openChannel(client.offers[0])
    expect(again.result.status).toBe(0)
    client.sendPacket(again, bytes(4))
    expect(devices[0].received).toHaveLength(1)
  })

  it('a guest that corrupts the host-to-guest indices breaks only its channel', () => {
    const {server, devices, channel} = openEcho()
    channel.toGuest.readIndex = 0x10000
    expect(devices[0].endpoint!.send(bytes(8))).toBe(false)
    expect(server.statistics().Channels[0]).toMatchObject({State: 'Error', ErrorReason: expect.stringMatching(/host-to-guest ring: read_index/)})
  })

  it('a ring page that stops being RAM is an error, not an access outside the guest', () => {
    const {link, client, server, channel} = openEcho()
    channel.toHost.writePacket(bytes(8))
    link.space.unmap(channel.pfns[1] * 4096, 4096)
    client.signal(channel.connectionId)
    expect(server.statistics().Channels[0].ErrorReason).toMatch(/no longer guest RAM/)
  })

  it('a device that throws breaks its channel, not the host', () => {
    const {client, server, devices, channel} = openEcho()
    devices[0].receive = () => {
      throw new Error('boom')
    }
    expect(() => client.sendPacket(channel, bytes(8))).not.toThrow()
    expect(server.statistics().Channels[0]).toMatchObject({State: 'Error', ErrorReason: 'device receive() threw: boom'})
  })
})

describe('signalling rules', () => {
  it('signals the guest only on empty -> non-empty and only when interrupt_mask is 0', () => {
    const {link, client, devices} = connected()
    const channel = client.openChannel(client.offers[0], {toGuestPages: 4})
    const ep = devices[0].endpoint!
    ep.send(bytes(8))
    expect(link.signals).toHaveLength(1)
    ep.send(bytes(8))
    ep.send(bytes(8))
    expect(link.signals).toHaveLength(1) // not empty: the guest is still reading
    while (channel.toGuest.readPacket());
    ep.send(bytes(8))
    expect(link.signals).toHaveLength(2)
    while (channel.toGuest.readPacket());
    channel.toGuest.interruptMask = 1 // the guest is polling
    ep.send(bytes(8))
    expect(link.signals).toHaveLength(2)
  })

  it('signals the guest writer when reading frees more than its pending_send_sz', () => {
    const {link, client, devices} = connected()
    devices[0].echo = false
    const channel = client.openChannel(client.offers[0])
    // Fill the guest-to-host ring without signalling, as a guest that finds it full.
    let written = 0
    while (channel.toHost.writePacket(bytes(200))) written++
    expect(written).toBeGreaterThan(10)
    channel.toHost.pendingSendSize = 1000
    client.signal(channel.connectionId)
    expect(devices[0].received).toHaveLength(written)
    expect(link.signals).toEqual([{vp: 0, sint: 2, flag: 1}])

    // Without pending_send_sz nothing is signalled.
    channel.toHost.pendingSendSize = 0
    while (channel.toHost.writePacket(bytes(200)));
    client.signal(channel.connectionId)
    expect(link.signals).toHaveLength(1)

    // Space already above pending_send_sz before reading: no signal either.
    channel.toHost.pendingSendSize = 16
    channel.toHost.writePacket(bytes(8))
    client.signal(channel.connectionId)
    expect(link.signals).toHaveLength(1)
  })

  it('sets pending_send_sz when the host ring is full and resumes the device when the guest frees space', () => {
    const {client, devices, server} = connected()
    const channel = client.openChannel(client.offers[0])
    // The guest writes without reading what the host echoes.
    for (let i = 0; i < 30; i++) client.sendPacket(channel, bytes(300, i), {transactionId: BigInt(i)})
    expect(devices[0].backlog.length).toBeGreaterThan(0)
    expect(channel.toGuest.pendingSendSize).toBe(16 + 304 + 8)
    expect(server.statistics().Channels[0].SendsRefused).toBeGreaterThan(0)
    // The guest reads; like Linux it signals the host because free space crossed pending_send_sz.
    let got = 0
    while (got < 30) {
      const p = channel.toGuest.readPacket()
      if (!p) {
        expect(channel.toGuest.pendingSendSize).not.toBe(0)
        client.signal(channel.connectionId)
        continue
      }
      expect(p.transactionId).toBe(BigInt(got))
      got++
    }
    expect(devices[0].writableCount).toBeGreaterThan(0)
    expect(devices[0].backlog).toHaveLength(0)
    expect(channel.toGuest.pendingSendSize).toBe(0)
  })

  it('refuses a packet that can never fit without waiting for space', () => {
    const {client, devices} = connected()
    const channel = client.openChannel(client.offers[0])
    expect(devices[0].endpoint!.send(new Uint8Array(4096))).toBe(false)
    expect(channel.toGuest.pendingSendSize).toBe(0)
    expect(devices[0].endpoint!.send(new Uint8Array(4096 - 40))).toBe(true)
  })
})

describe('runtime offers, rescind, unload, reset', () => {
  it('offers a device added while connected and rescinds one removed', () => {
    const {client, server, devices, link} = connected(1)
    const added = new EchoDevice(echoOffer(5, 'Added'))
    expect(server.offer(added)).toBe(2)
    const offer = client.takeOne(CHANNELMSG.OFFERCHANNEL)
    expect(offer).toMatchObject({childRelid: 2, instanceId: added.offer.instanceId})
    const addedChannel = client.openChannel(offer)
    client.sendPacket(addedChannel, bytes(16))
    expect(added.received).toHaveLength(1)

    const channel = client.openChannel(client.offers[0])
    expect(server.rescind(devices[0])).toBe(true)
    expect(devices[0].closedCount).toBe(1)
    expect(client.takeOne(CHANNELMSG.RESCIND_CHANNELOFFER).childRelid).toBe(1)
    expect(server.statistics().Channels[0].State).toBe('Rescinded')
    expect(client.signal(channel.connectionId)).toBe(HV_STATUS.INVALID_CONNECTION_ID)
    expect(devices[0].endpoint).toBeNull()
    // The guest closes, tears down and releases, as Linux does.
    client.send({type: CHANNELMSG.CLOSECHANNEL, childRelid: 1})
    client.send({type: CHANNELMSG.GPADL_TEARDOWN, childRelid: 1, gpadl: channel.gpadl})
    expect(client.takeOne(CHANNELMSG.GPADL_TORNDOWN).gpadl).toBe(channel.gpadl)
    // Until RELID_RELEASED the relid is not reused.
    expect(server.offer(new EchoDevice(echoOffer(6)))).toBe(3)
    client.take()
    client.send({type: CHANNELMSG.RELID_RELEASED, childRelid: 1})
    expect(server.statistics().Channels.map((c) => c.RelId)).toEqual([2, 3])
    expect(server.offer(new EchoDevice(echoOffer(7)))).toBe(1)
    expect(server.statistics().ProtocolErrors).toBe(0)
    expect(server.rescind(devices[0])).toBe(false)
    expect(link.badWrites).toHaveLength(0)
  })

  it('offers a device added before the guest connects at REQUESTOFFERS, and drops a never-offered one silently', () => {
    const {client, server} = setup(1)
    const added = new EchoDevice(echoOffer(3))
    const gone = new EchoDevice(echoOffer(4))
    server.offer(added)
    server.offer(gone)
    expect(server.rescind(gone)).toBe(true)
    expect(client.link.posted).toHaveLength(0)
    client.initiateContact()
    expect(client.requestOffers().map((o) => o.instanceId)).toEqual([echoOffer(0).instanceId, added.offer.instanceId])
  })

  it('refuses to register the same device or instance id twice', () => {
    const {server, devices} = setup(1)
    expect(() => server.offer(devices[0])).toThrow(/already/)
    expect(() => server.offer(new EchoDevice(echoOffer(0)))).toThrow(/already/)
    expect(() => server.offer(new EchoDevice({name: 'x', classId: 'nope', instanceId: 'nope'}))).toThrow(/GUID/)
  })

  it('unloads: closes everything and answers UNLOAD_RESPONSE; the guest can reconnect', () => {
    const {client, server, devices} = connected(2)
    client.openChannel(client.offers[0])
    client.openChannel(client.offers[1])
    client.send({type: CHANNELMSG.UNLOAD})
    client.takeOne(CHANNELMSG.UNLOAD_RESPONSE)
    expect(devices.map((d) => d.closedCount)).toEqual([1, 1])
    expect(server.connected).toBe(false)
    expect(server.statistics()).toMatchObject({Gpadls: 0})
    expect(server.statistics().Channels.map((c) => c.State)).toEqual(['NotOffered', 'NotOffered'])
    client.initiateContact(VMBUS_VERSION.WIN8)
    expect(client.requestOffers()).toHaveLength(2)
    const channel = client.openChannel(client.offers[1])
    client.sendPacket(channel, bytes(9))
    expect(devices[1].received).toHaveLength(1)
  })

  it('reset closes open channels and returns to not connected', () => {
    const {client, server, devices} = connected(1)
    client.openChannel(client.offers[0])
    server.reset()
    expect(devices[0].closedCount).toBe(1)
    expect(server.connected).toBe(false)
    expect(server.statistics().Channels[0].State).toBe('NotOffered')
    client.initiateContact()
    client.requestOffers()
    expect(client.openChannel(client.offers[0]).result.status).toBe(0)
  })

  it('queues messages the SynIC refuses and sends them in order on pump()', () => {
    const {link, client, server} = setup(3)
    client.initiateContact()
    link.postStatus = HV_STATUS.INSUFFICIENT_BUFFERS
    client.send({type: CHANNELMSG.REQUESTOFFERS})
    expect(link.posted).toHaveLength(0)
    expect(server.statistics().MessagesQueued).toBe(4)
    expect(server.pump()).toBe(4)
    link.postStatus = HV_STATUS.SUCCESS
    expect(server.pump()).toBe(0)
    expect(client.take().map((m) => m.type)).toEqual([1, 1, 1, CHANNELMSG.ALLOFFERS_DELIVERED])
    // A SynIC that refuses for good drops the message and says so.
    link.postStatus = HV_STATUS.INVALID_SYNIC_STATE
    server.offer(new EchoDevice(echoOffer(9)))
    expect(server.statistics()).toMatchObject({MessagesQueued: 0, MessagesDropped: 1})
  })
})

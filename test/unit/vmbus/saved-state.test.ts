import {describe, expect, it} from 'vitest'
import {HV_STATUS} from '../../../src/core/hypervisor/hvdef.js'
import {CHANNELMSG, VMBUS_VERSION, VmbusServer, encodeGpaRanges} from '../../../src/core/vmbus/index.js'
import {EchoDevice, FakePartitionLink, GuestRing, VmbusTestClient, echoOffer} from '../../helpers/vmbus-client.js'

function bytes(n: number, seed = 1): Uint8Array {
  return Uint8Array.from({length: n}, (_, i) => (i * 13 + seed) & 0xff)
}

/** A saved VM comes back in a new worker: new link, memory copied, new device objects. */
function restoreInto(saved: unknown, oldLink: FakePartitionLink, offers = [echoOffer(0), echoOffer(1)]) {
  const link = new FakePartitionLink(oldLink.space.ramBytes)
  link.space.ram.set(oldLink.space.ram)
  const devices = offers.map((o) => new EchoDevice(o))
  const server = new VmbusServer(link, {devices})
  server.restoreState(JSON.parse(JSON.stringify(saved)))
  const client = new VmbusTestClient(link)
  return {link, devices, server, client}
}

describe('VMBus saved state', () => {
  it('resumes a guest saved mid-conversation', () => {
    const link = new FakePartitionLink()
    const devices = [new EchoDevice(echoOffer(0)), new EchoDevice(echoOffer(1))]
    const server = new VmbusServer(link, {devices})
    const client = new VmbusTestClient(link)
    client.initiateContact(VMBUS_VERSION.WIN10_V5, {sint: 3, targetVcpu: 1})
    client.requestOffers()
    const channel = client.openChannel(client.offers[0], {targetVp: 1})
    client.sendPacket(channel, bytes(40), {transactionId: 1n})
    expect(channel.toGuest.readPacket()?.transactionId).toBe(1n)
    // In flight at save time: a packet the guest wrote but has not signalled yet,
    // a GPADL whose body has not arrived, and a host message the SynIC refused.
    channel.toHost.writePacket(bytes(24, 2), {transactionId: 2n})
    const pages = client.allocPages(30)
    const data = encodeGpaRanges([{byteCount: 30 * 4096, byteOffset: 0, pfns: pages}])
    client.send({type: CHANNELMSG.GPADL_HEADER, childRelid: 2, gpadl: 0x77, rangeBufLen: data.length, rangeCount: 1, rangeData: data.subarray(0, 8 + 26 * 8)})
    link.postStatus = HV_STATUS.INSUFFICIENT_BUFFERS
    server.rescind(devices[1])
    expect(server.statistics().MessagesQueued).toBe(1)

    const saved = server.saveState()
    expect(saved.version).toBe(1)

    const r = restoreInto(saved, link)
    const [d0, d1] = r.devices
    // The open channel's device got its state and a live endpoint, without `opened`.
    expect(d0.restored?.state).toEqual({version: 1, received: 1})
    expect(d0.restored?.endpoint?.relid).toBe(1)
    expect(d0.openedCount).toBe(0)
    // Device 1 was rescinded before the save; the new worker has it again, so it is a new offer on a fresh relid.
    expect(r.server.relidOf(d1)).toBe(3)
    expect(d1.restored).toBeNull()
    const stats = r.server.statistics()
    expect(stats).toMatchObject({Connected: true, Version: VMBUS_VERSION.WIN10_V5, TargetVp: 1, MessageSint: 3, GpadlsInProgress: 1, MessagesQueued: 0})
    expect(stats.Channels[0]).toMatchObject({RelId: 1, State: 'Open', PacketsToHost: 1, PacketsToGuest: 1})

    // The guest resumes: it signals, the host reads the in-flight packet and echoes it.
    const toHost = new GuestRing(r.link.space, channel.toHost.pfns)
    const toGuest = new GuestRing(r.link.space, channel.toGuest.pfns)
    // The queued RESCIND went out first (restore pumps), then the new offer behind it.
    const messages = r.client.take()
    expect(messages.map((m) => m.type)).toEqual([CHANNELMSG.RESCIND_CHANNELOFFER, CHANNELMSG.OFFERCHANNEL])
    expect(messages[0]).toMatchObject({childRelid: 2})
    expect(messages[1]).toMatchObject({childRelid: 3, instanceId: echoOffer(1).instanceId})
    expect(r.client.signal(channel.connectionId)).toBe(HV_STATUS.SUCCESS)
    expect(d0.received.map((p) => p.transactionId)).toEqual([2n])
    const echoed = toGuest.readPacket()
    expect(echoed?.transactionId).toBe(2n)
    expect(echoed?.payload.subarray(0, 24)).toEqual(bytes(24, 2))
    expect(r.link.signals).toEqual([{vp: 1, sint: 3, flag: 1}])
    expect(toHost.used()).toBe(0)

    // The GPADL finishes with its body after the restore.
    r.client.send({type: CHANNELMSG.GPADL_BODY, msgNumber: 1, gpadl: 0x77, pfnData: data.subarray(8 + 26 * 8)})
    // It was started before the rescind, so it completes; the guest tears it down and releases the relid.
    expect(r.client.takeOne(CHANNELMSG.GPADL_CREATED)).toMatchObject({childRelid: 2, gpadl: 0x77, status: 0})
    r.client.send({type: CHANNELMSG.GPADL_TEARDOWN, childRelid: 2, gpadl: 0x77})
    expect(r.client.takeOne(CHANNELMSG.GPADL_TORNDOWN).gpadl).toBe(0x77)
    r.client.send({type: CHANNELMSG.RELID_RELEASED, childRelid: 2})
    expect(r.server.statistics().Channels.map((c) => c.RelId)).toEqual([1, 3])
    expect(r.server.statistics().ProtocolErrors).toBe(0)
  })

  it('restores a quiet connected bus and keeps relids', () => {
    const link = new FakePartitionLink()
    const server = new VmbusServer(link, {devices: [new EchoDevice(echoOffer(0)), new EchoDevice(echoOffer(1))]})
    const client = new VmbusTestClient(link)
    client.initiateContact()
    client.requestOffers()
    const ch1 = client.openChannel(client.offers[1])
    const r = restoreInto(server.saveState(), link, [echoOffer(1), echoOffer(0)])
    // Devices are matched by instance id, not by order.
    expect(r.server.relidOf(r.devices[0])).toBe(2)
    expect(r.server.relidOf(r.devices[1])).toBe(1)
    expect(r.devices[0].restored?.endpoint).not.toBeNull()
    expect(r.devices[1].restored?.endpoint).toBeNull()
    r.client.sendPacket({...ch1, toHost: new GuestRing(r.link.space, ch1.toHost.pfns), toGuest: new GuestRing(r.link.space, ch1.toGuest.pfns)}, bytes(8))
    expect(r.devices[0].received).toHaveLength(1)
    expect(r.client.take()).toHaveLength(0)
  })

  it('keeps host messages the SynIC had not taken yet', () => {
    const link = new FakePartitionLink()
    const server = new VmbusServer(link, {devices: [new EchoDevice(echoOffer(0)), new EchoDevice(echoOffer(1))]})
    const client = new VmbusTestClient(link)
    client.initiateContact()
    link.postStatus = HV_STATUS.INSUFFICIENT_BUFFERS
    client.send({type: CHANNELMSG.REQUESTOFFERS})
    const r = restoreInto(server.saveState(), link)
    expect(r.server.statistics().MessagesQueued).toBe(3)
    expect(r.link.posted).toHaveLength(0)
    expect(r.server.pump()).toBe(0)
    expect(r.client.take().map((m) => m.type)).toEqual([CHANNELMSG.OFFERCHANNEL, CHANNELMSG.OFFERCHANNEL, CHANNELMSG.ALLOFFERS_DELIVERED])
  })

  it('rescinds a channel whose device is gone and offers a device that is new', () => {
    const link = new FakePartitionLink()
    const server = new VmbusServer(link, {devices: [new EchoDevice(echoOffer(0)), new EchoDevice(echoOffer(1))]})
    const client = new VmbusTestClient(link)
    client.initiateContact()
    client.requestOffers()
    client.openChannel(client.offers[0])
    const r = restoreInto(server.saveState(), link, [echoOffer(1), echoOffer(2)])
    const messages = r.client.take()
    expect(messages.map((m) => m.type)).toEqual([CHANNELMSG.RESCIND_CHANNELOFFER, CHANNELMSG.OFFERCHANNEL])
    expect(messages[0]).toMatchObject({childRelid: 1})
    expect(messages[1]).toMatchObject({childRelid: 3, instanceId: echoOffer(2).instanceId})
    r.client.send({type: CHANNELMSG.RELID_RELEASED, childRelid: 1})
    expect(r.server.statistics().Channels.map((c) => [c.RelId, c.State])).toEqual([
      [2, 'Offered'],
      [3, 'Offered'],
    ])
  })

  it('rejects a corrupt saved state with a clear error and stays usable', () => {
    const link = new FakePartitionLink()
    const devices = [new EchoDevice(echoOffer(0))]
    const server = new VmbusServer(link, {devices})
    const client = new VmbusTestClient(link)
    for (const bad of [null, 42, {version: 9}, {version: 1, channels: 'x'}, {version: 1, channels: [{relid: -1}], gpadls: {complete: [], pending: []}, queue: []}]) {
      expect(() => server.restoreState(bad)).toThrow(/VMBus saved state is not usable/)
    }
    // An open channel on a GPADL that is not in the state.
    const good = (() => {
      const l = new FakePartitionLink()
      const s = new VmbusServer(l, {devices: [new EchoDevice(echoOffer(0))]})
      const c = new VmbusTestClient(l)
      c.initiateContact()
      c.requestOffers()
      c.openChannel(c.offers[0])
      return s.saveState()
    })()
    expect(() => server.restoreState({...good, gpadls: {complete: [], pending: []}})).toThrow(/missing GPADL/)
    client.initiateContact()
    expect(client.requestOffers()).toHaveLength(1)
    expect(client.openChannel(client.offers[0]).result.status).toBe(0)
  })
})

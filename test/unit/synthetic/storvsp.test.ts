/**
 * The StorVSP driven the way Linux's hv_storvsc drives it, through the whole
 * VMBus path (GPADL, open, rings, GPA-direct packets in guest memory), and
 * fed malformed packets that must end in an error status or the channel's
 * Error state, never an exception or an access outside guest RAM.
 */
import {describe, expect, it} from 'vitest'

import type {BlockMedium} from '../../../src/core/devices/storage/block-medium.js'
import {ScsiDisk, ScsiDvd} from '../../../src/core/devices/storage/scsi/index.js'
import {
  encodeSrbRequest, encodeVstorRequest, NtStatus, readCompletion, SCSI_CONTROLLER_CLASS_ID, SrbStatus, StorVsp, VstorOperation,
} from '../../../src/core/devices/synthetic/storvsp/index.js'
import {VMBUS_PACKET, VmbusServer, VMBUS_VERSION} from '../../../src/core/vmbus/index.js'
import {FakePartitionLink, gpaDirectHeader, type GuestChannel, VmbusTestClient} from '../../helpers/vmbus-client.js'

/** A disk in memory. */
export class MemoryMedium implements BlockMedium {
  readonly bytes: Uint8Array
  flushes = 0
  constructor(
    readonly size: number,
    readonly readOnly = false,
    readonly logicalSectorSize = 512,
    readonly physicalSectorSize = 4096,
    readonly diskIdentifier = '0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9',
  ) {
    this.bytes = new Uint8Array(size)
  }
  read(offset: number, into: Uint8Array): void {
    into.set(this.bytes.subarray(offset, offset + into.length))
  }
  write(offset: number, data: Uint8Array): void {
    this.bytes.set(data, offset)
  }
  flush(): void {
    this.flushes++
  }
}

const PAGE = 4096

function setup(options: {negotiate?: boolean; medium?: MemoryMedium} = {}) {
  const link = new FakePartitionLink(4 << 20)
  const medium = options.medium ?? new MemoryMedium(8 << 20)
  const vsp = new StorVsp({
    offer: {name: 'Synthetic SCSI Controller', classId: SCSI_CONTROLLER_CLASS_ID, instanceId: '2aaa697d-289c-41a7-8561-e2c2ad46f7ca'},
    kind: 'SCSI',
    units: [
      {path: 0, target: 0, lun: 0, unit: new ScsiDisk(medium)},
      {path: 0, target: 0, lun: 2, unit: new ScsiDvd(null)},
    ],
  })
  const logs: string[] = []
  const server = new VmbusServer(link, {devices: [vsp], log: (m) => logs.push(m)})
  const client = new VmbusTestClient(link)
  client.initiateContact(VMBUS_VERSION.WIN10)
  const [offer] = client.requestOffers()
  const channel = client.openChannel(offer, {toHostPages: 8, toGuestPages: 8})
  let tid = 1n
  /** Send one packet and return the completion's bytes (and its packet type / transaction id). */
  const exchange = (payload: Uint8Array, header?: Uint8Array) => {
    const transactionId = tid++
    const sent = client.sendPacket(channel, payload, {
      transactionId, flags: 1, type: header ? VMBUS_PACKET.DATA_USING_GPA_DIRECT : VMBUS_PACKET.DATA_INBAND, header,
    })
    expect(sent).toBe(true)
    const reply = channel.toGuest.readPacket()
    return reply ? {...reply, sentTransactionId: transactionId} : null
  }
  const op = (operation: number, fill?: (bytes: Uint8Array, view: DataView) => void) => readCompletion(exchange(encodeVstorRequest(operation, fill))!.payload)
  if (options.negotiate !== false) {
    expect(op(VstorOperation.BeginInitialization).status).toBe(0)
    expect(op(VstorOperation.QueryProtocolVersion, (_b, v) => v.setUint16(12, 0x0602, true)).status).toBe(0)
    expect(op(VstorOperation.QueryProperties).status).toBe(0)
    expect(op(VstorOperation.EndInitialization).status).toBe(0)
  }
  const buffers = client.allocPages(64, true)
  /** An SRB with a data buffer of `length` bytes starting `byteOffset` into scattered guest pages. */
  const srb = (cdb: number[], length: number, options: {dataIn?: number; byteOffset?: number; lun?: number; fill?: Uint8Array} = {}) => {
    const byteOffset = options.byteOffset ?? 0
    const pages = Math.ceil((byteOffset + length) / PAGE)
    const pfns = buffers.slice(0, pages)
    if (options.fill) writeBuffer(link, pfns, byteOffset, options.fill)
    const request = encodeSrbRequest({pathId: 0, targetId: 0, lun: options.lun ?? 0, cdb: Uint8Array.from(cdb), dataIn: options.dataIn ?? 1, dataTransferLength: length})
    const reply = exchange(request, length ? gpaDirectHeader({byteCount: length, byteOffset, pfns}) : undefined)!
    return {reply, completion: readCompletion(reply.payload), data: () => readBuffer(link, pfns, byteOffset, length)}
  }
  return {link, medium, vsp, server, client, channel, exchange, op, srb, logs}
}

function writeBuffer(link: FakePartitionLink, pfns: number[], byteOffset: number, data: Uint8Array): void {
  for (let i = 0; i < data.length; i++) {
    const at = byteOffset + i
    link.space.view(pfns[Math.floor(at / PAGE)] * PAGE + (at % PAGE), 1)![0] = data[i]
  }
}

function readBuffer(link: FakePartitionLink, pfns: number[], byteOffset: number, length: number): Uint8Array {
  const out = new Uint8Array(length)
  for (let i = 0; i < length; i++) {
    const at = byteOffset + i
    out[i] = link.space.view(pfns[Math.floor(at / PAGE)] * PAGE + (at % PAGE), 1)![0]
  }
  return out
}

const ascii = (bytes: Uint8Array) => String.fromCharCode(...bytes)

describe('StorVSP: the initialization hv_storvsc runs', () => {
  it('accepts WIN10, WIN8.1 and WIN8, refuses others with STATUS_REVISION_MISMATCH, and reports one channel of 512 KiB transfers', () => {
    const {op, exchange} = setup({negotiate: false})
    const begin = op(VstorOperation.BeginInitialization)
    expect(begin).toMatchObject({operation: VstorOperation.CompleteIo, status: 0})
    for (const [version, status] of [[0x0700, NtStatus.RevisionMismatch], [0x0402, NtStatus.RevisionMismatch], [0x0501, 0], [0x0600, 0], [0x0602, 0]]) {
      expect(op(VstorOperation.QueryProtocolVersion, (_b, v) => v.setUint16(12, version, true)).status, `version ${version.toString(16)}`).toBe(status)
    }
    // I/O before END_INITIALIZATION is refused.
    const early = readCompletion(exchange(encodeSrbRequest({pathId: 0, targetId: 0, lun: 0, cdb: Uint8Array.of(0), dataIn: 2, dataTransferLength: 0}))!.payload)
    expect(early.status).toBe(NtStatus.InvalidDeviceState)
    const properties = op(VstorOperation.QueryProperties)
    expect(properties).toMatchObject({status: 0, maxTransferBytes: 512 * 1024, propertyFlags: 0})
    expect(op(VstorOperation.EndInitialization).status).toBe(0)
    // Sub-channels are not offered: asking for them is refused.
    expect(op(VstorOperation.CreateSubChannels).status).toBe(NtStatus.InvalidDeviceRequest)
  })

  it('completes every request with a type-11 packet carrying its transaction id and a 64-byte vstor_packet', () => {
    const {srb} = setup()
    const {reply} = srb([0x00, 0, 0, 0, 0, 0], 0, {dataIn: 2})
    expect(reply.type).toBe(VMBUS_PACKET.COMP)
    expect(reply.transactionId).toBe(reply.sentTransactionId)
    expect(reply.payload.length).toBeGreaterThanOrEqual(64)
  })
})

describe('StorVSP: SCSI commands through GPA-direct buffers', () => {
  it('answers INQUIRY as Hyper-V\'s virtual disk, into a buffer that starts inside a page', () => {
    const {srb} = setup()
    const {completion, data} = srb([0x12, 0, 0, 0, 36, 0], 36, {byteOffset: 4000})
    expect(completion).toMatchObject({srbStatus: SrbStatus.Success, scsiStatus: 0, dataTransferLength: 36})
    const inquiry = data()
    expect(inquiry[0]).toBe(0x00)
    expect(ascii(inquiry.subarray(8, 32))).toBe('Msft    Virtual Disk    ')
    // VPD 0x00 lists the pages sd reads; 0x80 is the serial number from the disk identifier.
    expect([...srb([0x12, 1, 0x00, 0, 255, 0], 255).data().subarray(4, 9)]).toEqual([0x00, 0x80, 0x83, 0xb0, 0xb1])
    const serial = srb([0x12, 1, 0x80, 0, 255, 0], 255)
    expect(ascii(serial.data().subarray(4, 4 + 32))).toBe('0A1B2C3D4E5F60718293A4B5C6D7E8F9')
  })

  it('reads capacity, and writes and reads back data spread over scattered pages', () => {
    const {srb, medium, vsp} = setup()
    const capacity = srb([0x9e, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 32, 0, 0], 32).data()
    expect(new DataView(capacity.buffer).getUint32(4)).toBe((8 << 20) / 512 - 1)
    expect(new DataView(capacity.buffer).getUint32(8)).toBe(512)
    expect(capacity[13]).toBe(3) // 4096-byte physical sectors: 2^3 logical blocks each
    const payload = Uint8Array.from({length: 3 * 4096}, (_, i) => (i * 13 + 7) & 0xff)
    // WRITE(10) LBA 100, 24 blocks, from a buffer 100 bytes into its first page.
    const write = srb([0x2a, 0, 0, 0, 0, 100, 0, 0, 24, 0], payload.length, {dataIn: 0, byteOffset: 100, fill: payload})
    expect(write.completion).toMatchObject({srbStatus: SrbStatus.Success, dataTransferLength: payload.length})
    expect(medium.bytes.subarray(100 * 512, 100 * 512 + payload.length)).toEqual(payload)
    const read = srb([0x88, 0, 0, 0, 0, 0, 0, 0, 0, 100, 0, 0, 0, 24, 0, 0], payload.length, {byteOffset: 8})
    expect(read.completion.srbStatus).toBe(SrbStatus.Success)
    expect(read.data()).toEqual(payload)
    expect(srb([0x35, 0, 0, 0, 0, 0, 0, 0, 0, 0], 0, {dataIn: 2}).completion.srbStatus).toBe(SrbStatus.Success)
    expect(medium.flushes).toBe(1)
    // The unit counts what it did, for get-vm's counters and bench:disk.
    expect(vsp.statistics().units[0]).toMatchObject({
      commands: 4, readCommands: 1, writeCommands: 1, bytesRead: payload.length, bytesWritten: payload.length, errors: 0,
    })
  })

  it('fails what a disk refuses with CHECK CONDITION and fixed-format sense, as sd expects', () => {
    const {srb} = setup()
    const beyond = srb([0x28, 0, 0, 0, 0x40, 0, 0, 0, 1, 0], 512)
    expect(beyond.completion).toMatchObject({srbStatus: SrbStatus.Error | SrbStatus.AutosenseValid, scsiStatus: 2})
    expect([beyond.completion.sense[0], beyond.completion.sense[2], beyond.completion.sense[12]]).toEqual([0x70, 0x05, 0x21])
    const unknown = srb([0xee, 0, 0, 0, 0, 0], 0, {dataIn: 2})
    expect(unknown.completion.sense[12]).toBe(0x20)
    // A buffer shorter than the transfer the CDB asks for: invalid field, nothing read past it.
    const short = srb([0x28, 0, 0, 0, 0, 0, 0, 0, 8, 0], 512)
    expect(short.completion.sense[12]).toBe(0x24)
  })

  it('reports a write-protected disk and refuses writes to it with DATA PROTECT', () => {
    const {srb} = setup({medium: new MemoryMedium(1 << 20, true)})
    const sense = srb([0x1a, 0, 0x3f, 0, 255, 0], 255).data()
    expect(sense[2] & 0x80).toBe(0x80)
    const write = srb([0x2a, 0, 0, 0, 0, 0, 0, 0, 1, 0], 512, {dataIn: 0})
    expect(write.completion.sense[2]).toBe(0x07)
  })

  it('answers for the LUNs it has: REPORT LUNS, an empty DVD drive, and "no unit" for the rest', () => {
    const {srb} = setup()
    const luns = srb([0xa0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0], 256).data()
    expect(new DataView(luns.buffer).getUint32(0)).toBe(16)
    expect([luns[9], luns[17]]).toEqual([0, 2])
    expect(srb([0x12, 0, 0, 0, 36, 0], 36, {lun: 2}).data()[0]).toBe(0x05)
    const notReady = srb([0x00, 0, 0, 0, 0, 0], 0, {dataIn: 2, lun: 2})
    expect([notReady.completion.sense[2], notReady.completion.sense[12]]).toEqual([0x02, 0x3a])
    // LUN 1 holds nothing: INQUIRY says so (peripheral qualifier 3), other commands get INVALID_LUN.
    expect(srb([0x12, 0, 0, 0, 36, 0], 36, {lun: 1}).data()[0]).toBe(0x7f)
    expect(srb([0x00, 0, 0, 0, 0, 0], 0, {dataIn: 2, lun: 1}).completion.srbStatus).toBe(SrbStatus.InvalidLun)
  })
})

describe('StorVSP: what a guest cannot do to the host', () => {
  it('answers a packet too short to be a vstor_packet with STATUS_INVALID_PARAMETER', () => {
    const {exchange} = setup()
    const reply = exchange(new Uint8Array(20))!
    expect(readCompletion(reply.payload).status).toBe(NtStatus.InvalidParameter)
  })

  it('fails an SRB whose buffer pages are not guest RAM, and the channel goes on', () => {
    const {client, channel, srb, link} = setup()
    const request = encodeSrbRequest({pathId: 0, targetId: 0, lun: 0, cdb: Uint8Array.of(0x28, 0, 0, 0, 0, 0, 0, 0, 1, 0), dataIn: 1, dataTransferLength: 512})
    client.sendPacket(channel, request, {transactionId: 99n, flags: 1, type: VMBUS_PACKET.DATA_USING_GPA_DIRECT, header: gpaDirectHeader({byteCount: 512, byteOffset: 0, pfns: [0xfffff]})})
    const reply = readCompletion(channel.toGuest.readPacket()!.payload)
    expect(reply.srbStatus & 0x3f).toBe(SrbStatus.Error)
    expect(srb([0x00, 0, 0, 0, 0, 0], 0, {dataIn: 2}).completion.srbStatus).toBe(SrbStatus.Success)
    expect(link.badWrites).toEqual([])
  })

  it('takes a malformed page list as the guest breaking the ring: the channel goes to Error, the host carries on', () => {
    const {client, channel, server} = setup()
    const header = gpaDirectHeader({byteCount: 512, byteOffset: 0, pfns: [20]})
    new DataView(header.buffer).setUint32(4, 0, true) // rangecount 0
    client.sendPacket(channel, encodeSrbRequest({pathId: 0, targetId: 0, lun: 0, cdb: Uint8Array.of(0x28), dataIn: 1, dataTransferLength: 512}), {
      transactionId: 5n, flags: 1, type: VMBUS_PACKET.DATA_USING_GPA_DIRECT, header,
    })
    expect(server.statistics().Channels[0].State).toBe('Error')
  })

  it('survives random packets: every one is answered or ends the channel, never an exception or a write outside RAM', () => {
    let seed = 12345
    const random = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32)
    for (let round = 0; round < 40; round++) {
      const {client, channel, server, link} = setup()
      for (let i = 0; i < 50 && server.statistics().Channels[0].State === 'Open'; i++) {
        const payload = Uint8Array.from({length: Math.floor(random() * 80)}, () => Math.floor(random() * 256))
        if (payload.length >= 4 && random() < 0.7) new DataView(payload.buffer).setUint32(0, 1 + Math.floor(random() * 13), true)
        if (payload.length >= 24 && random() < 0.5) payload[24] = [0x28, 0x2a, 0x12, 0x88, 0x8a, 0xa0, 0x9e][Math.floor(random() * 7)]
        const gpa = random() < 0.5
        const header = gpa
          ? gpaDirectHeader({byteCount: Math.floor(random() * 70000), byteOffset: Math.floor(random() * 5000), pfns: Array.from({length: Math.floor(random() * 20)}, () => Math.floor(random() * 2048))})
          : undefined
        expect(() => client.sendPacket(channel, payload, {transactionId: BigInt(i), flags: 1, type: gpa ? VMBUS_PACKET.DATA_USING_GPA_DIRECT : VMBUS_PACKET.DATA_INBAND, header})).not.toThrow()
        while (channel.toGuest.readPacket()) {
          // drain completions so that the ring never fills
        }
      }
      expect(link.badWrites).toEqual([])
    }
  })

  it('keeps completions in order when the ring is full and sends them once the guest reads', () => {
    const {client, channel, srb} = setup()
    srb([0x00, 0, 0, 0, 0, 0], 0, {dataIn: 2})
    // Fill the host-to-guest ring without reading it.
    let sent = 0
    for (; sent < 200; sent++) {
      client.sendPacket(channel, encodeSrbRequest({pathId: 0, targetId: 0, lun: 0, cdb: Uint8Array.of(0, 0, 0, 0, 0, 0), dataIn: 2, dataTransferLength: 0}), {transactionId: BigInt(1000 + sent), flags: 1})
    }
    const ids: bigint[] = []
    for (let reply = channel.toGuest.readPacket(); reply; reply = channel.toGuest.readPacket()) {
      ids.push(reply.transactionId)
      // The guest tells the host it read (as hv_pkt_iter_close does when the host asked for room).
      client.signal(channel.connectionId)
    }
    expect(ids).toEqual(Array.from({length: 200}, (_, i) => BigInt(1000 + i)))
  })

  it('saves and restores its negotiated state', () => {
    const {vsp} = setup()
    const state = vsp.saveState()
    expect(state).toMatchObject({version: 1, phase: 'Ready', protocolVersion: 0x0602})
    const other = new StorVsp({offer: vsp.offer, kind: 'SCSI', units: []})
    other.restoreState(state, {relid: 1, send: () => true})
    expect(other.statistics().protocolVersion).toBe('6.2')
    expect(() => other.restoreState({...state, phase: 'Bogus'}, null)).toThrow(/phase/)
  })
})

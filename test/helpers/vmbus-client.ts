/**
 * A scripted VMBus guest for tests: a fake VmbusPartitionLink over a real
 * GuestPhysicalAddressSpace that records what the host posts and signals,
 * and a client that plays the guest's VMBus driver (builds channel messages,
 * GPADLs and guest-side rings, posts and signals through the same connection
 * table the hypercalls use). Useful to anyone testing a VSP against the real
 * VmbusServer.
 */
import {GuestPhysicalAddressSpace, PAGE_SIZE} from '../../src/core/hypervisor/guest-memory.js'
import {HV_STATUS} from '../../src/core/hypervisor/hvdef.js'
import {ConnectionTable, type Port} from '../../src/core/hypervisor/ports.js'
import {
  CHANNELMSG,
  GPADL_BODY_MAX_PFNS,
  GPADL_HEADER_MAX_PFNS,
  VMBUS_MESSAGE_CONNECTION_ID,
  VMBUS_MESSAGE_CONNECTION_ID_4,
  VMBUS_MESSAGE_TYPE,
  VMBUS_PACKET,
  VMBUS_VERSION,
  decodeChannelMessage,
  encodeChannelMessage,
  encodeGpaRanges,
  type ChannelMessage,
  type GpadlCreatedMessage,
  type OfferChannelMessage,
  type OpenChannelResultMessage,
  type VersionResponseMessage,
} from '../../src/core/vmbus/index.js'
import type {GuestMemoryWindow, VmbusPartitionLink} from '../../src/core/vmbus/partition-link.js'
import type {ChannelEndpoint, IncomingPacket, VmbusDevice, VmbusOffer} from '../../src/core/vmbus/vmbus-device.js'

export interface PostedMessage {
  vp: number
  sint: number
  messageType: number
  payload: Uint8Array
}

/** The child partition as the VMBus server sees it, with every interaction recorded. */
export class FakePartitionLink implements VmbusPartitionLink {
  readonly space: GuestPhysicalAddressSpace
  readonly memory: GuestMemoryWindow
  readonly connections = new ConnectionTable()
  readonly posted: PostedMessage[] = []
  readonly signals: Array<{vp: number; sint: number; flag: number}> = []
  /** Every `wrote` range the host reported, and any that were not RAM. */
  readonly writes: Array<{gpa: number; length: number}> = []
  readonly badWrites: Array<{gpa: number; length: number}> = []
  /** Return value for the next postMessage calls (INSUFFICIENT_BUFFERS to simulate a full SINT). */
  postStatus: number = HV_STATUS.SUCCESS
  signalStatus: number = HV_STATUS.SUCCESS

  constructor(ramBytes = 1 << 20) {
    this.space = new GuestPhysicalAddressSpace(ramBytes)
    this.space.mapRam(0, ramBytes)
    this.memory = {
      view: (gpa, length) => this.space.view(gpa, length),
      wrote: (gpa, length) => {
        this.writes.push({gpa, length})
        if (!this.space.isRam(gpa, length)) this.badWrites.push({gpa, length})
      },
    }
  }

  postMessage(vp: number, sint: number, messageType: number, payload: Uint8Array): number {
    if (this.postStatus !== HV_STATUS.SUCCESS) return this.postStatus
    this.posted.push({vp, sint, messageType, payload: payload.slice()})
    return HV_STATUS.SUCCESS
  }

  signalEvent(vp: number, sint: number, flag: number): number {
    if (this.signalStatus !== HV_STATUS.SUCCESS) return this.signalStatus
    this.signals.push({vp, sint, flag})
    return HV_STATUS.SUCCESS
  }

  connect(connectionId: number, port: Port): void {
    this.connections.connect(connectionId, port)
  }

  disconnect(connectionId: number): void {
    this.connections.disconnect(connectionId)
  }
}

/** The guest's view of one ring: control page + data pages (GPAs need not be contiguous). */
export class GuestRing {
  constructor(
    readonly space: GuestPhysicalAddressSpace,
    readonly pfns: readonly number[],
  ) {}

  get dataSize(): number {
    return (this.pfns.length - 1) * PAGE_SIZE
  }

  control(offset: number): number {
    return this.space.readU32(this.pfns[0] * PAGE_SIZE + offset)!
  }
  setControl(offset: number, value: number): void {
    this.space.writeU32(this.pfns[0] * PAGE_SIZE + offset, value >>> 0)
  }
  get writeIndex(): number {
    return this.control(0)
  }
  set writeIndex(v: number) {
    this.setControl(0, v)
  }
  get readIndex(): number {
    return this.control(4)
  }
  set readIndex(v: number) {
    this.setControl(4, v)
  }
  get interruptMask(): number {
    return this.control(8)
  }
  set interruptMask(v: number) {
    this.setControl(8, v)
  }
  get pendingSendSize(): number {
    return this.control(12)
  }
  set pendingSendSize(v: number) {
    this.setControl(12, v)
  }

  used(): number {
    const w = this.writeIndex
    const r = this.readIndex
    return w >= r ? w - r : this.dataSize - r + w
  }

  /** Raw bytes into the data area at `offset`, wrapping. */
  poke(offset: number, bytes: Uint8Array): void {
    for (let i = 0; i < bytes.length; i++) {
      const pos = (offset + i) % this.dataSize
      this.space.write(this.pfns[1 + Math.floor(pos / PAGE_SIZE)] * PAGE_SIZE + (pos % PAGE_SIZE), bytes.subarray(i, i + 1))
    }
  }

  peek(offset: number, length: number): Uint8Array {
    const out = new Uint8Array(length)
    for (let i = 0; i < length; i++) {
      const pos = (offset + i) % this.dataSize
      out[i] = this.space.view(this.pfns[1 + Math.floor(pos / PAGE_SIZE)] * PAGE_SIZE + (pos % PAGE_SIZE), 1)![0]
    }
    return out
  }

  /**
   * Write a packet as the guest's driver does. Returns null when there is no
   * room, else whether the rules say to signal the host (ring was empty and
   * the host has not masked interrupts).
   */
  writePacket(
    payload: Uint8Array,
    options: {type?: number; flags?: number; transactionId?: bigint; header?: Uint8Array} = {},
  ): {signal: boolean} | null {
    // `header`: what goes between the descriptor and the data (a GPA-direct packet's page ranges), whole u64s.
    const header = options.header ?? new Uint8Array(0)
    const dataOffset = 16 + header.length
    const total = dataOffset + Math.ceil(payload.length / 8) * 8 + 8
    if (this.dataSize - this.used() <= total) return null
    const w = this.writeIndex
    const bytes = new Uint8Array(total)
    const view = new DataView(bytes.buffer)
    view.setUint16(0, options.type ?? VMBUS_PACKET.DATA_INBAND, true)
    view.setUint16(2, dataOffset / 8, true)
    view.setUint16(4, (total - 8) / 8, true)
    view.setUint16(6, options.flags ?? 0, true)
    view.setBigUint64(8, options.transactionId ?? 0n, true)
    bytes.set(header, 16)
    bytes.set(payload, dataOffset)
    view.setUint32(total - 4, w, true)
    this.poke(w, bytes)
    this.writeIndex = (w + total) % this.dataSize
    return {signal: this.interruptMask === 0 && this.readIndex === w}
  }

  /** Read a packet as the guest's driver does (no validation: the host is trusted by the guest). */
  readPacket(): {type: number; flags: number; transactionId: bigint; payload: Uint8Array; trailer: number} | null {
    if (this.used() === 0) return null
    const r = this.readIndex
    const d = this.peek(r, 16)
    const view = new DataView(d.buffer)
    const offset = view.getUint16(2, true) * 8
    const length = view.getUint16(4, true) * 8
    const payload = this.peek((r + offset) % this.dataSize, length - offset)
    const trailerBytes = this.peek((r + length + 4) % this.dataSize, 4)
    const trailer = new DataView(trailerBytes.buffer).getUint32(0, true)
    this.readIndex = (r + length + 8) % this.dataSize
    return {type: view.getUint16(0, true), flags: view.getUint16(6, true), transactionId: view.getBigUint64(8, true), payload, trailer}
  }
}

export interface GuestChannel {
  offer: OfferChannelMessage
  relid: number
  connectionId: number
  gpadl: number
  pfns: number[]
  /** Guest writes, host reads. */
  toHost: GuestRing
  /** Host writes, guest reads. */
  toGuest: GuestRing
  result: OpenChannelResultMessage
}

/** The guest's VMBus driver, scripted. */
export class VmbusTestClient {
  /** Next free page for allocPages (page 0 left alone). */
  private nextPage = 16
  private nextGpadl = 0xe1e10
  /** Where the guest posts channel messages after contact (msg_conn_id from VERSION_RESPONSE). */
  messageConnectionId = VMBUS_MESSAGE_CONNECTION_ID
  offers: OfferChannelMessage[] = []

  constructor(readonly link: FakePartitionLink) {}

  /** Post one channel message the way HvPostMessage would. Returns the hypercall's HV_STATUS. */
  send(message: ChannelMessage, connectionId = this.messageConnectionId): number {
    return this.sendRaw(encodeChannelMessage(message), connectionId)
  }

  sendRaw(bytes: Uint8Array, connectionId = this.messageConnectionId, messageType = VMBUS_MESSAGE_TYPE): number {
    return this.link.connections.postMessage(connectionId, messageType, bytes)
  }

  /** Guest SignalEvent on a connection id. */
  signal(connectionId: number): number {
    return this.link.connections.signalEvent(connectionId, 0)
  }

  /** Decode and remove everything the host posted so far. */
  take(): ChannelMessage[] {
    const out: ChannelMessage[] = []
    for (const posted of this.link.posted.splice(0)) {
      const decoded = decodeChannelMessage(posted.payload)
      if (!decoded.ok) throw new Error(`host posted a malformed message: ${decoded.error}`)
      out.push(decoded.message)
    }
    return out
  }

  takeOne<T extends ChannelMessage['type']>(type: T): Extract<ChannelMessage, {type: T}> {
    const messages = this.take()
    if (messages.length !== 1 || messages[0].type !== type) {
      throw new Error(`expected one message of type ${type}, got ${JSON.stringify(messages.map((m) => m.type))}`)
    }
    return messages[0] as Extract<ChannelMessage, {type: T}>
  }

  initiateContact(version: number = VMBUS_VERSION.WIN10, options: {targetVcpu?: number; sint?: number} = {}): VersionResponseMessage {
    const v5 = version >= VMBUS_VERSION.WIN10_V5
    this.send(
      {
        type: CHANNELMSG.INITIATE_CONTACT,
        versionRequested: version,
        targetVcpu: options.targetVcpu ?? 0,
        interruptPage: v5 ? 0n : 0x1000n,
        msgSint: v5 ? (options.sint ?? 2) : 0,
        msgVtl: 0,
        featureFlags: 0,
        monitorPage1: 0x2000n,
        monitorPage2: 0x3000n,
      },
      v5 ? VMBUS_MESSAGE_CONNECTION_ID_4 : VMBUS_MESSAGE_CONNECTION_ID,
    )
    const response = this.takeOne(CHANNELMSG.VERSION_RESPONSE)
    if (response.versionSupported && v5) this.messageConnectionId = response.msgConnId
    return response
  }

  requestOffers(): OfferChannelMessage[] {
    this.send({type: CHANNELMSG.REQUESTOFFERS})
    const messages = this.take()
    const last = messages.pop()
    if (last?.type !== CHANNELMSG.ALLOFFERS_DELIVERED) throw new Error('no ALLOFFERS_DELIVERED')
    this.offers = messages.filter((m): m is OfferChannelMessage => m.type === CHANNELMSG.OFFERCHANNEL)
    return this.offers
  }

  /** Allocate guest pages; `scattered` leaves a gap after each page so the GPADL is not contiguous. */
  allocPages(count: number, scattered = false): number[] {
    const pages: number[] = []
    // Wrap around when RAM runs out (long-running tests reuse pages of channels long gone).
    const ramPages = this.link.space.ramBytes / PAGE_SIZE
    if (this.nextPage + count * (scattered ? 2 : 1) > ramPages) this.nextPage = 16
    for (let i = 0; i < count; i++) {
      pages.push(this.nextPage)
      this.nextPage += scattered ? 2 : 1
    }
    for (const p of pages) this.link.space.write(p * PAGE_SIZE, new Uint8Array(PAGE_SIZE))
    return pages
  }

  newGpadlHandle(): number {
    return this.nextGpadl++
  }

  /** Send GPADL_HEADER (+ GPADL_BODY messages) for one range of whole pages, as Linux does. Returns nothing: read the reply with take(). */
  sendGpadl(relid: number, handle: number, pfns: readonly number[], range?: {byteCount: number; byteOffset: number}): void {
    const data = encodeGpaRanges([{byteCount: range?.byteCount ?? pfns.length * PAGE_SIZE, byteOffset: range?.byteOffset ?? 0, pfns: [...pfns]}])
    const headerBytes = 8 + Math.min(pfns.length, GPADL_HEADER_MAX_PFNS) * 8
    this.send({
      type: CHANNELMSG.GPADL_HEADER,
      childRelid: relid,
      gpadl: handle,
      rangeBufLen: data.length,
      rangeCount: 1,
      rangeData: data.subarray(0, headerBytes),
    })
    let offset = headerBytes
    let msgNumber = 1
    while (offset < data.length) {
      const chunk = data.subarray(offset, Math.min(data.length, offset + GPADL_BODY_MAX_PFNS * 8))
      this.send({type: CHANNELMSG.GPADL_BODY, msgNumber: msgNumber++, gpadl: handle, pfnData: chunk})
      offset += chunk.length
    }
  }

  createGpadl(relid: number, pfns: readonly number[]): GpadlCreatedMessage {
    const handle = this.newGpadlHandle()
    this.sendGpadl(relid, handle, pfns)
    return this.takeOne(CHANNELMSG.GPADL_CREATED)
  }

  /** GPADL + OPENCHANNEL with rings of `toHostPages` and `toGuestPages` pages (control page included). */
  openChannel(
    offer: OfferChannelMessage,
    options: {toHostPages?: number; toGuestPages?: number; scattered?: boolean; targetVp?: number} = {},
  ): GuestChannel {
    const toHostPages = options.toHostPages ?? 2
    const toGuestPages = options.toGuestPages ?? 2
    const pfns = this.allocPages(toHostPages + toGuestPages, options.scattered ?? true)
    const created = this.createGpadl(offer.childRelid, pfns)
    if (created.status !== 0) throw new Error(`GPADL refused: 0x${created.status.toString(16)}`)
    this.send({
      type: CHANNELMSG.OPENCHANNEL,
      childRelid: offer.childRelid,
      openId: offer.childRelid,
      ringBufferGpadl: created.gpadl,
      targetVp: options.targetVp ?? 0,
      downstreamPageOffset: toHostPages,
      userData: new Uint8Array(120),
    })
    const messages = this.take()
    const result = messages.find((m): m is OpenChannelResultMessage => m.type === CHANNELMSG.OPENCHANNEL_RESULT)
    if (!result) throw new Error('no OPENCHANNEL_RESULT')
    return {
      offer,
      relid: offer.childRelid,
      connectionId: offer.connectionId,
      gpadl: created.gpadl,
      pfns,
      toHost: new GuestRing(this.link.space, pfns.slice(0, toHostPages)),
      toGuest: new GuestRing(this.link.space, pfns.slice(toHostPages)),
      result,
    }
  }

  /** Write a packet to the host and signal if the ring rules say so. Returns false when the ring was full. */
  sendPacket(channel: GuestChannel, payload: Uint8Array, options: {transactionId?: bigint; flags?: number; type?: number; header?: Uint8Array} = {}): boolean {
    const written = channel.toHost.writePacket(payload, options)
    if (!written) return false
    if (written.signal) this.signal(channel.connectionId)
    return true
  }
}

/** A VSP that answers every packet with the same bytes and transaction id; records everything. */
export class EchoDevice implements VmbusDevice {
  endpoint: ChannelEndpoint | null = null
  received: IncomingPacket[] = []
  openedCount = 0
  closedCount = 0
  writableCount = 0
  /** Packets the device could not send yet (ring full). */
  backlog: Array<{payload: Uint8Array; transactionId: bigint}> = []
  echo = true
  restored: {state: {version: number; [field: string]: unknown}; endpoint: ChannelEndpoint | null} | null = null

  constructor(readonly offer: VmbusOffer) {}

  opened(endpoint: ChannelEndpoint): void {
    this.endpoint = endpoint
    this.openedCount++
  }
  closed(): void {
    this.endpoint = null
    this.backlog = []
    this.closedCount++
  }
  receive(packet: IncomingPacket): void {
    this.received.push(packet)
    if (!this.echo) return
    if (this.backlog.length > 0 || !this.endpoint?.send(packet.payload, {transactionId: packet.transactionId})) {
      this.backlog.push({payload: packet.payload, transactionId: packet.transactionId})
    }
  }
  writable(): void {
    this.writableCount++
    while (this.backlog.length > 0 && this.endpoint?.send(this.backlog[0].payload, {transactionId: this.backlog[0].transactionId})) {
      this.backlog.shift()
    }
  }
  saveState(): {version: number; [field: string]: unknown} {
    return {version: 1, received: this.received.length}
  }
  restoreState(state: {version: number; [field: string]: unknown}, endpoint: ChannelEndpoint | null): void {
    this.restored = {state, endpoint}
    this.endpoint = endpoint
  }
}

export const ECHO_CLASS_ID = '57164f39-9115-4e78-ab55-382f3bd5422d'

export function echoOffer(index: number, name = `Echo ${index}`): VmbusOffer {
  return {name, classId: ECHO_CLASS_ID, instanceId: `2dd1ce17-079e-403c-b352-a1921ee207${(0xe0 + index).toString(16).padStart(2, '0')}`}
}

/** The page list of a GPA-direct packet (vmbus_packet_mpb_array after its descriptor): one range. */
export function gpaDirectHeader(range: {byteCount: number; byteOffset: number; pfns: readonly number[]}): Uint8Array {
  const bytes = new Uint8Array(8 + 8 + range.pfns.length * 8)
  const view = new DataView(bytes.buffer)
  view.setUint32(4, 1, true) // rangecount
  view.setUint32(8, range.byteCount, true)
  view.setUint32(12, range.byteOffset, true)
  range.pfns.forEach((pfn, i) => view.setBigUint64(16 + i * 8, BigInt(pfn), true))
  return bytes
}

/**
 * The storage VSP: a synthetic SCSI controller (or, on Generation 1, the IDE
 * accelerator channel of one IDE disk) served over a VMBus channel. The guest's
 * VSC (Linux hv_storvsc) opens the channel, then:
 *
 *   BEGIN_INITIALIZATION -> QUERY_PROTOCOL_VERSION (until one is accepted)
 *   -> QUERY_PROPERTIES -> END_INITIALIZATION
 *
 * and afterwards sends EXECUTE_SRB packets: a SCSI request block with its CDB,
 * inband when no data moves, GPA-direct with the pages of its data buffer
 * otherwise. Each request is carried out at once against the logical unit it
 * addresses and answered with a completion packet (type 11, the request's
 * transaction id) holding COMPLETE_IO, the SRB and SCSI status, the bytes
 * transferred and sense data. Whatever the guest puts in a packet is checked:
 * a malformed one is answered with an error status, never followed.
 */
import {VMBUS_PACKET} from '../../../vmbus/constants.js'
import type {ChannelEndpoint, IncomingPacket, VmbusDevice, VmbusOffer} from '../../../vmbus/vmbus-device.js'
import {MAX_TRANSFER_BYTES, noUnitInquiry, ScsiOp} from '../../storage/scsi/scsi-disk.js'
import {type DataBuffer, putBe32, type ScsiLogicalUnit, type ScsiUnitStatistics} from '../../storage/scsi/scsi-target.js'
import {
  completeSrb, completion, decodeVstorPacket, NtStatus, protocolVersionOf, REQUEST_COMPLETION_FLAG, setChannelProperties,
  SrbStatus, srbOf, STORAGE_CHANNEL_EMULATED_IDE_FLAG, VMSTOR_PROTOCOL_VERSIONS, VstorOperation, type VstorPacket,
} from './vstor-protocol.js'

export const SCSI_CONTROLLER_CLASS_ID = 'ba6163d9-04a1-4d29-b605-72e2ffb1dc7f'
export const IDE_ACCELERATOR_CLASS_ID = '32412632-86cb-44a2-9b5c-50d1417354f5'
const STATE_VERSION = 1
/** Completions waiting for ring space; a guest that never reads its ring cannot make the host hold more. */
const MAX_QUEUED_COMPLETIONS = 1024

/** Where a logical unit answers: SCSI path, target and LUN. */
export interface ScsiAddress {
  path: number
  target: number
  lun: number
}

export interface AttachedUnit extends ScsiAddress {
  unit: ScsiLogicalUnit
}

export interface StorVspOptions {
  offer: VmbusOffer
  /** SCSI: a controller with LUNs on target 0; IDE: one IDE disk's accelerator channel. */
  kind: 'SCSI' | 'IDE'
  units: readonly AttachedUnit[]
}

export interface StorVspStatistics {
  protocolVersion: string | null
  requests: number
  malformedPackets: number
  units: Array<ScsiAddress & {description: string} & ScsiUnitStatistics>
}

type Phase = 'Closed' | 'Negotiating' | 'Ready'

interface QueuedCompletion {
  transactionId: bigint
  payload: Uint8Array
}

export class StorVsp implements VmbusDevice {
  readonly offer: VmbusOffer
  private endpoint: ChannelEndpoint | null = null
  private phase: Phase = 'Closed'
  private protocolVersion: number | null = null
  private queue: QueuedCompletion[] = []
  private requests = 0
  private malformedPackets = 0

  constructor(private readonly options: StorVspOptions) {
    this.offer = options.offer
  }

  opened(endpoint: ChannelEndpoint): void {
    this.endpoint = endpoint
    this.phase = 'Negotiating'
    this.protocolVersion = null
    this.queue = []
  }

  closed(): void {
    this.endpoint = null
    this.phase = 'Closed'
    this.queue = []
  }

  receive(packet: IncomingPacket): void {
    this.requests++
    const request = decodeVstorPacket(packet.payload)
    const wantsCompletion = (packet.flags & 1) !== 0 || (request !== null && (request.flags & REQUEST_COMPLETION_FLAG) !== 0)
    if (!request) {
      this.malformedPackets++
      if (wantsCompletion) this.reply(packet.transactionId, completion(null, NtStatus.InvalidParameter))
      return
    }
    const answer = this.handle(request, packet)
    if (wantsCompletion) this.reply(packet.transactionId, answer)
  }

  writable(): void {
    while (this.queue.length > 0 && this.endpoint) {
      const next = this.queue[0]
      if (!this.endpoint.send(next.payload, {type: VMBUS_PACKET.COMP, transactionId: next.transactionId})) return
      this.queue.shift()
    }
  }

  statistics(): StorVspStatistics {
    return {
      protocolVersion: this.protocolVersion === null ? null : `${this.protocolVersion >> 8}.${this.protocolVersion & 0xff}`,
      requests: this.requests,
      malformedPackets: this.malformedPackets,
      units: this.options.units.map(({path, target, lun, unit}) => ({path, target, lun, description: unit.description, ...unit.statistics()})),
    }
  }

  saveState(): {version: number; [field: string]: unknown} {
    return {
      version: STATE_VERSION,
      phase: this.phase,
      protocolVersion: this.protocolVersion,
      queue: this.queue.map((q) => ({transactionId: q.transactionId.toString(), payload: Buffer.from(q.payload).toString('base64')})),
    }
  }

  restoreState(state: {version: number; [field: string]: unknown}, endpoint: ChannelEndpoint | null): void {
    if (state.version !== STATE_VERSION) throw new Error(`StorVSP saved state version ${state.version} is not ${STATE_VERSION}`)
    const phase = state.phase
    if (phase !== 'Closed' && phase !== 'Negotiating' && phase !== 'Ready') throw new Error(`StorVSP saved state has phase ${String(phase)}`)
    const version = state.protocolVersion
    if (version !== null && !VMSTOR_PROTOCOL_VERSIONS.includes(version as never)) throw new Error(`StorVSP saved state has protocol version ${String(version)}`)
    const queue = Array.isArray(state.queue) ? state.queue : []
    this.queue = queue.map((q: {transactionId: string; payload: string}) => ({
      transactionId: BigInt(q.transactionId),
      payload: new Uint8Array(Buffer.from(q.payload, 'base64')),
    }))
    this.endpoint = endpoint
    this.phase = endpoint ? phase : 'Closed'
    this.protocolVersion = version as number | null
    this.writable()
  }

  private handle(request: VstorPacket, packet: IncomingPacket): Uint8Array {
    switch (request.operation) {
      case VstorOperation.BeginInitialization:
        this.phase = 'Negotiating'
        return completion(request, NtStatus.Success)
      case VstorOperation.QueryProtocolVersion: {
        const version = protocolVersionOf(request)
        if (!VMSTOR_PROTOCOL_VERSIONS.includes(version as never)) return completion(request, NtStatus.RevisionMismatch)
        this.protocolVersion = version
        return completion(request, NtStatus.Success)
      }
      case VstorOperation.QueryProperties: {
        const answer = completion(request, NtStatus.Success)
        setChannelProperties(answer, {
          // One channel: no sub-channels are offered.
          maxChannels: 0,
          flags: this.options.kind === 'IDE' ? STORAGE_CHANNEL_EMULATED_IDE_FLAG : 0,
          maxTransferBytes: MAX_TRANSFER_BYTES,
        })
        return answer
      }
      case VstorOperation.EndInitialization:
        if (this.protocolVersion === null) return completion(request, NtStatus.InvalidDeviceState)
        this.phase = 'Ready'
        return completion(request, NtStatus.Success)
      case VstorOperation.ExecuteSrb:
        if (this.phase !== 'Ready') return completion(request, NtStatus.InvalidDeviceState)
        return this.executeSrb(request, packet)
      case VstorOperation.ResetLun:
      case VstorOperation.ResetAdapter:
      case VstorOperation.ResetBus:
        // Every request completes before the next is read: nothing is in flight to reset.
        return completion(request, NtStatus.Success)
      default:
        // CREATE_SUB_CHANNELS (none are offered), FCHBA_DATA (not Fibre Channel), anything unknown.
        this.malformedPackets++
        return completion(request, NtStatus.InvalidDeviceRequest)
    }
  }

  private executeSrb(request: VstorPacket, packet: IncomingPacket): Uint8Array {
    const srb = srbOf(request)
    const answer = completion(request, NtStatus.Success)
    const finish = (srbStatus: number, scsiStatus = 0, transferred = 0, sense: Uint8Array | null = null) => {
      completeSrb(answer, {srbStatus, scsiStatus, transferred, sense})
      return answer
    }
    if (srb.cdb.length === 0) return finish(SrbStatus.InvalidRequest)
    // The data buffer: the pages of a GPA-direct packet, no larger than the SRB says.
    const buffer = packet.buffer && srb.dataTransferLength > 0 ? limit(packet.buffer, srb.dataTransferLength) : null
    const address: ScsiAddress = {path: srb.pathId, target: srb.targetId, lun: srb.lun}
    const unit = this.unitAt(address)
    if (srb.cdb[0] === ScsiOp.ReportLuns) return finish(SrbStatus.Success, 0, this.reportLuns(address, buffer))
    if (!unit) {
      // An address with no unit answers INQUIRY with "no unit here" (peripheral qualifier 3):
      // Linux's storvsc turns any INQUIRY failure into success, so an error would show up
      // as a phantom disk. The scan then asks REPORT LUNS; everything else is an invalid LUN.
      if (srb.cdb[0] === ScsiOp.Inquiry && buffer) {
        const data = noUnitInquiry()
        const n = Math.min(data.length, buffer.length)
        if (!tryWrite(buffer, data.subarray(0, n))) return finish(SrbStatus.Error)
        return finish(SrbStatus.Success, 0, n)
      }
      return finish(SrbStatus.InvalidLun)
    }
    const result = unit.execute(srb.cdb, buffer)
    return finish(result.status === 0 ? SrbStatus.Success : SrbStatus.Error, result.status, result.transferred, result.sense)
  }

  private unitAt(address: ScsiAddress): ScsiLogicalUnit | null {
    if (this.options.kind === 'IDE') {
      // The accelerator channel carries one disk; hv_storvsc addresses it at the target its instance id names.
      return address.lun === 0 ? (this.options.units[0]?.unit ?? null) : null
    }
    return this.options.units.find((u) => u.path === address.path && u.target === address.target && u.lun === address.lun)?.unit ?? null
  }

  /** REPORT LUNS: the LUNs of the addressed target, single-level peripheral addressing. Returns bytes transferred. */
  private reportLuns(address: ScsiAddress, buffer: DataBuffer | null): number {
    const luns = this.options.kind === 'IDE'
      ? (this.options.units.length > 0 ? [0] : [])
      : this.options.units.filter((u) => u.path === address.path && u.target === address.target).map((u) => u.lun)
    const data = new Uint8Array(8 + luns.length * 8)
    putBe32(data, 0, luns.length * 8)
    luns.sort((a, b) => a - b).forEach((lun, i) => {
      data[8 + i * 8] = (lun >> 8) & 0x3f
      data[8 + i * 8 + 1] = lun & 0xff
    })
    if (!buffer) return 0
    const n = Math.min(data.length, buffer.length)
    return tryWrite(buffer, data.subarray(0, n)) ? n : 0
  }

  private reply(transactionId: bigint, payload: Uint8Array): void {
    if (!this.endpoint) return
    // Completions keep their order: behind a queue, join it.
    if (this.queue.length === 0 && this.endpoint.send(payload, {type: VMBUS_PACKET.COMP, transactionId})) return
    if (this.queue.length >= MAX_QUEUED_COMPLETIONS) throw new Error(`more than ${MAX_QUEUED_COMPLETIONS} completions wait for the guest to read its ring`)
    this.queue.push({transactionId, payload})
  }
}

/** The first `length` bytes of a buffer. */
function limit(buffer: DataBuffer, length: number): DataBuffer {
  if (length >= buffer.length) return buffer
  return {
    length,
    read: (offset, into) => {
      if (offset + into.length > length) throw new RangeError('read past the transfer length')
      buffer.read(offset, into)
    },
    write: (offset, data) => {
      if (offset + data.length > length) throw new RangeError('write past the transfer length')
      buffer.write(offset, data)
    },
  }
}

function tryWrite(buffer: DataBuffer, data: Uint8Array): boolean {
  try {
    buffer.write(0, data)
    return true
  } catch {
    return false
  }
}

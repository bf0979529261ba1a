/**
 * The storage VSP/VSC wire protocol: the 64-byte vstor_packet that every
 * request and completion carries (Linux drivers/scsi/storvsc_drv.c, OpenVMM
 * storvsp_protocol), little-endian and packed:
 *
 *   u32 operation, u32 flags, u32 status, then a 52-byte union:
 *   - vmscsi_request: u16 length, u8 srb_status, u8 scsi_status, u8 port,
 *     u8 path_id, u8 target_id, u8 lun, u8 cdb_length, u8 sense_info_length,
 *     u8 data_in, u8 reserved, u32 data_transfer_length, u8 cdb/sense[20],
 *     and the Windows 8 extension: u16 reserve, u8 queue_tag, u8 queue_action,
 *     u32 srb_flags, u32 time_out_value, u32 queue_sort_key;
 *   - vmstorage_protocol_version: u16 major_minor, u16 revision;
 *   - vmstorage_channel_properties: u32 reserved, u16 max_channel_cnt,
 *     u16 reserved1, u32 flags, u32 max_transfer_bytes, u64 reserved2.
 */

export const VSTOR_PACKET_SIZE = 64
/** Before Windows 8 the request lacked its 16-byte extension; hv accepts such short packets and reads the missing bytes as zero. */
export const VSTOR_PACKET_MIN_SIZE = VSTOR_PACKET_SIZE - 16

export const VstorOperation = {
  CompleteIo: 1,
  RemoveDevice: 2,
  ExecuteSrb: 3,
  ResetLun: 4,
  ResetAdapter: 5,
  ResetBus: 6,
  BeginInitialization: 7,
  EndInitialization: 8,
  QueryProtocolVersion: 9,
  QueryProperties: 10,
  EnumerateBus: 11,
  FcHbaData: 12,
  CreateSubChannels: 13,
} as const

/** vstor_packet.flags bit 0: the guest wants this packet completed. */
export const REQUEST_COMPLETION_FLAG = 1

/** Protocol versions (major << 8 | minor) this VSP speaks, newest first: WIN10, WIN8.1, WIN8. */
export const VMSTOR_PROTOCOL_VERSIONS = [0x0602, 0x0600, 0x0501] as const

/** NTSTATUS values the VSP answers with in vstor_packet.status. */
export const NtStatus = {
  Success: 0,
  InvalidParameter: 0xc000000d,
  InvalidDeviceRequest: 0xc0000010,
  RevisionMismatch: 0xc0000059,
  InvalidDeviceState: 0xc0000184,
} as const

/** SRB status codes (srb_status); 0x80 marks sense data as valid. */
export const SrbStatus = {
  Success: 0x01,
  Aborted: 0x02,
  Error: 0x04,
  InvalidRequest: 0x06,
  InvalidLun: 0x20,
  AutosenseValid: 0x80,
} as const

/** vmscsi_request.data_in. */
export const DataDirection = {Write: 0, Read: 1, Unknown: 2} as const

/** vmstorage_channel_properties.flags. */
export const STORAGE_CHANNEL_EMULATED_IDE_FLAG = 0x2

/** Offsets in the packet. */
const OP = 0
const FLAGS = 4
const STATUS = 8
const BODY = 12
const SRB = {
  length: BODY + 0,
  srbStatus: BODY + 2,
  scsiStatus: BODY + 3,
  port: BODY + 4,
  pathId: BODY + 5,
  targetId: BODY + 6,
  lun: BODY + 7,
  cdbLength: BODY + 8,
  senseInfoLength: BODY + 9,
  dataIn: BODY + 10,
  dataTransferLength: BODY + 12,
  cdb: BODY + 16,
  srbFlags: BODY + 40,
} as const
/** The cdb/sense union holds 20 bytes; a CDB is at most 16. */
export const SRB_CDB_MAX = 16
export const SRB_SENSE_MAX = 20

export interface VstorPacket {
  operation: number
  flags: number
  status: number
  /** The whole 64 bytes, for the union's members. */
  bytes: Uint8Array
}

export interface ScsiRequestBlock {
  pathId: number
  targetId: number
  lun: number
  cdb: Uint8Array
  dataIn: number
  dataTransferLength: number
}

/** Read a packet from the guest; null when it is too short to be one. Short (pre-Windows 8) packets are padded with zeros. */
export function decodeVstorPacket(payload: Uint8Array): VstorPacket | null {
  if (payload.length < VSTOR_PACKET_MIN_SIZE) return null
  const bytes = new Uint8Array(VSTOR_PACKET_SIZE)
  bytes.set(payload.subarray(0, VSTOR_PACKET_SIZE))
  const view = new DataView(bytes.buffer)
  return {operation: view.getUint32(OP, true), flags: view.getUint32(FLAGS, true), status: view.getUint32(STATUS, true), bytes}
}

export function protocolVersionOf(packet: VstorPacket): number {
  return packet.bytes[BODY] | (packet.bytes[BODY + 1] << 8)
}

/** The SRB of an EXECUTE_SRB packet; the CDB length is clamped to what the union holds. */
export function srbOf(packet: VstorPacket): ScsiRequestBlock {
  const b = packet.bytes
  const view = new DataView(b.buffer)
  const cdbLength = Math.min(b[SRB.cdbLength], SRB_CDB_MAX)
  return {
    pathId: b[SRB.pathId],
    targetId: b[SRB.targetId],
    lun: b[SRB.lun],
    cdb: b.slice(SRB.cdb, SRB.cdb + cdbLength),
    dataIn: b[SRB.dataIn],
    dataTransferLength: view.getUint32(SRB.dataTransferLength, true),
  }
}

/** A COMPLETE_IO packet answering `request` (its union copied) with `status`. */
export function completion(request: VstorPacket | null, status: number): Uint8Array {
  const bytes = new Uint8Array(VSTOR_PACKET_SIZE)
  if (request) bytes.set(request.bytes)
  const view = new DataView(bytes.buffer)
  view.setUint32(OP, VstorOperation.CompleteIo, true)
  view.setUint32(FLAGS, 0, true)
  view.setUint32(STATUS, status >>> 0, true)
  return bytes
}

/** Fill a completion's SRB with the outcome of the SCSI command. */
export function completeSrb(
  bytes: Uint8Array,
  outcome: {srbStatus: number; scsiStatus: number; transferred: number; sense: Uint8Array | null},
): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset)
  bytes[SRB.srbStatus] = outcome.srbStatus | (outcome.sense ? SrbStatus.AutosenseValid : 0)
  bytes[SRB.scsiStatus] = outcome.scsiStatus
  view.setUint32(SRB.dataTransferLength, outcome.transferred, true)
  // The cdb and the sense data share the union: the answer carries sense there.
  bytes.fill(0, SRB.cdb, SRB.cdb + SRB_SENSE_MAX)
  if (outcome.sense) {
    const sense = outcome.sense.subarray(0, SRB_SENSE_MAX)
    bytes.set(sense, SRB.cdb)
    bytes[SRB.senseInfoLength] = sense.length
  } else {
    bytes[SRB.senseInfoLength] = 0
  }
}

/** Fill a QUERY_PROPERTIES completion. */
export function setChannelProperties(bytes: Uint8Array, properties: {maxChannels: number; flags: number; maxTransferBytes: number}): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset)
  bytes.fill(0, BODY, VSTOR_PACKET_SIZE)
  view.setUint16(BODY + 4, properties.maxChannels, true)
  view.setUint32(BODY + 8, properties.flags, true)
  view.setUint32(BODY + 12, properties.maxTransferBytes, true)
}

/** Build a request packet (what a VSC sends): for tests and the guest-side tools that drive the VSP. */
export function encodeVstorRequest(operation: number, fill?: (bytes: Uint8Array, view: DataView) => void): Uint8Array {
  const bytes = new Uint8Array(VSTOR_PACKET_SIZE)
  const view = new DataView(bytes.buffer)
  view.setUint32(OP, operation, true)
  view.setUint32(FLAGS, REQUEST_COMPLETION_FLAG, true)
  fill?.(bytes, view)
  return bytes
}

/** An EXECUTE_SRB request, as hv_storvsc builds one. */
export function encodeSrbRequest(srb: ScsiRequestBlock): Uint8Array {
  return encodeVstorRequest(VstorOperation.ExecuteSrb, (bytes, view) => {
    view.setUint16(SRB.length, VSTOR_PACKET_SIZE - BODY, true)
    bytes[SRB.pathId] = srb.pathId
    bytes[SRB.targetId] = srb.targetId
    bytes[SRB.lun] = srb.lun
    bytes[SRB.cdbLength] = srb.cdb.length
    bytes[SRB.senseInfoLength] = SRB_SENSE_MAX
    bytes[SRB.dataIn] = srb.dataIn
    view.setUint32(SRB.dataTransferLength, srb.dataTransferLength, true)
    bytes.set(srb.cdb.subarray(0, SRB_CDB_MAX), SRB.cdb)
  })
}

/** A completion's fields, as a VSC reads them. */
export function readCompletion(bytes: Uint8Array): {
  operation: number; status: number; srbStatus: number; scsiStatus: number; dataTransferLength: number; sense: Uint8Array
  maxTransferBytes: number; propertyFlags: number
} {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  return {
    operation: view.getUint32(OP, true),
    status: view.getUint32(STATUS, true),
    srbStatus: bytes[SRB.srbStatus],
    scsiStatus: bytes[SRB.scsiStatus],
    dataTransferLength: view.getUint32(SRB.dataTransferLength, true),
    sense: bytes.slice(SRB.cdb, SRB.cdb + bytes[SRB.senseInfoLength]),
    maxTransferBytes: view.getUint32(BODY + 12, true),
    propertyFlags: view.getUint32(BODY + 8, true),
  }
}

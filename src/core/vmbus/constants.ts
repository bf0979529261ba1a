/**
 * VMBus protocol numbers (Linux include/linux/hyperv.h, OpenVMM vmbus_core),
 * kept here so no other VMBus file spells a number. Hypervisor-level numbers
 * (HV_STATUS, SynIC) stay in ../hypervisor/hvdef.ts.
 */

/** Where the guest posts channel messages (HvPostMessage connection ids). */
export const VMBUS_MESSAGE_CONNECTION_ID = 1
/** INITIATE_CONTACT goes here from version 5.0 on. */
export const VMBUS_MESSAGE_CONNECTION_ID_4 = 4
/** Legacy (pre-WIN8) shared event connection; unused here because every offer is dedicated-interrupt. */
export const VMBUS_EVENT_CONNECTION_ID = 2
/** SynIC message type of every VMBus channel message, both directions. */
export const VMBUS_MESSAGE_TYPE = 1
/** SINT the guest receives channel messages and channel events on, unless it names another (>= 5.0). */
export const VMBUS_MESSAGE_SINT = 2
/** HV_MESSAGE payload limit: no channel message may exceed it. */
export const HV_MESSAGE_PAYLOAD_BYTES = 240

/**
 * Channel connection ids (the guest's SignalEvent target for a channel) are
 * CHANNEL_CONNECTION_ID_BASE + relid. Hyper-V hands out ids in its own range;
 * this base keeps them clear of the fixed ids 1-4 and easy to read in logs.
 */
export const CHANNEL_CONNECTION_ID_BASE = 0x2000

export const CHANNELMSG = {
  OFFERCHANNEL: 1,
  RESCIND_CHANNELOFFER: 2,
  REQUESTOFFERS: 3,
  ALLOFFERS_DELIVERED: 4,
  OPENCHANNEL: 5,
  OPENCHANNEL_RESULT: 6,
  CLOSECHANNEL: 7,
  GPADL_HEADER: 8,
  GPADL_BODY: 9,
  GPADL_CREATED: 10,
  GPADL_TEARDOWN: 11,
  GPADL_TORNDOWN: 12,
  RELID_RELEASED: 13,
  INITIATE_CONTACT: 14,
  VERSION_RESPONSE: 15,
  UNLOAD: 16,
  UNLOAD_RESPONSE: 17,
} as const

export const CHANNELMSG_NAMES: Record<number, string> = Object.fromEntries(
  Object.entries(CHANNELMSG).map(([name, code]) => [code, name]),
)

/** Protocol versions, major << 16 | minor. */
export const VMBUS_VERSION = {
  WS2008: 0x0000000d,
  WIN7: 0x00010001,
  WIN8: 0x00020004,
  WIN8_1: 0x00030000,
  WIN10: 0x00040000,
  WIN10_V4_1: 0x00040001,
  WIN10_V5: 0x00050000,
  WIN10_V5_1: 0x00050001,
  WIN10_V5_2: 0x00050002,
  WIN10_V5_3: 0x00050003,
} as const

export const VMBUS_VERSION_NAMES: Record<number, string> = Object.fromEntries(
  Object.entries(VMBUS_VERSION).map(([name, code]) => [code, name]),
)

/**
 * Versions this server accepts. WS2008 and WIN7 are refused: they need the
 * shared interrupt page and monitor pages, which this host does not emulate;
 * refusing makes a guest fall back down its list or give up cleanly.
 */
export const SUPPORTED_VERSIONS: readonly number[] = [
  VMBUS_VERSION.WIN8,
  VMBUS_VERSION.WIN8_1,
  VMBUS_VERSION.WIN10,
  VMBUS_VERSION.WIN10_V4_1,
  VMBUS_VERSION.WIN10_V5,
  VMBUS_VERSION.WIN10_V5_1,
  VMBUS_VERSION.WIN10_V5_2,
  VMBUS_VERSION.WIN10_V5_3,
]

/** version_response.connection_state. */
export const CONNECTION_STATE = {SUCCESSFUL: 0, FAILED_LOW_RESOURCES: 1, FAILED_UNKNOWN_FAILURE: 2} as const

/** NTSTATUS values carried in OPENCHANNEL_RESULT.status and GPADL_CREATED.creation_status. */
export const NT_STATUS = {
  SUCCESS: 0,
  UNSUCCESSFUL: 0xc0000001,
  INVALID_PARAMETER: 0xc000000d,
  INSUFFICIENT_RESOURCES: 0xc000009a,
  DEVICE_BUSY: 0x80000011,
} as const

/** VMBUS_PACKET descriptor types. */
export const VMBUS_PACKET = {
  DATA_INBAND: 6,
  DATA_USING_XFER_PAGES: 7,
  DATA_USING_GPA_DIRECT: 9,
  COMP: 11,
} as const

/** Descriptor flag: the sender wants a completion packet. */
export const VMBUS_DATA_PACKET_FLAG_COMPLETION_REQUESTED = 1

/** Offer bits. */
export const OFFER_MONITOR_ID_NONE = 0xff
export const MAX_USER_DEFINED_BYTES = 120

/** Limits that keep a guest from making the host allocate without bound. */
export const LIMITS = {
  /** Pages one GPADL may describe (16 MiB, the largest buffer Linux netvsc hands over). */
  MAX_GPADL_PAGES: 4096,
  /** GPADLs (complete or being assembled) per partition. */
  MAX_GPADLS: 256,
  /** Outgoing messages waiting for SynIC room; more are dropped and counted. */
  MAX_QUEUED_MESSAGES: 1024,
  /** Channels a server hands out relids for. */
  MAX_CHANNELS: 1024,
} as const

/** Device class GUIDs (if_type) by the name `get-vmbus` shows for them. */
export const VMBUS_CLASS_NAMES: Record<string, string> = {
  'ba6163d9-04a1-4d29-b605-72e2ffb1dc7f': 'Synthetic SCSI Controller',
  '32412632-86cb-44a2-9b5c-50d1417354f5': 'Synthetic IDE Accelerator',
  'f8615163-df3e-46c5-913f-f2d2f965ed0e': 'Synthetic Network Adapter',
  '57164f39-9115-4e78-ab55-382f3bd5422d': 'Heartbeat',
  '0e0b6031-5213-4934-818b-38d90ced39db': 'Shutdown',
  '9527e630-d0ae-497b-adce-e80ab0175caf': 'Time Synchronization',
  'a9a0f4e7-5a45-4d96-b827-8a841e8c03e6': 'Key-Value Pair Exchange',
  '35fa2e29-ea23-4236-96ae-3a6ebacba440': 'VSS',
  '34d14be3-dee4-41c8-9ae7-6b174977c192': 'Guest Service Interface',
  'f912ad6d-2b17-48ea-bd65-f927a61c7684': 'Synthetic Keyboard',
  'cfa8b69e-5b4a-4cc0-b98b-8ba1a1f3f95a': 'Synthetic Mouse',
  'da0a7802-e377-4aac-8e77-0558eb1073f8': 'Synthetic Video',
  '525074dc-8985-46e2-8057-a307dc18a502': 'Dynamic Memory',
}

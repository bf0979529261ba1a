import {HV_MESSAGE_FLAG_PENDING, HV_MESSAGE_HEADER as H, HV_MESSAGE_HEADER_SIZE, HV_MESSAGE_SIZE} from './hvdef.js'

/** A message on its way to a SynIC slot. */
export interface SynicMessage {
  type: number
  /** The sender's port id (0 for the hypervisor's own messages). */
  sender: number
  /** At most 240 bytes. */
  payload: Uint8Array
}

/**
 * The SynIC message page layout (SIMP): 16 slots of 256 bytes, slot n for
 * SINT n. Header: u32 message type @0 (0 = the slot is free), u8 payload size
 * @4, u8 flags @5 (bit 0 MessagePending), u16 reserved @6, u64 sender @8;
 * payload @16.
 */
export function slotType(page: Uint8Array, sint: number): number {
  const at = sint * HV_MESSAGE_SIZE + H.TYPE
  return (page[at] | (page[at + 1] << 8) | (page[at + 2] << 16) | (page[at + 3] << 24)) >>> 0
}

export function writeSlot(page: Uint8Array, sint: number, message: SynicMessage, pending: boolean): void {
  const base = sint * HV_MESSAGE_SIZE
  page.fill(0, base, base + HV_MESSAGE_SIZE)
  const view = new DataView(page.buffer, page.byteOffset + base, HV_MESSAGE_SIZE)
  view.setUint8(H.PAYLOAD_SIZE, message.payload.length)
  view.setUint8(H.FLAGS, pending ? HV_MESSAGE_FLAG_PENDING : 0)
  view.setUint32(H.SENDER, message.sender % 0x100000000 >>> 0, true)
  view.setUint32(H.SENDER + 4, Math.floor(message.sender / 0x100000000) >>> 0, true)
  page.set(message.payload, base + HV_MESSAGE_HEADER_SIZE)
  // The type last: it is what marks the slot as holding a message.
  view.setUint32(H.TYPE, message.type >>> 0, true)
}

export function setMessagePending(page: Uint8Array, sint: number): void {
  page[sint * HV_MESSAGE_SIZE + H.FLAGS] |= HV_MESSAGE_FLAG_PENDING
}

/** The SIEF page: 256 bytes (2048 flags) per SINT; flag n is byte n/8, bit n%8. Returns true on a 0 -> 1 change. */
export function setEventFlag(page: Uint8Array, sint: number, flag: number): boolean {
  const at = sint * HV_MESSAGE_SIZE + (flag >>> 3)
  const bit = 1 << (flag & 7)
  if (page[at] & bit) return false
  page[at] |= bit
  return true
}

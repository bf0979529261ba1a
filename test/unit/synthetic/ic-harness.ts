/**
 * Test doubles for the integration-service VSPs: a channel endpoint that
 * records what the host sends, and a scripted guest that answers the way
 * Linux hv_util.c / hv_kvp.c do, built byte by byte from the Linux layouts
 * (deliberately not using the production encoders).
 */
import type {ChannelEndpoint, IncomingPacket} from '../../../src/core/vmbus/vmbus-device.js'

export interface Sent {
  readonly payload: Uint8Array
  readonly transactionId: bigint
  readonly type: number | undefined
  readonly completionRequested: boolean | undefined
}

export class FakeEndpoint implements ChannelEndpoint {
  readonly relid = 7
  readonly sent: Sent[] = []
  /** When true, send() refuses (ring full). */
  full = false
  refused = 0

  send(payload: Uint8Array, options?: {type?: number; transactionId?: bigint; completionRequested?: boolean}): boolean {
    if (this.full) {
      this.refused++
      return false
    }
    this.sent.push({payload: payload.slice(), transactionId: options?.transactionId ?? 0n, type: options?.type, completionRequested: options?.completionRequested})
    return true
  }

  /** Removes and returns everything sent so far. */
  take(): Sent[] {
    return this.sent.splice(0)
  }
}

export const E_FAIL = 0x80004005
export const NO_MORE_ITEMS = 0x80070103

export function u16(bytes: Uint8Array, offset: number): number {
  return bytes[offset]! | (bytes[offset + 1]! << 8)
}
export function u32(bytes: Uint8Array, offset: number): number {
  return (bytes[offset]! | (bytes[offset + 1]! << 8) | (bytes[offset + 2]! << 16) | (bytes[offset + 3]! << 24)) >>> 0
}
export function u64(bytes: Uint8Array, offset: number): bigint {
  return BigInt(u32(bytes, offset)) | (BigInt(u32(bytes, offset + 4)) << 32n)
}
export function put16(bytes: Uint8Array, offset: number, value: number): void {
  bytes[offset] = value & 0xff
  bytes[offset + 1] = (value >>> 8) & 0xff
}
export function put32(bytes: Uint8Array, offset: number, value: number): void {
  for (let i = 0; i < 4; i++) bytes[offset + i] = (value >>> (8 * i)) & 0xff
}
export function put64(bytes: Uint8Array, offset: number, value: bigint): void {
  put32(bytes, offset, Number(value & 0xffffffffn))
  put32(bytes, offset + 4, Number((value >> 32n) & 0xffffffffn))
}

/** Offsets in the packet (vmbuspipe_hdr 8 bytes, then icmsg_hdr 20 bytes). */
export const OFF = {pipeFlags: 0, pipeSize: 4, frameMajor: 8, frameMinor: 10, msgType: 12, msgMajor: 14, msgMinor: 16, msgSize: 18, status: 20, txid: 24, icflags: 25, body: 28} as const

export function msgType(s: Sent): number {
  return u16(s.payload, OFF.msgType)
}

/** Wraps a guest answer as the VMBus server would hand it to the device. */
export function incoming(payload: Uint8Array, transactionId: bigint, type = 6): IncomingPacket {
  return {type, flags: 0, transactionId, payload, buffer: null}
}

/** Linux-style vmbus_prep_negotiate_resp: answer in place choosing the first of `fw`/`srv` (in the guest's order) the host offered. */
export function linuxNegotiateAnswer(request: Uint8Array, fw: [number, number][], srv: [number, number][]): Uint8Array {
  const buf = request.slice()
  put16(buf, OFF.msgSize, 0x10)
  const b = OFF.body
  const fwCount = u16(buf, b)
  const msgCount = u16(buf, b + 2)
  const table = (i: number): [number, number] => [u16(buf, b + 8 + 4 * i), u16(buf, b + 10 + 4 * i)]
  let chosenFw: [number, number] | null = null
  for (const [maj, min] of fw) {
    for (let j = 0; j < fwCount; j++) {
      const [a, c] = table(j)
      if (a === maj && c === min) chosenFw = [a, c]
    }
    if (chosenFw) break
  }
  let chosenSrv: [number, number] | null = null
  if (chosenFw) {
    for (const [maj, min] of srv) {
      for (let j = fwCount; j < fwCount + msgCount; j++) {
        const [a, c] = table(j)
        if (a === maj && c === min) chosenSrv = [a, c]
      }
      if (chosenSrv) break
    }
  }
  const ok = chosenFw !== null && chosenSrv !== null
  put16(buf, b, ok ? 1 : 0)
  put16(buf, b + 2, ok ? 1 : 0)
  // Linux writes the slots even on failure (with the counts as "versions"); only the counts matter then.
  const f = chosenFw ?? [fwCount, 0]
  const s = chosenSrv ?? [msgCount, 0]
  put16(buf, b + 8, f[0])
  put16(buf, b + 10, f[1])
  put16(buf, b + 12, s[0])
  put16(buf, b + 14, s[1])
  buf[OFF.icflags] = 1 | 4
  return buf
}

/** Any in-place answer: copy, set status and TRANSACTION|RESPONSE. */
export function linuxAnswer(request: Uint8Array, status = 0, edit?: (buf: Uint8Array) => void): Uint8Array {
  const buf = request.slice()
  put32(buf, OFF.status, status)
  buf[OFF.icflags] = 1 | 4
  edit?.(buf)
  return buf
}

export const UTIL_FW: [number, number][] = [[3, 0], [1, 0]]

/** Opens the device on a fresh endpoint and answers its NEGOTIATE like Linux. */
export function openAndNegotiate(
  device: {opened(e: ChannelEndpoint): void; receive(p: IncomingPacket): void},
  srv: [number, number][],
  fw: [number, number][] = UTIL_FW,
): FakeEndpoint {
  const endpoint = new FakeEndpoint()
  device.opened(endpoint)
  const [negotiate] = endpoint.take()
  if (!negotiate || msgType(negotiate) !== 0) throw new Error('expected a NEGOTIATE first')
  device.receive(incoming(linuxNegotiateAnswer(negotiate.payload, fw, srv), negotiate.transactionId))
  return endpoint
}

export function utf16(text: string): Uint8Array {
  const out = new Uint8Array(2 * text.length)
  for (let i = 0; i < text.length; i++) put16(out, 2 * i, text.charCodeAt(i))
  return out
}

export function readUtf16(bytes: Uint8Array, offset: number, size: number): string {
  let s = ''
  for (let i = 0; i + 1 < size; i += 2) {
    const c = u16(bytes, offset + i)
    if (c === 0) break
    s += String.fromCharCode(c)
  }
  return s
}

export const HOST_EPOCH_NS = 1_700_000_000_123_456_700n

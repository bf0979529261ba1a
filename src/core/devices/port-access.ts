/**
 * Most legacy devices have byte-wide registers. On the ISA bus a 16- or 32-bit
 * access to such a device is carried out as consecutive byte accesses to
 * consecutive ports, low byte first; these helpers do that split so each device
 * only implements byte access.
 */

/** The value a read returns when no device drives the bus: all ones for the access size. */
export function floatingBus(size: number): number {
  return size === 1 ? 0xff : size === 2 ? 0xffff : 0xffffffff
}

export function readBytewise(port: number, size: number, readByte: (port: number) => number): number {
  let value = 0
  for (let i = 0; i < size; i++) value |= (readByte((port + i) & 0xffff) & 0xff) << (8 * i)
  return value >>> 0
}

export function writeBytewise(port: number, size: number, value: number, writeByte: (port: number, byte: number) => void): void {
  for (let i = 0; i < size; i++) writeByte((port + i) & 0xffff, (value >>> (8 * i)) & 0xff)
}

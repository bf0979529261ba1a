/**
 * One PCI function's 256-byte configuration space (PCI Local Bus 3.0, chapter
 * 6) with, per byte, which bits software may write and which are
 * write-one-to-clear (status bits): everything else is read-only, so a guest
 * that writes all ones to size a BAR or probes a register sees exactly what
 * the hardware would hold. Reads and writes of 1, 2 or 4 bytes at any offset
 * are split into bytes; an access that runs past the end of the space is cut
 * off there.
 */
export const PCI_CONFIG_SPACE_SIZE = 256

/** Standard header offsets (type 0). */
export const PCI_VENDOR_ID = 0x00
export const PCI_DEVICE_ID = 0x02
export const PCI_COMMAND = 0x04
export const PCI_STATUS = 0x06
export const PCI_REVISION_ID = 0x08
export const PCI_CLASS_PROG = 0x09
export const PCI_HEADER_TYPE = 0x0e
export const PCI_BAR0 = 0x10
export const PCI_SUBSYSTEM_VENDOR_ID = 0x2c
export const PCI_INTERRUPT_LINE = 0x3c
export const PCI_INTERRUPT_PIN = 0x3d

/** Command register bits. */
export const PCI_COMMAND_IO = 1 << 0
export const PCI_COMMAND_MEMORY = 1 << 1
export const PCI_COMMAND_MASTER = 1 << 2

/** Header type bit 7: the device has more than one function (the OS then scans functions 1-7). */
export const PCI_HEADER_MULTIFUNCTION = 0x80

/**
 * Status bits that latch error conditions and are cleared by writing one:
 * detected parity error, signalled system error, received master abort,
 * received/signalled target abort, master data parity error.
 */
const STATUS_WRITE_ONE_TO_CLEAR = 0xf900

export interface PciHeader {
  vendorId: number
  deviceId: number
  revision: number
  /** Base class, subclass, programming interface. */
  classCode: readonly [number, number, number]
  /** Bit 7: multifunction device. */
  headerType?: number
  /** The command register's power-on value and the bits the OS may change. */
  command?: number
  commandWritable?: number
  status?: number
  /** 0 none, 1-4 INTA#-INTD#. */
  interruptPin?: number
}

export class PciConfigSpace {
  private readonly bytes = new Uint8Array(PCI_CONFIG_SPACE_SIZE)
  private readonly writable = new Uint8Array(PCI_CONFIG_SPACE_SIZE)
  private readonly writeOneToClear = new Uint8Array(PCI_CONFIG_SPACE_SIZE)
  private powerOn = new Uint8Array(PCI_CONFIG_SPACE_SIZE)

  constructor(header: PciHeader) {
    this.define(PCI_VENDOR_ID, 2, header.vendorId)
    this.define(PCI_DEVICE_ID, 2, header.deviceId)
    this.define(PCI_COMMAND, 2, header.command ?? 0, header.commandWritable ?? 0)
    this.define(PCI_STATUS, 2, header.status ?? 0)
    this.writeOneToClear[PCI_STATUS + 1] = STATUS_WRITE_ONE_TO_CLEAR >> 8
    this.define(PCI_REVISION_ID, 1, header.revision)
    const [base, sub, prog] = header.classCode
    this.define(PCI_CLASS_PROG, 3, prog | (sub << 8) | (base << 16))
    this.define(PCI_HEADER_TYPE, 1, header.headerType ?? 0)
    // The interrupt line is a scratch register for the OS's routing; the pin is fixed by the wiring.
    this.define(PCI_INTERRUPT_LINE, 1, 0, 0xff)
    this.define(PCI_INTERRUPT_PIN, 1, header.interruptPin ?? 0)
  }

  /** Sets a register's power-on value and its writable bits (little-endian, `size` bytes). */
  define(offset: number, size: number, value: number, writableMask = 0): this {
    for (let i = 0; i < size; i++) {
      this.bytes[offset + i] = (value >>> (8 * i)) & 0xff
      this.writable[offset + i] = (writableMask >>> (8 * i)) & 0xff
    }
    this.powerOn = this.bytes.slice()
    return this
  }

  read(offset: number, size: number): number {
    let value = 0
    for (let i = 0; i < size && offset + i < PCI_CONFIG_SPACE_SIZE; i++) value |= this.bytes[offset + i]! << (8 * i)
    return value >>> 0
  }

  write(offset: number, size: number, value: number): void {
    for (let i = 0; i < size && offset + i < PCI_CONFIG_SPACE_SIZE; i++) {
      const at = offset + i
      const byte = (value >>> (8 * i)) & 0xff
      const keep = this.bytes[at]! & ~this.writable[at]! & ~(byte & this.writeOneToClear[at]!)
      this.bytes[at] = (keep | (byte & this.writable[at]!)) & 0xff
    }
  }

  reset(): void {
    this.bytes.set(this.powerOn)
  }

  /** The whole space, for saved state. */
  snapshot(): number[] {
    return Array.from(this.bytes)
  }

  /**
   * Restores a saved space. Read-only bits keep this build's values (they are
   * the hardware's identity, not state); only the writable and
   * write-one-to-clear bits come from the saved bytes.
   */
  restore(saved: readonly number[]): void {
    for (let at = 0; at < PCI_CONFIG_SPACE_SIZE; at++) {
      const variable = this.writable[at]! | this.writeOneToClear[at]!
      this.bytes[at] = (this.powerOn[at]! & ~variable) | (saved[at]! & variable)
    }
  }
}

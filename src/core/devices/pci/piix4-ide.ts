import {PCI_COMMAND_IO, PCI_COMMAND_MASTER, PciConfigSpace} from './config-space.js'
import {INTEL_VENDOR_ID} from './host-bridge.js'
import type {PciFunction} from './pci-function.js'
import {PIIX4_DEVICE} from './piix4-isa.js'

export const PIIX4_IDE_DEVICE_ID = 0x7111
const PIIX4_IDE_REVISION = 0x01
/**
 * Programming interface 0x80: both channels in legacy (compatibility) mode at
 * the ISA addresses and IRQs 14/15, not switchable to native mode, with bus
 * master registers.
 */
export const PIIX4_IDE_PROG_IF = 0x80

/** BMIBA: the bus-master IDE registers' 16-byte I/O BAR (BAR4). */
export const PIIX4_IDE_BMIBA = 0x20
export const BUS_MASTER_REGISTERS_LENGTH = 16
/** Where Hyper-V's BIOS leaves BAR4, and so where hv, which boots without running one, starts it. */
export const DEFAULT_BUS_MASTER_BASE = 0xffa0

/** IDETIM for the primary (0x40) and secondary (0x42) channel; bit 15 enables the channel's decode. */
export const PIIX4_IDETIM = [0x40, 0x42] as const
const IDETIM_DECODE_ENABLE = 0x8000
/** SIDETIM, UDMACTL and UDMATIM: timings the driver programs and the emulation has no use for. */
const PIIX4_SIDETIM = 0x44
const PIIX4_UDMACTL = 0x48
const PIIX4_UDMATIM = 0x4a

/**
 * PIIX4 function 1, the IDE controller (class 01 01 80). The registers start
 * as the firmware leaves them on Hyper-V: I/O decode and bus mastering on,
 * both channels' decode enabled in IDETIM (Linux's ata_piix skips a channel
 * whose enable bit is clear), BAR4 at 0xFFA0. The channels answer only while
 * I/O decode and their IDETIM enable are set, as on the chip.
 */
export class Piix4Ide implements PciFunction {
  readonly name = 'piix4-ide'
  readonly device = PIIX4_DEVICE
  readonly function = 1
  readonly config = new PciConfigSpace({
    vendorId: INTEL_VENDOR_ID,
    deviceId: PIIX4_IDE_DEVICE_ID,
    revision: PIIX4_IDE_REVISION,
    classCode: [0x01, 0x01, PIIX4_IDE_PROG_IF],
    command: PCI_COMMAND_IO | PCI_COMMAND_MASTER,
    commandWritable: PCI_COMMAND_IO | PCI_COMMAND_MASTER,
    status: 0x0280,
  })

  constructor() {
    // Bit 0 reads as one (an I/O BAR); bits 15-4 hold the 16-byte-aligned base; 31-16 are reserved zeros.
    this.config.define(PIIX4_IDE_BMIBA, 4, DEFAULT_BUS_MASTER_BASE | 1, 0xfff0)
    for (const idetim of PIIX4_IDETIM) this.config.define(idetim, 2, IDETIM_DECODE_ENABLE, 0xf3ff)
    this.config.define(PIIX4_SIDETIM, 1, 0, 0xff)
    this.config.define(PIIX4_UDMACTL, 1, 0, 0x0f)
    this.config.define(PIIX4_UDMATIM, 2, 0, 0x3333)
  }

  /** Whether legacy channel 0 (primary) or 1 (secondary) decodes its ports. */
  channelDecodes(channel: number): boolean {
    if (!(this.config.read(0x04, 2) & PCI_COMMAND_IO)) return false
    return (this.config.read(PIIX4_IDETIM[channel]!, 2) & IDETIM_DECODE_ENABLE) !== 0
  }

  /** The bus-master registers' I/O base while they decode, else null. */
  busMasterBase(): number | null {
    if (!(this.config.read(0x04, 2) & PCI_COMMAND_IO)) return null
    return this.config.read(PIIX4_IDE_BMIBA, 4) & 0xfff0
  }
}

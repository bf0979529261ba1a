import {PCI_COMMAND_MASTER, PCI_COMMAND_MEMORY, PciConfigSpace} from './config-space.js'
import type {PciFunction} from './pci-function.js'

export const INTEL_VENDOR_ID = 0x8086
/** 82443BX host bridge with the AGP interface disabled, the variant Hyper-V's Generation 1 board shows. */
export const I440BX_NO_AGP_DEVICE_ID = 0x7192
const I440BX_REVISION = 0x03

/** Memory controller configuration: NBXCFG (0x50) through the DRAM row and PAM registers to 0x7F. */
const CHIPSET_REGISTERS_START = 0x50
const CHIPSET_REGISTERS_END = 0x80

/**
 * The i440BX host bridge at 00:00.0, class 06 00 00. Its memory-controller
 * registers (NBXCFG, DRAMC, the PAM shadow-RAM controls, DRB) keep what the
 * OS writes, but the virtual board's memory map does not depend on them:
 * guest RAM and the BIOS area are fixed by the partition's memory layout.
 */
export class I440bxHostBridge implements PciFunction {
  readonly name = 'i440bx-host-bridge'
  readonly device = 0
  readonly function = 0
  readonly config = new PciConfigSpace({
    vendorId: INTEL_VENDOR_ID,
    deviceId: I440BX_NO_AGP_DEVICE_ID,
    revision: I440BX_REVISION,
    classCode: [0x06, 0x00, 0x00],
    command: PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER,
    commandWritable: 0,
    // Medium DEVSEL timing.
    status: 0x0200,
  })

  constructor() {
    for (let offset = CHIPSET_REGISTERS_START; offset < CHIPSET_REGISTERS_END; offset++) this.config.define(offset, 1, 0, 0xff)
  }
}

import {PCI_INTERRUPT_LINE, PciConfigSpace} from './config-space.js'
import {INTEL_VENDOR_ID} from './host-bridge.js'
import type {PciFunction} from './pci-function.js'
import {PIIX4_DEVICE} from './piix4-isa.js'

export const PIIX4_PM_DEVICE_ID = 0x7113
const PIIX4_PM_REVISION = 0x02

/** PMBA: the 64-byte power-management I/O block's base (bit 0 reads one: an I/O address). */
export const PIIX4_PMBA = 0x40
/** DEVACTB: device activity monitors and the SMI enables; bit 25 (APMC_EN) makes APM-port writes raise SMI. */
export const PIIX4_DEVACTB = 0x58
/** PMREGMISC bit 0 (PMIOSE): the PMBA block decodes. */
export const PIIX4_PMREGMISC = 0x80
/** SMBBA and SMBHSTCFG: the SMBus host controller, which this board does not have (left disabled). */
const PIIX4_SMBBA = 0x90
const PIIX4_SMBHSTCFG = 0xd2

export interface Piix4PowerManagementOptions {
  /** The ACPI PM register block the FADT names (PM1a event; control and timer follow it). */
  pmBase: number
  /** The SCI's ISA IRQ, reported in the interrupt line register. */
  sciIrq: number
}

/**
 * PIIX4 function 3, power management (class 06 80 00). Its PM register block
 * is the one the FADT names and power-management.ts decodes, so PMBA reads
 * that base with the I/O space enable (PMIOSE) set, as the firmware leaves
 * them; both are fixed here, since the block cannot move on this board.
 * DEVACTB is zero: no activity monitors and no SMI sources, which agrees with
 * the FADT's SMI_CMD of zero (the machine is always in ACPI mode, there is no
 * SMM). The SMBus controller is off (SMBBA zero), so no SMBus driver binds.
 * The function's interrupt pin is INTA#, the SCI.
 */
export class Piix4PowerManagement implements PciFunction {
  readonly name = 'piix4-pm'
  readonly device = PIIX4_DEVICE
  readonly function = 3
  readonly config: PciConfigSpace

  constructor(options: Piix4PowerManagementOptions) {
    if (options.pmBase & 0x3f) throw new Error(`The PIIX4 PM block must be 64-byte aligned (got 0x${options.pmBase.toString(16)})`)
    this.config = new PciConfigSpace({
      vendorId: INTEL_VENDOR_ID,
      deviceId: PIIX4_PM_DEVICE_ID,
      revision: PIIX4_PM_REVISION,
      classCode: [0x06, 0x80, 0x00],
      status: 0x0280,
      interruptPin: 1,
    })
    this.config.define(PCI_INTERRUPT_LINE, 1, options.sciIrq, 0xff)
    this.config.define(PIIX4_PMBA, 4, options.pmBase | 1)
    this.config.define(PIIX4_DEVACTB, 4, 0)
    this.config.define(PIIX4_PMREGMISC, 1, 1)
    this.config.define(PIIX4_SMBBA, 4, 1)
    this.config.define(PIIX4_SMBHSTCFG, 1, 0)
  }

  /** The PM block's base as the function reports it. */
  pmBase(): number {
    return this.config.read(PIIX4_PMBA, 4) & 0xffc0
  }
}

import {PCI_COMMAND_IO, PCI_COMMAND_MASTER, PCI_COMMAND_MEMORY, PCI_HEADER_MULTIFUNCTION, PciConfigSpace} from './config-space.js'
import {INTEL_VENDOR_ID} from './host-bridge.js'
import type {PciFunction} from './pci-function.js'

export const PIIX4_DEVICE = 7
export const PIIX4_ISA_DEVICE_ID = 0x7110
const PIIX4_ISA_REVISION = 0x01

/** PIRQ route control A-D: bit 7 set means the PCI interrupt is not routed to an ISA IRQ. */
export const PIIX4_PIRQ_ROUTE = 0x60
const PIRQ_ROUTING_DISABLED = 0x80
const DEVICE_REGISTERS_START = 0x40

/**
 * PIIX4 function 0, the PCI-to-ISA bridge (class 06 01 00) that carries the
 * PC's legacy devices. Its header type marks device 7 multifunction, so the
 * OS goes on to find the IDE and power-management functions. The PIRQ
 * routers are left unrouted: the ACPI _PRT gives each PCI interrupt its
 * global system interrupt directly. The other bridge registers (I/O
 * recovery, X-bus chip selects, top of memory, APIC base) are kept as written
 * and change nothing, since the legacy devices sit at fixed addresses.
 */
export class Piix4IsaBridge implements PciFunction {
  readonly name = 'piix4-isa'
  readonly device = PIIX4_DEVICE
  readonly function = 0
  readonly config = new PciConfigSpace({
    vendorId: INTEL_VENDOR_ID,
    deviceId: PIIX4_ISA_DEVICE_ID,
    revision: PIIX4_ISA_REVISION,
    classCode: [0x06, 0x01, 0x00],
    headerType: PCI_HEADER_MULTIFUNCTION,
    command: PCI_COMMAND_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER,
    commandWritable: 0,
    // Fast back-to-back capable, medium DEVSEL.
    status: 0x0280,
  })

  constructor() {
    for (let offset = DEVICE_REGISTERS_START; offset < 0x100; offset++) this.config.define(offset, 1, 0, 0xff)
    for (let pirq = 0; pirq < 4; pirq++) this.config.define(PIIX4_PIRQ_ROUTE + pirq, 1, PIRQ_ROUTING_DISABLED, 0x8f)
  }
}

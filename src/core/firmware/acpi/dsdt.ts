/**
 * The Differentiated System Description Table: the AML namespace. It holds
 * only what a Linux guest on hv needs:
 *
 *   \_SB.VMOD  "ACPI0004" module device whose _CRS is the MMIO window VMBus
 *              devices may allocate from (hv_vmbus reads it from VMBS's parent)
 *   \_SB.VMOD.VMBS  the VMBus device: _HID "VMBUS" (one of the two IDs
 *              hv_vmbus matches) and its interrupt in _CRS
 *   \_S5       the soft-off sleep type, which the OS needs before it will
 *              power off through ACPI
 *   \_SB.PCI0  Generation 1 only: the PCI root bridge (PNP0A03) of the
 *              i440BX/PIIX4 board, with the bus numbers, ports and memory
 *              behind it and the routing of its devices' interrupt pins
 *              (Generation 2 has no PCI, as on Hyper-V)
 */
import {type Aml, concat, device, eisaId, integer, method, name, pkg, returnValue, scope, string} from './aml.js'
import {
  busNumberWindow,
  ioPorts,
  ioWindow,
  irqNoFlags,
  memoryRange,
  type MemoryRange,
  memoryWindow,
  resourceTemplate,
} from './aml-resources.js'
import {acpiTable} from './table-header.js'

/** Revision 2: integers are 64-bit, so QWord constants and descriptors are allowed. */
export const DSDT_REVISION = 2

/**
 * SLP_TYP for S5. power-management.ts powers off on any SLP_EN write and
 * reports the type; 0 is the value it documents as soft-off (the value
 * QEMU's PIIX4 tables use for S5), so \_S5 carries 0 for PM1a and PM1b.
 */
export const S5_SLEEP_TYPE = 0

/** _STA bits: present, enabled, shown in the UI, functioning. */
const STA_PRESENT_AND_WORKING = 0x0f

export interface DsdtConfig {
  vmbusMmio: MemoryRange
  vmbusIrq: number
  /** Generation 1 has a PCI root bridge; Generation 2 (the default) has none. */
  generation?: 1 | 2
}

/** Where PCI configuration mechanism #1 lives: CONFIG_ADDRESS and CONFIG_DATA. */
const PCI_CONFIG_PORTS = {base: 0xcf8, length: 8}
/** The legacy VGA window, which a PC's host bridge passes to the PCI bus. */
const VGA_WINDOW = {base: 0xa0000, length: 0x20000}
/** The PIIX4's device number on bus 0. */
export const PIIX4_PCI_DEVICE = 7

/**
 * Interrupt routing of bus 0 for the PCI interrupt pins INTA#-INTD# of the
 * devices that have any: the PIIX4 (device 7), whose power-management
 * function signals on INTA# the SCI (IRQ 9). Each entry names a global system
 * interrupt directly (source Zero), as boards without programmable link
 * devices do; the host bridge (device 0) has no interrupt pin.
 */
export const PCI_INTERRUPT_ROUTES: readonly {device: number; pin: number; gsi: number}[] = [
  {device: PIIX4_PCI_DEVICE, pin: 0, gsi: 9},
  {device: PIIX4_PCI_DEVICE, pin: 1, gsi: 10},
  {device: PIIX4_PCI_DEVICE, pin: 2, gsi: 11},
  {device: PIIX4_PCI_DEVICE, pin: 3, gsi: 11},
]

/**
 * \_SB.PCI0: the root of bus 0 (_BBN 0; the usual bus range 0-255, though no
 * PCI-to-PCI bridge makes another), the configuration ports it consumes, the
 * I/O ports on either side of them and the VGA window it forwards, and _PRT.
 */
function pciRootBridge(): Aml {
  const crs = resourceTemplate([
    busNumberWindow(0, 0xff),
    ioPorts(PCI_CONFIG_PORTS.base, PCI_CONFIG_PORTS.base, 1, PCI_CONFIG_PORTS.length),
    ioWindow(0x0000, PCI_CONFIG_PORTS.base - 1),
    ioWindow(0x0d00, 0xffff),
    memoryWindow(VGA_WINDOW),
  ])
  const routes = PCI_INTERRUPT_ROUTES.map((route) =>
    // Address: device in the high word, 0xFFFF for "any function"; Source Zero: SourceIndex is a GSI.
    pkg([integer(route.device * 0x10000 + 0xffff), integer(route.pin), integer(0), integer(route.gsi)]),
  )
  return device('PCI0', [
    name('_HID', eisaId('PNP0A03')),
    name('_ADR', integer(0)),
    name('_UID', integer(0)),
    name('_BBN', integer(0)),
    name('_CRS', crs),
    name('_PRT', pkg(routes)),
  ])
}

export function buildDsdt(config: DsdtConfig): Uint8Array {
  const vmbus = device('VMBS', [
    name('_HID', string('VMBUS')),
    name('_UID', integer(0)),
    method('_STA', [returnValue(integer(STA_PRESENT_AND_WORKING))]),
    name('_CRS', resourceTemplate([irqNoFlags([config.vmbusIrq])])),
  ])
  const vmbusModule = device('VMOD', [
    name('_HID', string('ACPI0004')),
    name('_UID', integer(0)),
    name('_CRS', resourceTemplate([memoryRange(config.vmbusMmio)])),
    vmbus,
  ])
  const terms: Aml[] = [
    scope('\\_SB', config.generation === 1 ? [pciRootBridge(), vmbusModule] : [vmbusModule]),
    name('\\_S5', pkg([integer(S5_SLEEP_TYPE), integer(S5_SLEEP_TYPE), integer(0), integer(0)])),
  ]
  return acpiTable('DSDT', DSDT_REVISION, concat(terms))
}

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
 */
import {type Aml, concat, device, integer, method, name, pkg, returnValue, scope, string} from './aml.js'
import {irqNoFlags, memoryRange, type MemoryRange, resourceTemplate} from './aml-resources.js'
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
    scope('\\_SB', [vmbusModule]),
    name('\\_S5', pkg([integer(S5_SLEEP_TYPE), integer(S5_SLEEP_TYPE), integer(0), integer(0)])),
  ]
  return acpiTable('DSDT', DSDT_REVISION, concat(terms))
}

/**
 * The firmware tables a VM's operating system reads when hv itself is the
 * loader (a Multiboot kernel or Linux, no firmware image): ACPI at 0xE0000 and
 * SMBIOS at 0xF0000, inside the BIOS area where a PC's firmware leaves them and
 * where Linux's legacy scans look (0xE0000-0xFFFFF for the RSDP, 0xF0000-0xFFFFF
 * for the SMBIOS entry point).
 */
import {buildAcpiTables, buildSmbiosTables, DEFAULT_VMBUS_IRQ, DEFAULT_VMBUS_MMIO} from '../../firmware/index.js'
import {PC_TIMER_IO_APIC_PIN} from '../../devices/emulated/io-apic-isa-wiring.js'
import type {GuestPhysicalAddressSpace} from '../../hypervisor/guest-memory.js'
import type {VmRecord} from '../../store/schema.js'
import {writeGuestBytes} from './linux-boot.js'

export const ACPI_TABLES_ADDRESS = 0xe0000
export const SMBIOS_TABLES_ADDRESS = 0xf0000

export interface InstalledFirmwareTables {
  rsdpAddress: number
  smbiosEntryPoint: number
}

export function installFirmwareTables(
  memory: GuestPhysicalAddressSpace,
  cpu: {invalidateCode(gpa: number, length: number): void},
  vm: Pick<VmRecord, 'id' | 'generation' | 'processor' | 'memory'>,
): InstalledFirmwareTables {
  const acpi = buildAcpiTables({
    generation: vm.generation,
    processorCount: vm.processor.count,
    vmbusMmio: DEFAULT_VMBUS_MMIO,
    vmbusIrq: DEFAULT_VMBUS_IRQ,
    // The platform's wiring (createGen1Platform): the PIT reaches the I/O APIC on pin 2.
    timerGsi: vm.generation === 1 ? PC_TIMER_IO_APIC_PIN : 0,
  }, ACPI_TABLES_ADDRESS)
  const smbios = buildSmbiosTables({
    generation: vm.generation,
    processorCount: vm.processor.count,
    memoryBytes: vm.memory.startup,
    // hv keeps no separate BIOS GUID: the VM's ID is the machine's UUID.
    biosGuid: vm.id,
    serialNumber: serialNumberOf(vm.id),
  }, SMBIOS_TABLES_ADDRESS)
  writeGuestBytes(memory, cpu, ACPI_TABLES_ADDRESS, acpi.bytes)
  writeGuestBytes(memory, cpu, SMBIOS_TABLES_ADDRESS, smbios.bytes)
  return {rsdpAddress: acpi.rsdpAddress, smbiosEntryPoint: smbios.entryPointAddress}
}

/** A serial number in Hyper-V's shape (groups of four digits), derived from the VM's ID. */
function serialNumberOf(id: string): string {
  const digits = id.replace(/[^0-9a-f]/gi, '').split('').map((c) => (parseInt(c, 16) % 10).toString()).join('').padEnd(26, '0').slice(0, 26)
  return digits.match(/.{1,4}/g)!.join('-')
}

/**
 * Firmware tables built per VM from its configuration: ACPI (what the OS
 * learns the platform from) and SMBIOS (what it reports as the machine).
 */
export {
  ACPI_TABLES_MAX_BYTES,
  type AcpiTables,
  type AcpiTablesConfig,
  buildAcpiTables,
  DEFAULT_VMBUS_IRQ,
  DEFAULT_VMBUS_MMIO,
} from './acpi/build-acpi-tables.js'
export {S5_SLEEP_TYPE} from './acpi/dsdt.js'
export {buildSmbiosTables, type SmbiosConfig, type SmbiosTables} from './smbios.js'
export type {ProcessorId} from './smbios/processor.js'

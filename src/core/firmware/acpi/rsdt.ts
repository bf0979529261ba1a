/**
 * The root tables: RSDT with 32-bit pointers (what ACPI 1.0 kernels read) and
 * XSDT with 64-bit pointers (what later ones prefer). Both list the same
 * tables; the FADT must be among them, the DSDT and FACS are reached through it.
 */
import {ByteWriter} from '../byte-writer.js'
import {acpiTable} from './table-header.js'

export function buildRsdt(tableAddresses: readonly number[]): Uint8Array {
  const body = new ByteWriter()
  for (const address of tableAddresses) body.u32(address)
  return acpiTable('RSDT', 1, body.toBytes())
}

export function buildXsdt(tableAddresses: readonly number[]): Uint8Array {
  const body = new ByteWriter()
  for (const address of tableAddresses) body.u64(address)
  return acpiTable('XSDT', 1, body.toBytes())
}

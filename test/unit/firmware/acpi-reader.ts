/**
 * Reads a built ACPI block the way an OS does: from the RSDP through the
 * RSDT/XSDT to each table, by guest-physical address.
 */
export interface AcpiBlock {
  bytes: Uint8Array
  base: number
}

export function view(block: AcpiBlock): DataView {
  return new DataView(block.bytes.buffer, block.bytes.byteOffset, block.bytes.byteLength)
}

export function sum(bytes: Uint8Array): number {
  return bytes.reduce((total, byte) => (total + byte) & 0xff, 0)
}

export function ascii(bytes: Uint8Array): string {
  return String.fromCharCode(...bytes)
}

/** The table whose header starts at guest-physical `address`. */
export function tableAt(block: AcpiBlock, address: number): Uint8Array {
  const offset = address - block.base
  const length = view(block).getUint32(offset + 4, true)
  return block.bytes.subarray(offset, offset + length)
}

export function signatureOf(table: Uint8Array): string {
  return ascii(table.subarray(0, 4))
}

/** Every table the RSDT lists, by signature, plus the DSDT and FACS the FADT points at. */
export function tablesFrom(block: AcpiBlock, rsdpAddress: number): Map<string, {address: number; bytes: Uint8Array}> {
  const data = view(block)
  const rsdtAddress = data.getUint32(rsdpAddress - block.base + 16, true)
  const xsdtAddress = Number(data.getBigUint64(rsdpAddress - block.base + 24, true))
  const found = new Map<string, {address: number; bytes: Uint8Array}>()
  const add = (address: number) => {
    const bytes = tableAt(block, address)
    found.set(signatureOf(bytes), {address, bytes})
  }
  add(rsdtAddress)
  add(xsdtAddress)
  const rsdt = found.get('RSDT')!.bytes
  for (let at = 36; at < rsdt.length; at += 4) add(new DataView(rsdt.buffer, rsdt.byteOffset).getUint32(at, true))
  const fadt = found.get('FACP')!
  const fadtView = new DataView(fadt.bytes.buffer, fadt.bytes.byteOffset)
  add(fadtView.getUint32(40, true))
  const facsAddress = fadtView.getUint32(36, true)
  found.set('FACS', {address: facsAddress, bytes: tableAt(block, facsAddress)})
  return found
}

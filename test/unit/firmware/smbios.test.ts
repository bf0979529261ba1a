import {execFileSync} from 'node:child_process'
import {mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {describe, expect, it} from 'vitest'

import {buildSmbiosTables, type SmbiosConfig} from '../../../src/core/firmware/index.js'
import {smbiosUuidBytes} from '../../../src/core/firmware/smbios/uuid.js'
import {hasTool} from '../../helpers/tools.js'
import {ascii, sum} from './acpi-reader.js'

const AT = 0xf0000
const GUID = '5e0cbd3b-7a59-4f2b-8b1b-3a1d0e6c2f10'
const SERIAL = '3714-6120-3051-1422-1307-8829-53'
const hasDmidecode = hasTool('dmidecode', ['--version'])
if (!hasDmidecode) console.warn('dmidecode is not installed: skipping the dmidecode --from-dump check')

function config(overrides: Partial<SmbiosConfig> = {}): SmbiosConfig {
  return {generation: 2, processorCount: 2, memoryBytes: 1024 * 1024 * 1024, biosGuid: `{${GUID}}`, serialNumber: SERIAL, ...overrides}
}

interface Structure {
  type: number
  handle: number
  formatted: Uint8Array
  strings: string[]
}

/** Walks the structure table as an OS does: formatted area by its length, then NUL-terminated strings up to a double NUL. */
function decode(bytes: Uint8Array, start: number, length: number): Structure[] {
  const found: Structure[] = []
  let at = start
  while (at < start + length) {
    const formatted = bytes.subarray(at, at + bytes[at + 1])
    let cursor = at + formatted.length
    const strings: string[] = []
    if (bytes[cursor] === 0 && bytes[cursor + 1] === 0) cursor += 2
    else {
      while (bytes[cursor] !== 0) {
        const end = bytes.indexOf(0, cursor)
        strings.push(ascii(bytes.subarray(cursor, end)))
        cursor = end + 1
      }
      cursor++
    }
    found.push({type: formatted[0], handle: formatted[2] | (formatted[3] << 8), formatted, strings})
    at = cursor
  }
  return found
}

const u16 = (bytes: Uint8Array, at: number) => bytes[at] | (bytes[at + 1] << 8)
const u32 = (bytes: Uint8Array, at: number) => new DataView(bytes.buffer, bytes.byteOffset).getUint32(at, true)
const str = (s: Structure, at: number) => (s.formatted[at] ? s.strings[s.formatted[at] - 1] : '')

function build(overrides: Partial<SmbiosConfig> = {}) {
  const built = buildSmbiosTables(config(overrides), AT)
  const entry = built.bytes.subarray(0, 0x1f)
  const tableAddress = u32(entry, 0x18)
  const tableLength = u16(entry, 0x16)
  const structures = decode(built.bytes, tableAddress - AT, tableLength)
  return {built, entry, tableAddress, tableLength, structures}
}

describe('SMBIOS tables', () => {
  it('writes a 2.8 entry point with both checksums and the table right after it', () => {
    const {built, entry, tableAddress, tableLength, structures} = build()
    expect(built.entryPointAddress).toBe(AT)
    expect(ascii(entry.subarray(0, 4))).toBe('_SM_')
    expect(entry[5]).toBe(0x1f)
    expect([entry[6], entry[7]]).toEqual([2, 8])
    expect(ascii(entry.subarray(0x10, 0x15))).toBe('_DMI_')
    expect(sum(entry)).toBe(0)
    expect(sum(entry.subarray(0x10, 0x1f))).toBe(0)
    expect(entry[0x1e]).toBe(0x28)
    expect(tableAddress).toBe(AT + 0x20)
    expect(built.bytes.length).toBe(0x20 + tableLength)
    expect(u16(entry, 0x1c)).toBe(structures.length)
    expect(u16(entry, 0x08)).toBeGreaterThanOrEqual(Math.max(...structures.map((s) => s.formatted.length)))
  })

  it('has the structures in order with unique handles, ending with type 127', () => {
    const {structures} = build({processorCount: 3})
    expect(structures.map((s) => s.type)).toEqual([0, 1, 2, 3, 4, 4, 4, 16, 17, 32, 127])
    expect(structures.map((s) => s.handle)).toEqual(structures.map((_, i) => i))
  })

  it('identifies the BIOS and the system as Hyper-V does', () => {
    const gen2 = build().structures
    expect(str(gen2[0], 4)).toBe('Microsoft Corporation')
    expect(str(gen2[0], 5)).toBe('Hyper-V UEFI Release v4.1')
    expect(str(gen2[0], 8)).toBe('12/07/2018')
    expect(str(gen2[1], 4)).toBe('Microsoft Corporation')
    expect(str(gen2[1], 5)).toBe('Virtual Machine')
    expect(str(gen2[1], 6)).toBe('Hyper-V UEFI Release v4.1')
    expect(str(gen2[1], 7)).toBe(SERIAL)
    expect(gen2[1].formatted[0x18]).toBe(6) // wake-up: power switch
    expect(str(gen2[1], 0x1a)).toBe('Virtual Machine')
    const gen1 = build({generation: 1}).structures
    expect(str(gen1[0], 5)).toBe('090008')
    expect(str(gen1[1], 6)).toBe('7.0')
    expect(str(gen1[2], 4)).toBe('Microsoft Corporation')
    expect(str(gen1[2], 5)).toBe('Virtual Machine')
    expect(u16(gen1[2].formatted, 0x0b)).toBe(gen1[3].handle)
    expect(gen1[3].formatted[5]).toBe(3) // desktop
  })

  it('stores the BIOS GUID with its first three fields little-endian', () => {
    const {structures} = build()
    const uuid = Buffer.from(structures[1].formatted.subarray(8, 24)).toString('hex')
    expect(uuid).toBe('3bbd0c5e597a2b4f8b1b3a1d0e6c2f10')
    expect(() => smbiosUuidBytes('not-a-guid')).toThrow(RangeError)
  })

  it('sizes the memory array and device from the memory size', () => {
    const [array, device] = build({memoryBytes: 1536 * 1024 * 1024}).structures.filter((s) => s.type >= 16 && s.type <= 17)
    expect(u32(array.formatted, 7)).toBe(1536 * 1024) // KiB
    expect(u16(device.formatted, 4)).toBe(array.handle)
    expect(u16(device.formatted, 0x0c)).toBe(1536) // MiB
    const big = build({memoryBytes: 64 * 1024 * 1024 * 1024}).structures.find((s) => s.type === 17)!
    expect(u16(big.formatted, 0x0c)).toBe(0x7fff)
    expect(u32(big.formatted, 0x1c)).toBe(64 * 1024)
  })

  it('refuses misaligned addresses', () => {
    expect(() => buildSmbiosTables(config(), 0xf0008)).toThrow(RangeError)
  })

  it.skipIf(!hasDmidecode)('decodes with dmidecode --from-dump', () => {
    const {built} = build({processorId: {signature: 0x619, features: 0x8139}})
    // A dump file holds the entry point at offset 0 and the table at 0x20,
    // with the entry point's table address rewritten to 0x20.
    const dump = Uint8Array.from(built.bytes)
    new DataView(dump.buffer).setUint32(0x18, 0x20, true)
    dump[0x15] = 0
    dump[0x15] = (0x100 - sum(dump.subarray(0x10, 0x1f))) & 0xff
    dump[0x04] = 0
    dump[0x04] = (0x100 - sum(dump.subarray(0, 0x1f))) & 0xff
    const file = join(mkdtempSync(join(tmpdir(), 'hv-smbios-')), 'smbios.bin')
    writeFileSync(file, dump)
    const output = execFileSync('dmidecode', ['--from-dump', file], {encoding: 'utf8'})
    expect(output).toContain('SMBIOS 2.8 present.')
    expect(output).toContain('System is a virtual machine')
    expect(output).toContain('Product Name: Virtual Machine')
    expect(output).toContain(`UUID: ${GUID}`)
    expect(output).toContain(`Serial Number: ${SERIAL}`)
    expect(output).toContain('Wake-up Type: Power Switch')
    expect(output).toContain('Socket Designation: CPU 1')
    expect(output).toContain('ID: 19 06 00 00 39 81 00 00')
    expect(output).toContain('Size: 1 GB')
    expect(output).toContain('End Of Table')
    expect(output).not.toMatch(/invalid|wrong|corrupt|truncated/i)
  })
})

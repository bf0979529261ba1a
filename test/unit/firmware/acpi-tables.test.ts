import {execFileSync} from 'node:child_process'
import {mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {describe, expect, it} from 'vitest'

import {buildAcpiTables, DEFAULT_VMBUS_MMIO, type AcpiTablesConfig} from '../../../src/core/firmware/index.js'
import {hasTool} from '../../helpers/tools.js'
import {ascii, signatureOf, sum, tablesFrom} from './acpi-reader.js'

const BIOS_AREA = 0xe0000
const hasIasl = hasTool('iasl', ['-v'])
if (!hasIasl) console.warn('iasl is not installed (Debian acpica-tools): skipping the disassembly checks')
const hasAcpiexec = hasTool('acpiexec', ['-v'])
if (!hasAcpiexec) console.warn('acpiexec is not installed (Debian acpica-tools): skipping the AML evaluation checks')

function config(overrides: Partial<AcpiTablesConfig> = {}): AcpiTablesConfig {
  return {generation: 1, processorCount: 2, vmbusMmio: {...DEFAULT_VMBUS_MMIO}, vmbusIrq: 5, ...overrides}
}

function build(overrides: Partial<AcpiTablesConfig> = {}) {
  const built = buildAcpiTables(config(overrides), BIOS_AREA)
  const block = {bytes: built.bytes, base: BIOS_AREA}
  return {built, block, tables: tablesFrom(block, built.rsdpAddress)}
}

/** The tables a kernel loads, as files for acpiexec. */
function writeTables(tables: ReturnType<typeof build>['tables']): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'hv-acpiexec-'))
  return ['FACP', 'FACS', 'DSDT', 'APIC'].map((signature) => {
    const file = join(dir, `${signature.toLowerCase()}.dat`)
    writeFileSync(file, tables.get(signature)!.bytes)
    return file
  })
}

/** Runs acpiexec's batch `commands` over a Generation 1 table set and returns what it printed. */
function acpiexec(commands: string): string {
  const files = writeTables(build().tables)
  return execFileSync('acpiexec', ['-b', commands, ...files], {encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe']})
}

const u8 = (bytes: Uint8Array, at: number) => bytes[at]
const u16 = (bytes: Uint8Array, at: number) => new DataView(bytes.buffer, bytes.byteOffset).getUint16(at, true)
const u32 = (bytes: Uint8Array, at: number) => new DataView(bytes.buffer, bytes.byteOffset).getUint32(at, true)
const u64 = (bytes: Uint8Array, at: number) => new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(at, true)

describe('ACPI tables', () => {
  it('puts a valid revision-2 RSDP at the start of the block, where the BIOS-area scan finds it', () => {
    const {built} = build()
    expect(built.rsdpAddress).toBe(BIOS_AREA)
    expect(built.rsdpAddress % 16).toBe(0)
    const rsdp = built.bytes.subarray(0, 36)
    expect(ascii(rsdp.subarray(0, 8))).toBe('RSD PTR ')
    expect(ascii(rsdp.subarray(9, 15))).toBe('VRTUAL')
    expect(rsdp[15]).toBe(2)
    expect(u32(rsdp, 20)).toBe(36)
    expect(sum(rsdp.subarray(0, 20))).toBe(0)
    expect(sum(rsdp)).toBe(0)
    expect(built.bytes.length).toBeLessThan(0x10000)
  })

  it('reaches every table through the RSDT and XSDT, each with a valid checksum and Hyper-V OEM fields', () => {
    const {tables} = build()
    expect([...tables.keys()].sort()).toEqual(['APIC', 'DSDT', 'FACP', 'FACS', 'RSDT', 'XSDT'])
    for (const [signature, {bytes}] of tables) {
      if (signature === 'FACS') continue
      expect(sum(bytes), signature).toBe(0)
      expect(ascii(bytes.subarray(10, 16))).toBe('VRTUAL')
      expect(ascii(bytes.subarray(16, 24))).toBe('MICROSFT')
      expect(ascii(bytes.subarray(28, 32))).toBe('MSFT')
    }
    const rsdt = tables.get('RSDT')!.bytes
    const xsdt = tables.get('XSDT')!.bytes
    expect((rsdt.length - 36) / 4).toBe(2)
    expect(u64(xsdt, 36)).toBe(BigInt(u32(rsdt, 36)))
    expect(u64(xsdt, 44)).toBe(BigInt(u32(rsdt, 40)))
  })

  it('lays out a 64-byte FACS on a 64-byte boundary', () => {
    const facs = build().tables.get('FACS')!
    expect(facs.address % 64).toBe(0)
    expect(signatureOf(facs.bytes)).toBe('FACS')
    expect(facs.bytes.length).toBe(64)
    expect(u8(facs.bytes, 32)).toBe(2)
  })

  it('describes the power-management block hv emulates in a 244-byte revision 3 FADT', () => {
    const {tables} = build()
    const fadt = tables.get('FACP')!.bytes
    expect(fadt.length).toBe(244)
    expect(u8(fadt, 8)).toBe(3)
    expect(u32(fadt, 36)).toBe(tables.get('FACS')!.address)
    expect(u32(fadt, 40)).toBe(tables.get('DSDT')!.address)
    expect(u16(fadt, 46)).toBe(9) // SCI_INT
    expect(u32(fadt, 48)).toBe(0) // SMI_CMD: always in ACPI mode
    expect(u32(fadt, 56)).toBe(0x600)
    expect(u32(fadt, 64)).toBe(0x604)
    expect(u32(fadt, 76)).toBe(0x608)
    expect([u8(fadt, 88), u8(fadt, 89), u8(fadt, 91)]).toEqual([4, 2, 4])
    expect(u16(fadt, 109)).toBe(0x0003) // legacy devices + 8042 on Generation 1
    const flags = u32(fadt, 112)
    expect(flags & 0x01).toBe(0x01) // WBINVD
    expect(flags & 0x04).toBe(0x04) // PROC_C1
    expect(flags & 0x10).toBe(0) // fixed power button present
    expect(flags & 0x20).toBe(0x20) // no fixed sleep button
    expect(flags & 0x100).toBe(0) // 24-bit PM timer, as the device counts
    expect(u64(fadt, 132)).toBe(BigInt(u32(fadt, 36)))
    expect(u64(fadt, 140)).toBe(BigInt(u32(fadt, 40)))
    // X_PM1a_EVT_BLK: system I/O, 32 bits at 0x600.
    expect([u8(fadt, 148), u8(fadt, 149)]).toEqual([1, 32])
    expect(u64(fadt, 152)).toBe(0x600n)
    expect(u64(fadt, 176)).toBe(0x604n)
    expect(u64(fadt, 212)).toBe(0x608n)
    expect(u16(build({generation: 2}).tables.get('FACP')!.bytes, 109)).toBe(0)
  })

  it('lists one enabled local APIC per VP, the I/O APIC (ID after the processors) and the interrupt overrides on both generations', () => {
    const entriesOf = (madt: Uint8Array) => {
      const entries: Uint8Array[] = []
      for (let at = 44; at < madt.length; at += madt[at + 1]) entries.push(madt.subarray(at, at + madt[at + 1]))
      return entries
    }
    const madt = build({processorCount: 3}).tables.get('APIC')!.bytes
    expect(u32(madt, 36)).toBe(0xfee00000)
    expect(u32(madt, 40)).toBe(1) // PCAT_COMPAT on Generation 1
    const entries = entriesOf(madt)
    expect(entries.filter((entry) => entry[0] === 0).map((entry) => [entry[2], entry[3], u32(entry, 4)])).toEqual([
      [0, 0, 1],
      [1, 1, 1],
      [2, 2, 1],
    ])
    // Generation 1 has its I/O APIC beside the 8259 pair, as Hyper-V's does, with the PIT on pin 2.
    const gen1IoApic = entries.find((entry) => entry[0] === 1)!
    expect([gen1IoApic[2], u32(gen1IoApic, 4), u32(gen1IoApic, 8)]).toEqual([3, 0xfec00000, 0])
    const gen1WithTimer = entriesOf(build({processorCount: 3, timerGsi: 2}).tables.get('APIC')!.bytes)
    expect(gen1WithTimer.filter((entry) => entry[0] === 2).map((entry) => [entry[3], u32(entry, 4), u16(entry, 8)])).toEqual([[0, 2, 0x05], [9, 9, 0x0d]])
    expect(entries.some((entry) => entry[0] === 4 && entry[5] === 1)).toBe(true)

    const gen2 = entriesOf(build({generation: 2, processorCount: 3}).tables.get('APIC')!.bytes)
    const ioApic = gen2.find((entry) => entry[0] === 1)!
    expect([ioApic[2], u32(ioApic, 4), u32(ioApic, 8)]).toEqual([3, 0xfec00000, 0])
    // hv's I/O APIC has ISA line n on pin n: only the SCI (level, active high) is overridden.
    expect(gen2.filter((entry) => entry[0] === 2).map((entry) => [entry[3], u32(entry, 4), u16(entry, 8)])).toEqual([[9, 9, 0x0d]])
    const withTimer = entriesOf(build({generation: 2, timerGsi: 2}).tables.get('APIC')!.bytes)
    expect(withTimer.filter((entry) => entry[0] === 2).map((entry) => [entry[3], u32(entry, 4)])).toEqual([[0, 2], [9, 9]])
  })

  it('names the VMBus device and the S5 package in the DSDT', () => {
    const dsdt = build().tables.get('DSDT')!.bytes
    const text = ascii(dsdt)
    expect(text).toContain('\x0dVMBUS\x00')
    expect(text).toContain('\x0dACPI0004\x00')
    // Name(\_S5, Package(4) {Zero, Zero, Zero, Zero})
    expect(Buffer.from(dsdt).includes(Buffer.from([0x08, 0x5c, 0x5f, 0x53, 0x35, 0x5f, 0x12, 0x06, 0x04, 0, 0, 0, 0]))).toBe(true)
  })

  it('builds for any 16-byte-aligned address and refuses others', () => {
    const {built} = {built: buildAcpiTables(config({processorCount: 64}), 0xf0010)}
    expect(built.rsdpAddress).toBe(0xf0010)
    const tables = tablesFrom({bytes: built.bytes, base: 0xf0010}, built.rsdpAddress)
    expect(tables.get('FACS')!.address % 64).toBe(0)
    expect(() => buildAcpiTables(config(), 0xe0008)).toThrow(RangeError)
    expect(() => buildAcpiTables(config({processorCount: 0}), BIOS_AREA)).toThrow(RangeError)
  })

  it('uses a QWord descriptor for a VMBus window above 4 GiB', () => {
    const dsdt = build({vmbusMmio: {base: 0x1_0000_0000, length: 0x1000_0000}}).tables.get('DSDT')!.bytes
    expect(Buffer.from(dsdt).includes(Buffer.from([0x8a, 0x2b, 0x00]))).toBe(true)
  })

  describe.skipIf(!hasIasl)('iasl disassembly', () => {
    function disassemble(name: string, bytes: Uint8Array): {output: string; dsl: string} {
      const dir = mkdtempSync(join(tmpdir(), 'hv-acpi-'))
      const file = join(dir, `${name}.dat`)
      writeFileSync(file, bytes)
      const output = execFileSync('iasl', ['-d', file], {cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe']})
      return {output, dsl: readFileSync(join(dir, `${name}.dsl`), 'utf8')}
    }

    for (const generation of [1, 2] as const) {
      it(`decompiles every Generation ${generation} table without errors`, () => {
        const {tables} = build({generation})
        for (const [signature, {bytes}] of tables) {
          const {output, dsl} = disassemble(signature.toLowerCase(), bytes)
          expect(output, signature).not.toMatch(/error|warning/i)
          expect(dsl, signature).not.toMatch(/\*\*\*\*|Invalid|Unknown table/i)
        }
      })
    }

    it('shows the VMBus device, its resources and \\_S5 in the DSDT', () => {
      const {dsl} = disassemble('dsdt', build().tables.get('DSDT')!.bytes)
      expect(dsl).toContain('Device (VMOD)')
      expect(dsl).toContain('"ACPI0004"')
      expect(dsl).toContain('Device (VMBS)')
      expect(dsl).toContain('Name (_HID, "VMBUS")')
      expect(dsl).toMatch(/Name \(_CRS, ResourceTemplate \(\)[\s\S]*DWordMemory[\s\S]*0xF8000000[\s\S]*0xFEBFFFFF/)
      expect(dsl).toMatch(/IRQNoFlags \(\)\s*\{5\}/)
      expect(dsl).toMatch(/Name \(\\_S5, Package \(0x04\)\s*\/\/[^\n]*\n\s*\{\s*Zero,\s*Zero,\s*Zero,\s*Zero\s*\}/)
    })
  })

  describe.skipIf(!hasIasl)('iasl disassembly of the PCI root bridge', () => {
    function dsl(generation: 1 | 2): string {
      const dir = mkdtempSync(join(tmpdir(), 'hv-acpi-'))
      writeFileSync(join(dir, 'dsdt.dat'), build({generation}).tables.get('DSDT')!.bytes)
      execFileSync('iasl', ['-d', 'dsdt.dat'], {cwd: dir, stdio: 'ignore'})
      return readFileSync(join(dir, 'dsdt.dsl'), 'utf8')
    }

    it('gives Generation 1 a \\_SB.PCI0 (PNP0A03, bus 0) with its windows and _PRT; Generation 2 none', () => {
      const gen1 = dsl(1)
      expect(gen1).toContain('Device (PCI0)')
      expect(gen1).toContain('EisaId ("PNP0A03")')
      expect(gen1).toContain('Name (_BBN, Zero)')
      expect(gen1).toMatch(/WordBusNumber \(ResourceProducer[\s\S]*?0x0000,\s*\/\/ Range Minimum\s*0x00FF/)
      expect(gen1).toMatch(/IO \(Decode16,\s*0x0CF8,\s*\/\/ Range Minimum\s*0x0CF8,[\s\S]*?0x08,\s*\/\/ Length/)
      expect(gen1).toMatch(/WordIO \(ResourceProducer[\s\S]*?0x0000,\s*\/\/ Range Minimum\s*0x0CF7/)
      expect(gen1).toMatch(/WordIO \(ResourceProducer[\s\S]*?0x0D00,\s*\/\/ Range Minimum\s*0xFFFF/)
      expect(gen1).toMatch(/DWordMemory \(ResourceProducer[\s\S]*?0x000A0000,\s*\/\/ Range Minimum\s*0x000BFFFF/)
      expect(gen1).toMatch(/Name \(_PRT, Package \(0x04\)/)
      expect(gen1).toMatch(/0x0007FFFF,\s*Zero,\s*Zero,\s*0x09/)
      expect(dsl(2)).not.toContain('PCI0')
    })
  })

  it.skipIf(!hasAcpiexec)('evaluates \\_SB.PCI0._CRS, _PRT and _BBN in ACPICA', () => {
    const output = acpiexec('evaluate \\_SB.PCI0._CRS; evaluate \\_SB.PCI0._PRT; evaluate \\_SB.PCI0._BBN')
    expect(output).not.toContain('ACPI Error')
    expect(output).toMatch(/\[Package\] Contains 4 Elements/)
    expect(output).toContain('0000: 88 0D 00 02 0C 00 00 00 00 00 FF 00 00 00 00 01')
  })

  // acpiexec runs ACPICA, the interpreter Linux uses, over the tables as a kernel would load them.
  it.skipIf(!hasAcpiexec)('loads the namespace in ACPICA and evaluates _CRS, _STA and \\_S5', () => {
    const {tables} = build()
    const files = writeTables(tables)
    const commands = 'evaluate \\_SB.VMOD._CRS; evaluate \\_SB.VMOD.VMBS._CRS; evaluate \\_SB.VMOD.VMBS._STA; evaluate \\_S5'
    const output = execFileSync('acpiexec', ['-b', commands, ...files], {encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe']})
    expect(output).toContain('1 ACPI AML tables successfully acquired and loaded')
    expect(output).toMatch(/FACP [^\n]*\(v03 VRTUAL MICROSFT/)
    expect(output).toContain('0000: 87 17 00 00 0D 01 00 00 00 00 00 00 00 F8 FF FF')
    expect(output).toContain('22 20 00 79 00')
    expect(output).toContain('[Integer] = 000000000000000F')
    expect(output).toMatch(/\\_S5 returned[^]*\[Package\] Contains 4 Elements/)
    expect(output).not.toMatch(/Could not|AE_NOT_FOUND|AE_AML_/)
  })
})

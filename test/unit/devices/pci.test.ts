import {describe, expect, it} from 'vitest'
import {ManualClock} from '../../../src/core/devices/clock.js'
import {
  I440bxHostBridge,
  PciConfigBus,
  PciConfigSpace,
  Piix4Ide,
  Piix4IsaBridge,
  Piix4PowerManagement,
} from '../../../src/core/devices/pci/index.js'
import {createGen1Platform, createGen2Platform} from '../../../src/core/devices/platform.js'

function board() {
  const resets: number[] = []
  const ide = new Piix4Ide()
  const bus = new PciConfigBus({
    functions: [new I440bxHostBridge(), new Piix4IsaBridge(), ide, new Piix4PowerManagement({pmBase: 0x600, sciIrq: 9})],
    onResetRequest: () => resets.push(1),
  })
  const address = (device: number, fn: number, register: number) => (0x80000000 | (device << 11) | (fn << 8) | register) >>> 0
  const read = (device: number, fn: number, register: number, size = 4) => {
    bus.writePort(0xcf8, 4, address(device, fn, register & ~3))
    return bus.readPort(0xcfc + (register & 3), size)
  }
  const write = (device: number, fn: number, register: number, size: number, value: number) => {
    bus.writePort(0xcf8, 4, address(device, fn, register & ~3))
    bus.writePort(0xcfc + (register & 3), size, value)
  }
  return {bus, ide, read, write, resets}
}

describe('PCI configuration mechanism #1', () => {
  it('keeps the enable, bus, device, function and dword register bits of CONFIG_ADDRESS (what Linux pci_check_type1 probes)', () => {
    const {bus} = board()
    bus.writePort(0xcf8, 4, 0x80000000)
    expect(bus.readPort(0xcf8, 4)).toBe(0x80000000)
    bus.writePort(0xcf8, 4, 0xffffffff)
    expect(bus.readPort(0xcf8, 4)).toBe(0x80fffffc)
    // Byte accesses to 0xCF8 are not the address register.
    bus.writePort(0xcfb, 1, 0x01)
    expect(bus.readPort(0xcf8, 4)).toBe(0x80fffffc)
    expect(bus.readPort(0xcf8, 1)).toBe(0xff)
  })

  it('finds the i440BX host bridge at 00:00.0 and the PIIX4 functions at 00:07.0, .1 and .3', () => {
    const {read} = board()
    expect(read(0, 0, 0)).toBe(0x71928086)
    expect(read(0, 0, 8) >>> 8).toBe(0x060000)
    expect(read(7, 0, 0)).toBe(0x71108086)
    expect(read(7, 0, 8) >>> 8).toBe(0x060100)
    expect(read(7, 0, 0x0e, 1) & 0x80).toBe(0x80) // multifunction: the OS scans functions 1-7
    expect(read(7, 1, 0)).toBe(0x71118086)
    expect(read(7, 1, 8) >>> 8).toBe(0x010180)
    expect(read(7, 3, 0)).toBe(0x71138086)
    expect(read(7, 3, 8) >>> 8).toBe(0x068000)
    // Empty slots and functions read all ones.
    expect(read(1, 0, 0)).toBe(0xffffffff)
    expect(read(7, 2, 0)).toBe(0xffffffff)
    expect(read(0, 1, 0)).toBe(0xffffffff)
  })

  it('reads all ones with the enable bit clear or on another bus, and ignores writes there', () => {
    const {bus, read} = board()
    bus.writePort(0xcf8, 4, 0x00000000)
    expect(bus.readPort(0xcfc, 4)).toBe(0xffffffff)
    bus.writePort(0xcf8, 4, 0x80010000)
    expect(bus.readPort(0xcfc, 4)).toBe(0xffffffff)
    bus.writePort(0xcfc, 4, 0)
    expect(read(0, 0, 0)).toBe(0x71928086)
  })

  it('takes byte and word accesses at 0xCFC-0xCFF at the offset the port adds', () => {
    const {read} = board()
    expect(read(0, 0, 0, 2)).toBe(0x8086)
    expect(read(0, 0, 2, 2)).toBe(0x7192)
    expect(read(0, 0, 1, 1)).toBe(0x80)
    expect(read(0, 0, 3, 1)).toBe(0x71)
    expect(read(7, 1, 0x09, 1)).toBe(0x80)
    expect(read(7, 1, 0x0b, 1)).toBe(0x01)
  })

  it('keeps read-only registers and writes only the writable bits', () => {
    const {read, write} = board()
    write(0, 0, 0, 4, 0x12345678)
    expect(read(0, 0, 0)).toBe(0x71928086)
    write(7, 1, 0x3c, 1, 14)
    expect(read(7, 1, 0x3c, 1)).toBe(14)
    write(7, 1, 0x08, 4, 0)
    expect(read(7, 1, 8) >>> 8).toBe(0x010180)
  })

  it('sizes the PIIX4 bus-master BAR4 as 16 I/O ports, starting where the firmware leaves it', () => {
    const {read, write, ide} = board()
    expect(read(7, 1, 0x20)).toBe(0xffa1)
    expect(ide.busMasterBase()).toBe(0xffa0)
    write(7, 1, 0x20, 4, 0xffffffff)
    expect(read(7, 1, 0x20)).toBe(0xfff1)
    write(7, 1, 0x20, 4, 0xc000)
    expect(read(7, 1, 0x20)).toBe(0xc001)
    expect(ide.busMasterBase()).toBe(0xc000)
    // BAR0-3 do not exist in legacy mode.
    for (const bar of [0x10, 0x14, 0x18, 0x1c]) {
      write(7, 1, bar, 4, 0xffffffff)
      expect(read(7, 1, bar)).toBe(0)
    }
  })

  it('enables both IDE channels in IDETIM and gates them with the I/O enable and the decode bits', () => {
    const {read, write, ide} = board()
    // ata_piix's piix_enable_bits: 0x41 bit 7 and 0x43 bit 7.
    expect(read(7, 1, 0x41, 1) & 0x80).toBe(0x80)
    expect(read(7, 1, 0x43, 1) & 0x80).toBe(0x80)
    expect(ide.channelDecodes(0) && ide.channelDecodes(1)).toBe(true)
    write(7, 1, 0x42, 2, 0x0000)
    expect(ide.channelDecodes(1)).toBe(false)
    expect(ide.channelDecodes(0)).toBe(true)
    write(7, 1, 0x04, 2, 0)
    expect(ide.channelDecodes(0)).toBe(false)
    expect(ide.busMasterBase()).toBeNull()
  })

  it('reports the ACPI PM block at 0x600 in PMBA with PMIOSE set and no SMI sources in DEVACTB', () => {
    const {read, write} = board()
    expect(read(7, 3, 0x40)).toBe(0x601)
    expect(read(7, 3, 0x80, 1) & 1).toBe(1)
    expect(read(7, 3, 0x58)).toBe(0)
    write(7, 3, 0x40, 4, 0x1001)
    expect(read(7, 3, 0x40)).toBe(0x601)
    expect(read(7, 3, 0x3d, 1)).toBe(1) // INTA#
    expect(read(7, 3, 0x3c, 1)).toBe(9) // the SCI
    expect(() => new Piix4PowerManagement({pmBase: 0x604, sciIrq: 9})).toThrow(/64-byte aligned/)
  })

  it('clears status error bits by writing ones and leaves the others', () => {
    const space = new PciConfigSpace({vendorId: 1, deviceId: 2, revision: 0, classCode: [0xff, 0, 0], status: 0xf900 | 0x0280})
    space.write(0x06, 2, 0x0800)
    expect(space.read(0x06, 2)).toBe(0xf100 | 0x0280)
    space.write(0x06, 2, 0xffff)
    expect(space.read(0x06, 2)).toBe(0x0280)
  })

  it('resets through PIIX4 reset control register 0xCF9 (RST_CPU)', () => {
    const {bus, resets} = board()
    bus.writePort(0xcf9, 1, 0x02)
    expect(resets).toHaveLength(0)
    expect(bus.readPort(0xcf9, 1)).toBe(0x02)
    bus.writePort(0xcf9, 1, 0x06)
    expect(resets).toHaveLength(1)
    expect(bus.readPort(0xcf9, 1)).toBe(0x02)
  })

  it('saves and restores the address register and the writable configuration bytes, and refuses damaged states', () => {
    const a = board()
    a.write(7, 1, 0x20, 4, 0xc000)
    a.write(7, 1, 0x3c, 1, 14)
    a.bus.writePort(0xcf8, 4, 0x80003800)
    const saved = JSON.parse(JSON.stringify(a.bus.saveState()))
    const b = board()
    b.bus.restoreState(saved)
    expect(b.bus.readPort(0xcf8, 4)).toBe(0x80003800)
    expect(b.read(7, 1, 0x20)).toBe(0xc001)
    expect(b.read(7, 1, 0x3c, 1)).toBe(14)
    expect(() => b.bus.restoreState({...saved, functions: {...saved.functions, 'piix4-ide': [1, 2]}})).toThrow(/piix4-ide/)
    expect(() => b.bus.restoreState({version: 7})).toThrow(/pci-config: saved state version 7/)
    expect(b.read(7, 1, 0x20)).toBe(0xc001)
    b.bus.reset()
    expect(b.read(7, 1, 0x20)).toBe(0xffa1)
  })

  it('refuses two functions at one address', () => {
    expect(() => new PciConfigBus({functions: [new I440bxHostBridge(), new I440bxHostBridge()]})).toThrow(/00:00.0/)
  })
})

describe('PCI on the platforms', () => {
  const options = {memoryBytes: 32 * 2 ** 20, clock: new ManualClock()}

  it('Generation 1 answers at 0xCF8/0xCFC with the i440BX; Generation 2 has no PCI', () => {
    const gen1 = createGen1Platform(options)
    gen1.writePort(0xcf8, 4, 0x80000000)
    expect(gen1.readPort(0xcfc, 4)).toBe(0x71928086)
    const gen2 = createGen2Platform(options)
    gen2.writePort(0xcf8, 4, 0x80000000)
    expect(gen2.readPort(0xcf8, 4)).toBe(0xffffffff)
    expect(gen2.readPort(0xcfc, 4)).toBe(0xffffffff)
    expect(gen2.readPort(0x1f7, 1)).toBe(0xff)
  })

  it('restores a Generation 1 state saved before the board had PCI and IDE, with both at power-on', () => {
    const platform = createGen1Platform(options)
    const state = JSON.parse(JSON.stringify(platform.saveState()))
    delete state.devices['pci-config']
    delete state.devices.ide
    platform.writePort(0xcf8, 4, 0x80003920)
    platform.writePort(0xcfc, 4, 0xc000)
    expect(platform.readPort(0xcfc, 4)).toBe(0xc001)
    platform.restoreState(state)
    platform.writePort(0xcf8, 4, 0x80003920)
    expect(platform.readPort(0xcfc, 4)).toBe(0xffa1)
    // A state that names a device this board lacks is still refused.
    expect(() => platform.restoreState({...state, devices: {...state.devices, 'no-such-device': {version: 1}}})).toThrow(/unknown devices/)
  })
})

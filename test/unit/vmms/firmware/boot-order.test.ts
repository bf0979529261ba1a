import {describe, expect, it} from 'vitest'

import {HvError} from '../../../../src/core/errors.js'
import {defaultFirmware, defaultVideo, type BootEntryRecord, type UefiSettings, type VmRecord} from '../../../../src/core/store/schema.js'
import {
  applyNewVmBootDevice, bootEntriesOf, canonicalDeviceReference, placeBootEntry, removeBootEntry, validateStartupOrder,
  withBootOrder, withFirstBootDevice,
} from '../../../../src/core/vmms/firmware/boot-order.js'

/** Only the fields the boot order reads. */
function vm(generation: 1 | 2, bootSource: VmRecord['bootSource'] = null): VmRecord {
  return {name: 'v', generation, bootSource, firmware: defaultFirmware(generation), video: defaultVideo()} as VmRecord
}

const disk: BootEntryRecord = {bootType: 'Drive', device: 'HardDiskDrive:SCSI:0:0', description: 'Hard Drive', firmwarePath: ''}
const dvd: BootEntryRecord = {bootType: 'Drive', device: 'DvdDrive:SCSI:0:1', description: 'DVD Drive', firmwarePath: ''}
const nic: BootEntryRecord = {bootType: 'Network', device: 'NetworkAdapter:Network Adapter', description: 'Network Adapter', firmwarePath: ''}

function failure(action: () => unknown): HvError {
  try {
    action()
  } catch (error) {
    expect(error).toBeInstanceOf(HvError)
    return error as HvError
  }
  throw new Error('expected an error')
}

describe('device references', () => {
  it('spell drives, adapters and the boot source canonically, in any case', () => {
    expect(canonicalDeviceReference('BootOrder', 'harddiskdrive:scsi:0:00')).toBe('HardDiskDrive:SCSI:0:0')
    expect(canonicalDeviceReference('BootOrder', 'DVDDRIVE:ide:1:0')).toBe('DvdDrive:IDE:1:0')
    expect(canonicalDeviceReference('BootOrder', 'NetworkAdapter: Network Adapter ')).toBe('NetworkAdapter:Network Adapter')
    expect(canonicalDeviceReference('BootOrder', 'file')).toBe('File')
  })

  it.each(['disk', 'HardDiskDrive:SATA:0:0', 'DvdDrive:SCSI:0', 'HardDiskDrive:SCSI:x:1', 'NetworkAdapter:', 'File:x'])('refuse %s naming the parameter', (text) => {
    const error = failure(() => canonicalDeviceReference('FirstBootDevice', text))
    expect(error.kind).toBe('invalid-argument')
    expect(error.message).toMatch(/^Cannot bind parameter 'FirstBootDevice'\./)
  })
})

describe('the Generation 2 boot order', () => {
  it('lists hv\'s --guest or --boot-kernel source first as a File entry, and a firmware ROM not at all', () => {
    const kernel = vm(2, {kind: 'kernel', path: '/k.bin'})
    ;(kernel.firmware as UefiSettings).bootOrder = [disk]
    expect(bootEntriesOf(kernel)).toEqual([{bootType: 'File', device: 'File', description: 'hv boot kernel', firmwarePath: '/k.bin'}, disk])
    expect(bootEntriesOf(vm(2, {kind: 'firmware', path: '/rom'}))).toEqual([])
    expect(bootEntriesOf(vm(2))).toEqual([])
    expect(bootEntriesOf(vm(1, {kind: 'kernel', path: '/k.bin'}))).toEqual([])
  })

  it('moves -FirstBootDevice to the front and keeps the rest in order', () => {
    const v = vm(2)
    const uefi = v.firmware as UefiSettings
    uefi.bootOrder = [disk, dvd, nic]
    expect(withFirstBootDevice(v, uefi, 'dvddrive:scsi:0:1')).toEqual([dvd, disk, nic])
  })

  it('keeps exactly the -BootOrder entries; the File entry may lead but not follow', () => {
    const v = vm(2, {kind: 'guest', name: 'tinyos'})
    const uefi = v.firmware as UefiSettings
    uefi.bootOrder = [disk, dvd, nic]
    expect(withBootOrder(v, uefi, ['NetworkAdapter:Network Adapter', 'HardDiskDrive:SCSI:0:0'])).toEqual([nic, disk])
    expect(withBootOrder(v, uefi, ['File', 'DvdDrive:SCSI:0:1'])).toEqual([dvd])
    expect(failure(() => withBootOrder(v, uefi, ['DvdDrive:SCSI:0:1', 'File'])).message).toMatch(/always boots first/)
    expect(failure(() => withBootOrder(v, uefi, ['DvdDrive:SCSI:0:1', 'dvddrive:scsi:0:1'])).message).toMatch(/more than once/)
  })

  it('refuses a device the VM does not have, as a bad argument', () => {
    const v = vm(2)
    const error = failure(() => withFirstBootDevice(v, v.firmware as UefiSettings, 'HardDiskDrive:SCSI:0:0'))
    expect(error.kind).toBe('invalid-argument')
    expect(error.message).toBe("The device 'HardDiskDrive:SCSI:0:0' is not attached to the virtual machine 'v'; a boot entry can only name one of its drives or network adapters.")
    expect(failure(() => withBootOrder(v, v.firmware as UefiSettings, ['File'])).message).toMatch(/has no File boot entry/)
  })

  it('places attached devices last, or first when New-VM -BootDevice asked for their kind, and removes detached ones', () => {
    const v = vm(2)
    applyNewVmBootDevice(v, 'CD')
    placeBootEntry(v, disk, 'VHD')
    placeBootEntry(v, dvd, 'CD')
    placeBootEntry(v, nic, 'NetworkAdapter')
    const uefi = v.firmware as UefiSettings
    expect(uefi.bootOrder).toEqual([dvd, disk, nic])
    expect(uefi.firstBootDeviceKind).toBeNull()
    removeBootEntry(v, 'dvddrive:SCSI:0:1')
    expect(uefi.bootOrder).toEqual([disk, nic])
  })

  it('refuses the Generation 1 boot devices in New-VM -BootDevice', () => {
    for (const device of ['Floppy', 'IDE', 'LegacyNetworkAdapter'] as const) {
      expect(failure(() => applyNewVmBootDevice(vm(2), device)).message).toBe(
        `Generation 2 virtual machines do not support the boot device '${device}'. Use CD, VHD or NetworkAdapter.`,
      )
    }
  })
})

describe('the Generation 1 startup order', () => {
  it('starts CD, IDE, LegacyNetworkAdapter, Floppy and takes New-VM -BootDevice first, reading VHD as IDE and NetworkAdapter as LegacyNetworkAdapter', () => {
    expect(vm(1).firmware).toEqual({kind: 'bios', startupOrder: ['CD', 'IDE', 'LegacyNetworkAdapter', 'Floppy'], numLockEnabled: false})
    const cases = [['VHD', 'IDE'], ['NetworkAdapter', 'LegacyNetworkAdapter'], ['Floppy', 'Floppy'], ['CD', 'CD']] as const
    for (const [given, first] of cases) {
      const v = vm(1)
      applyNewVmBootDevice(v, given)
      const order = (v.firmware as {startupOrder: string[]}).startupOrder
      expect(order[0]).toBe(first)
      expect([...order].sort()).toEqual(['CD', 'Floppy', 'IDE', 'LegacyNetworkAdapter'])
    }
  })

  it('needs each device exactly once in -StartupOrder', () => {
    expect(() => validateStartupOrder(['Floppy', 'LegacyNetworkAdapter', 'CD', 'IDE'])).not.toThrow()
    expect(failure(() => validateStartupOrder(['CD', 'IDE'])).kind).toBe('invalid-argument')
    expect(failure(() => validateStartupOrder(['CD', 'CD', 'IDE', 'Floppy'])).message).toMatch(/exactly once/)
  })
})

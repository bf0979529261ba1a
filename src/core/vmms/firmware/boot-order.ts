import {InvalidArgumentError} from '../../errors.js'
import {builtInGuestPath} from '../../guest-images.js'
import type {BiosBootDevice, BootEntryRecord, UefiSettings, VmRecord} from '../../store/schema.js'
import {BIOS_BOOT_DEVICES} from '../../store/schema.js'

/**
 * Boot order: which of a VM's boot sources its firmware tries first.
 *
 * Generation 1 keeps the BIOS's StartupOrder, a permutation of four device
 * classes. Generation 2 keeps a list of boot entries (VMBootSource), one per
 * drive or network adapter, in the order the UEFI tries them.
 *
 * hv's own boot sources (--guest, --boot-kernel, --firmware) come before all of
 * that: a VM with one boots it, whatever the order says. On Generation 2 a
 * --guest or --boot-kernel source is a file the firmware loads directly, so it
 * is shown as the first boot entry, of type File; it goes with the boot source
 * (set-vm changes it) and cannot be moved or removed by the boot order. A
 * --firmware ROM replaces the firmware itself and is no boot entry.
 *
 * Devices are named on the command line in hv's spelling of the objects the
 * cmdlets take (Get-VMHardDiskDrive, Get-VMDvdDrive, Get-VMNetworkAdapter
 * output): `HardDiskDrive:SCSI:0:0`, `DvdDrive:SCSI:0:1`, `NetworkAdapter:Name`,
 * and `File` for hv's boot source entry.
 */

export const DEVICE_REFERENCE_HELP = 'HardDiskDrive:<IDE|SCSI>:<controller>:<location>, DvdDrive:<IDE|SCSI>:<controller>:<location>, NetworkAdapter:<name> or File'

/** New-VM -BootDevice values. */
export const NEW_VM_BOOT_DEVICES = ['CD', 'Floppy', 'LegacyNetworkAdapter', 'IDE', 'NetworkAdapter', 'VHD'] as const
export type NewVmBootDevice = (typeof NEW_VM_BOOT_DEVICES)[number]

/** The reference of hv's boot source entry. */
const BOOT_SOURCE_REFERENCE = 'File'

/** A device reference in its canonical spelling, or a one-line error naming the parameter. */
export function canonicalDeviceReference(parameter: string, text: string): string {
  const parts = text.trim().split(':')
  const kind = parts[0].toLowerCase()
  const bad = () =>
    new InvalidArgumentError(`Cannot bind parameter '${parameter}'. '${text}' does not name a boot device: use ${DEVICE_REFERENCE_HELP}.`)
  if (kind === 'file' && parts.length === 1) return BOOT_SOURCE_REFERENCE
  if (kind === 'networkadapter' && parts.length >= 2 && parts.slice(1).join(':').trim()) {
    return `NetworkAdapter:${parts.slice(1).join(':').trim()}`
  }
  if ((kind === 'harddiskdrive' || kind === 'dvddrive') && parts.length === 4) {
    const controllerType = parts[1].toUpperCase()
    if ((controllerType !== 'IDE' && controllerType !== 'SCSI') || !/^\d+$/.test(parts[2]) || !/^\d+$/.test(parts[3])) throw bad()
    return `${kind === 'dvddrive' ? 'DvdDrive' : 'HardDiskDrive'}:${controllerType}:${Number(parts[2])}:${Number(parts[3])}`
  }
  throw bad()
}

/** hv's boot source as a Generation 2 boot entry, or null when it has none (or boots a firmware ROM). */
export function bootSourceEntry(vm: VmRecord): BootEntryRecord | null {
  const source = vm.bootSource
  if (!source || source.kind === 'firmware') return null
  if (source.kind === 'guest') {
    return {bootType: 'File', device: BOOT_SOURCE_REFERENCE, description: `hv built-in guest ${source.name}`, firmwarePath: builtInGuestPath(source.name) ?? source.name}
  }
  return {bootType: 'File', device: BOOT_SOURCE_REFERENCE, description: 'hv boot kernel', firmwarePath: source.path}
}

/** A Generation 2 VM's boot entries as Get-VMFirmware lists them: hv's boot source first, then the devices. */
export function bootEntriesOf(vm: VmRecord): BootEntryRecord[] {
  if (vm.firmware.kind !== 'uefi') return []
  const first = bootSourceEntry(vm)
  return first ? [first, ...vm.firmware.bootOrder] : [...vm.firmware.bootOrder]
}

function findEntry(vm: VmRecord, uefi: UefiSettings, parameter: string, text: string): BootEntryRecord {
  const reference = canonicalDeviceReference(parameter, text)
  const entry = reference === BOOT_SOURCE_REFERENCE
    ? bootSourceEntry(vm)
    : uefi.bootOrder.find((e) => e.device.toLowerCase() === reference.toLowerCase())
  if (!entry) {
    throw new InvalidArgumentError(
      reference === BOOT_SOURCE_REFERENCE
        ? `The virtual machine '${vm.name}' has no File boot entry: it has no --guest or --boot-kernel boot source.`
        : `The device '${reference}' is not attached to the virtual machine '${vm.name}'; a boot entry can only name one of its drives or network adapters.`,
    )
  }
  return entry
}

/** -FirstBootDevice: that entry moves to the front of the device entries (hv's boot source stays before them). */
export function withFirstBootDevice(vm: VmRecord, uefi: UefiSettings, text: string): BootEntryRecord[] {
  const entry = findEntry(vm, uefi, 'FirstBootDevice', text)
  if (entry.device === BOOT_SOURCE_REFERENCE) return uefi.bootOrder
  return [entry, ...uefi.bootOrder.filter((e) => e !== entry)]
}

/** -BootOrder: exactly the entries named, in that order; device entries left out are removed, as on Hyper-V. */
export function withBootOrder(vm: VmRecord, uefi: UefiSettings, texts: readonly string[]): BootEntryRecord[] {
  const entries = texts.map((text) => findEntry(vm, uefi, 'BootOrder', text))
  const seen = new Set<string>()
  for (const entry of entries) {
    if (seen.has(entry.device.toLowerCase())) {
      throw new InvalidArgumentError(`The boot order of '${vm.name}' names the device '${entry.device}' more than once.`)
    }
    seen.add(entry.device.toLowerCase())
  }
  const sourceAt = entries.findIndex((e) => e.device === BOOT_SOURCE_REFERENCE)
  if (sourceAt > 0) {
    throw new InvalidArgumentError(
      `The File boot entry of '${vm.name}' is hv's boot source, which always boots first: name it first in the boot order or leave it out.`,
    )
  }
  return entries.filter((e) => e.device !== BOOT_SOURCE_REFERENCE)
}

/** Set-VMBios -StartupOrder: each of the four BIOS boot devices exactly once. */
export function validateStartupOrder(order: readonly BiosBootDevice[]): void {
  const distinct = new Set(order)
  if (order.length !== BIOS_BOOT_DEVICES.length || distinct.size !== BIOS_BOOT_DEVICES.length) {
    throw new InvalidArgumentError(
      `The startup order '${order.join(', ')}' is not valid: it must name each of ${BIOS_BOOT_DEVICES.join(', ')} exactly once.`,
    )
  }
}

/**
 * New-VM -BootDevice. Generation 1: the device class goes first in the
 * StartupOrder (VHD means IDE and NetworkAdapter means LegacyNetworkAdapter, as
 * New-VM reads them). Generation 2 has no Floppy, IDE or legacy network adapter;
 * its CD, VHD and NetworkAdapter name devices hv attaches later, so the kind is
 * kept and the first such device attached boots first.
 */
export function applyNewVmBootDevice(vm: VmRecord, device: NewVmBootDevice): void {
  const firmware = vm.firmware
  if (firmware.kind === 'bios') {
    const first: BiosBootDevice = device === 'VHD' ? 'IDE' : device === 'NetworkAdapter' ? 'LegacyNetworkAdapter' : device
    firmware.startupOrder = [first, ...firmware.startupOrder.filter((d) => d !== first)]
    return
  }
  if (device === 'Floppy' || device === 'IDE' || device === 'LegacyNetworkAdapter') {
    throw new InvalidArgumentError(
      `Generation 2 virtual machines do not support the boot device '${device}'. Use CD, VHD or NetworkAdapter.`,
    )
  }
  firmware.firstBootDeviceKind = device
}

/**
 * For the storage and networking code that attaches devices: add the device's
 * boot entry to a Generation 2 VM's boot order, at the end, or at the front
 * when New-VM -BootDevice asked for a device of its kind first.
 */
export function placeBootEntry(vm: VmRecord, entry: BootEntryRecord, kind: 'CD' | 'VHD' | 'NetworkAdapter'): void {
  const firmware = vm.firmware
  if (firmware.kind !== 'uefi') return
  const rest = firmware.bootOrder.filter((e) => e.device.toLowerCase() !== entry.device.toLowerCase())
  if (firmware.firstBootDeviceKind === kind) {
    firmware.bootOrder = [entry, ...rest]
    firmware.firstBootDeviceKind = null
  } else {
    firmware.bootOrder = [...rest, entry]
  }
}

/** For the code that detaches devices: the device's boot entry goes with it. */
export function removeBootEntry(vm: VmRecord, device: string): void {
  if (vm.firmware.kind !== 'uefi') return
  vm.firmware.bootOrder = vm.firmware.bootOrder.filter((e) => e.device.toLowerCase() !== device.toLowerCase())
}

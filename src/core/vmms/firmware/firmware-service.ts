import {InvalidArgumentError} from '../../errors.js'
import type {
  BiosBootDevice, BiosSettings, ConsoleMode, NetworkBootProtocol, OnOffState, StoreDocument, UefiSettings, VideoSettings, VmRecord,
} from '../../store/schema.js'
import type {Store} from '../../store/store.js'
import {applyGiven} from '../described-change.js'
import {logEvent} from '../event-log.js'
import {checkTransition} from '../state-machine.js'
import {selectVms, type VmSelector} from '../vm-selection.js'
import {validateStartupOrder, withBootOrder, withFirstBootDevice} from './boot-order.js'
import {secureBootTemplateName, templateIdById, templateIdByName} from './secure-boot.js'
import {applyVideoChanges, type VideoChanges} from './video.js'

export interface FirmwareChanges {
  enableSecureBoot?: OnOffState
  secureBootTemplate?: string
  secureBootTemplateId?: string
  firstBootDevice?: string
  bootOrder?: string[]
  consoleMode?: ConsoleMode
  pauseAfterBootFailure?: OnOffState
  preferredNetworkBootProtocol?: NetworkBootProtocol
}

export interface BiosChanges {
  startupOrder?: BiosBootDevice[]
  numLockEnabled?: boolean
}

/** A Generation 2 VM's UEFI settings, or the error Hyper-V gives a Generation 1 VM (`cmdlet` names the one asked). */
export function uefiOf(vm: VmRecord): UefiSettings {
  if (vm.firmware.kind !== 'uefi') {
    throw new InvalidArgumentError(
      `The Generation 1 virtual machine or snapshot "${vm.name}" does not support the VMFirmware cmdlets. Use Get-VMBios and Set-VMBios instead.`,
    )
  }
  return vm.firmware
}

/** A Generation 1 VM's BIOS settings, or the error Hyper-V gives a Generation 2 VM. */
export function biosOf(vm: VmRecord): BiosSettings {
  if (vm.firmware.kind !== 'bios') {
    throw new InvalidArgumentError(
      `The Generation 2 virtual machine or snapshot "${vm.name}" does not support the VMBios cmdlets. Use Get-VMFirmware and Set-VMFirmware instead.`,
    )
  }
  return vm.firmware
}

/**
 * Get/Set-VMFirmware, Get/Set-VMBios and Get/Set-VMVideo. Each change is one
 * store update, validated completely (for every selected VM) before it writes.
 * Firmware and display settings change only while the VM is off, as Hyper-V's
 * settings pages allow.
 */
export class FirmwareService {
  constructor(private readonly store: Store) {}

  async getFirmware(selector: VmSelector): Promise<VmRecord[]> {
    const vms = selectVms((await this.store.read()).vms, selector)
    for (const vm of vms) uefiOf(vm)
    return vms
  }

  async getBios(selector: VmSelector): Promise<VmRecord[]> {
    const vms = selectVms((await this.store.read()).vms, selector)
    for (const vm of vms) biosOf(vm)
    return vms
  }

  async setFirmware(selector: VmSelector, changes: FirmwareChanges): Promise<VmRecord[]> {
    // Parameter values that do not depend on the VM are checked once, before any VM is looked at.
    const templateId =
      changes.secureBootTemplate !== undefined ? templateIdByName(changes.secureBootTemplate)
        : changes.secureBootTemplateId !== undefined ? templateIdById(changes.secureBootTemplateId)
          : undefined
    return this.mutate(selector, (vm) => {
      const uefi = {...uefiOf(vm)}
      checkTransition(vm, 'reconfigure-hardware')
      const described: string[] = []
      if (changes.enableSecureBoot !== undefined) {
        uefi.secureBoot = changes.enableSecureBoot
        described.push(`SecureBoot ${uefi.secureBoot}`)
      }
      if (templateId !== undefined) {
        uefi.secureBootTemplateId = templateId
        described.push(`SecureBootTemplate ${secureBootTemplateName(templateId)}`)
      }
      if (changes.firstBootDevice !== undefined) {
        uefi.bootOrder = withFirstBootDevice(vm, uefi, changes.firstBootDevice)
        described.push(`first boot device ${changes.firstBootDevice}`)
      }
      if (changes.bootOrder !== undefined) {
        uefi.bootOrder = withBootOrder(vm, uefi, changes.bootOrder)
        described.push(`boot order ${changes.bootOrder.join(', ') || '(none)'}`)
      }
      applyGiven(uefi, 'consoleMode', changes.consoleMode, 'ConsoleMode', described)
      applyGiven(uefi, 'pauseAfterBootFailure', changes.pauseAfterBootFailure, 'PauseAfterBootFailure', described)
      applyGiven(uefi, 'preferredNetworkBootProtocol', changes.preferredNetworkBootProtocol, 'PreferredNetworkBootProtocol', described)
      vm.firmware = uefi
      return described.length ? `The firmware settings of '${vm.name}' were changed: ${described.join(', ')}.` : null
    })
  }

  async setBios(selector: VmSelector, changes: BiosChanges): Promise<VmRecord[]> {
    if (changes.startupOrder !== undefined) validateStartupOrder(changes.startupOrder)
    return this.mutate(selector, (vm) => {
      const bios = {...biosOf(vm)}
      checkTransition(vm, 'reconfigure-hardware')
      const described: string[] = []
      if (changes.startupOrder !== undefined) {
        bios.startupOrder = [...changes.startupOrder]
        described.push(`StartupOrder ${bios.startupOrder.join(', ')}`)
      }
      if (changes.numLockEnabled !== undefined) {
        bios.numLockEnabled = changes.numLockEnabled
        described.push(`NumLock ${bios.numLockEnabled ? 'on' : 'off'}`)
      }
      vm.firmware = bios
      return described.length ? `The BIOS settings of '${vm.name}' were changed: ${described.join(', ')}.` : null
    })
  }

  async setVideo(selector: VmSelector, changes: VideoChanges): Promise<VmRecord[]> {
    return this.mutate(selector, (vm) => {
      const video: VideoSettings = applyVideoChanges(vm.name, vm.video, changes)
      const changed = Object.values(changes).some((v) => v !== undefined)
      if (!changed) return null
      checkTransition(vm, 'reconfigure-hardware')
      vm.video = video
      return `The video settings of '${vm.name}' were changed: ${video.resolutionType} ${video.horizontalResolution}x${video.verticalResolution}.`
    })
  }

  private async mutate(selector: VmSelector, change: (vm: VmRecord, doc: StoreDocument) => string | null): Promise<VmRecord[]> {
    return this.store.update((doc) => {
      const targets = selectVms(doc.vms, selector)
      for (const vm of targets) {
        const message = change(vm, doc)
        if (message) logEvent(doc, vm, message)
      }
      return targets
    })
  }
}

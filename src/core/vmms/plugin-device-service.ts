/**
 * Plug-in VDevs in VM configurations: add, list and remove. A device is
 * checked when it is added as the worker will build it at start: its module
 * loads and exports a device kind, the kind accepts the configuration, the
 * device builds, and the VM's motherboard of its generation takes its claims
 * beside the board's own devices and the VM's other plug-ins.
 */
import {resolve} from 'node:path'

import {createGen1Platform, createGen2Platform} from '../devices/platform.js'
import {ManualClock} from '../devices/clock.js'
import {createPluginDevice, loadDeviceKind, parsePluginConfig, type PluginDeviceSpec} from '../devices/plugins/index.js'
import type {IrqLine} from '../devices/device.js'
import {HvError, InvalidArgumentError, InvalidStateError, NotFoundError} from '../errors.js'
import type {PluginDeviceSettings, VmRecord, VmState} from '../store/schema.js'
import type {Store} from '../store/store.js'
import {logEvent} from './event-log.js'
import {selectVms, type VmSelector} from './vm-selection.js'

/** One plug-in device of one VM, as get-vmplugindevice lists it. */
export interface PluginDeviceRow {
  vm: VmRecord
  device: PluginDeviceSettings
}

export interface AddPluginDeviceOptions {
  /** The module, relative to the current directory or absolute. */
  path: string
  /** Defaults to the last part of the kind's id. */
  name?: string
  /** JSON; an empty object when not given. */
  config?: unknown
}

/** The worker builds a VM's devices when it starts: as with drives, the list changes while the VM is off. */
const CHANGEABLE_STATES: readonly VmState[] = ['Off', 'OffCritical']
const MAX_NAME_LENGTH = 100

export function pluginDevicesOf(vm: Pick<VmRecord, 'pluginDevices'>): PluginDeviceSettings[] {
  return vm.pluginDevices ?? []
}

export class PluginDeviceService {
  constructor(private readonly store: Store) {}

  rows(vms: readonly VmRecord[], name?: string): PluginDeviceRow[] {
    return vms.flatMap((vm) => pluginDevicesOf(vm).filter((d) => name === undefined || sameName(d.name, name)).map((device) => ({vm, device})))
  }

  async add(selector: VmSelector, options: AddPluginDeviceOptions): Promise<PluginDeviceRow[]> {
    const path = resolve(options.path)
    // Loaded outside the store's lock: a module is the user's code and may take its time.
    const kind = loadDeviceKind(path)
    const name = options.name ?? kind.id.slice(kind.id.lastIndexOf('.') + 1)
    requireValidName(name)
    const config = options.config ?? {}
    parsePluginConfig(kind, name, config)
    const device: PluginDeviceSettings = {name, path, kind: kind.id, config: structuredClone(config)}
    return this.store.update((doc) => {
      const rows: PluginDeviceRow[] = []
      for (const vm of selectVms(doc.vms, selector)) {
        requireChangeable(vm)
        if (pluginDevicesOf(vm).some((d) => sameName(d.name, name))) {
          throw new InvalidArgumentError(`'${vm.name}' already has a plug-in device named '${name}'; give another -Name.`)
        }
        const devices = [...pluginDevicesOf(vm), device]
        checkBoardTakes(vm, devices)
        vm.pluginDevices = structuredClone(devices)
        logEvent(doc, vm, `The plug-in device '${name}' (${kind.id}, '${path}') was added to '${vm.name}'.`)
        rows.push({vm: {...vm}, device: structuredClone(device)})
      }
      return rows
    })
  }

  async remove(selector: VmSelector, name: string): Promise<void> {
    await this.store.update((doc) => {
      for (const vm of selectVms(doc.vms, selector)) {
        requireChangeable(vm)
        const devices = pluginDevicesOf(vm)
        const device = devices.find((d) => sameName(d.name, name))
        if (!device) throw new NotFoundError(`'${vm.name}' has no plug-in device named '${name}'.`)
        vm.pluginDevices = devices.filter((d) => d !== device)
        logEvent(doc, vm, `The plug-in device '${device.name}' (${device.kind}) was removed from '${vm.name}'.`)
      }
    })
  }
}

/** Names compare as Hyper-V's device names do: without regard to case. */
function sameName(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase()
}

function requireValidName(name: string): void {
  // eslint-disable-next-line no-control-regex
  if (!name.trim() || name.length > MAX_NAME_LENGTH || /[\u0000-\u001f]/.test(name)) {
    throw new InvalidArgumentError(`'${name}' is not a valid plug-in device name: give 1 to ${MAX_NAME_LENGTH} printable characters.`)
  }
}

function requireChangeable(vm: VmRecord): void {
  if (!CHANGEABLE_STATES.includes(vm.state)) {
    throw new InvalidStateError(
      `The operation cannot be performed while '${vm.name}' is in its current state (${vm.state}): hv changes plug-in devices while the virtual machine is off.`,
    )
  }
}

/**
 * Builds the VM's motherboard with `devices` on a clock that never runs, as
 * the worker will at start, so that a claim the board refuses (a port COM1
 * has, two plug-ins on one range) is refused now, naming the device.
 */
function checkBoardTakes(vm: VmRecord, devices: readonly PluginDeviceSpec[]): void {
  const clock = new ManualClock()
  const options = {
    memoryBytes: vm.memory.startup,
    clock,
    extraDevices: (irq: (line: number) => IrqLine) => devices.map((spec) => createPluginDevice(spec, {clock, irq, log: () => {}})),
  }
  try {
    if (vm.generation === 1) createGen1Platform(options)
    else createGen2Platform(options)
  } catch (error) {
    if (error instanceof HvError) throw error
    throw new InvalidArgumentError(`The plug-in devices of '${vm.name}' do not fit its Generation ${vm.generation} motherboard: ${(error as Error).message}`)
  }
}

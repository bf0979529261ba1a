import {InvalidArgumentError, InvalidStateError} from '../errors.js'
import {COM_PORT_CONSOLE, type ComPortSettings, type OnOffState, type StoreDocument, type VmRecord, type VmState} from '../store/schema.js'
import type {Store} from '../store/store.js'
import {controlRequest} from '../worker/control-client.js'
import {comPortClash, comPortName, comPortsOf, requireComPortNumber, resolveComPortPath, type ComPortNumber} from './com-ports.js'
import {logEvent} from './event-log.js'
import {selectVms, type VmSelector} from './vm-selection.js'

/** One COM port of one VM, as Get-VMComPort returns it. */
export interface ComPortRow {
  vm: VmRecord
  number: ComPortNumber
  settings: ComPortSettings
}

export interface ComPortChanges {
  /** As given: '', `hv:console`, `\\.\pipe\NAME` or a filesystem path. */
  path?: string
  debuggerMode?: OnOffState
}

/** States whose worker is told of the change at once. */
const LIVE_STATES: readonly VmState[] = ['Running', 'Paused']
/** States in which the ports can change: with no worker, or with one that reconnects live. */
const CHANGEABLE_STATES: readonly VmState[] = ['Off', 'OffCritical', 'Saved', 'SavedCritical', ...LIVE_STATES]
const WORKER_TIMEOUT_MS = 5_000

/**
 * Get-VMComPort and Set-VMComPort. A port's connection changes in any steady
 * state, as on Hyper-V: an Off or Saved VM's worker connects it when the VM
 * starts or is restored, and a running (or paused) VM's worker reconnects at
 * once. The worker connects first, so a path it cannot listen on leaves the
 * configuration as it was.
 */
export class ComPortService {
  constructor(private readonly store: Store) {}

  rows(vms: readonly VmRecord[], number?: number): ComPortRow[] {
    const only = number === undefined ? undefined : requireComPortNumber(number)
    return vms.flatMap((vm) =>
      comPortsOf(vm)
        .map((settings, i) => ({vm, number: (i + 1) as ComPortNumber, settings}))
        .filter((row) => only === undefined || row.number === only),
    )
  }

  async set(selector: VmSelector, number: number, changes: ComPortChanges): Promise<ComPortRow[]> {
    const port = requireComPortNumber(number)
    const path = changes.path === undefined ? undefined : resolveComPortPath(changes.path, this.store.home)
    const planned = this.plan(await this.store.read(), selector, port, path, changes.debuggerMode)
    // Running VMs reconnect before the store says so: a socket the worker cannot take is refused with nothing changed.
    for (const vm of planned) {
      if (path !== undefined && vm.worker && LIVE_STATES.includes(vm.state)) {
        await controlRequest(vm.worker.socket, {op: 'com-port', number: port, path}, WORKER_TIMEOUT_MS)
      }
    }
    const updated = await this.store.update((doc) => {
      const targets = this.plan(doc, selector, port, path, changes.debuggerMode)
      for (const vm of targets) {
        const ports = comPortsOf(vm).map((p) => ({...p}))
        const before = ports[port - 1]
        const after = {path: path ?? before.path, debuggerMode: changes.debuggerMode ?? before.debuggerMode}
        ports[port - 1] = after
        vm.comPorts = ports
        logEvent(doc, vm, `${comPortName(port)} of '${vm.name}' was configured: Path '${after.path}', DebuggerMode ${after.debuggerMode}.`)
      }
      return targets.map((vm) => ({...vm}))
    })
    return this.rows(updated, port)
  }

  /** The selected VMs, each checked: a state that allows the change and a path no other port uses. */
  private plan(doc: StoreDocument, selector: VmSelector, port: ComPortNumber, path: string | undefined, debuggerMode: OnOffState | undefined): VmRecord[] {
    if (path === undefined && debuggerMode === undefined) {
      throw new InvalidArgumentError('Specify what to change: -Path and/or -DebuggerMode.')
    }
    const targets = selectVms(doc.vms, selector)
    if (path !== undefined && path !== '' && targets.length > 1 && path !== COM_PORT_CONSOLE) {
      throw new InvalidArgumentError(`The path '${path}' can be the COM port of one virtual machine only; the names given select ${targets.length}.`)
    }
    for (const vm of targets) {
      if (!CHANGEABLE_STATES.includes(vm.state)) {
        throw new InvalidStateError(`'${vm.name}' failed to modify its ${comPortName(port)}: the operation cannot be performed while the virtual machine is in its current state (${vm.state}).`)
      }
      if (path === undefined) continue
      const why = comPortClash(doc, vm, port, path)
      if (why) throw new InvalidArgumentError(`Failed to modify ${comPortName(port)} of '${vm.name}': ${why}`)
    }
    return targets
  }
}

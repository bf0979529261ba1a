import {rm} from 'node:fs/promises'

import {HvError, InvalidStateError, NotFoundError, TimeoutError} from '../errors.js'
import type {StoreDocument, VmRecord, VmState, WorkerRecord} from '../store/schema.js'
import type {Store} from '../store/store.js'
import {controlRequest} from '../worker/control-client.js'
import type {StopReport, WorkerStatus} from '../worker/control-protocol.js'
import {takeAutomaticCheckpoint} from './checkpoints/automatic.js'
import {logEvent} from './event-log.js'
import {checkTransition, type VmOperation} from './state-machine.js'
import {workerIsAlive} from './worker-liveness.js'
import {spawnWorker} from './worker-process.js'

/** The outcome for one VM: done, or left alone because it already was in the requested state. */
export interface LifecycleResult {
  vm: VmRecord
  warning?: string
}

/** States in which a worker process should exist. */
const WORKER_STATES: readonly VmState[] = ['Starting', 'Running', 'Paused', 'Pausing', 'Resuming', 'Saving', 'Stopping', 'Reset']

/**
 * Starting, stopping, saving, pausing and resetting VMs: the VMMS side of the
 * worker processes. Each operation checks the state machine under the store
 * lock, marks the transitional state, then asks the worker (or starts one).
 * The worker records the state it reaches; if it dies, `reconcile` records that.
 */
export class VmLifecycle {
  constructor(private readonly store: Store) {}

  async start(id: string): Promise<LifecycleResult> {
    // AutomaticCheckpointsEnabled: a VM without checkpoints gets one as it starts.
    const automaticWarning = await takeAutomaticCheckpoint(this.store, await this.get(id))
    const {vm, check} = await this.transition(id, 'start', (vm) => (vm.state === 'Paused' ? null : 'Starting'))
    if (check.alreadyThere) return {vm, warning: `The virtual machine '${vm.name}' is already in the specified state.`}
    if (vm.state === 'Paused') return {vm: await this.resume(id).then((r) => r.vm)}
    const previous = check.from
    try {
      await spawnWorker(this.store.home, vm)
    } catch (error) {
      // The worker records its own failure; make sure the VM is not left Starting.
      await this.store.update((doc) => {
        const current = doc.vms.find((v) => v.id === id)
        if (current?.state === 'Starting') {
          current.state = previous
          current.worker = null
          logEvent(doc, current, `Virtual machine '${current.name}' failed to start: ${(error as Error).message}`, 'Error')
        }
      })
      throw error
    }
    return {vm: await this.get(id), warning: automaticWarning}
  }

  async turnOff(id: string): Promise<LifecycleResult> {
    const vm = await this.get(id)
    const check = checkTransition(vm, 'turn-off')
    if (!check.allowed) return {vm, warning: `The virtual machine '${vm.name}' is already in the specified state.`}
    // Turning off a saved VM discards its saved state.
    if (vm.state === 'Saved' || vm.state === 'SavedCritical') return {vm: await this.discardSavedState(id, 'turn-off')}
    await this.askWorker(vm, 'turn-off', 10_000).catch(async (error) => {
      // An answer lost as the worker exits is no failure; a worker that is still there and silent is killed.
      await this.waitForState(id, (state) => !WORKER_STATES.includes(state), 2_000).catch(() => {})
      if (WORKER_STATES.includes((await this.get(id)).state)) {
        await this.killWorker(vm, `did not answer turn-off (${(error as Error).message}); its process was killed`)
      }
    })
    await this.waitForState(id, (state) => !WORKER_STATES.includes(state))
    return {vm: await this.get(id)}
  }

  /** Remove-VMSavedState: a Saved VM loses its saved state and is Off; any other state is an error. */
  async removeSavedState(id: string): Promise<LifecycleResult> {
    return {vm: await this.discardSavedState(id, 'remove-saved-state')}
  }

  async shutdown(id: string, force: boolean): Promise<LifecycleResult> {
    const vm = await this.get(id)
    const check = checkTransition(vm, 'stop')
    if (!check.allowed) return {vm, warning: `The virtual machine '${vm.name}' is already in the specified state.`}
    await this.askWorker(vm, 'shutdown', 0, {force})
    await this.waitForState(id, (state) => !WORKER_STATES.includes(state))
    return {vm: await this.get(id)}
  }

  async save(id: string): Promise<LifecycleResult> {
    const vm = await this.get(id)
    const check = checkTransition(vm, 'save')
    if (!check.allowed) return {vm, warning: `The virtual machine '${vm.name}' is already in the specified state.`}
    await this.askWorker(vm, 'save', 120_000).catch(async (error) => {
      // The worker ends right after saving; if its answer was lost on the way, the store tells.
      await this.waitForState(id, (state) => !WORKER_STATES.includes(state), 5_000).catch(() => {})
      if ((await this.get(id)).state !== 'Saved') throw error
    })
    await this.waitForState(id, (state) => !WORKER_STATES.includes(state))
    const saved = await this.get(id)
    if (saved.state !== 'Saved') throw new InvalidStateError(`'${saved.name}' failed to save: it is ${saved.state}.`)
    return {vm: saved}
  }

  async pause(id: string): Promise<LifecycleResult> {
    return this.simple(id, 'pause', 'pause')
  }

  async resume(id: string): Promise<LifecycleResult> {
    return this.simple(id, 'resume', 'resume')
  }

  async reset(id: string): Promise<LifecycleResult> {
    return this.simple(id, 'restart', 'reset')
  }

  /**
   * Block until the VM stops; resolves with the worker's report of why. A VM
   * that already stopped after `since` (it may stop before the wait begins)
   * answers from its last stop record.
   */
  async waitForStop(id: string, timeoutMs: number, since = new Date(0), deadline = Date.now() + timeoutMs): Promise<StopReport> {
    for (;;) {
      const vm = await this.get(id)
      if (vm.lastStop && new Date(vm.lastStop.at) >= since && !WORKER_STATES.includes(vm.state)) return vm.lastStop
      if (vm.worker && WORKER_STATES.includes(vm.state)) {
        try {
          const remaining = deadline - Date.now()
          return await this.askWorker<StopReport>(vm, 'wait-for-stop', timeoutMs === Infinity ? 0 : Math.max(1, remaining))
        } catch (error) {
          if (error instanceof HvError && error.kind === 'conflict' && Date.now() >= deadline) {
            throw new TimeoutError(`The virtual machine '${vm.name}' did not stop within ${Math.round(timeoutMs / 1000)} seconds.`)
          }
          // The worker went away while we waited: the store says how it ended.
          await this.reconcile(await this.store.read())
        }
      } else if (!WORKER_STATES.includes(vm.state)) {
        throw new InvalidStateError(`The virtual machine '${vm.name}' is not running.`)
      }
      if (Date.now() >= deadline) throw new TimeoutError(`The virtual machine '${vm.name}' did not stop within ${Math.round(timeoutMs / 1000)} seconds.`)
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
  }

  /** Live figures from each running VM's worker (absent for VMs whose worker does not answer). */
  async status(vms: readonly VmRecord[]): Promise<Map<string, WorkerStatus>> {
    const live = new Map<string, WorkerStatus>()
    await Promise.all(
      vms
        .filter((vm) => vm.worker && WORKER_STATES.includes(vm.state))
        .map(async (vm) => {
          try {
            live.set(vm.id, await controlRequest<WorkerStatus>(vm.worker!.socket, {op: 'status'}, 2_000))
          } catch {
            // A worker that does not answer shows no live figures; reconcile handles dead ones.
          }
        }),
    )
    return live
  }

  /**
   * A VM whose worker process is gone while the store says it runs: record the
   * truth (OffCritical, or SavedCritical when it has saved state) with an event.
   * Returns whether anything changed. VMs without a worker cost nothing here.
   */
  async reconcile(doc: StoreDocument): Promise<boolean> {
    const running = doc.vms.filter((vm) => vm.worker && WORKER_STATES.includes(vm.state))
    const alive = await Promise.all(running.map((vm) => workerIsAlive(vm.worker!)))
    const dead = running.filter((_, index) => !alive[index])
    if (dead.length === 0) return false
    await this.store.update((fresh) => {
      for (const stale of dead) {
        const vm = fresh.vms.find((v) => v.id === stale.id)
        // Only the worker found dead: one that ended cleanly meanwhile, or a new one, is left alone.
        if (!vm?.worker || !WORKER_STATES.includes(vm.state) || !sameWorker(vm.worker, stale.worker!)) continue
        const pid = vm.worker.pid
        vm.state = vm.savedState ? 'SavedCritical' : 'OffCritical'
        vm.status = 'The worker process terminated unexpectedly'
        vm.worker = null
        const message = `The worker process (pid ${pid}) of '${vm.name}' terminated unexpectedly; the virtual machine is ${vm.state}.`
        vm.lastStop = {reason: 'crashed', exitStatus: 255, message, at: new Date().toISOString()}
        logEvent(fresh, vm, message, 'Error')
      }
    })
    return true
  }

  // ---- helpers ----

  /** The VM becomes Off without its saved state: the record first (under the lock), then the files on disk. */
  private async discardSavedState(id: string, op: 'turn-off' | 'remove-saved-state'): Promise<VmRecord> {
    const saved = await this.store.update((doc) => {
      const current = this.find(doc, id)
      checkTransition(current, op)
      const record = current.savedState
      current.state = 'Off'
      current.savedState = null
      logEvent(doc, current, `The saved state of '${current.name}' was deleted; the virtual machine is off.`)
      return record
    })
    if (saved) await rm(saved.directory, {recursive: true, force: true}).catch(() => {})
    return this.get(id)
  }

  private async simple(id: string, op: VmOperation, request: 'pause' | 'resume' | 'reset'): Promise<LifecycleResult> {
    const vm = await this.get(id)
    const check = checkTransition(vm, op)
    if (!check.allowed) return {vm, warning: `The virtual machine '${vm.name}' is already in the specified state.`}
    await this.askWorker(vm, request, 10_000)
    return {vm: await this.get(id)}
  }

  private async transition(
    id: string,
    op: VmOperation,
    next: (vm: VmRecord) => VmState | null,
  ): Promise<{vm: VmRecord; check: {alreadyThere: boolean; from: VmState}}> {
    await this.reconcile(await this.store.read())
    return this.store.update((doc) => {
      const vm = this.find(doc, id)
      const check = checkTransition(vm, op)
      const from = vm.state
      if (!check.allowed) return {vm, check: {alreadyThere: true, from}}
      const target = next(vm)
      if (target) {
        vm.state = target
        logEvent(doc, vm, `Virtual machine '${vm.name}' is ${target.toLowerCase()} (from ${from}).`)
      }
      return {vm: {...vm}, check: {alreadyThere: false, from}}
    })
  }

  private async askWorker<T>(vm: VmRecord, op: 'pause' | 'resume' | 'save' | 'turn-off' | 'shutdown' | 'reset' | 'wait-for-stop', timeoutMs: number, extra: object = {}): Promise<T> {
    if (!vm.worker) throw new InvalidStateError(`The virtual machine '${vm.name}' has no worker process.`)
    return controlRequest<T>(vm.worker.socket, {op, ...extra} as never, timeoutMs)
  }

  private async killWorker(vm: VmRecord, why: string): Promise<void> {
    // Only a worker known to be alive is killed: its PID may since belong to another process.
    if (vm.worker && (await workerIsAlive(vm.worker))) {
      try {
        process.kill(vm.worker.pid, 'SIGKILL')
      } catch {}
    }
    await this.store.update((doc) => {
      const current = doc.vms.find((v) => v.id === vm.id)
      if (!current) return
      current.state = 'Off'
      current.worker = null
      logEvent(doc, current, `The worker of '${current.name}' ${why}.`, 'Warning')
    })
  }

  private async waitForState(id: string, done: (state: VmState) => boolean, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      let doc = await this.store.read()
      // Read again only when reconcile recorded a dead worker.
      if (await this.reconcile(doc)) doc = await this.store.read()
      const vm = doc.vms.find((v) => v.id === id)
      if (!vm || done(vm.state)) return
      if (Date.now() > deadline) throw new InvalidStateError(`'${vm.name}' did not leave the ${vm.state} state in time.`)
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
  }

  private async get(id: string): Promise<VmRecord> {
    return this.find(await this.store.read(), id)
  }

  private find(doc: StoreDocument, id: string): VmRecord {
    const vm = doc.vms.find((v) => v.id === id)
    if (!vm) throw new NotFoundError(`Hyper-V was unable to find a virtual machine with ID "${id}".`)
    return vm
  }
}

function sameWorker(a: WorkerRecord, b: WorkerRecord): boolean {
  return a.pid === b.pid && a.socket === b.socket && a.startedAt === b.startedAt
}

/**
 * Entry point of a VM worker process: `node worker.cjs VMID`, started detached
 * by the VMMS with an IPC channel on which it reports, once, whether the VM
 * came up. Everything after that goes through the control socket and the store.
 */
import {HvError} from '../errors.js'
import {resolveHvHome} from '../store/paths.js'
import {Store} from '../store/store.js'
import {logEvent} from '../vmms/event-log.js'
import {controlSocketPath} from './control-socket.js'
import {VmWorker} from './vm-worker.js'

async function main(): Promise<void> {
  const vmId = process.argv[2]
  const home = resolveHvHome()
  const store = new Store(home)
  process.title = `hv-vmwp ${vmId}`
  try {
    const vm = (await store.read()).vms.find((v) => v.id === vmId)
    if (!vm) throw new HvError('not-found', `Hyper-V was unable to find a virtual machine with ID "${vmId}".`)
    const worker = await VmWorker.create(store, vm, controlSocketPath(home, vm.id))
    await worker.listen()
    await worker.start()
    report({ready: true})
  } catch (error) {
    const kind = error instanceof HvError ? error.kind : 'invalid-state'
    const message = `'${vmId}' failed to start: ${(error as Error).message}`
    process.stderr.write(`${new Date().toISOString()} ${(error as Error).stack ?? error}\n`)
    await recordFailure(store, vmId, message).catch(() => {})
    report({ready: false, kind, message: (error as Error).message})
    process.exitCode = 1
    setTimeout(() => process.exit(1), 20)
  }
}

/** Tell the VMMS how the start went, then let it go: the worker lives on without it. */
function report(message: object): void {
  if (!process.send) return
  process.send(message, () => {
    if (process.connected) process.disconnect()
  })
}

/** Back to the state the start began from (Off, or Saved with its saved state intact), with an event. */
async function recordFailure(store: Store, vmId: string, message: string): Promise<void> {
  await store.update((doc) => {
    const vm = doc.vms.find((v) => v.id === vmId)
    if (!vm) return
    if (vm.state === 'Starting') vm.state = vm.savedState ? 'Saved' : 'Off'
    vm.worker = null
    logEvent(doc, vm, message, 'Error', 'vmwp')
  })
}

process.on('uncaughtException', (error) => {
  process.stderr.write(`${new Date().toISOString()} uncaught: ${error.stack ?? error}\n`)
  process.exit(70)
})

void main()

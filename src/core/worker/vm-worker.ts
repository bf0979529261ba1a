import {mkdirSync, readFileSync} from 'node:fs'
import {unlink} from 'node:fs/promises'
import type {Server, Socket} from 'node:net'
import {cpus} from 'node:os'

import {InvalidArgumentError, InvalidStateError} from '../errors.js'
import {
  HV_INTERCEPT_ACCESS, HV_MESSAGE, Hypervisor, type InterceptMessage, type PartitionSavedState, type VirtualProcessor,
} from '../hypervisor/index.js'
import type {CheckpointRecord, EventLevel, SavedStateRecord, StoreDocument, VmRecord, VmState} from '../store/schema.js'
import type {Store} from '../store/store.js'
import {removeAutomaticCheckpoints} from '../vmms/checkpoints/automatic.js'
import {takeCheckpoint, type CheckpointPlan} from '../vmms/checkpoints/take.js'
import {logEvent} from '../vmms/event-log.js'
import {PROCESSOR_CLOCK_MHZ} from '../vmms/host.js'
import type {MeteringSample} from '../vmms/metering/metering-accumulator.js'
import {comPortsOf} from '../vmms/com-ports.js'
import {vmDirectory, vmFiles} from '../vmms/vm-files.js'
import {readBootImage, type BootImage} from './boot/boot-image.js'
import {addressableRamBytes, applyMemoryLayout, type MemoryLayout} from './boot/memory-layout.js'
import {firmwareRomBytes, loadFirmware} from './boot/firmware.js'
import {loadMultiboot} from './boot/multiboot.js'
import {loadLinux} from './boot/linux-boot.js'
import {describeGuestCrash} from './guest-crash.js'
import {installFirmwareTables} from './boot/firmware-tables.js'
import {attachConsole} from './console-attach.js'
import {ConsoleLog} from './console-log.js'
import type {ControlRequest, StopReport, WorkerStatus} from './control-protocol.js'
import {startControlServer, STREAMING} from './control-server.js'
import {GuestClock} from './guest-clock.js'
import {IdleSlack} from './idle-slack.js'
import type {MachinePlatform, PlatformEvents} from './machine-platform.js'
import {clearRam, forEachNonZeroPage, PAGE_SIZE} from './memory-pages.js'
import {createMachinePlatform} from './platform.js'
import {AttachedDisks} from './attached-disks.js'
import {WorkerMetering} from './resource-metering.js'
import {readSavedState, removeSavedState, writeSavedState} from './saved-state-files.js'
import {SerialPorts} from './serial-ports.js'
import {Vid, type VidPartition} from './vid.js'
import {VmbusStack, type VmbusStackSavedState} from './vmbus-stack.js'

/** Instructions per VP run between looks at timers and the event loop. */
const SLICE_INSTRUCTIONS = 200_000
/** Wall time the loop runs before letting the event loop serve the control channel. */
const LOOP_BUDGET_MS = 15
const MACHINE_STATE_VERSION = 2
const MB = 1024 * 1024


interface MachineSavedState {
  version: number
  partition: PartitionSavedState
  platform: unknown
  /** The VMBus server, its channels and the integration services' state (version 2 on). */
  vmbus: VmbusStackSavedState
  clockNs: number
}

/**
 * The VM worker process (vmwp): one per running VM. It builds the VM through
 * the VID (partition, memory, processor), the virtual motherboard and the boot
 * source, runs the VP, answers its intercepts with the motherboard's devices,
 * serves the VMMS's control requests, and records every state it reaches in
 * the store. A halted guest costs no host CPU: the loop sleeps until the next
 * timer or input.
 */
export class VmWorker {
  private vm: VmRecord
  private readonly vid: VidPartition
  private readonly vp: VirtualProcessor
  private readonly platform: MachinePlatform
  /** VMBus and the integration services: the synthetic side of the machine. */
  private readonly vmbus: VmbusStack
  /** The media in the VM's drives, held open while the worker runs. */
  private readonly disks: AttachedDisks
  private readonly clock: GuestClock
  private readonly console: ConsoleLog
  /** What COM1 and COM2 are connected to: nothing, the console log, or a socket. */
  private readonly serialPorts: SerialPorts
  private readonly layout: MemoryLayout
  private readonly bootImage: BootImage
  private server: Server | null = null
  private state: 'running' | 'paused' | 'stopping' = 'paused'
  private scheduled: NodeJS.Timeout | NodeJS.Immediate | null = null
  private pendingStop: StopReport | null = null
  private pendingReset = false
  /** The loop sleeps with no timer armed: only input or a control request wakes it. */
  private sleepingWithoutTimer = false
  /** The host asked the guest to shut down: its power-off is then a shutdown. */
  private shutdownRequested = false
  private resets = 0
  /** How often the run loop woke and how long it ran: what the VM costs the host. */
  private readonly loopStats = {wakeups: 0, busyMs: 0}
  /** Whether the guest did more than take timer interrupts since the loop last slept, and the slack it earned. */
  /** How late an idle guest's timer wake-ups may come (Host time mode). */
  private readonly idleSlack = new IdleSlack()
  private lastResetEvent = 0
  private unloggedResets = 0
  private readonly stopWaiters: Array<(report: StopReport) => void> = []
  private storeQueue: Promise<unknown> = Promise.resolve()
  /** Checkpoints run one at a time; while one is captured the VP does not run. */
  private checkpointQueue: Promise<unknown> = Promise.resolve()
  private checkpointHold = 0
  private cpuSample = {wall: performance.now(), cpu: process.cpuUsage()}
  /** Root hypercalls made through WinHv, by call code. */
  private readonly rootHypercalls: Map<number, number>
  /** Resource metering (Measure-VM): from the moment the VM runs. */
  private metering: WorkerMetering | null = null

  private constructor(
    private readonly store: Store,
    vm: VmRecord,
    private readonly socketPath: string,
  ) {
    this.vm = vm
    this.bootImage = readBootImage(vm)
    this.disks = AttachedDisks.open(vm)
    const hypervisor = new Hypervisor(cpus().length)
    const romBytes = this.bootImage.kind === 'firmware' ? firmwareRomBytes(this.bootImage.image) : 0
    let instructions = () => 0
    this.clock = new GuestClock(vm.timeMode, () => instructions())
    const vid = new Vid(hypervisor)
    this.rootHypercalls = vid.winhv.calls
    this.vid = vid.createPartition({
      name: vm.name,
      // RAM beyond the MMIO gap cannot be addressed by the guest, so it is not backed.
      memoryBytes: addressableRamBytes(vm.memory.startup, vm.settings.lowMemoryMappedIoSpace),
      romBytes,
      time: this.clock,
    })
    this.layout = applyMemoryLayout(
      {ramBytes: this.vid.memory.ramBytes, mapRam: (g, l, o) => this.vid.mapRam(g, l, o), unmap: (g, l) => this.vid.unmap(g, l)},
      {firmwareBytes: romBytes, lowMmioBytes: vm.settings.lowMemoryMappedIoSpace},
    )
    this.vp = this.vid.createVp()
    instructions = () => this.vp.instructions
    const events: PlatformEvents = {
      serialOutput: (number, byte) => {
        this.idleSlack.noteActivity()
        this.serialPorts.transmit(number, byte)
      },
      powerOff: () =>
        this.requestStop(this.shutdownRequested
          ? {reason: 'shut-down', exitStatus: 0, message: 'The guest shut down as the host asked.'}
          : {reason: 'guest-power-off', exitStatus: 0, message: 'The guest powered the virtual machine off.'}),
      debugExit: (status) => this.requestStop({reason: 'debug-exit', exitStatus: status, message: `The guest wrote ${status} to the test-exit port.`}),
      resetRequest: () => {
        this.pendingReset = true
        this.vp.cpu.requestExit()
      },
      interruptRaised: () => this.kick(),
      a20Change: (enabled) => this.vp.cpu.setA20(enabled),
      ignneChange: (asserted) => this.vp.cpu.setIgnne(asserted),
      // Generation 2's I/O APIC reaches the local APICs through the hypervisor, as HvAssertVirtualInterrupt.
      apicInterrupt: ({vector, level, destination, logical}) =>
        void vid.winhv.assertVirtualInterrupt(this.vid.id, vector, {level, destination, logical}),
    }
    // A Multiboot loader hands over with A20 enabled; firmware starts from a PC's power-on state.
    const partition = this.vid.partition
    this.platform = createMachinePlatform(vm, this.clock, events, {
      a20Enabled: this.bootImage.kind !== 'firmware',
      disks: this.disks,
      // The IDE controller's bus-master DMA reaches guest RAM as the VMBus server does: what it writes is
      // marked for saved state and drops any code the processor decoded there.
      guestMemory: {
        read: (gpa, length) => partition.memory.read(gpa, length),
        write: (gpa, data) => {
          if (!partition.memory.write(gpa, data)) return false
          for (const vp of partition.vps) vp.cpu.invalidateCode(gpa, data.length)
          return true
        },
      },
    })
    // The VP's interrupt controller is its local APIC; the PIC (Generation 1) is its ExtINT source.
    this.vp.setExternalInterruptSource(this.platform.interruptController)
    // The x87's FERR# reaches IRQ 13 through the chipset (Generation 1).
    this.vp.cpu.setFpuErrorSink((asserted) => this.platform.fpuErrorChanged?.(asserted))
    this.vid.partition.onInterruptPending(() => this.kick())
    this.vid.partition.onEndOfInterrupt((vector) => this.platform.endOfInterrupt?.(vector))
    this.vmbus = new VmbusStack({
      vmId: vm.id, winhv: vid.winhv, partition: this.vid.partition, clock: this.clock, timeMode: vm.timeMode,
      enabled: vm.integrationServices,
      storage: {generation: vm.generation, scsiControllers: vm.storage?.scsiControllers ?? [], disks: this.disks},
    })
    mkdirSync(vmDirectory(vm), {recursive: true})
    this.console = new ConsoleLog(vmFiles.console(vm), vm.savedState === null)
    this.serialPorts = new SerialPorts({
      console: this.console,
      deliver: (number, bytes) => {
        this.platform.sendSerialInput(number, bytes)
        this.idleSlack.noteActivity()
        this.kick()
      },
    })
  }

  /** Build the VM and boot it, or restore it from its saved state. */
  static async create(store: Store, vm: VmRecord, socketPath: string): Promise<VmWorker> {
    const worker = new VmWorker(store, vm, socketPath)
    try {
      // The ports' sockets listen before the guest runs, after a boot and a restore alike.
      await worker.serialPorts.connectAll(comPortsOf(vm))
      if (vm.savedState) await worker.restore(vm.savedState)
      else worker.boot()
    } catch (error) {
      await worker.serialPorts.close()
      throw error
    }
    return worker
  }

  async listen(): Promise<void> {
    this.server = await startControlServer(this.socketPath, (request, socket) => this.control(request, socket))
  }

  /** Record Running in the store and start executing the guest. */
  async start(): Promise<void> {
    const savedState = this.vm.savedState
    const restored = savedState !== null
    await this.persist((vm, doc) => {
      vm.state = 'Running'
      vm.status = 'Operating normally'
      vm.worker = {pid: process.pid, socket: this.socketPath, startedAt: new Date().toISOString()}
      vm.savedState = null
      this.metering = new WorkerMetering({clockMhz: PROCESSOR_CLOCK_MHZ, read: () => this.meteringSample(), save: () => this.saveMetering()}, vm, doc.host)
      return restored ? `Virtual machine '${vm.name}' was restored from its saved state and is running.` : `Virtual machine '${vm.name}' started.`
    })
    // The saved files are no longer the VM's state once it runs on.
    if (restored) void removeSavedState(savedState).catch(() => {})
    this.state = 'running'
    this.schedule(0)
  }

  // ---- booting ----

  private boot(): void {
    const image = this.bootImage
    if (image.kind === 'firmware') {
      loadFirmware(this.vid.memory, this.vp.cpu, image.image, image.fileName)
      return
    }
    // hv's loaders stand in for the firmware, and leave the APIC as firmware does.
    this.vp.apic.enterVirtualWireMode()
    if (image.kind === 'linux') {
      const tables = installFirmwareTables(this.vid.memory, this.vp.cpu, this.vm)
      loadLinux(this.vid.memory, this.layout, this.vp.cpu, image.image, {
        fileName: image.fileName, commandLine: image.commandLine, initrd: image.initrd, initrdName: image.initrdName,
        acpiRsdpAddress: tables.rsdpAddress,
      })
    } else {
      installFirmwareTables(this.vid.memory, this.vp.cpu, this.vm)
      loadMultiboot(this.vid.memory, this.layout, this.vp.cpu, image.image, {fileName: image.fileName, commandLine: image.commandLine})
    }
  }

  /**
   * A hard reset: processor, synthetic state, devices and memory to power-on,
   * then boot again. A guest that resets in a loop (say, one that triple-faults
   * at every boot) gets one event a second, counting the rest, so it cannot
   * flood the store.
   */
  private resetMachine(why: string, level: EventLevel = 'Information'): void {
    this.resets++
    this.vid.partition.reset()
    this.vmbus.reset()
    clearRam(this.vid.memory.ram.subarray(0, this.vid.memory.ramBytes), this.vid.memory.ramWritten)
    this.vp.cpu.invalidateCode(0, 0xffffffff)
    this.platform.reset()
    this.boot()
    const now = Date.now()
    if (now - this.lastResetEvent < 1000) {
      this.unloggedResets++
      return
    }
    const more = this.unloggedResets ? ` (${this.unloggedResets} more resets since the last event)` : ''
    this.lastResetEvent = now
    this.unloggedResets = 0
    void this.persist((vm) => [`Virtual machine '${vm.name}' was reset: ${why}.${more}`, level])
  }

  // ---- the run loop ----

  private schedule(delayMs: number): void {
    if (this.scheduled) return
    this.scheduled = delayMs <= 0 ? setImmediate(() => this.loop()) : setTimeout(() => this.loop(), delayMs)
  }

  /**
   * An interrupt or input arrived: a sleeping loop runs now, whether it waits
   * for a timer or, with none armed, for nothing but this.
   */
  private kick(): void {
    if (this.state !== 'running' || !this.vp.halted) return
    if (!this.scheduled && !this.sleepingWithoutTimer) return
    this.sleepingWithoutTimer = false
    this.halt()
    this.schedule(0)
  }

  private loop(): void {
    this.scheduled = null
    this.sleepingWithoutTimer = false
    if (this.state !== 'running' || this.checkpointHold > 0) return
    const started = performance.now()
    this.loopStats.wakeups++
    try {
      while (performance.now() - started < LOOP_BUDGET_MS) {
        this.clock.runDue(1)
        const next = this.clock.nextDeadline()
        const budget = next === null ? SLICE_INSTRUCTIONS : Math.min(SLICE_INSTRUCTIONS, this.clock.instructionsUntil(next))
        this.vmbus.pump()
        const message = this.vid.runVp(this.vp, budget)
        if (message) this.handleIntercept(message)
        if (this.pendingReset) {
          this.pendingReset = false
          this.resetMachine('the guest asked for a reset')
        }
        if (this.vid.partition.resetRequested) this.resetMachine('the guest wrote the reset MSR')
        if (this.vid.partition.guestCrash) this.requestStop(describeGuestCrash(this.vid.partition.guestCrash, this.vid.memory))
        if (this.pendingStop) return void this.stop(this.pendingStop)
        if (this.vp.halted && !this.vp.interruptPending) {
          const due = this.clock.nextDeadline()
          if (due !== null && due <= this.clock.nowNs()) continue // catching up on late timers
          this.serialPorts.flush()
          return this.sleepUntilNextEvent()
        }
      }
    } catch (error) {
      return void this.stop({reason: 'crashed', exitStatus: 255, message: `The worker failed: ${(error as Error).stack ?? error}`})
    } finally {
      this.loopStats.busyMs += performance.now() - started
    }
    this.serialPorts.flush()
    this.schedule(0)
  }

  /** Halted: nothing happens until the next timer, an interrupt, or a control request. */
  private sleepUntilNextEvent(): void {
    const next = this.clock.nextDeadline()
    if (next === null) {
      this.sleepingWithoutTimer = true // woken only by input (kick) or control
      return
    }
    if (this.clock.mode === 'Deterministic') {
      // Guest time jumps to the deadline; the host waits about as long, so an idle guest stays idle.
      const skippedMs = (next - this.clock.nowNs()) / 1e6
      this.clock.advanceTo(next)
      this.schedule(Math.min(Math.max(skippedMs, 0), 100))
    } else {
      this.schedule(this.idleSlack.sleepMs((next - this.clock.nowNs()) / 1e6))
    }
  }

  private handleIntercept(m: InterceptMessage): void {
    switch (m.type) {
      case HV_MESSAGE.X64_IO_PORT_INTERCEPT:
        this.idleSlack.notePortAccess(m.portNumber)
        if (m.interceptAccessType === HV_INTERCEPT_ACCESS.WRITE) {
          this.platform.writePort(m.portNumber, m.accessSize, m.rax)
          this.vp.completeIoWrite()
        } else {
          this.vp.completeIoRead(this.platform.readPort(m.portNumber, m.accessSize))
        }
        return
      case HV_MESSAGE.UNMAPPED_GPA:
        if (m.interceptAccessType === HV_INTERCEPT_ACCESS.WRITE) {
          this.platform.writeMmio(m.guestPhysicalAddress, m.accessSize, m.memoryValue)
          this.vp.completeMemoryWrite()
        } else {
          this.vp.completeMemoryRead(this.platform.readMmio(m.guestPhysicalAddress, m.accessSize))
        }
        return
      case HV_MESSAGE.UNRECOVERABLE_EXCEPTION:
        if (this.vm.tripleFaultAction === 'TurnOff') {
          this.requestStop({reason: 'triple-fault', exitStatus: 255, message: 'The guest triple-faulted; the virtual machine was turned off.'})
        } else {
          this.resetMachine('the guest triple-faulted', 'Warning')
        }
        return
      default:
        this.requestStop({reason: 'crashed', exitStatus: 255, message: `Unexpected intercept message 0x${m.type.toString(16)}.`})
    }
  }

  private requestStop(report: StopReport): void {
    this.pendingStop ??= report
    this.vp.cpu.requestExit()
    if (this.state === 'running' && !this.vp.halted) return
    if (this.scheduled === null && this.state !== 'stopping') this.schedule(0)
  }

  // ---- control requests from the VMMS ----

  private async control(request: ControlRequest, socket: Socket): Promise<unknown> {
    switch (request.op) {
      case 'status':
        return this.status()
      case 'pause':
        return this.pause()
      case 'resume':
        return this.resume()
      case 'turn-off':
        return this.stop({reason: 'turned-off', exitStatus: 0, message: 'The virtual machine was turned off.'})
      case 'save':
        return this.save()
      case 'checkpoint':
        return this.checkpoint(request.plan)
      case 'reset':
        this.resetMachine('reset from the host')
        return null
      case 'metering':
        this.metering?.restart(request.epoch)
        return null
      case 'metering-save':
        await this.saveMetering()
        return null
      case 'shutdown':
        await this.vmbus.shutdown(this.vm.name, {restart: false, force: request.force})
        this.shutdownRequested = true
        return null
      case 'integration-service':
        this.vmbus.setEnabled(request.name, request.enabled)
        this.kick()
        return null
      case 'kvp-set':
        return this.vmbus.kvpSet(request.key, request.value)
      case 'kvp-delete':
        return this.vmbus.kvpDelete(request.key)
      case 'kvp-read':
        return this.vmbus.kvpRead(request.pools)
      case 'wait-for-stop':
        return new Promise<StopReport>((resolve) => this.stopWaiters.push(resolve))
      case 'attach':
        return this.attach(socket)
      case 'com-port':
        await this.serialPorts.connect(request.number, request.path)
        return null
      default:
        throw new InvalidArgumentError(`unknown control request '${(request as {op: string}).op}'`)
    }
  }

  private status(): WorkerStatus {
    const now = performance.now()
    const cpu = process.cpuUsage()
    const wallMs = now - this.cpuSample.wall
    const cpuMs = (cpu.user - this.cpuSample.cpu.user + cpu.system - this.cpuSample.cpu.system) / 1000
    this.cpuSample = {wall: now, cpu}
    return {
      state: this.state === 'paused' ? 'Paused' : 'Running',
      uptimeSeconds: this.clock.nowNs() / 1e9,
      cpuUsage: wallMs > 0 ? Math.min(100, Math.round((cpuMs / wallMs) * 100)) : 0,
      memoryAssigned: this.vm.memory.startup,
      instructions: this.vp.instructions,
      resets: this.resets,
      ...this.vmbus.status(this.state === 'running'),
      counters: {
        vp: this.vp.counters.snapshot(),
        platform: this.platform.counters(),
        serialPorts: this.serialPorts.statistics(),
        rootHypercalls: Object.fromEntries(this.rootHypercalls),
        runLoop: {wakeups: this.loopStats.wakeups, busyMs: Math.round(this.loopStats.busyMs)},
      },
    }
  }

  /**
   * What resource metering reads: the run loop's busy time is the host
   * processor time the VP used. Storage and network devices add their disks'
   * and adapters' counters here as they come.
   */
  private meteringSample(): MeteringSample {
    return {
      atMs: performance.now(),
      processorBusyMs: this.loopStats.busyMs,
      memoryMb: this.vm.memory.startup / MB,
      diskAllocationMb: 0,
      disks: [],
      networkTraffic: [],
    }
  }

  private saveMetering(): Promise<void> {
    return this.persist((vm, doc) => {
      this.metering?.flushInto(vm, doc.host)
      return null
    })
  }

  private async pause(): Promise<null> {
    if (this.state !== 'running') return null
    this.halt()
    this.state = 'paused'
    await this.persist((vm) => {
      vm.state = 'Paused'
      return `Virtual machine '${vm.name}' was paused.`
    })
    return null
  }

  private async resume(): Promise<null> {
    if (this.state !== 'paused') return null
    await this.persist((vm) => {
      vm.state = 'Running'
      return `Virtual machine '${vm.name}' was resumed.`
    })
    this.state = 'running'
    this.schedule(0)
    return null
  }

  /**
   * The machine's whole state but memory: processor and partition, platform
   * devices, guest time. Save and checkpoint both capture through here, so
   * whatever is added to it is in both.
   */
  private captureMachine(): MachineSavedState {
    // What the guest wrote to its disks belongs to the state captured with it.
    this.disks.flush()
    return {
      version: MACHINE_STATE_VERSION,
      partition: this.vid.partition.saveState(),
      platform: this.platform.saveState(),
      vmbus: this.vmbus.saveState(),
      clockNs: this.clock.nowNs(),
    }
  }

  private async save(): Promise<null> {
    await this.checkpointQueue
    // A turn-off, a shutdown or another save may have ended the VM meanwhile: its
    // console and state are closed, and there is nothing left to save.
    if (this.state === 'stopping') throw new InvalidStateError(`The virtual machine '${this.vm.name}' could not be saved: it is already stopping.`)
    this.halt()
    this.state = 'stopping'
    this.console.flush()
    const machine = this.captureMachine()
    const memory = this.vid.memory
    const record = await writeSavedState(vmFiles.savedState(this.vm), this.vm.id, memory.ram.subarray(0, memory.ramBytes), machine, memory.ramWritten)
    await this.finish({reason: 'saved', exitStatus: 0, message: 'The virtual machine was saved.'}, 'Saved', record)
    return null
  }

  /**
   * A checkpoint of the running (or paused) VM: the VP stops between slices,
   * the machine is captured as save() captures it and its memory handed to the
   * checkpoint page store, and the guest goes on where it was.
   */
  private checkpoint(plan: CheckpointPlan): Promise<unknown> {
    const run = async () => {
      if (this.state === 'stopping') throw new InvalidStateError(`'${this.vm.name}' failed to create a checkpoint: the virtual machine is stopping.`)
      this.checkpointHold++
      this.halt()
      try {
        this.console.flush()
        const machine = this.captureMachine()
        const memory = this.vid.memory
        const ram = memory.ram.subarray(0, memory.ramBytes)
        const consoleBytes = (() => {
          try {
            return readFileSync(vmFiles.console(this.vm))
          } catch {
            return Buffer.alloc(0)
          }
        })()
        // The disks become the checkpoint's: closed before their children are made, the children opened after.
        const disks = (plan.disks ?? []).map((child) => ({child, medium: this.disks.hardDisk(child.driveId)}))
        for (const {medium} of disks) medium?.release()
        let record: CheckpointRecord
        try {
          record = await takeCheckpoint(this.store, this.vm, plan, () => ({
            ramBytes: memory.ramBytes,
            machine,
            console: consoleBytes,
            forEachPage: (visit) => forEachNonZeroPage(ram, (i) => visit(i, ram.subarray(i * PAGE_SIZE, (i + 1) * PAGE_SIZE)), memory.ramWritten),
          }), undefined, 'vmwp')
        } catch (error) {
          for (const {child, medium} of disks) medium?.attach(child.parentPath)
          throw error
        }
        for (const {child, medium} of disks) medium?.attach(child.childPath)
        return record
      } finally {
        this.checkpointHold--
        if (this.checkpointHold === 0 && this.state === 'running') this.schedule(0)
      }
    }
    const next = this.checkpointQueue.then(run)
    this.checkpointQueue = next.catch(() => {})
    return next
  }

  private async restore(record: SavedStateRecord): Promise<void> {
    const memory = this.vid.memory
    const document = await readSavedState(record, this.vm.id, memory.ram.subarray(0, memory.ramBytes), memory.ramWritten)
    const machine = document.machine as MachineSavedState
    if (machine?.version !== MACHINE_STATE_VERSION) throw new Error(`the saved machine state has version ${machine?.version}; this hv reads ${MACHINE_STATE_VERSION}`)
    this.clock.restore(machine.clockNs)
    this.vid.partition.restoreState(machine.partition)
    this.vp.cpu.invalidateCode(0, 0xffffffff)
    this.platform.restoreState(machine.platform)
    this.vmbus.restoreState(machine.vmbus)
  }

  /** connect-vm: stream the console to the socket, and what is typed there to the port on the console. */
  private attach(socket: Socket): typeof STREAMING {
    attachConsole(socket, this.console, (bytes) => this.serialPorts.typeAtConsole(bytes))
    return STREAMING
  }

  // ---- stopping ----

  private async stop(report: StopReport): Promise<null> {
    if (this.state === 'stopping') return null
    this.halt()
    this.state = 'stopping'
    const final: VmState = report.reason === 'crashed' ? 'OffCritical' : 'Off'
    await this.finish(report, final, null)
    return null
  }

  private async finish(report: StopReport, state: VmState, saved: SavedStateRecord | null): Promise<void> {
    await this.serialPorts.close()
    this.console.close()
    this.disks.close()
    const level: EventLevel = report.reason === 'crashed' || report.reason === 'guest-crash' ? 'Error' : report.reason === 'triple-fault' ? 'Warning' : 'Information'
    if (['guest-power-off', 'shut-down', 'debug-exit'].includes(report.reason)) {
      // A clean shutdown: the automatic checkpoint taken at start is no longer wanted.
      await removeAutomaticCheckpoints(this.store, this.vm.id).catch(() => {})
    }
    this.metering?.stop()
    await this.persist((vm, doc) => {
      this.metering?.flushInto(vm, doc.host)
      vm.state = state
      vm.status = report.reason === 'crashed' ? report.message.split('\n')[0] : 'Operating normally'
      vm.worker = null
      vm.savedState = saved
      vm.lastStop = {...report, message: report.message.split('\n')[0], at: new Date().toISOString()}
      return [`Virtual machine '${vm.name}' stopped: ${report.message.split('\n')[0]}`, level]
    })
    for (const waiter of this.stopWaiters.splice(0)) waiter(report)
    // Let the answers reach their sockets, then go.
    setTimeout(() => {
      this.server?.close()
      void unlink(this.socketPath).catch(() => {})
      process.exit(report.reason === 'crashed' ? 1 : 0)
    }, 50)
  }

  private halt(): void {
    if (this.scheduled) {
      clearTimeout(this.scheduled as NodeJS.Timeout)
      clearImmediate(this.scheduled as NodeJS.Immediate)
      this.scheduled = null
    }
  }

  /** Serialised store updates: `change` edits this VM and returns an event message (and level). */
  private persist(change: (vm: VmRecord, doc: StoreDocument) => string | [string, EventLevel] | null): Promise<void> {
    const next = this.storeQueue.then(() =>
      this.store.update((doc) => {
        const vm = doc.vms.find((v) => v.id === this.vm.id)
        if (!vm) return
        const event = change(vm, doc)
        if (event) {
          const [message, level] = Array.isArray(event) ? event : [event, 'Information' as EventLevel]
          logEvent(doc, vm, message, level, 'vmwp')
        }
        this.vm = {...vm}
      }),
    )
    this.storeQueue = next.catch(() => {})
    return next
  }
}

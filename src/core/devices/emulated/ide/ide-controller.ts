import type {DeviceSavedState, IrqLine, PortIoDevice, PortRange} from '../../device.js'
import {floatingBus, readBytewise, writeBytewise} from '../../port-access.js'
import {SavedStateReader} from '../../saved-state.js'
import type {BlockMedium} from '../../storage/block-medium.js'
import {BusMasterRegisters, type GuestMemoryAccess, PrdEngine} from './bus-master.js'
import {type DriveAttachment, IdeChannel} from './ide-channel.js'
import {TaskFile} from './task-file.js'

const SAVED_STATE_VERSION = 1

/** The legacy (compatibility-mode) resources of the two channels. */
export const IDE_CHANNELS = [
  {commandBase: 0x1f0, control: 0x3f6, irq: 14},
  {commandBase: 0x170, control: 0x376, irq: 15},
] as const
const COMMAND_BLOCK_LENGTH = 8
const BUS_MASTER_LENGTH = 16

/** A drive on the controller: channel (controller number) 0-1, position (location) 0 master or 1 slave. */
export interface IdeDriveConfig {
  channel: number
  position: number
  kind: 'HardDisk' | 'DvdDrive'
  medium: BlockMedium | null
}

export interface IdeControllerOptions {
  drives: readonly IdeDriveConfig[]
  /** IRQ 14 and IRQ 15. */
  irqs: readonly [IrqLine, IrqLine]
  /** Whether a channel's ports decode (PIIX4's I/O enable and IDETIM decode bits); always, if not given. */
  channelDecodes?: (channel: number) => boolean
  /** The bus-master registers: where they are claimed, and whether they decode there now (BAR4 programmed to it). */
  busMaster?: {base: number; decodes: () => boolean}
  /**
   * Guest memory for bus-master DMA. With it (and `busMaster`) the devices
   * offer DMA modes and run READ/WRITE DMA and DMA packets; without it they
   * are PIO-only.
   */
  memory?: GuestMemoryAccess
}

/**
 * An IDE controller in legacy mode: the primary channel at 0x1F0-0x1F7 and
 * 0x3F6 on IRQ 14, the secondary at 0x170-0x177 and 0x376 on IRQ 15, each
 * with a master and a slave (ATA hard disks and ATAPI DVD drives), PIO;
 * plus, when it is PIIX4's function, the bus-master register block, and
 * bus-master DMA when it is given guest memory. 0x3F7 and 0x377 are not
 * claimed: they belong to the floppy controller.
 */
export class IdeController implements PortIoDevice {
  readonly name = 'ide'
  readonly portRanges: readonly PortRange[]
  readonly channels: [IdeChannel, IdeChannel]
  private readonly busMaster = new BusMasterRegisters((channel) => this.runDma(channel))
  private portReads = 0
  private portWrites = 0
  private dmaTransfers = 0

  constructor(private readonly options: IdeControllerOptions) {
    const attachments: [DriveAttachment | null, DriveAttachment | null][] = [
      [null, null],
      [null, null],
    ]
    for (const drive of options.drives) {
      if (drive.channel < 0 || drive.channel > 1 || drive.position < 0 || drive.position > 1) {
        throw new Error(`An IDE drive cannot be at ${drive.channel}:${drive.position} (controllers 0-1, locations 0-1)`)
      }
      if (attachments[drive.channel]![drive.position]) throw new Error(`Two IDE drives are at ${drive.channel}:${drive.position}`)
      attachments[drive.channel]![drive.position] = {kind: drive.kind, medium: drive.medium}
    }
    const dma = options.memory !== undefined && options.busMaster !== undefined
    this.channels = [0, 1].map(
      (index) =>
        new IdeChannel(
          index,
          attachments[index]!,
          options.irqs[index]!,
          () => this.busMaster.interrupt(index),
          dma ? () => this.runDma(index) : null,
        ),
    ) as [IdeChannel, IdeChannel]
    const ranges: PortRange[] = []
    IDE_CHANNELS.forEach((channel, index) => {
      const which = index === 0 ? 'primary' : 'secondary'
      ranges.push({name: `IDE ${which} command block`, start: channel.commandBase, length: COMMAND_BLOCK_LENGTH})
      ranges.push({name: `IDE ${which} control`, start: channel.control, length: 1})
    })
    if (options.busMaster) ranges.push({name: 'IDE bus master', start: options.busMaster.base, length: BUS_MASTER_LENGTH})
    this.portRanges = ranges
    this.reset()
  }

  reset(): void {
    for (const channel of this.channels) channel.powerOn()
    this.busMaster.reset()
  }

  /**
   * Runs the selected device's DMA data phase when it has one and the
   * channel's bus master is started (whichever of the two came last), as
   * one transfer through the PRD table.
   */
  private runDma(index: number): void {
    const drive = this.channels[index]!.selectedDrive
    const memory = this.options.memory
    if (!memory || !drive?.dmaReady || !this.busMaster.started(index)) return
    const engine = new PrdEngine(memory, this.busMaster.tableOf(index))
    drive.executeDma(engine)
    this.dmaTransfers++
    this.busMaster.transferEnded(index, !engine.exhausted && !engine.failed && engine.hasCapacityLeft, engine.exhausted || engine.failed)
  }

  /** Which channel and register a port is, or null for the bus-master block. */
  private locate(port: number): {channel: IdeChannel; register: number | 'control'} | null {
    for (let index = 0; index < 2; index++) {
      const resources = IDE_CHANNELS[index]!
      if (port === resources.control) return {channel: this.channels[index]!, register: 'control'}
      if (port >= resources.commandBase && port < resources.commandBase + COMMAND_BLOCK_LENGTH) {
        return {channel: this.channels[index]!, register: port - resources.commandBase}
      }
    }
    return null
  }

  private decodes(channel: IdeChannel): boolean {
    return channel.hasDevices && (this.options.channelDecodes?.(channel.index) ?? true)
  }

  readPort(port: number, size: number): number {
    this.portReads++
    const where = this.locate(port)
    if (!where) {
      const busMaster = this.options.busMaster
      if (!busMaster?.decodes()) return floatingBus(size)
      return readBytewise(port, size, (p) => (p - busMaster.base < BUS_MASTER_LENGTH ? this.busMaster.readByte(p - busMaster.base) : 0xff))
    }
    const {channel, register} = where
    if (!this.decodes(channel)) return floatingBus(size)
    if (register === 'control') return channel.readAlternateStatus() | (size > 1 ? floatingBus(size) & ~0xff : 0)
    // The data register moves 16 or 32 bits; the others are byte registers read one by one.
    if (register === 0) return channel.readRegister(0, size)
    return readBytewise(port, size, (p) => {
      const at = this.locate(p)
      return at && at.channel === channel && at.register !== 'control' ? channel.readRegister(at.register as number, 1) : 0xff
    })
  }

  writePort(port: number, size: number, value: number): void {
    this.portWrites++
    const where = this.locate(port)
    if (!where) {
      const busMaster = this.options.busMaster
      if (!busMaster?.decodes()) return
      writeBytewise(port, size, value, (p, byte) => {
        if (p - busMaster.base < BUS_MASTER_LENGTH) this.busMaster.writeByte(p - busMaster.base, byte)
      })
      return
    }
    const {channel, register} = where
    if (!this.decodes(channel)) return
    if (register === 'control') return channel.writeControl(value & 0xff)
    if (register === 0) return channel.writeRegister(0, size, value)
    writeBytewise(port, size, value, (p, byte) => {
      const at = this.locate(p)
      if (at && at.channel === channel && at.register !== 'control') channel.writeRegister(at.register as number, 1, byte)
    })
  }

  statistics(): Record<string, unknown> {
    const drives: Record<string, unknown> = {}
    const totals = {commands: 0, sectorsRead: 0, sectorsWritten: 0, errors: 0, flushes: 0, packetCommands: 0}
    for (const channel of this.channels) {
      channel.drives.forEach((drive, position) => {
        if (!drive) return
        drives[`${channel.index}:${position}`] = {kind: drive.kind, ...drive.counters}
        for (const key of Object.keys(totals) as (keyof typeof totals)[]) totals[key] += drive.counters[key]
      })
    }
    return {
      portReads: this.portReads,
      portWrites: this.portWrites,
      dmaTransfers: this.dmaTransfers,
      ...totals,
      interrupts: this.channels.map((channel) => channel.interruptsRaised),
      drives,
    }
  }

  saveState(): DeviceSavedState {
    return {
      version: SAVED_STATE_VERSION,
      portReads: this.portReads,
      portWrites: this.portWrites,
      dmaTransfers: this.dmaTransfers,
      busMaster: this.busMaster.save(),
      channels: this.channels.map((channel) => ({
        control: channel.control,
        interruptsRaised: channel.interruptsRaised,
        taskFiles: channel.taskFiles.map((taskFile) => taskFile.save()),
        drives: channel.drives.map((drive) => drive?.saveState() ?? null),
      })),
    }
  }

  restoreState(state: DeviceSavedState): void {
    const reader = SavedStateReader.open(state, this.name, SAVED_STATE_VERSION)
    const portReads = reader.integer('portReads', 0, Number.MAX_SAFE_INTEGER)
    const portWrites = reader.integer('portWrites', 0, Number.MAX_SAFE_INTEGER)
    const dmaTransfers = reader.integer('dmaTransfers', 0, Number.MAX_SAFE_INTEGER)
    const busMaster = BusMasterRegisters.parse(reader.object('busMaster'))
    const rawChannels = state.channels as Array<Record<string, unknown>>
    const apply = reader.objects('channels', 2).map((channelReader, index) => {
      const channel = this.channels[index]!
      const raw = rawChannels[index]!
      const control = channelReader.integer('control', 0, 0xff)
      const interruptsRaised = channelReader.integer('interruptsRaised', 0, Number.MAX_SAFE_INTEGER)
      const taskFiles = channelReader.objects('taskFiles', 2).map((r) => TaskFile.parse(r))
      const rawDrives = raw.drives
      if (!Array.isArray(rawDrives) || rawDrives.length !== 2) {
        throw new Error(`Cannot restore ${this.name}: channel ${index} must list 2 drives`)
      }
      const drives = channel.drives.map((drive, position) => {
        const saved = rawDrives[position] as unknown
        const where = `${this.name} (drive ${index}:${position})`
        if ((saved === null) !== (drive === null)) {
          throw new Error(`Cannot restore ${where}: the saved machine ${saved === null ? 'had no drive' : 'had a drive'} there, this one ${drive ? 'has one' : 'has none'}`)
        }
        return drive ? drive.parseState(saved, where) : () => {}
      })
      return () => {
        channel.control = control
        channel.interruptsRaised = interruptsRaised
        channel.taskFiles.forEach((taskFile, position) => taskFile.load(taskFiles[position]!))
        for (const applyDrive of drives) applyDrive()
        channel.refreshLine()
      }
    })
    this.portReads = portReads
    this.portWrites = portWrites
    this.dmaTransfers = dmaTransfers
    this.busMaster.load(busMaster)
    for (const applyChannel of apply) applyChannel()
  }
}

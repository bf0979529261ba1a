import type {DeviceSavedState, IrqLine, PortIoDevice, PortRange, VirtualClock} from '../device.js'
import {readBytewise, writeBytewise} from '../port-access.js'
import {SavedStateReader} from '../saved-state.js'
import {PitChannel} from './pit-channel.js'

const SAVED_STATE_VERSION = 1
/** Port 0x61 bit 4 toggles with each DRAM refresh request, every 15.085 µs; old delay loops count its toggles. */
const REFRESH_PERIOD_NS = 15_085

/** Port 0x61 bits the guest can write: channel 2 gate, speaker data, parity and I/O check enables. */
const PORT_61_WRITABLE = 0x0f

/**
 * The 8254 programmable interval timer at 0x40-0x43, and the part of the
 * system control port B (0x61) that belongs to it: channel 2's gate (bit 0),
 * the speaker enable (bit 1), the refresh toggle (bit 4) and channel 2's OUT
 * (bit 5). Channel 0's OUT drives IRQ 0; channel 1 (DRAM refresh) drives nothing.
 */
export class Pit implements PortIoDevice {
  readonly name = 'pit'
  readonly portRanges: readonly PortRange[] = [
    {name: 'PIT counters and control', start: 0x40, length: 4},
    {name: 'System control port B', start: 0x61, length: 1},
  ]

  readonly channels: readonly [PitChannel, PitChannel, PitChannel]
  private port61 = 0
  private irq0Edges = 0

  constructor(
    private readonly clock: VirtualClock,
    irq0: IrqLine,
  ) {
    this.channels = [
      new PitChannel(clock, true, () => {
        this.irq0Edges++
        irq0.pulse()
      }),
      new PitChannel(clock, true, null),
      new PitChannel(clock, false, null),
    ]
  }

  reset(): void {
    for (const channel of this.channels) channel.reset()
    this.port61 = 0
  }

  readPort(port: number, size: number): number {
    return readBytewise(port, size, (p) => this.readByte(p))
  }

  writePort(port: number, size: number, value: number): void {
    writeBytewise(port, size, value, (p, byte) => this.writeByte(p, byte))
  }

  private readByte(port: number): number {
    switch (port) {
      case 0x40:
      case 0x41:
      case 0x42:
        return this.channels[port - 0x40]!.readByte()
      case 0x61: {
        const refresh = Math.floor(this.clock.nowNs() / REFRESH_PERIOD_NS) & 1
        return this.port61 | (refresh << 4) | (this.channels[2].output() ? 0x20 : 0)
      }
      default:
        // The control word register cannot be read.
        return 0xff
    }
  }

  private writeByte(port: number, value: number): void {
    switch (port) {
      case 0x40:
      case 0x41:
      case 0x42:
        this.channels[port - 0x40]!.writeCount(value)
        break
      case 0x43:
        this.writeControl(value)
        break
      case 0x61:
        this.port61 = value & PORT_61_WRITABLE
        this.channels[2].setGate((value & 0x01) !== 0)
        break
    }
  }

  private writeControl(value: number): void {
    const select = value >> 6
    if (select === 3) {
      this.readBack(value)
      return
    }
    const channel = this.channels[select]!
    const access = (value >> 4) & 3
    if (access === 0) channel.latchCount()
    else channel.writeControlWord((value >> 1) & 7, access, (value & 1) !== 0)
  }

  /** Read-back command: bit 5 clear latches counts, bit 4 clear latches status, bits 1-3 select channels. */
  private readBack(value: number): void {
    for (let index = 0; index < 3; index++) {
      if (!(value & (2 << index))) continue
      const channel = this.channels[index]!
      // Status first: when both are latched, the first read returns the status byte.
      if (!(value & 0x10)) channel.latchStatus()
      if (!(value & 0x20)) channel.latchCount()
    }
  }

  statistics(): Record<string, unknown> {
    return {irq0Edges: this.irq0Edges}
  }

  saveState(): DeviceSavedState {
    return {
      version: SAVED_STATE_VERSION,
      port61: this.port61,
      channels: this.channels.map((channel) => channel.save()),
    }
  }

  restoreState(state: DeviceSavedState): void {
    const reader = SavedStateReader.open(state, this.name, SAVED_STATE_VERSION)
    const port61 = reader.integer('port61', 0, PORT_61_WRITABLE)
    const now = this.clock.nowNs()
    const channels = reader.objects('channels', 3).map((channel) => PitChannel.read(channel, now))
    this.port61 = port61
    this.channels.forEach((channel, index) => channel.restore(channels[index]!))
  }
}

// A plug-in VDev for hv: a countdown timer on a few I/O ports that raises an
// ISA interrupt when it reaches zero, once or periodically.
//
//   hv add-vmplugindevice web01 -Path examples/vdevs/countdown-timer.mjs -Config '{"basePort": 784, "irq": 5}'
//
// A plug-in module's default export is a device kind (hv's DeviceKind, in
// src/core/devices/device-kind.ts): an id, a description, parseConfig() and
// create(). It imports nothing from hv; create() receives what it may use of
// the machine (the clock, ISA interrupt lines, a log).
//
// Registers, at basePort + offset (any access width; multi-byte registers are
// little-endian, and a wide access covers consecutive registers):
//   +0  RELOAD    r/w  32-bit count of ticks the timer runs from
//   +4  CURRENT   r    ticks left (0 while stopped)
//   +8  CONTROL   r/w  bit 0 RUN (0 -> 1 starts from RELOAD), bit 1 PERIODIC (restart on expiry),
//                      bit 2 IRQ (raise the interrupt line while STATUS.EXPIRED is set)
//   +9  STATUS    r/w1c bit 0 EXPIRED: set on expiry, cleared by writing 1 (which drops the line)
//   +10 ID        r    0x54 ('T')
//   +11 VERSION   r    1
//   +12 EXPIRIES  r    32-bit count of expiries since reset
// The interrupt is level-triggered: the line stays high until the guest
// clears EXPIRED or disables IRQ.

const PORT_COUNT = 16
const RUN = 1
const PERIODIC = 2
const IRQ = 4
const EXPIRED = 1
const ID = 0x54
const REGISTER_VERSION = 1
const SAVED_STATE_VERSION = 1

/** @type {{basePort: number, irq: number, tickNs: number}} */
const DEFAULTS = {basePort: 0x310, irq: 5, tickNs: 1_000_000}

function integerField(config, field, min, max) {
  const value = config[field] ?? DEFAULTS[field]
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new Error(`"${field}" must be an integer from ${min} to ${max}, not ${JSON.stringify(value)}`)
  }
  return value
}

class CountdownTimer {
  constructor(config, context) {
    this.name = 'countdown-timer'
    this.portRanges = [{name: 'Countdown timer', start: config.basePort, length: PORT_COUNT}]
    this.base = config.basePort
    this.tickNs = config.tickNs
    this.clock = context.clock
    this.line = context.irq(config.irq)
    this.log = context.log
    this.timer = null
    this.reset()
  }

  reset() {
    this.stopTimer()
    this.reload = 0
    this.control = 0
    this.status = 0
    this.expiries = 0
    /** Guest time of the next expiry while running. */
    this.deadlineNs = 0
    this.updateLine()
  }

  readPort(port, size) {
    let value = 0
    for (let i = 0; i < size; i++) value |= this.readByte(port - this.base + i) << (8 * i)
    return value >>> 0
  }

  writePort(port, size, value) {
    for (let i = 0; i < size; i++) this.writeByte(port - this.base + i, (value >>> (8 * i)) & 0xff)
  }

  readByte(offset) {
    const byteOf = (value, index) => (value >>> (8 * index)) & 0xff
    if (offset < 4) return byteOf(this.reload, offset)
    if (offset < 8) return byteOf(this.current(), offset - 4)
    if (offset === 8) return this.control
    if (offset === 9) return this.status
    if (offset === 10) return ID
    if (offset === 11) return REGISTER_VERSION
    if (offset >= 12 && offset < 16) return byteOf(this.expiries, offset - 12)
    return 0xff
  }

  writeByte(offset, byte) {
    if (offset < 4) {
      const shift = 8 * offset
      this.reload = ((this.reload & ~(0xff << shift)) | (byte << shift)) >>> 0
    } else if (offset === 8) {
      const started = !(this.control & RUN) && byte & RUN
      this.control = byte & (RUN | PERIODIC | IRQ)
      if (!(this.control & RUN)) this.stopTimer()
      else if (started) this.start()
      this.updateLine()
    } else if (offset === 9 && byte & EXPIRED) {
      this.status &= ~EXPIRED
      this.updateLine()
    }
  }

  /** Ticks left, from the deadline: nothing counts while the guest is not looking. */
  current() {
    if (!(this.control & RUN)) return 0
    return Math.max(0, Math.ceil((this.deadlineNs - this.clock.nowNs()) / this.tickNs))
  }

  start() {
    if (this.reload === 0) {
      this.log('started with RELOAD 0: stopped at once')
      this.control &= ~RUN
      return
    }
    this.deadlineNs = this.clock.nowNs() + this.reload * this.tickNs
    this.arm()
  }

  arm() {
    this.stopTimer()
    this.timer = this.clock.setTimer(this.deadlineNs, () => this.expire())
  }

  stopTimer() {
    this.timer?.cancel()
    this.timer = null
  }

  /** The deadline passed: count every period that elapsed (a late timer loses none), then go on or stop. */
  expire() {
    this.timer = null
    const now = this.clock.nowNs()
    do {
      this.expiries = (this.expiries + 1) >>> 0
      if (!(this.control & PERIODIC) || this.reload === 0) {
        this.control &= ~RUN
        break
      }
      this.deadlineNs += this.reload * this.tickNs
    } while (this.deadlineNs <= now)
    this.status |= EXPIRED
    if (this.control & RUN) this.arm()
    this.updateLine()
  }

  updateLine() {
    this.line.setLevel(Boolean(this.status & EXPIRED && this.control & IRQ))
  }

  /** Times are saved relative to now: the clock of a restored VM goes on from its own saved time. */
  saveState() {
    return {
      version: SAVED_STATE_VERSION,
      reload: this.reload,
      control: this.control,
      status: this.status,
      expiries: this.expiries,
      remainingNs: this.control & RUN ? this.deadlineNs - this.clock.nowNs() : 0,
    }
  }

  restoreState(state) {
    if (state?.version !== SAVED_STATE_VERSION) {
      throw new Error(`saved state version ${JSON.stringify(state?.version)} is not supported (expected ${SAVED_STATE_VERSION})`)
    }
    const fields = {reload: 0xffffffff, control: RUN | PERIODIC | IRQ, status: EXPIRED, expiries: 0xffffffff}
    for (const [field, max] of Object.entries(fields)) {
      const value = state[field]
      if (!Number.isInteger(value) || value < 0 || value > max || (max !== 0xffffffff && value & ~max)) {
        throw new Error(`saved field "${field}" is not valid: ${JSON.stringify(value)}`)
      }
    }
    if (typeof state.remainingNs !== 'number' || !Number.isFinite(state.remainingNs)) throw new Error('saved field "remainingNs" is not a number')
    // Everything was read: now apply it.
    this.stopTimer()
    this.reload = state.reload
    this.control = state.control
    this.status = state.status
    this.expiries = state.expiries
    if (this.control & RUN) {
      this.deadlineNs = this.clock.nowNs() + state.remainingNs
      this.arm()
    }
    this.updateLine()
  }

  statistics() {
    return {expiries: this.expiries, running: Boolean(this.control & RUN)}
  }
}

export default {
  id: 'hv-examples.countdown-timer',
  description: 'A countdown timer on 16 I/O ports that raises an ISA interrupt on expiry',

  parseConfig(config) {
    if (typeof config !== 'object' || config === null || Array.isArray(config)) throw new Error('the configuration must be a JSON object')
    const unknown = Object.keys(config).filter((field) => !(field in DEFAULTS))
    if (unknown.length) throw new Error(`unknown field "${unknown[0]}" (known: ${Object.keys(DEFAULTS).join(', ')})`)
    return {
      basePort: integerField(config, 'basePort', 0, 0x10000 - PORT_COUNT),
      irq: integerField(config, 'irq', 0, 15),
      tickNs: integerField(config, 'tickNs', 1000, 1_000_000_000),
    }
  },

  create(config, context) {
    return new CountdownTimer(config, context)
  },
}

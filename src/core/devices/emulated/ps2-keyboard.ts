import type {SavedStateReader} from '../saved-state.js'

// Keyboard replies (IBM PS/2 keyboard technical reference).
export const KEYBOARD_ACK = 0xfa
export const KEYBOARD_RESEND = 0xfe
export const KEYBOARD_SELF_TEST_PASSED = 0xaa
export const KEYBOARD_ECHO = 0xee
/** An MF2 keyboard identifies as AB 83. */
const KEYBOARD_ID = [0xab, 0x83] as const

/** Commands that take a parameter byte, and wait for it. */
const enum AwaitingParameter {
  None = 0,
  Leds = 0xed,
  ScanCodeSet = 0xf0,
  Typematic = 0xf3,
}

export interface Ps2KeyboardState {
  scanCodeSet: number
  leds: number
  typematic: number
  scanning: boolean
  awaiting: number
  lastSent: number[]
}

/**
 * A PS/2 (MF2) keyboard as the guest sees it through the i8042: it answers
 * commands with their bytes so that probing, resetting and configuring it
 * works. Replies are returned to the controller, which queues them for the
 * guest.
 */
export class Ps2Keyboard {
  state: Ps2KeyboardState = Ps2Keyboard.powerOnState()

  static powerOnState(): Ps2KeyboardState {
    return {scanCodeSet: 2, leds: 0, typematic: 0x2b, scanning: true, awaiting: AwaitingParameter.None, lastSent: []}
  }

  reset(): void {
    this.state = Ps2Keyboard.powerOnState()
  }

  get leds(): number {
    return this.state.leds
  }

  get scanCodeSet(): number {
    return this.state.scanCodeSet
  }

  /** A byte from the host (the guest, through the controller); returns the keyboard's reply bytes. */
  receive(byte: number): number[] {
    const reply = this.handle(byte)
    if (byte !== 0xfe) this.state.lastSent = reply
    return reply
  }

  private handle(byte: number): number[] {
    const s = this.state
    if (s.awaiting !== AwaitingParameter.None) {
      const command = s.awaiting
      s.awaiting = AwaitingParameter.None
      // A command byte where a parameter was expected aborts the first command and is obeyed instead.
      if (byte >= 0xed && command !== AwaitingParameter.ScanCodeSet) return this.handle(byte)
      switch (command) {
        case AwaitingParameter.Leds:
          s.leds = byte & 0x07
          return [KEYBOARD_ACK]
        case AwaitingParameter.Typematic:
          s.typematic = byte & 0x7f
          return [KEYBOARD_ACK]
        default:
          if (byte === 0) return [KEYBOARD_ACK, s.scanCodeSet]
          if (byte >= 1 && byte <= 3) {
            s.scanCodeSet = byte
            return [KEYBOARD_ACK]
          }
          return [KEYBOARD_RESEND]
      }
    }
    switch (byte) {
      case 0xff:
        this.reset()
        return [KEYBOARD_ACK, KEYBOARD_SELF_TEST_PASSED]
      case 0xfe:
        return [...s.lastSent]
      case 0xf6:
        // Set defaults: typematic and scanning back to power-on values, LEDs kept.
        s.typematic = 0x2b
        s.scanning = true
        return [KEYBOARD_ACK]
      case 0xf5:
        s.scanning = false
        s.typematic = 0x2b
        return [KEYBOARD_ACK]
      case 0xf4:
        s.scanning = true
        return [KEYBOARD_ACK]
      case 0xf3:
      case 0xf0:
      case 0xed:
        s.awaiting = byte
        return [KEYBOARD_ACK]
      case 0xf2:
        return [KEYBOARD_ACK, ...KEYBOARD_ID]
      case 0xee:
        return [KEYBOARD_ECHO]
      case 0xf7:
      case 0xf8:
      case 0xf9:
      case 0xfa:
      case 0xfb:
      case 0xfc:
      case 0xfd:
        // Scan code set 3 key attributes: accepted, with no effect on a keyboard that sends no keys.
        return [KEYBOARD_ACK]
      default:
        return [KEYBOARD_RESEND]
    }
  }

  static read(reader: SavedStateReader): Ps2KeyboardState {
    return {
      scanCodeSet: reader.integer('scanCodeSet', 1, 3),
      leds: reader.integer('leds', 0, 7),
      typematic: reader.integer('typematic', 0, 0x7f),
      scanning: reader.boolean('scanning'),
      awaiting: reader.integer('awaiting', 0, 0xff),
      lastSent: reader.integers('lastSent', 0xff, null, 4),
    }
  }
}

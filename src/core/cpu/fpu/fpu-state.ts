/**
 * The x87 register file and its control registers (SDM Vol. 1 §8.1): eight
 * 80-bit data registers R0-R7 used as a stack whose top is TOP, the status
 * word, the control word, the tag word, and the last instruction and operand
 * pointers. Runtime state only; the saved form is in fpu-saved-state.ts.
 *
 * Tags are kept as an empty bit per physical register: the two-bit tags that
 * FNSTENV and FNSAVE store (valid, zero, special) follow from the register's
 * contents, as the hardware computes them, and the tags that FLDENV and
 * FRSTOR load only matter as empty or not.
 */
import {Ext80, Kind, kindOf, POSITIVE_ZERO} from './ext80.js'
import {ArithEnv} from './rounding.js'

// Status word bits other than the exception flags (rounding.ts has those).
export const SW_SF = 0x40
export const SW_ES = 0x80
export const SW_C0 = 0x100
export const SW_C1 = 0x200
export const SW_C2 = 0x400
export const SW_TOP = 0x3800
export const SW_C3 = 0x4000
export const SW_B = 0x8000
export const SW_CONDITION = SW_C0 | SW_C1 | SW_C2 | SW_C3

/** Control word after FNINIT: every exception masked, 64-bit precision, round to nearest. */
export const CONTROL_WORD_INIT = 0x037f
/** Control word at power-on and RESET (SDM Vol. 3 Table 10-1). */
export const CONTROL_WORD_RESET = 0x0040

export const TAG_VALID = 0
export const TAG_ZERO = 1
export const TAG_SPECIAL = 2
export const TAG_EMPTY = 3

export class FpuState {
  /** Physical registers R0-R7. */
  readonly regs: Ext80[] = new Array<Ext80>(8).fill(POSITIVE_ZERO)
  /** Bit r set: physical register r is empty. */
  emptyMask = 0
  top = 0
  controlWord = CONTROL_WORD_RESET
  /** The status word without TOP (bits 11-13 are kept in `top`). */
  status = 0
  /** Last non-control instruction: offset, CS selector, opcode (low 11 bits). */
  fip = 0
  fcs = 0
  fop = 0
  /** Its memory operand: offset and segment selector. */
  fdp = 0
  fds = 0
  /** FERR# is asserted (an unmasked exception met a waiting instruction with CR0.NE = 0). */
  ferr = false
  /** The operation environment of the instruction being executed. */
  readonly env = new ArithEnv()

  /** Power-on and RESET state (SDM Vol. 3 Table 10-1): +0.0 in every register, tags valid-zero. */
  reset(): void {
    this.regs.fill(POSITIVE_ZERO)
    this.emptyMask = 0
    this.top = 0
    this.controlWord = CONTROL_WORD_RESET
    this.status = 0
    this.fip = this.fcs = this.fop = this.fdp = this.fds = 0
    this.ferr = false
  }

  /** FNINIT: the registers keep their contents but are all empty. */
  initialize(): void {
    this.controlWord = CONTROL_WORD_INIT
    this.status = 0
    this.top = 0
    this.emptyMask = 0xff
    this.fip = this.fcs = this.fop = this.fdp = this.fds = 0
  }

  get statusWord(): number {
    return (this.status & ~SW_TOP) | (this.top << 11)
  }

  set statusWord(v: number) {
    this.top = (v >> 11) & 7
    this.status = v & 0xffff & ~SW_TOP
  }

  /** The physical register number of ST(i). */
  physical(i: number): number {
    return (this.top + i) & 7
  }

  isEmpty(i: number): boolean {
    return (this.emptyMask & (1 << ((this.top + i) & 7))) !== 0
  }

  st(i: number): Ext80 {
    return this.regs[(this.top + i) & 7]!
  }

  setSt(i: number, v: Ext80): void {
    const r = (this.top + i) & 7
    this.regs[r] = v
    this.emptyMask &= ~(1 << r)
  }

  push(v: Ext80): void {
    this.top = (this.top - 1) & 7
    this.regs[this.top] = v
    this.emptyMask &= ~(1 << this.top)
  }

  pop(): void {
    this.emptyMask |= 1 << this.top
    this.top = (this.top + 1) & 7
  }

  free(i: number): void {
    this.emptyMask |= 1 << ((this.top + i) & 7)
  }

  /** The two-bit tag of physical register r as FNSTENV stores it. */
  tagOf(r: number): number {
    if ((this.emptyMask & (1 << r)) !== 0) return TAG_EMPTY
    switch (kindOf(this.regs[r]!)) {
      case Kind.Zero: return TAG_ZERO
      case Kind.Normal: return TAG_VALID
      default: return TAG_SPECIAL
    }
  }

  get tagWord(): number {
    let w = 0
    for (let r = 0; r < 8; r++) w |= this.tagOf(r) << (2 * r)
    return w
  }

  /** FLDENV/FRSTOR: only empty (11) or not matters. */
  set tagWord(w: number) {
    let mask = 0
    for (let r = 0; r < 8; r++) if (((w >> (2 * r)) & 3) === TAG_EMPTY) mask |= 1 << r
    this.emptyMask = mask
  }

  /** Recompute ES and B from the flags and masks: set while any unmasked exception flag is. */
  updateErrorSummary(): void {
    if ((this.status & ~this.controlWord & 0x3f) !== 0) this.status |= SW_ES | SW_B
    else this.status &= ~(SW_ES | SW_B)
  }
}

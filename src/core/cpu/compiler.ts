/**
 * Basic-block compiler. A run of decoded instructions within one page (up to a
 * control transfer) is turned into the source of one JavaScript function, built
 * once with `new Function` and called every time the block runs.
 *
 * - Common 32-bit instructions (MOV, LEA, ALU, INC/DEC, TEST, shifts and rotates
 *   by a constant, PUSH/POP, near branches) are inlined; every other instruction
 *   calls its ordinary handler, so a block can hold any instruction.
 * - Flags stay in local variables (fa, fb, fr, ...) and are written to the lazy
 *   flag fields of the processor only where something else could look at them:
 *   before a handler call, when the block ends, and when an instruction faults.
 *   A Jcc after a flag-setting instruction of the same block tests the locals
 *   directly (for CMP/SUB: `a < b` for JL, unsigned compare for JB, ...).
 * - Inlined memory accesses use the software TLB and an Int32Array view of RAM,
 *   which requires the segments involved to be flat; a block records which
 *   segments it needs flat and is skipped (interpreted) when they are not.
 * - A fault or exit inside a block reaches the run loop through a catch that
 *   commits the flags as they were before the faulting instruction and records
 *   its EIP, so the architectural state is exactly the interpreter's.
 */
import {Seg} from './api.js'
import type {CodePage} from './code-cache.js'
import {decode} from './decoder/decode.js'
import {Instr} from './decoder/instr.js'
import {
  callRel, farDirect, farIndirect, int1, int3, intImm, into, iret, jcc, jmpRel, jmpRm, loop, retFar, retNear, callRm,
} from './execute/control.js'
import {inPort, outPort, stringIo} from './execute/io.js'
import {hlt, undefinedOpcode} from './execute/system.js'
import {getCF, materializeFlags, PARITY, testCondition} from './flags.js'
import {read16, read32, read8, write32, write8} from './mmu.js'
import {linearAddress} from './segmentation.js'
import type {CpuCore} from './state.js'

/** Longest block, in instructions. */
const MAX_BLOCK = 32

export class Block {
  constructor(
    readonly run: (c: CpuCore) => number,
    /** Number of instructions. */
    readonly length: number,
    /** Segments (bit per Seg) that must be flat for the block to run. */
    readonly needFlat: number,
  ) {}
}

/** Instructions after which a block ends: they transfer control. */
const ENDS_BLOCK = new Set<unknown>([
  jcc, jmpRel, jmpRm, callRel, callRm, retNear, retFar, loop, farDirect, farIndirect, intImm, int3, int1, into, iret,
  hlt, undefinedOpcode,
])

/** Instructions that typically exit to the host; blocks stop before them. */
const EXITS_OFTEN = new Set<unknown>([inPort, outPort, stringIo])

// The slow paths of inlined memory accesses: full segment checks, then the normal access.
function readSegment32(c: CpuCore, s: number, offset: number): number {
  return read32(c, linearAddress(c, s, offset >>> 0, 4, false))
}
function writeSegment32(c: CpuCore, s: number, offset: number, v: number): void {
  write32(c, linearAddress(c, s, offset >>> 0, 4, true), v)
}
function readSegment8(c: CpuCore, s: number, offset: number): number {
  return read8(c, linearAddress(c, s, offset >>> 0, 1, false))
}
function writeSegment8(c: CpuCore, s: number, offset: number, v: number): void {
  write8(c, linearAddress(c, s, offset >>> 0, 1, true), v)
}
function readSegment16(c: CpuCore, s: number, offset: number): number {
  return read16(c, linearAddress(c, s, offset >>> 0, 2, false))
}

/** What produced the flags that the locals hold. */
const enum Producer {
  None, Add, Sub, Logic, Inc, Dec, Shift,
  /** Byte CMP and TEST: the locals hold the operands and result shifted left by 24. */
  Sub8, Logic8,
  /** All six flags computed: `fe` holds them as EFLAGS bits (after ROL/ROR). */
  Eager,
}

const ALL = 0x8d5
const ZSP = 0xc4

/** Statements that write the flags held in locals to the processor's lazy-flag fields. */
function commitCode(p: Producer): string {
  switch (p) {
    case Producer.Add:
    case Producer.Sub:
      return `c.lazyA = fa; c.lazyB = fb; c.lazyResult = fr; c.lazySize = 4; c.lazySub = ${p === Producer.Sub}; c.flags &= ${~ALL}; c.lazyMask = ${ALL};`
    case Producer.Logic:
      return `c.lazyResult = fr; c.lazySize = 4; c.flags &= ${~ALL}; c.lazyMask = ${ZSP};`
    case Producer.Inc:
    case Producer.Dec:
      return `c.lazyA = fa; c.lazyB = 1; c.lazyResult = fr; c.lazySize = 4; c.lazySub = ${p === Producer.Dec}; c.flags = (c.flags & ${~ALL}) | (fcf ? 1 : 0); c.lazyMask = ${ALL & ~1};`
    case Producer.Shift:
      return `c.lazyResult = fr; c.lazySize = 4; c.flags = (c.flags & ${~ALL}) | fe; c.lazyMask = ${ZSP};`
    case Producer.Sub8:
      return `c.lazyA = fa >> 24; c.lazyB = fb >> 24; c.lazyResult = fr >>> 24; c.lazySize = 1; c.lazySub = true; c.flags &= ${~ALL}; c.lazyMask = ${ALL};`
    case Producer.Logic8:
      return `c.lazyResult = fr >>> 24; c.lazySize = 1; c.flags &= ${~ALL}; c.lazyMask = ${ZSP};`
    case Producer.Eager:
      return `c.flags = (c.flags & ${~ALL}) | fe; c.lazyMask = 0;`
    default:
      return ''
  }
}

/**
 * A JavaScript expression for all six arithmetic flags (as EFLAGS bits) of the
 * producer whose values are in the locals; for no producer, the processor's own.
 */
function allFlagsCode(p: Producer): string {
  const zsp = (result: string): string => `(${result} === 0 ? 64 : 0) | (${result} < 0 ? 128 : 0) | (PARITY[${p === Producer.Sub8 || p === Producer.Logic8 ? 'fr >>> 24' : 'fr & 255'}] << 2)`
  const bool = (e: string, bit: number): string => `((${e}) ? ${bit} : 0)`
  switch (p) {
    case Producer.Add:
      return `${zsp('fr')} | ${bool('(fr >>> 0) < (fa >>> 0)', 1)} | ((fa ^ fb ^ fr) & 16) | ${bool('((fa ^ fr) & (fb ^ fr)) < 0', 0x800)}`
    case Producer.Sub:
      return `${zsp('fr')} | ${bool('(fa >>> 0) < (fb >>> 0)', 1)} | ((fa ^ fb ^ fr) & 16) | ${bool('((fa ^ fb) & (fa ^ fr)) < 0', 0x800)}`
    case Producer.Sub8:
      return `${zsp('fr')} | ${bool('(fa >>> 0) < (fb >>> 0)', 1)} | (((fa ^ fb ^ fr) >>> 24) & 16) | ${bool('((fa ^ fb) & (fa ^ fr)) < 0', 0x800)}`
    case Producer.Logic:
    case Producer.Logic8:
      return zsp('fr')
    case Producer.Inc:
      return `${zsp('fr')} | (fcf ? 1 : 0) | ((fa ^ 1 ^ fr) & 16) | ${bool('fr === -2147483648', 0x800)}`
    case Producer.Dec:
      return `${zsp('fr')} | (fcf ? 1 : 0) | ((fa ^ 1 ^ fr) & 16) | ${bool('fr === 2147483647', 0x800)}`
    case Producer.Shift:
      return `${zsp('fr')} | fe`
    case Producer.Eager:
      return 'fe'
    default:
      return `(mat(c) & ${ALL})`
  }
}

/** A JavaScript boolean expression for condition code `cc` from the flags in locals. */
function conditionCode(p: Producer, cc: number): string {
  if (p === Producer.None) return `tc(c, ${cc})`
  if (p === Producer.Eager) {
    const bit = (f: number): string => `(fe & ${f}) !== 0`
    const sf = bit(0x80)
    const of = bit(0x800)
    const e = [bit(0x800), bit(1), bit(0x40), `(fe & 65) !== 0`, sf, bit(4), `(${sf}) !== (${of})`, `(fe & 64) !== 0 || (${sf}) !== (${of})`][cc >> 1]!
    return (cc & 1) === 0 ? `(${e})` : `!(${e})`
  }
  // Shifted byte results give the 32-bit answers for every flag but PF.
  if (p === Producer.Sub8 || p === Producer.Logic8) {
    if (cc >> 1 === 5) return `${cc & 1 ? '!' : ''}(PARITY[fr >>> 24] === 1)`
    p = p === Producer.Sub8 ? Producer.Sub : Producer.Logic
  }
  const of = p === Producer.Add ? '((fa ^ fr) & (fb ^ fr)) < 0'
    : p === Producer.Sub ? '((fa ^ fb) & (fa ^ fr)) < 0'
      : p === Producer.Inc ? 'fr === -2147483648'
        : p === Producer.Dec ? 'fr === 2147483647'
          : p === Producer.Shift ? '(fe & 2048) !== 0' : 'false'
  const cf = p === Producer.Add ? '(fr >>> 0) < (fa >>> 0)'
    : p === Producer.Sub ? '(fa >>> 0) < (fb >>> 0)'
      : p === Producer.Inc || p === Producer.Dec ? 'fcf'
        : p === Producer.Shift ? '(fe & 1) !== 0' : 'false'
  let e: string
  switch (cc >> 1) {
    case 0: e = of; break
    case 1: e = cf; break
    case 2: e = 'fr === 0'; break
    case 3: e = p === Producer.Sub ? '(fa >>> 0) <= (fb >>> 0)' : `(${cf}) || fr === 0`; break
    case 4: e = 'fr < 0'; break
    case 5: e = 'PARITY[fr & 255] === 1'; break
    case 6: e = p === Producer.Sub ? 'fa < fb' : `(fr < 0) !== (${of})`; break
    default: e = p === Producer.Sub ? 'fa <= fb' : `fr === 0 || (fr < 0) !== (${of})`; break
  }
  return (cc & 1) === 0 ? `(${e})` : `!(${e})`
}

/** Decode the instructions of a block starting at `offset` of `page`, at CS:eip. */
function collect(cpu: CpuCore, page: CodePage, physicalPage: number, offset: number, eip: number): Instr[] {
  const list: Instr[] = []
  while (list.length < MAX_BLOCK && offset < 4096) {
    let ins = page.instructions[offset]
    if (ins === undefined || !ins.code32) {
      ins = new Instr()
      try {
        decode(cpu, ins, eip, true, physicalPage)
      } catch {
        break // a fault while looking ahead: the block simply ends here
      }
      if (ins.crossesPage) break
      page.store(offset, ins)
    }
    // Port I/O usually exits to the host: leave it to the interpreter, outside any block.
    if (EXITS_OFTEN.has(ins.handler)) break
    list.push(ins)
    if (ENDS_BLOCK.has(ins.handler)) break
    offset += ins.length
    eip = (eip + ins.length) >>> 0
  }
  return list
}

/**
 * Compile the block at `offset` of `page` (CS:eip in 32-bit code), or return
 * null when nothing can be compiled there.
 */
export function compileBlock(cpu: CpuCore, page: CodePage, physicalPage: number, offset: number, eip: number): Block | null {
  const list = collect(cpu, page, physicalPage, offset, eip)
  if (list.length === 0) return null
  const out = new Generator(cpu.ram32 !== null)
  let at = eip
  for (let k = 0; k < list.length; k++) {
    out.instruction(list[k]!, k, at)
    at = (at + list[k]!.length) >>> 0
  }
  out.finish(list.length, at)
  type Factory = (...args: unknown[]) => (c: CpuCore) => number
  let factory: Factory
  try {
    const params = ['I', 'H', 'EIPS', 'LENS', 'r', 'tlb', 'ram', 'ram32', 'PARITY', 'tc', 'getCF', 'mat', 'rd32', 'wr32', 'rd8', 'wr8', 'rd16']
    factory = new Function(...params, out.source(list.length)) as Factory
  } catch {
    return null // not expected; the interpreter runs the code instead
  }
  const fn = factory(list, list.map((i) => i.handler), out.eips, out.lengths, cpu.regs, cpu.tlb, cpu.ram, cpu.ram32, PARITY, testCondition,
    getCF, materializeFlags, readSegment32, writeSegment32, readSegment8, writeSegment8, readSegment16)
  return new Block(fn, list.length, out.needFlat)
}

/** Emits the body of one block function. */
class Generator {
  readonly lines: string[] = []
  readonly catchCases: string[] = []
  readonly eips: number[] = []
  readonly lengths: number[] = []
  needFlat = 1 << Seg.CS
  /** The producer whose flags are in the locals and not yet committed. */
  pending = Producer.None
  /** The producer whose flags the locals describe (committed or not), for conditions. */
  known = Producer.None

  constructor(readonly aligned: boolean) {}

  private emit(s: string): void {
    this.lines.push(s)
  }

  private commit(): void {
    if (this.pending !== Producer.None) this.emit(commitCode(this.pending))
    this.pending = Producer.None
  }

  /** `r/m` memory operand offset (32-bit addressing) as an expression; `accessed` marks its segment as needed flat. */
  private address(i: Instr, accessed = true): string {
    let e = `${i.disp | 0}`
    if (i.base >= 0) e += ` + r[${i.base}]`
    if (i.index >= 0) e += ` + (r[${i.index}] << ${i.scale})`
    if (accessed) this.needFlat |= 1 << i.seg
    return `((${e}) | 0)`
  }

  private load(target: string, i: Instr): void {
    this.emit(`lin = ${this.address(i)}; e = tlb[lin >>> 12];`)
    if (this.aligned) this.emit(`${target} = (e & c.readMask) !== 0 && (lin & 3) === 0 ? ram32[((e & -4096) | (lin & 4095)) >>> 2] : rd32(c, ${i.seg}, lin);`)
    else this.emit(`${target} = rd32(c, ${i.seg}, lin);`)
  }

  /** A byte register (AL..BL, AH..BH) as an expression. */
  private byteReg(n: number): string {
    return n < 4 ? `(r[${n}] & 255)` : `((r[${n - 4}] >> 8) & 255)`
  }

  private setByteReg(n: number, value: string): void {
    if (n < 4) this.emit(`r[${n}] = (r[${n}] & -256) | (${value});`)
    else this.emit(`r[${n - 4}] = (r[${n - 4}] & -65281) | ((${value}) << 8);`)
  }

  /** Load the byte r/m operand into `target`. */
  private loadByte(target: string, i: Instr): void {
    if (!i.isMem) {
      this.emit(`${target} = ${this.byteReg(i.rm)};`)
      return
    }
    this.emit(`lin = ${this.address(i)}; e = tlb[lin >>> 12];`)
    this.emit(`${target} = (e & c.readMask) !== 0 ? ram[((e & -4096) | (lin & 4095)) >>> 0] : rd8(c, ${i.seg}, lin);`)
  }

  /** Store to the `lin` computed by a previous load or address. */
  private store(value: string, seg: number): void {
    if (this.aligned) this.emit(`e = tlb[lin >>> 12]; if ((e & c.writeMask) !== 0 && (lin & 3) === 0) ram32[((e & -4096) | (lin & 4095)) >>> 2] = ${value}; else wr32(c, ${seg}, lin, ${value});`)
    else this.emit(`wr32(c, ${seg}, lin, ${value});`)
  }

  private push(value: string): void {
    this.needFlat |= 1 << Seg.SS
    this.emit(`lin = (r[4] - 4) | 0;`)
    this.store(value, Seg.SS)
    this.emit('r[4] = lin;')
  }

  /** The instruction may have written a page with decoded code: stop if so. */
  private checkInvalidation(k: number, next: number): void {
    this.emit(`if (c.leaveBlock) { ${commitCode(this.pending)} c.eip = ${next}; return ${k + 1}; }`)
  }

  instruction(i: Instr, k: number, eip: number): void {
    const next = (eip + i.length) >>> 0
    this.eips.push(eip)
    this.lengths.push(i.length)
    this.emit(`pc = ${k};`)
    this.catchCases.push(`case ${k}: ${commitCode(this.pending)} break;`)
    if (i.opSize === 4 && i.addr32 && !i.lock && this.inline(i, k, next)) return
    // Any other instruction: its handler, with the state the interpreter would give it.
    this.commit()
    this.known = Producer.None
    this.emit(`c.startEip = ${eip}; c.startEsp = r[4]; c.eip = ${next}; c.instrLength = ${i.length}; H[${k}](c, I[${k}]);`)
    this.emit(`if (c.leaveBlock || c.eip !== ${next}) return ${k + 1};`)
  }

  private flagsFrom(p: Producer, a: string, b: string, result: string): void {
    if (p === Producer.Inc || p === Producer.Dec) {
      if (this.known !== Producer.Inc && this.known !== Producer.Dec) this.emit(`fcf = ${conditionCode(this.known, 2)};`)
    }
    if (p === Producer.Add || p === Producer.Sub || p === Producer.Inc || p === Producer.Dec) this.emit(`fa = ${a};`)
    if (p === Producer.Add || p === Producer.Sub) this.emit(`fb = ${b};`)
    this.emit(`fr = ${result};`)
    this.pending = p
    this.known = p
  }

  /** Emit an inlined form of `i`, or return false. */
  private inline(i: Instr, k: number, next: number): boolean {
    const op = i.opcode
    // ALU: 01 09 21 29 31 39 (r/m, reg), 03 0B 23 2B 33 3B (reg, r/m), 05.. (eAX, imm), 81/83 (r/m, imm)
    const aluOp = op < 0x40 && (op & 7) <= 5 && [0, 1, 4, 5, 6, 7].includes((op >> 3) & 7) ? (op >> 3) & 7 : -1
    if (aluOp >= 0 && (op & 7) === 1) return this.alu(aluOp, i, 'rm', `r[${i.reg}]`, k, next)
    if (aluOp >= 0 && (op & 7) === 3) return this.alu(aluOp, i, 'reg', '', k, next)
    if (aluOp >= 0 && (op & 7) === 5) return this.alu(aluOp, i, 'acc', `${i.imm | 0}`, k, next)
    if ((op === 0x81 || op === 0x83) && i.reg !== 2 && i.reg !== 3) return this.alu(i.reg, i, 'rm', `${i.imm | 0}`, k, next)
    switch (op) {
      case 0x38: case 0x3a: { // CMP r/m8, r8 and CMP r8, r/m8
        this.loadByte(op === 0x38 ? 'x' : 'y', i)
        this.emit(`${op === 0x38 ? 'y' : 'x'} = ${this.byteReg(i.reg)};`)
        this.byteFlags(Producer.Sub8, '(x << 24) - (y << 24)')
        return true
      }
      case 0x3c: // CMP AL, imm8
        this.emit(`x = r[0] & 255; y = ${i.imm & 0xff};`)
        this.byteFlags(Producer.Sub8, '(x << 24) - (y << 24)')
        return true
      case 0x80: case 0x82:
        if (i.reg !== 7) return false
        this.loadByte('x', i)
        this.emit(`y = ${i.imm & 0xff};`)
        this.byteFlags(Producer.Sub8, '(x << 24) - (y << 24)')
        return true
      case 0x84:
        this.loadByte('x', i)
        this.emit(`y = ${this.byteReg(i.reg)};`)
        this.byteFlags(Producer.Logic8, '(x & y) << 24')
        return true
      case 0xa8:
        this.emit(`x = r[0] & 255; y = ${i.imm & 0xff};`)
        this.byteFlags(Producer.Logic8, '(x & y) << 24')
        return true
      case 0xf6:
        if (i.reg !== 0) return false
        this.loadByte('x', i)
        this.emit(`y = ${i.imm & 0xff};`)
        this.byteFlags(Producer.Logic8, '(x & y) << 24')
        return true
      case 0x8a:
        this.loadByte('v', i)
        this.setByteReg(i.reg, 'v')
        return true
      case 0x88:
        if (!i.isMem) {
          this.emit(`v = ${this.byteReg(i.reg)};`)
          this.setByteReg(i.rm, 'v')
          return true
        }
        this.emit(`lin = ${this.address(i)}; v = ${this.byteReg(i.reg)};`)
        this.storeByte('v', i.seg)
        this.checkInvalidation(k, next)
        return true
      case 0xc6:
        if (i.reg !== 0) return false
        if (!i.isMem) {
          this.setByteReg(i.rm, `${i.imm & 0xff}`)
          return true
        }
        this.emit(`lin = ${this.address(i)};`)
        this.storeByte(`${i.imm & 0xff}`, i.seg)
        this.checkInvalidation(k, next)
        return true
      case 0x1b6:
        this.loadByte('v', i)
        this.emit(`r[${i.reg}] = v;`)
        return true
      case 0x1b7:
        if (!i.isMem) this.emit(`r[${i.reg}] = r[${i.rm}] & 65535;`)
        else {
          this.emit(`lin = ${this.address(i)}; e = tlb[lin >>> 12];`)
          this.emit(`r[${i.reg}] = (e & c.readMask) !== 0 && (lin & 4095) !== 4095 ? ram[((e & -4096) | (lin & 4095)) >>> 0] | (ram[(((e & -4096) | (lin & 4095)) >>> 0) + 1] << 8) : rd16(c, ${i.seg}, lin);`)
        }
        return true
      case 0x85: return this.test(i, `r[${i.reg}]`)
      case 0xa9: this.flagsFrom(Producer.Logic, '', '', `r[0] & ${i.imm | 0}`); return true
      case 0xf7: return i.reg === 0 && this.test(i, `${i.imm | 0}`)
      case 0x89:
        if (!i.isMem) this.emit(`r[${i.rm}] = r[${i.reg}];`)
        else {
          this.emit(`lin = ${this.address(i)};`)
          this.store(`r[${i.reg}]`, i.seg)
          this.checkInvalidation(k, next)
        }
        return true
      case 0x8b:
        if (!i.isMem) this.emit(`r[${i.reg}] = r[${i.rm}];`)
        else this.load(`r[${i.reg}]`, i)
        return true
      case 0xc7:
        if (i.reg !== 0) return false
        if (!i.isMem) this.emit(`r[${i.rm}] = ${i.imm | 0};`)
        else {
          this.emit(`lin = ${this.address(i)};`)
          this.store(`${i.imm | 0}`, i.seg)
          this.checkInvalidation(k, next)
        }
        return true
      case 0x8d:
        if (!i.isMem) return false
        this.emit(`r[${i.reg}] = ${this.address(i, false)};`)
        return true
      case 0x90: return true
      case 0xc1: case 0xd1: return this.shift(i, op === 0xd1 ? 1 : i.imm & 31, k, next)
      case 0x68: case 0x6a:
        this.push(`${i.imm | 0}`)
        this.checkInvalidation(k, next)
        return true
      case 0xe8:
        this.push(`${next}`)
        this.commit()
        this.emit(`c.eip = ${(next + i.imm) >>> 0}; return ${k + 1};`)
        return true
      case 0xc3:
        this.needFlat |= 1 << Seg.SS
        this.emit('lin = r[4]; e = tlb[lin >>> 12];')
        if (this.aligned) this.emit(`v = (e & c.readMask) !== 0 && (lin & 3) === 0 ? ram32[((e & -4096) | (lin & 4095)) >>> 2] : rd32(c, ${Seg.SS}, lin);`)
        else this.emit(`v = rd32(c, ${Seg.SS}, lin);`)
        this.emit('r[4] = (lin + 4) | 0;')
        this.commit()
        this.emit(`c.eip = v >>> 0; return ${k + 1};`)
        return true
      case 0xeb: case 0xe9:
        this.commit()
        this.emit(`c.eip = ${(next + i.imm) >>> 0}; return ${k + 1};`)
        return true
      case 0xe2:
        this.emit('v = (r[1] - 1) | 0; r[1] = v;')
        this.commit()
        this.emit(`if (v !== 0) { c.eip = ${(next + i.imm) >>> 0}; return ${k + 1}; } c.eip = ${next}; return ${k + 1};`)
        return true
    }
    if (op >= 0x40 && op <= 0x4f) {
      const n = op & 7
      const dec = op >= 0x48
      this.emit(`t = (r[${n}] ${dec ? '-' : '+'} 1) | 0;`)
      this.flagsFrom(dec ? Producer.Dec : Producer.Inc, `r[${n}]`, '', 't')
      this.emit(`r[${n}] = t;`)
      return true
    }
    if (op >= 0x50 && op <= 0x57) {
      this.push(`r[${op & 7}]`)
      this.checkInvalidation(k, next)
      return true
    }
    if (op >= 0x58 && op <= 0x5f) {
      this.needFlat |= 1 << Seg.SS
      this.emit('lin = r[4]; e = tlb[lin >>> 12];')
      if (this.aligned) this.emit(`v = (e & c.readMask) !== 0 && (lin & 3) === 0 ? ram32[((e & -4096) | (lin & 4095)) >>> 2] : rd32(c, ${Seg.SS}, lin);`)
      else this.emit(`v = rd32(c, ${Seg.SS}, lin);`)
      this.emit(`r[4] = (lin + 4) | 0; r[${op & 7}] = v;`)
      return true
    }
    if ((op >= 0x70 && op <= 0x7f) || (op >= 0x180 && op <= 0x18f)) {
      const cond = conditionCode(this.known, op & 0xf)
      this.emit(`v = ${cond} ? 1 : 0;`)
      this.commit()
      this.emit(`c.eip = v !== 0 ? ${(next + i.imm) >>> 0} : ${next}; return ${k + 1};`)
      return true
    }
    return false
  }

  private alu(aluOp: number, i: Instr, form: 'rm' | 'reg' | 'acc', src: string, k: number, next: number): boolean {
    const producer = aluOp === 0 ? Producer.Add : aluOp === 5 || aluOp === 7 ? Producer.Sub : Producer.Logic
    const expr = (a: string, b: string): string =>
      aluOp === 0 ? `(${a} + ${b}) | 0` : aluOp === 1 ? `${a} | ${b}` : aluOp === 4 ? `${a} & ${b}` : aluOp === 6 ? `${a} ^ ${b}` : `(${a} - ${b}) | 0`
    const writes = aluOp !== 7
    if (form === 'acc') {
      this.emit(`x = r[0]; y = ${src}; t = ${expr('x', 'y')};`)
      if (writes) this.emit('r[0] = t;')
      this.flagsFrom(producer, 'x', 'y', 't')
      return true
    }
    if (form === 'reg') {
      if (i.isMem) this.load('y', i)
      else this.emit(`y = r[${i.rm}];`)
      this.emit(`x = r[${i.reg}]; t = ${expr('x', 'y')};`)
      if (writes) this.emit(`r[${i.reg}] = t;`)
      this.flagsFrom(producer, 'x', 'y', 't')
      return true
    }
    // r/m destination
    this.emit(`y = ${src};`)
    if (!i.isMem) {
      this.emit(`x = r[${i.rm}]; t = ${expr('x', 'y')};`)
      if (writes) this.emit(`r[${i.rm}] = t;`)
      this.flagsFrom(producer, 'x', 'y', 't')
      return true
    }
    this.load('x', i)
    this.emit(`t = ${expr('x', 'y')};`)
    if (writes) this.store('t', i.seg)
    this.flagsFrom(producer, 'x', 'y', 't')
    if (writes) this.checkInvalidation(k, next)
    return true
  }

  /** Flags of a byte CMP/TEST whose operands are in x and y; `shifted` is the result shifted left by 24. */
  private byteFlags(p: Producer, shifted: string): void {
    this.emit(`fa = x << 24; fb = y << 24; fr = (${shifted}) | 0;`)
    this.pending = p
    this.known = p
  }

  private storeByte(value: string, seg: number): void {
    this.emit(`e = tlb[lin >>> 12]; if ((e & c.writeMask) !== 0) ram[((e & -4096) | (lin & 4095)) >>> 0] = ${value}; else wr8(c, ${seg}, lin, ${value});`)
  }

  private test(i: Instr, src: string): boolean {
    if (i.isMem) this.load('x', i)
    else this.emit(`x = r[${i.rm}];`)
    this.flagsFrom(Producer.Logic, '', '', `x & ${src}`)
    return true
  }

  /** Group 2 by a constant count on a 32-bit operand: ROL, ROR, SHL, SHR, SAR. */
  private shift(i: Instr, count: number, k: number, next: number): boolean {
    const op = i.reg
    if (op === 2 || op === 3) return false // RCL/RCR: handler
    if (i.isMem) this.load('x', i)
    else this.emit(`x = r[${i.rm}];`)
    if (count === 0) return true
    const write = (): void => {
      if (i.isMem) {
        this.store('t', i.seg)
      } else {
        this.emit(`r[${i.rm}] = t;`)
      }
    }
    if (op === 0 || op === 1) {
      // Rotates change only CF and OF: the other four come from the flags before.
      this.emit(op === 0 ? `t = (x << ${count}) | (x >>> ${32 - count});` : `t = (x >>> ${count}) | (x << ${32 - count});`)
      write()
      if (op === 0) this.emit(`v = t & 1; fe = ((${allFlagsCode(this.known)}) & ${ALL & ~0x801}) | v | ((((t >>> 31) ^ v) & 1) << 11);`)
      else this.emit(`v = t >>> 31; fe = ((${allFlagsCode(this.known)}) & ${ALL & ~0x801}) | v | (((v ^ (t >>> 30)) & 1) << 11);`)
      this.pending = Producer.Eager
      this.known = Producer.Eager
      if (i.isMem) this.checkInvalidation(k, next)
      return true
    }
    if (op === 4 || op === 6) {
      this.emit(`t = x << ${count}; v = (x >>> ${32 - count}) & 1;`)
      write()
      this.emit('fe = v | (((t >>> 31) ^ v) << 11);')
    } else if (op === 5) {
      this.emit(`t = (x >>> ${count}) | 0;`)
      write()
      this.emit(`fe = ((x >>> ${count - 1}) & 1) | ((x >>> 31) << 11);`)
    } else {
      this.emit(`t = x >> ${count};`)
      write()
      this.emit(`fe = (x >> ${count - 1}) & 1;`)
    }
    this.emit('fr = t;')
    this.pending = Producer.Shift
    this.known = Producer.Shift
    if (i.isMem) this.checkInvalidation(k, next)
    return true
  }

  finish(length: number, next: number): void {
    this.commit()
    this.emit(`c.eip = ${next}; return ${length};`)
  }

  source(length: number): string {
    return [
      'return function block(c) {',
      '  let fa = 0, fb = 0, fr = 0, fe = 0, fcf = false, x = 0, y = 0, t = 0, v = 0, lin = 0, e = 0, pc = 0;',
      '  try {',
      ...this.lines.map((l) => '    ' + l),
      '  } catch (error) {',
      `    switch (pc) { ${this.catchCases.join(' ')} }`,
      '    c.startEip = EIPS[pc]; c.eip = EIPS[pc]; c.startEsp = r[4]; c.instrLength = LENS[pc]; c.blockRetired = pc;',
      '    throw error;',
      '  }',
      `  // ${length} instructions`,
      '}',
    ].join('\n')
  }
}

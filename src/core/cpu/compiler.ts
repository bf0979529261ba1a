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
import {read16, read32, read8, write16, write32, write8} from './mmu.js'
import {linearAddress, WIDE_SEGMENT_SHIFT} from './segmentation.js'
import type {CpuCore} from './state.js'

/** Most instructions in one compiled region. */
export const MAX_REGION = 128

/** Calls through the shared exit before a region first runs (see compileBlock). */
const WARM_UP_CALLS = 128

export class Block {
  constructor(
    /** Runs the region from label `entry` with a budget of `max` instructions; returns how many retired. */
    readonly run: (c: CpuCore, max: number, entry: number) => number,
    /** Instructions from the entry to the first budget check (the caller makes sure they fit). */
    readonly length: number,
    /** Segments that must be flat (bit per Seg) or wide (bit WIDE_SEGMENT_SHIFT + Seg) for the block to run. */
    readonly needFlat: number,
    /** The label this block enters the region function at. */
    readonly label: number,
    /**
     * The EIP of the first byte of the page when it was compiled. Blocks hold EIPs as constants
     * but are cached by physical page, and one physical page can be code at several linear
     * addresses (Linux maps its vDSO at a different address in every process): a block runs only
     * at the linear address it was compiled for.
     */
    readonly pageStart: number,
  ) {}
}

/** Instructions after which a block ends: they transfer control. */
const ENDS_BLOCK = new Set<unknown>([
  jcc, jmpRel, jmpRm, callRel, callRm, retNear, retFar, loop, farDirect, farIndirect, intImm, int3, int1, into, iret,
  hlt, undefinedOpcode,
])

/** Instructions that typically exit to the host; blocks stop before them. */
const EXITS_OFTEN = new Set<unknown>([inPort, outPort, stringIo])

// The slow paths of inlined memory accesses, given the linear address the inlined code
// computed (offset plus the segment's base): full segment checks, then the normal access.
function readSegment32(c: CpuCore, s: number, lin: number): number {
  return read32(c, linearAddress(c, s, (lin - c.segBase[s]!) >>> 0, 4, false))
}
function writeSegment32(c: CpuCore, s: number, lin: number, v: number): void {
  write32(c, linearAddress(c, s, (lin - c.segBase[s]!) >>> 0, 4, true), v)
}
function readSegment8(c: CpuCore, s: number, lin: number): number {
  return read8(c, linearAddress(c, s, (lin - c.segBase[s]!) >>> 0, 1, false))
}
function writeSegment8(c: CpuCore, s: number, lin: number, v: number): void {
  write8(c, linearAddress(c, s, (lin - c.segBase[s]!) >>> 0, 1, true), v)
}
function readSegment16(c: CpuCore, s: number, lin: number): number {
  return read16(c, linearAddress(c, s, (lin - c.segBase[s]!) >>> 0, 2, false))
}
function writeSegment16(c: CpuCore, s: number, lin: number, v: number): void {
  write16(c, linearAddress(c, s, (lin - c.segBase[s]!) >>> 0, 2, true), v)
}

/** What produced the flags that the locals hold. */
const enum Producer {
  None, Add, Sub, Logic, Inc, Dec, Shift,
  /** Byte CMP and TEST: the locals hold the operands and result shifted left by 24. */
  Sub8, Logic8,
  /** All six flags computed: `fe` holds them as EFLAGS bits (after ROL/ROR). */
  Eager,
  /**
   * Known only when the block runs: where paths meet at a label, `fk` holds the
   * producer of the flags in the locals (None: they are in the processor).
   */
  Dynamic,
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
    case Producer.Dynamic:
      return 'commit(c, fk, fa, fb, fr, fe, fcf);'
    default:
      return ''
  }
}

/** commitCode for a producer known only when the block runs: the shared exit of a region. */
const commitFlags = new Function('c', 'p', 'fa', 'fb', 'fr', 'fe', 'fcf',
  `switch (p) { ${Array.from({length: Producer.Eager}, (_, k) => `case ${k + 1}: ${commitCode(k + 1)} break;`).join(' ')} }`,
) as (c: CpuCore, p: Producer, fa: number, fb: number, fr: number, fe: number, fcf: boolean) => void

/**
 * A JavaScript expression for all six arithmetic flags as EFLAGS bits, from
 * expressions for CF and OF, the 32-bit result and AF (0 or 16).
 */
function eagerFlagsCode(cf: string, of: string, result: string, af: string): string {
  return `(${cf} ? 1 : 0) | (PARITY[${result} & 255] << 2) | (${af}) | (${result} === 0 ? 64 : 0) | (${result} < 0 ? 128 : 0) | (${of} ? 2048 : 0)`
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
    case Producer.Dynamic:
      return 'flagsOf(c, fk, fa, fb, fr, fe, fcf)'
    default:
      return `(mat(c) & ${ALL})`
  }
}

/** A JavaScript boolean expression for condition code `cc` from the flags in locals. */
function conditionCode(p: Producer, cc: number): string {
  if (p === Producer.None) return `tc(c, ${cc})`
  if (p === Producer.Dynamic) return `condOf(c, fk, fa, fb, fr, fe, fcf, ${cc})`
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

/** Producers whose flags can be in the locals, and so in `fk`. */
const LOCAL_PRODUCERS = Array.from({length: Producer.Eager}, (_, k) => (k + 1) as Producer)

type DynamicFlags<R> = (c: CpuCore, fk: Producer, fa: number, fb: number, fr: number, fe: number, fcf: boolean, cc: number) => R

/** conditionCode for a producer known only when the block runs (after a label). */
const condOf = new Function('PARITY', 'tc', `return function condOf(c, fk, fa, fb, fr, fe, fcf, cc) {
  switch (fk) {
    ${LOCAL_PRODUCERS.map((p) => `case ${p}: switch (cc) { ${Array.from({length: 16}, (_, cc) => `case ${cc}: return ${conditionCode(p, cc)};`).join(' ')} } break;`).join('\n    ')}
  }
  return tc(c, cc);
}`)(PARITY, testCondition) as DynamicFlags<boolean>

/** allFlagsCode for a producer known only when the block runs. */
const flagsOf = new Function('PARITY', 'mat', `return function flagsOf(c, fk, fa, fb, fr, fe, fcf) {
  switch (fk) {
    ${LOCAL_PRODUCERS.map((p) => `case ${p}: return ${allFlagsCode(p)};`).join('\n    ')}
  }
  return mat(c) & ${ALL};
}`)(PARITY, materializeFlags) as DynamicFlags<number>

/** CF for a producer known only when the block runs (INC and DEC keep it): small enough to be inlined. */
const cfOf = new Function('PARITY', 'getCF', `return function cfOf(c, fk, fa, fb, fr, fe, fcf) {
  switch (fk) {
    ${LOCAL_PRODUCERS.map((p) => `case ${p}: return ${conditionCode(p, 2)};`).join('\n    ')}
  }
  return getCF(c);
}`)(PARITY, getCF) as (c: CpuCore, fk: Producer, fa: number, fb: number, fr: number, fe: number, fcf: boolean) => boolean

/**
 * How a register-only 32-bit instruction that the compiler inlines treats the
 * flags: 'all' when it writes all six (and reads none), 'none' when it neither
 * reads nor writes them; null for anything else (reads them, may fault, memory,
 * handler). Such instructions cannot fault, so nothing can observe the flags
 * while they run.
 */
function registerFlagEffect(i: Instr): 'all' | 'none' | null {
  if (i.opSize !== 4 || !i.addr32 || i.lock) return null
  const op = i.opcode
  if (op === 0x8d) return i.isMem ? 'none' : null // LEA computes an address, it does not access memory
  if (i.isMem) return null
  const aluOp = (op >> 3) & 7
  if (op < 0x40 && ((op & 7) === 1 || (op & 7) === 3 || (op & 7) === 5) && aluOp !== 2 && aluOp !== 3) return 'all'
  if ((op === 0x81 || op === 0x83) && i.reg !== 2 && i.reg !== 3) return 'all'
  if (op === 0x85 || op === 0xa9 || (op === 0xf7 && i.reg === 0)) return 'all'
  if ((op === 0xc1 || op === 0xd1) && i.reg >= 4) return (op === 0xd1 || (i.imm & 31) !== 0) ? 'all' : 'none'
  if (op === 0x89 || op === 0x8b || op === 0x90 || (op === 0xc7 && i.reg === 0)) return 'none'
  return null
}

/** Inlined register-only instructions and jumps: nothing in their code can throw. */
function cannotThrow(i: Instr): boolean {
  if (i.opSize !== 4 || !i.addr32 || i.lock) return false
  return registerFlagEffect(i) !== null || (i.opcode >= 0x40 && i.opcode <= 0x4f) || relativeBranch(i)
}

/**
 * What an instruction does to CF, for the analysis of labels whose CF is known
 * to be clear: 'clear' for the logical instructions (AND, OR, XOR, TEST clear
 * CF whatever their size), 'keep' for those that leave every flag alone (moves,
 * LEA, NOP, PUSH/POP, jumps) or CF alone (INC, DEC); null for anything else.
 * A fault leaves the flags as they were, so the facts hold on every path.
 */
function carryEffect(i: Instr): 'clear' | 'keep' | null {
  if (i.lock) return null
  const op = i.opcode
  const aluOp = (op >> 3) & 7
  if (op < 0x40 && (op & 7) <= 5 && (aluOp === 1 || aluOp === 4 || aluOp === 6)) return 'clear'
  if ((op >= 0x80 && op <= 0x83) && (i.reg === 1 || i.reg === 4 || i.reg === 6)) return 'clear'
  if (op === 0x84 || op === 0x85 || op === 0xa8 || op === 0xa9 || ((op === 0xf6 || op === 0xf7) && i.reg === 0)) return 'clear'
  if (op >= 0x40 && op <= 0x5f) return 'keep'
  if (op === 0x88 || op === 0x89 || op === 0x8a || op === 0x8b || op === 0x8d || op === 0x90) return 'keep'
  if ((op === 0xc6 || op === 0xc7) && i.reg === 0) return 'keep'
  if (op === 0x1b6 || op === 0x1b7 || op === 0x68 || op === 0x6a) return 'keep'
  if ((op >= 0x70 && op <= 0x7f) || (op >= 0x180 && op <= 0x18f) || op === 0xeb || op === 0xe9) return 'keep'
  return null
}

/** Where a compiled region's instructions come from: each with its page offset and EIP. */
interface RegionCode {
  /** By page offset, ascending. */
  list: Instr[]
  offsets: number[]
  eips: number[]
}

/** Jumps the compiler inlines, whose targets can be further code of the same region. */
function relativeBranch(i: Instr): boolean {
  const op = i.opcode
  if (i.opSize !== 4 || !i.addr32 || i.lock) return false
  return (op >= 0x70 && op <= 0x7f) || (op >= 0x180 && op <= 0x18f) || op === 0xeb || op === 0xe9 || op === 0xe2
}

/**
 * Decode the code reachable from `offset` of `page` (CS:eip in 32-bit code)
 * through fall-through and inlined relative jumps that stay in the page: runs
 * of instructions up to a control transfer, the targets of those transfers, up
 * to MAX_REGION instructions in all.
 */
function collect(cpu: CpuCore, page: CodePage, physicalPage: number, offset: number, eip: number): RegionCode {
  const pageStart = (eip - offset) | 0
  const found = new Map<number, Instr>()
  const work = [offset]
  while (work.length > 0 && found.size < MAX_REGION) {
    let at = work.pop()!
    while (at < 4096 && !found.has(at) && found.size < MAX_REGION) {
      // Code that already has a compiled entry: go there rather than compile it again (a region
      // entered in its middle, after the run loop stopped there, becomes a short way back in).
      if (at !== offset && page.blocks[at]?.pageStart === pageStart) break
      let ins = page.instructions[at]
      if (ins === undefined || !ins.code32) {
        ins = new Instr()
        try {
          decode(cpu, ins, (pageStart + at) >>> 0, true, physicalPage)
        } catch {
          break // a fault while looking ahead: the run simply ends here (and exits to the interpreter)
        }
        if (ins.crossesPage) break
        page.store(at, ins)
      }
      // Port I/O usually exits to the host: leave it to the interpreter, outside any block.
      if (EXITS_OFTEN.has(ins.handler)) break
      found.set(at, ins)
      const next = at + ins.length
      if (ENDS_BLOCK.has(ins.handler)) {
        if (relativeBranch(ins)) {
          const target = next + ins.imm
          if (target >= 0 && target < 4096) work.push(target)
          if (ins.opcode !== 0xeb && ins.opcode !== 0xe9) work.push(next)
        }
        break
      }
      at = next
    }
  }
  const offsets = [...found.keys()].sort((x, y) => x - y)
  return {list: offsets.map((o) => found.get(o)!), offsets, eips: offsets.map((o) => (pageStart + o) >>> 0)}
}

/**
 * Compile the region at `offset` of `page` (CS:eip in 32-bit code), or return
 * null when nothing can be compiled there. The region's other labels become
 * entries too: where `page` has no block yet, the region's function is entered
 * there at that label (so that execution that left the region, for instance
 * at the end of its budget, comes back into the same, already optimised code).
 */
export function compileBlock(cpu: CpuCore, page: CodePage, physicalPage: number, offset: number, eip: number): Block | null {
  const code = collect(cpu, page, physicalPage, offset, eip)
  if (code.list.length === 0) return null
  const pageStart = (eip - offset) | 0
  const out = new Generator(cpu.ram32 !== null, code, offset)
  out.generate()
  type Factory = (...args: unknown[]) => (c: CpuCore, max: number, entry: number) => number
  let factory: Factory
  try {
    const params = ['RS', 'I', 'H', 'EIPS', 'LENS', 'r', 'tlb', 'ram', 'ram32', 'PARITY', 'tc', 'getCF', 'mat', 'commit', 'condOf', 'flagsOf', 'cfOf', 'rd32', 'wr32', 'rd8', 'wr8', 'rd16', 'wr16']
    factory = new Function(...params, out.source()) as Factory
  } catch {
    return null // not expected; the interpreter runs the code instead
  }
  const fn = factory(out.runStarts, code.list, code.list.map((i) => i.handler), code.eips, code.list.map((i) => i.length), cpu.regs, cpu.tlb,
    cpu.ram, cpu.ram32, PARITY, testCondition, getCF, materializeFlags, commitFlags, condOf, flagsOf, cfOf, readSegment32, writeSegment32, readSegment8, writeSegment8,
    readSegment16, writeSegment16)
  // A region with a loop: calls through the shared exit alone (label -1: nothing runs, nothing
  // changes) while the function is still interpreted, so that V8 has seen its calls and stores
  // before it optimises the loop; otherwise the first real exit of every run is a deoptimisation,
  // and the code V8 then keeps using is its on-stack-replacement copy of the loop, much slower.
  // V8 records what a function does only once it has run a multiple of its own size in bytecode
  // (a feedback vector is allocated lazily): one call is not enough, WARM_UP_CALLS are. They cost
  // as much as compiling the region again, so a region without a loop, which V8 optimises from
  // its ordinary calls, goes without.
  if (out.loops) for (let k = 0; k < WARM_UP_CALLS; k++) fn(cpu, 0, -1)
  for (const [o, label] of out.entries()) {
    const old = page.blocks[o]
    if (label !== 0 && (old === undefined || (old !== null && old.pageStart !== pageStart))) {
      page.blocks[o] = new Block(fn, out.runAt(label), out.needFlat, label, pageStart)
    }
  }
  return new Block(fn, out.runAt(0), out.needFlat, 0, pageStart)
}

/**
 * Emits the body of one region function. The region's instructions are laid
 * out by address; a label is an instruction that execution can reach other than
 * by falling through from the one laid out before it (the entry, jump targets).
 * The function is a loop around a switch on the label: a jump inside the region
 * is `lbl = L; continue`, anything else returns to the run loop. Registers live
 * in locals (r0..r7) inside the function and are written back to the processor
 * before every handler call, exit and fault. Flags stay in locals within a run
 * between labels and are committed at labels, where several paths meet.
 */
class Generator {
  readonly lines: string[] = []
  readonly catchCases: string[] = []
  needFlat = 1 << Seg.CS
  /** The producer whose flags are in the locals and not yet committed. */
  pending = Producer.None
  /** The producer whose flags the locals describe (committed or not), for conditions. */
  known = Producer.None
  /** Registers the inlined code uses (bit per register): held in locals. */
  private used = 0
  /** Label number of each labelled page offset. */
  private readonly labels = new Map<number, number>()
  /** Per label: instructions laid out from it to the next label (at most that many run before the next budget check). */
  private readonly runLength: number[] = []
  /** Set when the code emitted last transfers control (returns or jumps): nothing falls through. */
  private transferred = false
  /**
   * Per instruction: a later register-only instruction of the same run, before
   * any label, overwrites all six flags, and what runs in between neither reads
   * them nor can fault. The flags this instruction produces are then never seen.
   */
  private readonly overwritten: boolean[] = []
  /** The instruction being emitted. */
  private current = 0
  /** A jump goes back to an instruction at or before its own: one call of the function can run for long. */
  loops = false
  /**
   * Labels at which CF is clear on every path that reaches them: all their
   * predecessors in the region clear it (AND, OR, XOR, TEST) and nothing after
   * sets it. They are not entries from outside (where CF is the processor's),
   * so an INC or DEC after such a label keeps a constant CF instead of
   * computing it from whichever producer the locals hold.
   */
  private readonly carryClearAt = new Set<number>()
  /** While emitting: CF is known to be clear at this point. */
  private carryClear = false
  /**
   * The first instruction of the run being emitted (laid out at or after the
   * last label). `n` counts the instructions of the runs finished so far: each
   * run adds its own where it ends, not one per instruction.
   */
  private runStart = 0
  /** Per instruction, the first instruction of its run. */
  readonly runStarts: number[] = []

  constructor(readonly aligned: boolean, readonly code: RegionCode, readonly entry: number) {}

  /** Instructions that run from label `label` before the next budget check (the run loop checks these fit). */
  runAt(label: number): number {
    return this.runLength[label]!
  }

  /** Page offsets of the labels, with their label numbers. */
  entries(): Array<[number, number]> {
    return [...this.labels.entries()].filter(([, label]) => !this.carryClearAt.has(label))
  }

  /** Find the labels, then emit every instruction. */
  generate(): void {
    const {list, offsets} = this.code
    const index = new Map<number, number>()
    offsets.forEach((o, k) => index.set(o, k))
    const starts = new Set<number>([this.entry])
    for (let k = 0; k < list.length; k++) {
      const i = list[k]!
      const next = offsets[k]! + i.length
      const targets = relativeBranch(i) ? [next + i.imm, next] : [next]
      for (const t of targets) if (index.has(t) && (t !== next || offsets[k + 1] !== next || relativeBranch(i))) starts.add(t)
      if (k > 0 && offsets[k - 1]! + list[k - 1]!.length !== offsets[k]) starts.add(offsets[k]!)
    }
    // The entry is label 0: the function starts there.
    const ordered = [this.entry, ...offsets.filter((o) => o !== this.entry && starts.has(o))]
    ordered.forEach((o, n) => this.labels.set(o, n))
    for (const o of ordered) {
      let end = index.get(o)! + 1
      while (end < list.length && !starts.has(offsets[end]!)) end++
      this.runLength[this.labels.get(o)!] = end - index.get(o)!
    }
    for (let k = 0; k < list.length; k++) {
      let dead = false
      for (let j = k + 1; j < list.length && !this.labels.has(offsets[j]!) && offsets[j] === offsets[j - 1]! + list[j - 1]!.length; j++) {
        const effect = registerFlagEffect(list[j]!)
        if (effect !== 'none') {
          dead = effect === 'all'
          break
        }
      }
      this.overwritten.push(dead)
    }
    this.findClearCarry()
    for (let k = 0; k < list.length; k++) {
      const o = offsets[k]!
      const label = this.labels.get(o)
      if (label !== undefined) {
        if (k > 0 && !this.transferred) {
          // Falls through into the label: the same budget check as a jump there.
          this.flagsToLabel()
          this.emit(`n += ${this.retiredInRun()}; if (n > max - ${this.runLength[label]}) ${this.leave(this.eipAt(o), Producer.Dynamic, true)}`)
        }
        this.emit(`case ${label}:`)
        this.runStart = k
        this.pending = Producer.Dynamic
        this.known = Producer.Dynamic
        this.carryClear = this.carryClearAt.has(label)
      }
      this.transferred = false
      this.runStarts.push(this.runStart)
      this.instruction(list[k]!, k, this.code.eips[k]!)
      const effect = carryEffect(list[k]!)
      this.carryClear = effect === 'clear' || (effect === 'keep' && this.carryClear)
      // The next instruction laid out is not the one that follows: go there (label or run loop).
      const next = o + list[k]!.length
      if (!this.transferred && offsets[k + 1] !== next) this.jump(next)
    }
  }

  /**
   * Fill `carryClearAt`: start from every label but the entry, and drop those
   * that some path reaches with CF possibly set, until nothing changes.
   */
  private findClearCarry(): void {
    const {list, offsets} = this.code
    const clear = new Set<number>()
    for (const label of this.labels.values()) if (label !== 0) clear.add(label)
    for (let changed = true; changed;) {
      changed = false
      // Instructions that are not labels are reached only from the one laid out before them.
      let state = false
      for (let k = 0; k < list.length; k++) {
        const i = list[k]!
        const label = this.labels.get(offsets[k]!)
        if (label !== undefined) state = clear.has(label)
        const effect = carryEffect(i)
        state = effect === 'clear' ? true : effect === 'keep' ? state : false
        const next = offsets[k]! + i.length
        const targets: number[] = []
        if (relativeBranch(i)) {
          targets.push(next + i.imm)
          if (i.opcode !== 0xeb && i.opcode !== 0xe9) targets.push(next)
        } else if (!ENDS_BLOCK.has(i.handler)) targets.push(next)
        if (state) continue
        for (const t of targets) {
          const to = this.labels.get(t)
          if (to !== undefined && clear.delete(to)) changed = true
        }
      }
    }
    for (const label of clear) this.carryClearAt.add(label)
  }

  /** A register operand: the local that holds it. */
  reg(n: number | string): string {
    this.used |= 1 << Number(n)
    return `r${n}`
  }

  /**
   * Where the register locals are stored into the processor: a placeholder,
   * filled in by `source` once every register the region uses is known.
   */
  private writeBack(): string {
    return 'WRITE_BACK '
  }

  private writeBackCode(): string {
    let s = ''
    for (let n = 0; n < 8; n++) if (this.used & (1 << n)) s += `r[${n}] = r${n}; `
    return s
  }

  /** Statements that load the register locals from the processor. */
  private reloadCode(): string {
    let s = ''
    for (let n = 0; n < 8; n++) if (this.used & (1 << n)) s += `r${n} = r[${n}]; `
    return s
  }

  /** EIP of page offset `o`. */
  private eipAt(o: number): number {
    return (this.code.eips[0]! - this.code.offsets[0]! + o) >>> 0
  }

  /**
   * Leave the function with EIP at `eip`, flags from producer `flags` still in
   * the locals. Every exit goes through one tail after the loop, which commits
   * flags and registers: code that has never run is compiled by V8 as a
   * deoptimisation, so one shared tail (warm after the first exit) instead of a
   * copy at every exit keeps the optimised region from being thrown away each
   * time another exit is taken for the first time.
   */
  private leave(eip: string | number, flags = Producer.None, counted = false): string {
    return `{ ${counted ? '' : `n += ${this.retiredInRun()}; `}ek = ${flags === Producer.Dynamic ? 'fk' : flags}; ex = ${eip}; break run; }`
  }

  /**
   * Continue at page offset `o`: at its label while the budget allows the run
   * there, else back in the run loop. Commits the flags first.
   */
  private jump(o: number): void {
    this.flagsToLabel()
    this.emit(`n += ${this.retiredInRun()};`)
    this.emit(this.jumpCode(o))
    this.transferred = true
  }

  /** Before a jump or fall-through to a label: `fk` names the producer of the flags in the locals. */
  private flagsToLabel(): void {
    if (this.pending !== Producer.Dynamic) this.emit(`fk = ${this.pending};`)
    this.pending = Producer.Dynamic
  }

  /** Page offset of `eip` in this region's page (outside 0..4095 for other pages). */
  private offsetOf(eip: number): number {
    return (eip - this.eipAt(0)) | 0
  }

  /** A conditional jump: to `taken` when `condition` holds, else to `notTaken` (EIPs). */
  private branch(condition: string, taken: number, notTaken: number): void {
    this.flagsToLabel()
    this.emit(`n += ${this.retiredInRun()};`)
    this.emit(`if (${condition}) ${this.jumpCode(this.offsetOf(taken))}`)
    this.emit(this.jumpCode(this.offsetOf(notTaken)))
    this.transferred = true
  }

  private jumpCode(o: number): string {
    const label = this.labels.get(o)
    if (label === undefined) return this.leave(this.eipAt(o), Producer.Dynamic, true)
    if (o <= this.code.offsets[this.current]!) this.loops = true
    return `{ if (n > max - ${this.runLength[label]}) ${this.leave(this.eipAt(o), Producer.Dynamic, true)} lbl = ${label}; continue; }`
  }

  /** Instructions of the current run retired once the one being emitted has. */
  private retiredInRun(): number {
    return this.current - this.runStart + 1
  }

  private emit(s: string): void {
    this.lines.push(s)
  }

  private commit(): void {
    if (this.pending !== Producer.None) this.emit(commitCode(this.pending))
    this.pending = Producer.None
  }

  /** `r/m` memory operand offset (32-bit addressing) as an expression; `accessed` marks its segment as needed flat. */
  /**
   * The linear address of a memory operand (`accessed`), or its offset alone
   * (LEA). DS, ES, SS and CS must be flat for the block to run; FS and GS
   * (Linux's per-CPU data and its stack canary) need only be wide, and their
   * base is added as it is when the access runs.
   */
  private address(i: Instr, accessed = true): string {
    let e = `${i.disp | 0}`
    if (i.base >= 0) e += ` + ${this.reg(i.base)}`
    if (i.index >= 0) e += ` + (${this.reg(i.index)} << ${i.scale})`
    if (accessed) {
      if (i.seg === Seg.FS || i.seg === Seg.GS) {
        this.needFlat |= 1 << (WIDE_SEGMENT_SHIFT + i.seg)
        e += ` + c.segBase[${i.seg}]`
      } else {
        this.needFlat |= 1 << i.seg
      }
    }
    return `((${e}) | 0)`
  }

  private load(target: string, i: Instr): void {
    this.emit(`lin = ${this.address(i)}; e = tlb[lin >>> 12];`)
    if (this.aligned) this.emit(`${target} = (e & rmask) !== 0 && (lin & 3) === 0 ? ram32[((e & -4096) | (lin & 4095)) >>> 2] : rd32(c, ${i.seg}, lin);`)
    else this.emit(`${target} = rd32(c, ${i.seg}, lin);`)
  }

  /** A byte register (AL..BL, AH..BH) as an expression. */
  private byteReg(n: number): string {
    return n < 4 ? `(${this.reg(n)} & 255)` : `((${this.reg(n - 4)} >> 8) & 255)`
  }

  private setByteReg(n: number, value: string): void {
    if (n < 4) this.emit(`${this.reg(n)} = (${this.reg(n)} & -256) | (${value});`)
    else this.emit(`${this.reg(n - 4)} = (${this.reg(n - 4)} & -65281) | ((${value}) << 8);`)
  }

  /** Load the byte r/m operand into `target`. */
  private loadByte(target: string, i: Instr): void {
    if (!i.isMem) {
      this.emit(`${target} = ${this.byteReg(i.rm)};`)
      return
    }
    this.emit(`lin = ${this.address(i)}; e = tlb[lin >>> 12];`)
    this.emit(`${target} = (e & rmask) !== 0 ? ram[((e & -4096) | (lin & 4095)) >>> 0] : rd8(c, ${i.seg}, lin);`)
  }

  /** Store to the `lin` computed by a previous load or address. */
  private store(value: string, seg: number): void {
    if (this.aligned) this.emit(`e = tlb[lin >>> 12]; if ((e & wmask) !== 0 && (lin & 3) === 0) ram32[((e & -4096) | (lin & 4095)) >>> 2] = ${value}; else { wr32(c, ${seg}, lin, ${value}); sw = 1; }`)
    else this.emit(`wr32(c, ${seg}, lin, ${value}); sw = 1;`)
  }

  private push(value: string): void {
    this.needFlat |= 1 << Seg.SS
    this.emit(`lin = (${this.reg(4)} - 4) | 0;`)
    this.store(value, Seg.SS)
    this.emit(`${this.reg(4)} = lin;`)
  }

  /** The instruction may have written a page with decoded code: stop if so. */
  private checkInvalidation(k: number, next: number): void {
    // Only the slow path (sw) can have written code: the TLB sends every write to a code page there.
    this.emit(`if (sw !== 0) { sw = 0; if (c.leaveBlock) ${this.leave(next, this.pending)} }`)
  }

  instruction(i: Instr, k: number, eip: number): void {
    const next = (eip + i.length) >>> 0
    this.current = k
    // `pc` tells the catch which instruction threw; inlined register instructions cannot.
    if (!cannotThrow(i)) this.emit(`pc = ${k};`)
    // A fault in inlined code: the flags before the instruction and the register locals go to the processor.
    const flagsBefore = commitCode(this.pending)
    if (i.addr32 && !i.lock && (i.opSize === 4 ? this.inline(i, k, next) : this.inline16(i, k, next))) {
      if (!cannotThrow(i)) this.catchCases.push(`case ${k}: ${flagsBefore} ${this.writeBack()}c.startEsp = r[4]; break;`)
      return
    }
    // Any other instruction: its handler, with the state the interpreter would give it
    // (and a fault in it leaves the processor as the handler left it, ESP to be restored from startEsp).
    this.commit()
    this.known = Producer.None
    this.emit(`${this.writeBack()}c.startEip = ${eip}; c.startEsp = r[4]; c.eip = ${next}; c.instrLength = ${i.length}; H[${k}](c, I[${k}]);`)
    this.emit(`if (c.leaveBlock || c.eip !== ${next}) return n + ${this.retiredInRun()};`)
    this.emit('RELOAD')
  }

  private flagsFrom(p: Producer, a: string, b: string, result: string): void {
    if (this.flagsDead()) return
    if (p === Producer.Inc || p === Producer.Dec) {
      if (this.known === Producer.Dynamic) this.emit(this.carryClear ? 'fcf = false;' : 'fcf = cfOf(c, fk, fa, fb, fr, fe, fcf);')
      else if (this.known !== Producer.Inc && this.known !== Producer.Dec) this.emit(`fcf = ${conditionCode(this.known, 2)};`)
    }
    if (p === Producer.Add || p === Producer.Sub || p === Producer.Inc || p === Producer.Dec) this.emit(`fa = ${a};`)
    if (p === Producer.Add || p === Producer.Sub) this.emit(`fb = ${b};`)
    this.emit(`fr = ${result};`)
    this.pending = p
    this.known = p
  }

  /**
   * For the flag-producing part of a register-only instruction: true when its
   * flags are never seen (see `overwritten`); the locals then keep nothing and
   * the processor's flags are left as they are, to be overwritten.
   */
  private flagsDead(): boolean {
    const i = this.code.list[this.current]!
    if (i.isMem || !this.overwritten[this.current]) return false
    this.pending = Producer.None
    this.known = Producer.None
    return true
  }

  /** Emit an inlined form of `i`, or return false. */
  private inline(i: Instr, k: number, next: number): boolean {
    const op = i.opcode
    // ALU: 01 09 21 29 31 39 (r/m, reg), 03 0B 23 2B 33 3B (reg, r/m), 05.. (eAX, imm), 81/83 (r/m, imm)
    // (ADC 11 13 15 and SBB 19 1B 1D, 81/83 /2 /3 too.)
    const aluOp = op < 0x40 && (op & 7) <= 5 && (op & 6) !== 6 ? (op >> 3) & 7 : -1
    if (aluOp >= 0 && (op & 7) === 1) return this.alu(aluOp, i, 'rm', `${this.reg(i.reg)}`, k, next)
    if (aluOp >= 0 && (op & 7) === 3) return this.alu(aluOp, i, 'reg', '', k, next)
    if (aluOp >= 0 && (op & 7) === 5) return this.alu(aluOp, i, 'acc', `${i.imm | 0}`, k, next)
    if (op === 0x81 || op === 0x83) return this.alu(i.reg, i, 'rm', `${i.imm | 0}`, k, next)
    switch (op) {
      case 0x08: case 0x0a: case 0x20: case 0x22: case 0x28: case 0x2a: case 0x30: case 0x32:
        return this.byteAlu(i, k, next)
      case 0x38: case 0x3a: { // CMP r/m8, r8 and CMP r8, r/m8
        this.loadByte(op === 0x38 ? 'x' : 'y', i)
        this.emit(`${op === 0x38 ? 'y' : 'x'} = ${this.byteReg(i.reg)};`)
        this.byteFlags(Producer.Sub8, '(x << 24) - (y << 24)')
        return true
      }
      case 0x3c: // CMP AL, imm8
        this.emit(`x = ${this.reg(0)} & 255; y = ${i.imm & 0xff};`)
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
        this.emit(`x = ${this.reg(0)} & 255; y = ${i.imm & 0xff};`)
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
        this.emit(`${this.reg(i.reg)} = v;`)
        return true
      case 0x1b7:
        if (!i.isMem) this.emit(`${this.reg(i.reg)} = ${this.reg(i.rm)} & 65535;`)
        else this.load16(this.reg(i.reg), i)
        return true
      case 0x85: return this.test(i, `${this.reg(i.reg)}`)
      case 0xa9: this.flagsFrom(Producer.Logic, '', '', `${this.reg(0)} & ${i.imm | 0}`); return true
      case 0xf7:
        if (i.reg === 4) return this.multiply(i)
        if (i.reg === 2 || i.reg === 3) return !i.isMem && this.notOrNegate(i)
        return i.reg === 0 && this.test(i, `${i.imm | 0}`)
      case 0x1af: case 0x69: case 0x6b: return this.multiplyTruncated(i)
      case 0x89:
        if (!i.isMem) this.emit(`${this.reg(i.rm)} = ${this.reg(i.reg)};`)
        else {
          this.emit(`lin = ${this.address(i)};`)
          this.store(`${this.reg(i.reg)}`, i.seg)
          this.checkInvalidation(k, next)
        }
        return true
      case 0x8b:
        if (!i.isMem) this.emit(`${this.reg(i.reg)} = ${this.reg(i.rm)};`)
        else this.load(`${this.reg(i.reg)}`, i)
        return true
      case 0xc7:
        if (i.reg !== 0) return false
        if (!i.isMem) this.emit(`${this.reg(i.rm)} = ${i.imm | 0};`)
        else {
          this.emit(`lin = ${this.address(i)};`)
          this.store(`${i.imm | 0}`, i.seg)
          this.checkInvalidation(k, next)
        }
        return true
      case 0x8d:
        if (!i.isMem) return false
        this.emit(`${this.reg(i.reg)} = ${this.address(i, false)};`)
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
        this.emit(this.leave((next + i.imm) >>> 0))
        this.transferred = true
        return true
      case 0xc3:
        this.needFlat |= 1 << Seg.SS
        this.emit(`lin = ${this.reg(4)}; e = tlb[lin >>> 12];`)
        if (this.aligned) this.emit(`v = (e & rmask) !== 0 && (lin & 3) === 0 ? ram32[((e & -4096) | (lin & 4095)) >>> 2] : rd32(c, ${Seg.SS}, lin);`)
        else this.emit(`v = rd32(c, ${Seg.SS}, lin);`)
        this.emit(`${this.reg(4)} = (lin + 4) | 0;`)
        this.commit()
        this.emit(this.leave('v >>> 0'))
        this.transferred = true
        return true
      case 0xeb: case 0xe9:
        this.jump(this.offsetOf(next + i.imm))
        return true
      case 0xe2:
        this.emit(`v = (${this.reg(1)} - 1) | 0; ${this.reg(1)} = v;`)
        this.branch('v !== 0', next + i.imm, next)
        return true
    }
    if (op >= 0xb8 && op <= 0xbf) {
      this.emit(`${this.reg(op & 7)} = ${i.imm | 0};`)
      return true
    }
    if (op >= 0x190 && op <= 0x19f) { // SETcc r/m8
      const cond = conditionCode(this.known, op & 0xf)
      if (!i.isMem) {
        this.setByteReg(i.rm, `${cond} ? 1 : 0`)
        return true
      }
      this.emit(`v = ${cond} ? 1 : 0; lin = ${this.address(i)};`)
      this.storeByte('v', i.seg)
      this.checkInvalidation(k, next)
      return true
    }
    if (op >= 0x140 && op <= 0x14f) { // CMOVcc r32, r/m32: the source is read (and may fault) whatever the condition
      if (i.isMem) this.load('y', i)
      else this.emit(`y = ${this.reg(i.rm)};`)
      this.emit(`if (${conditionCode(this.known, op & 0xf)}) ${this.reg(i.reg)} = y;`)
      return true
    }
    if (op === 0xff && (i.reg === 0 || i.reg === 1) && i.isMem) { // INC/DEC m32
      this.load('x', i)
      this.emit(`t = (x ${i.reg ? '-' : '+'} 1) | 0;`)
      this.store('t', i.seg)
      this.flagsFrom(i.reg ? Producer.Dec : Producer.Inc, 'x', '', 't')
      this.checkInvalidation(k, next)
      return true
    }
    if (op === 0xd3 && (i.reg === 4 || i.reg === 5 || i.reg === 7) && !i.isMem) return this.shiftByCl(i)
    if (op >= 0x40 && op <= 0x4f) {
      const n = op & 7
      const dec = op >= 0x48
      this.emit(`t = (${this.reg(n)} ${dec ? '-' : '+'} 1) | 0;`)
      this.flagsFrom(dec ? Producer.Dec : Producer.Inc, `${this.reg(n)}`, '', 't')
      this.emit(`${this.reg(n)} = t;`)
      return true
    }
    if (op >= 0x50 && op <= 0x57) {
      this.push(`${this.reg(op & 7)}`)
      this.checkInvalidation(k, next)
      return true
    }
    if (op >= 0x58 && op <= 0x5f) {
      this.needFlat |= 1 << Seg.SS
      this.emit(`lin = ${this.reg(4)}; e = tlb[lin >>> 12];`)
      if (this.aligned) this.emit(`v = (e & rmask) !== 0 && (lin & 3) === 0 ? ram32[((e & -4096) | (lin & 4095)) >>> 2] : rd32(c, ${Seg.SS}, lin);`)
      else this.emit(`v = rd32(c, ${Seg.SS}, lin);`)
      this.emit(`${this.reg(4)} = (lin + 4) | 0; ${this.reg(op & 7)} = v;`)
      return true
    }
    if ((op >= 0x70 && op <= 0x7f) || (op >= 0x180 && op <= 0x18f)) {
      const cond = conditionCode(this.known, op & 0xf)
      this.emit(`v = ${cond} ? 1 : 0;`)
      this.branch('v !== 0', next + i.imm, next)
      return true
    }
    return false
  }

  /**
   * IMUL r32, r/m32 (0F AF) and IMUL r32, r/m32, imm (69, 6B): the low half of
   * the signed product. CF and OF say whether it lost bits, SF/ZF/PF follow the
   * result and AF is clear, as the interpreter's mulFlags leaves them (Intel
   * leaves all but CF and OF undefined): the Shift producer's form. The float
   * product equals Math.imul exactly when the product fits in 32 bits, and
   * lies outside the int32 range otherwise.
   */
  private multiplyTruncated(i: Instr): boolean {
    if (i.isMem) this.load('y', i)
    else this.emit(`y = ${this.reg(i.rm)};`)
    this.emit(`x = ${i.opcode === 0x1af ? this.reg(i.reg) : `${i.imm | 0}`}; t = Math.imul(x, y); ${this.reg(i.reg)} = t;`)
    if (this.flagsDead()) return true
    this.emit(`fe = x * y !== t ? ${0x801} : 0; fr = t;`)
    this.pending = Producer.Shift
    this.known = Producer.Shift
    return true
  }

  /**
   * MUL r/m32 (F7 /4): EDX:EAX = EAX * r/m32, unsigned. The high half is exact
   * from two 16 x 32-bit partial products (each below 2^48). CF = OF = high half
   * non-zero; the other flags as the interpreter's mulFlags leaves them.
   */
  private multiply(i: Instr): boolean {
    if (i.isMem) this.load('y', i)
    else this.emit(`y = ${this.reg(i.rm)};`)
    this.emit(`x = ${this.reg(0)} >>> 0; y >>>= 0; t = Math.imul(x, y);`)
    this.emit(`fa = (x >>> 16) * y; fb = (fa % 65536) * 65536 + (x & 65535) * y; v = (Math.floor(fa / 65536) + Math.floor(fb / 4294967296)) | 0;`)
    this.emit(`${this.reg(0)} = t; ${this.reg(2)} = v;`)
    if (this.flagsDead()) return true
    this.emit(`fe = v !== 0 ? ${0x801} : 0; fr = t;`)
    this.pending = Producer.Shift
    this.known = Producer.Shift
    return true
  }

  /**
   * The ALU group on 32-bit operands: ADD, OR, ADC, SBB, AND, SUB, XOR, CMP.
   * ADC and SBB take CF into `v` first (from wherever the flags are) and
   * produce all six flags at once (the Eager producer).
   */
  private alu(aluOp: number, i: Instr, form: 'rm' | 'reg' | 'acc', src: string, k: number, next: number): boolean {
    const producer = aluOp === 0 ? Producer.Add : aluOp === 5 || aluOp === 7 ? Producer.Sub : Producer.Logic
    const carry = aluOp === 2 || aluOp === 3
    const expr = (a: string, b: string): string =>
      aluOp === 0 ? `(${a} + ${b}) | 0` : aluOp === 1 ? `${a} | ${b}` : aluOp === 2 ? `(${a} + ${b} + v) | 0` : aluOp === 3 ? `(${a} - ${b} - v) | 0`
        : aluOp === 4 ? `${a} & ${b}` : aluOp === 6 ? `${a} ^ ${b}` : `(${a} - ${b}) | 0`
    const flags = (): void => {
      if (carry) this.carryFlags(aluOp === 3)
      else this.flagsFrom(producer, 'x', 'y', 't')
    }
    const writes = aluOp !== 7
    if (carry) this.emit(`v = ${conditionCode(this.known, 2)} ? 1 : 0;`)
    if (form === 'acc') {
      this.emit(`x = ${this.reg(0)}; y = ${src}; t = ${expr('x', 'y')};`)
      if (writes) this.emit(`${this.reg(0)} = t;`)
      flags()
      return true
    }
    if (form === 'reg') {
      if (i.isMem) this.load('y', i)
      else this.emit(`y = ${this.reg(i.rm)};`)
      this.emit(`x = ${this.reg(i.reg)}; t = ${expr('x', 'y')};`)
      if (writes) this.emit(`${this.reg(i.reg)} = t;`)
      flags()
      return true
    }
    // r/m destination
    this.emit(`y = ${src};`)
    if (!i.isMem) {
      this.emit(`x = ${this.reg(i.rm)}; t = ${expr('x', 'y')};`)
      if (writes) this.emit(`${this.reg(i.rm)} = t;`)
      flags()
      return true
    }
    this.load('x', i)
    this.emit(`t = ${expr('x', 'y')};`)
    if (writes) this.store('t', i.seg)
    flags()
    if (writes) this.checkInvalidation(k, next)
    return true
  }

  /** NOT r32 (no flags) and NEG r32 (the flags of 0 - r32). */
  private notOrNegate(i: Instr): boolean {
    if (i.reg === 2) {
      this.emit(`${this.reg(i.rm)} = ~${this.reg(i.rm)};`)
      return true
    }
    this.emit(`y = ${this.reg(i.rm)}; t = (0 - y) | 0; ${this.reg(i.rm)} = t;`)
    this.flagsFrom(Producer.Sub, '0', 'y', 't')
    return true
  }

  /** All six flags of ADC (`sub` false) or SBB of x and y with carry-in v, result t, into `fe`. */
  private carryFlags(sub: boolean): void {
    if (this.flagsDead()) return
    const cf = sub ? '(x >>> 0) < (y >>> 0) + v' : '(x >>> 0) + (y >>> 0) + v > 4294967295'
    const of = sub ? '((x ^ y) & (x ^ t)) < 0' : '((x ^ t) & (y ^ t)) < 0'
    this.emit(`fe = ${eagerFlagsCode(cf, of, 't', '(x ^ y ^ t) & 16')};`)
    this.pending = Producer.Eager
    this.known = Producer.Eager
  }

  /**
   * OR, AND, SUB, XOR on bytes, either way round: 08/0A, 20/22, 28/2A, 30/32.
   * The destination's value goes to x, the source's to y, as for CMP.
   */
  private byteAlu(i: Instr, k: number, next: number): boolean {
    const op = i.opcode
    const toRegister = (op & 2) !== 0
    const aluOp = op >> 3
    const expr = aluOp === 1 ? 'x | y' : aluOp === 4 ? 'x & y' : aluOp === 5 ? '(x - y) & 255' : 'x ^ y'
    if (toRegister) {
      this.loadByte('y', i)
      this.emit(`x = ${this.byteReg(i.reg)}; t = ${expr};`)
      this.setByteReg(i.reg, 't')
    } else {
      this.loadByte('x', i)
      this.emit(`y = ${this.byteReg(i.reg)}; t = ${expr};`)
      if (i.isMem) this.storeByte('t', i.seg)
      else this.setByteReg(i.rm, 't')
    }
    if (aluOp === 5) this.byteFlags(Producer.Sub8, '(x << 24) - (y << 24)')
    else this.byteFlags(Producer.Logic8, 't << 24')
    if (!toRegister && i.isMem) this.checkInvalidation(k, next)
    return true
  }

  /** Flags of a byte CMP/TEST whose operands are in x and y; `shifted` is the result shifted left by 24. */
  private byteFlags(p: Producer, shifted: string): void {
    this.emit(`fa = x << 24; fb = y << 24; fr = (${shifted}) | 0;`)
    this.pending = p
    this.known = p
  }

  private storeByte(value: string, seg: number): void {
    this.emit(`e = tlb[lin >>> 12]; if ((e & wmask) !== 0) ram[((e & -4096) | (lin & 4095)) >>> 0] = ${value}; else { wr8(c, ${seg}, lin, ${value}); sw = 1; }`)
  }

  private test(i: Instr, src: string): boolean {
    if (i.isMem) this.load('x', i)
    else this.emit(`x = ${this.reg(i.rm)};`)
    this.flagsFrom(Producer.Logic, '', '', `x & ${src}`)
    return true
  }

  /**
   * SHL, SHR, SAR of a 32-bit register by CL (masked to 5 bits). A count of 0
   * changes nothing, flags included; otherwise the flags are the interpreter's
   * (shiftResult): CF the last bit out, OF as for a count of 1, AF clear. Which
   * of the two it is is known only when the code runs: all six flags go to `fe`.
   */
  private shiftByCl(i: Instr): boolean {
    const op = i.reg
    const before = allFlagsCode(this.known)
    this.emit(`x = ${this.reg(i.rm)}; y = ${this.reg(1)} & 31;`)
    const [result, cf, of] = op === 4 ? ['x << y', '((x >>> (32 - y)) & 1) !== 0', '(t < 0) !== (((x >>> (32 - y)) & 1) !== 0)']
      : op === 5 ? ['x >>> y | 0', '((x >>> (y - 1)) & 1) !== 0', 'x < 0']
        : ['x >> y', '((x >> (y - 1)) & 1) !== 0', 'false']
    this.emit(`if (y !== 0) { t = ${result}; ${this.reg(i.rm)} = t; fe = ${eagerFlagsCode(cf, of, 't', '0')}; } else fe = (${before}) & ${ALL};`)
    this.pending = Producer.Eager
    this.known = Producer.Eager
    return true
  }

  /**
   * The 16-bit forms compiled blocks inline: MOV r/m16, r16 (66 89), MOV r16,
   * r/m16 (66 8B) and MOV r/m16, imm16 (66 C7). A 16-bit register write keeps
   * the upper half of the 32-bit register.
   */
  private inline16(i: Instr, k: number, next: number): boolean {
    const op = i.opcode
    const setReg16 = (n: number, value: string) => this.emit(`${this.reg(n)} = (${this.reg(n)} & -65536) | ((${value}) & 65535);`)
    if (op === 0x8b || (op === 0x89 && !i.isMem)) {
      const [to, from] = op === 0x8b ? [i.reg, i.rm] : [i.rm, i.reg]
      if (!i.isMem) setReg16(to, this.reg(from))
      else {
        this.load16('v', i)
        setReg16(to, 'v')
      }
      return true
    }
    if ((op === 0xc1 || op === 0xd1) && !i.isMem && (i.reg === 4 || i.reg === 5 || i.reg === 7)) {
      return this.shift16(i, op === 0xd1 ? 1 : i.imm & 31)
    }
    if (op === 0x89 || (op === 0xc7 && i.reg === 0)) {
      const value = op === 0x89 ? `${this.reg(i.reg)} & 65535` : `${i.imm & 0xffff}`
      if (!i.isMem) {
        setReg16(i.rm, value)
        return true
      }
      this.emit(`lin = ${this.address(i)}; v = ${value};`)
      this.emit(`e = tlb[lin >>> 12]; if ((e & wmask) !== 0 && (lin & 4095) !== 4095) { p = ((e & -4096) | (lin & 4095)) >>> 0; ram[p] = v; ram[p + 1] = v >> 8; } else { wr16(c, ${i.seg}, lin, v); sw = 1; }`)
      this.checkInvalidation(k, next)
      return true
    }
    return false
  }

  /**
   * SHL, SHR, SAR of a 16-bit register by a constant (masked to 5 bits, so it
   * can pass 16), with the interpreter's flags (shiftResult): CF the last bit
   * out (none past 16), OF as for a count of 1, AF clear, all six into `fe`.
   */
  private shift16(i: Instr, count: number): boolean {
    if (count === 0) return true
    const a = `(${this.reg(i.rm)} & 65535)`
    let result: string
    let cf: string
    let of: string
    if (i.reg === 4) {
      result = `(${a} << ${count}) & 65535`
      cf = count <= 16 ? `((${a} >>> ${16 - count}) & 1) !== 0` : 'false'
      of = `((t & 32768) !== 0) !== (${cf})`
    } else if (i.reg === 5) {
      result = count >= 16 ? '0' : `${a} >>> ${count}`
      cf = count <= 16 ? `((${a} >>> ${count - 1}) & 1) !== 0` : 'false'
      of = `(${a} & 32768) !== 0`
    } else {
      const signed = `((${a} << 16) >> 16)`
      result = `(${signed} >> ${count >= 16 ? 15 : count}) & 65535`
      cf = `((${signed} >> ${count > 16 ? 15 : count - 1}) & 1) !== 0`
      of = 'false'
    }
    this.emit(`t = ${result}; fe = (${cf} ? 1 : 0) | (PARITY[t & 255] << 2) | (t === 0 ? 64 : 0) | ((t & 32768) !== 0 ? 128 : 0) | (${of} ? 2048 : 0);`)
    this.emit(`${this.reg(i.rm)} = (${this.reg(i.rm)} & -65536) | t;`)
    this.pending = Producer.Eager
    this.known = Producer.Eager
    return true
  }

  /** Load the 16-bit memory operand of `i` (zero-extended) into `target`. */
  private load16(target: string, i: Instr): void {
    this.emit(`lin = ${this.address(i)}; e = tlb[lin >>> 12];`)
    this.emit(`${target} = (e & rmask) !== 0 && (lin & 4095) !== 4095 ? ram[((e & -4096) | (lin & 4095)) >>> 0] | (ram[(((e & -4096) | (lin & 4095)) >>> 0) + 1] << 8) : rd16(c, ${i.seg}, lin);`)
  }

  /** Group 2 by a constant count on a 32-bit operand: ROL, ROR, SHL, SHR, SAR. */
  private shift(i: Instr, count: number, k: number, next: number): boolean {
    const op = i.reg
    if (op === 2 || op === 3) return false // RCL/RCR: handler
    if (i.isMem) this.load('x', i)
    else this.emit(`x = ${this.reg(i.rm)};`)
    if (count === 0) return true
    const write = (): void => {
      if (i.isMem) {
        this.store('t', i.seg)
      } else {
        this.emit(`${this.reg(i.rm)} = t;`)
      }
    }
    if (op === 0 || op === 1) {
      // Rotates change only CF and OF: the other four come from the flags before.
      this.emit(op === 0 ? `t = (x << ${count}) | (x >>> ${32 - count});` : `t = (x >>> ${count}) | (x << ${32 - count});`)
      write()
      if (this.flagsDead()) return true
      if (op === 0) this.emit(`v = t & 1; fe = ((${allFlagsCode(this.known)}) & ${ALL & ~0x801}) | v | ((((t >>> 31) ^ v) & 1) << 11);`)
      else this.emit(`v = t >>> 31; fe = ((${allFlagsCode(this.known)}) & ${ALL & ~0x801}) | v | (((v ^ (t >>> 30)) & 1) << 11);`)
      this.pending = Producer.Eager
      this.known = Producer.Eager
      if (i.isMem) this.checkInvalidation(k, next)
      return true
    }
    if (op === 4 || op === 6) {
      if (!i.isMem && this.flagsDead()) {
        this.emit(`${this.reg(i.rm)} = x << ${count};`)
        return true
      }
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

  source(): string {
    const writeBack = this.writeBackCode()
    const reload = this.reloadCode()
    let locals = ''
    for (let n = 0; n < 8; n++) if (this.used & (1 << n)) locals += `, r${n} = r[${n}]`
    const body = this.lines.map((l) => '        ' + l.replaceAll('RELOAD', reload).replaceAll('WRITE_BACK ', writeBack))
    return [
      'return function block(c, max, lbl) {',
      `  let fa = 0, fb = 0, fr = 0, fe = 0, fcf = false, x = 0, y = 0, t = 0, v = 0, lin = 0, e = 0, p = 0, fk = 0, sw = 0, pc = 0, n = 0, ek = 0, ex = 0, rmask = c.readMask, wmask = c.writeMask${locals};`,
      '  try {',
      '    run: if (lbl >= 0) for (;;) {',
      '      switch (lbl) {',
      ...body,
      '      }',
      '    } else ex = c.eip;',
      `    commit(c, ek, fa, fb, fr, fe, fcf); ${writeBack}c.eip = ex; return n;`,
      '  } catch (error) {',
      `    switch (pc) { ${this.catchCases.map((cc) => cc.replaceAll('WRITE_BACK ', writeBack)).join(' ')} }`,
      '    c.startEip = EIPS[pc]; c.eip = EIPS[pc]; c.instrLength = LENS[pc]; c.blockRetired = n + pc - RS[pc];',
      '    throw error;',
      '  }',
      `  // ${this.code.list.length} instructions`,
      '}',
    ].join('\n')
  }
}

/**
 * A decoded instruction. Decoding happens once per instruction address (see
 * code-cache.ts); executing it again only calls `handler` with this record.
 */
import type {CpuCore} from '../state.js'
import type {OpcodeEntry} from './table.js'

export type Handler = (cpu: CpuCore, i: Instr) => void

export const REP_NONE = 0
/** F3: REP, or REPE/REPZ for CMPS and SCAS. */
export const REP_E = 1
/** F2: REPNE/REPNZ. */
export const REP_NE = 2

export class Instr {
  /** The opcode table entry (after group resolution) and its handler. */
  entry: OpcodeEntry | null = null
  handler: Handler = noHandler
  /** 0x00-0xFF for one-byte opcodes, 0x100-0x1FF for 0F xx. */
  opcode = 0
  length = 0
  /** Decoded for a 32-bit code segment (CS.D=1)? The cache re-decodes when this changes. */
  code32 = true
  /** Size of 'v' operands in bytes: 2 or 4. */
  opSize = 4
  addr32 = true
  /** Segment of the memory operand: the override, or DS/SS by the addressing form. */
  seg = 3
  /** The segment override prefix, or -1. */
  segOverride = -1
  rep = REP_NONE
  lock = false
  /** The instruction crosses a page boundary and is therefore never cached. */
  crossesPage = false

  // ModRM
  mod = 0
  reg = 0
  rm = 0
  /** The r/m operand is in memory (mod != 3, or a moffs form). */
  isMem = false
  /** Memory operand: base + (index << scale) + disp; -1 when absent. */
  base = -1
  index = -1
  scale = 0
  disp = 0

  /** First and second immediate (ENTER's Ib, a far pointer's selector). */
  imm = 0
  imm2 = 0
}

function noHandler(): void {
  throw new Error('instruction executed before it was decoded')
}

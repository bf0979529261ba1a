/**
 * The opcode table: one entry per opcode (0x000-0x0FF one-byte, 0x100-0x1FF for
 * 0F xx), each naming the mnemonic, the operands in SDM notation, the flags it
 * writes and leaves undefined, and the handler that executes it. Group opcodes
 * hold eight sub-entries selected by ModRM.reg. The decoder derives everything it
 * needs (ModRM presence, immediates) from the operand strings; tests walk the
 * same table.
 *
 * Operand notation (SDM Appendix A): E = ModRM r/m, G = ModRM reg, M = memory
 * only, S = segment register in ModRM.reg, C/D = control/debug register, R =
 * register in ModRM.rm (mod ignored), I = immediate (Ibs = imm8 sign-extended),
 * J = relative offset, A = far pointer, O = memory offset (moffs), X/Y = string
 * source/destination. b = byte, w = word, v/z = operand size, p = far pointer.
 */
import {aad, aaa, aam, aas, daa, das, salc} from '../execute/bcd.js'
import {
  aluAccImm, aluRegRm, aluRmImm, aluRmReg, incDecReg, incDecRm, negRm, notRm, testAccImm, testRmImm, testRmReg,
} from '../execute/alu.js'
import {bitScan, bitTestImm, bitTestReg, bswap, cmpxchg, cmpxchg8b, setcc, xadd} from '../execute/bits.js'
import {
  bound, callRel, callRm, farDirect, farIndirect, int1, int3, intImm, into, iret, jcc, jmpRel, jmpRm, loop, retFar, retNear,
} from '../execute/control.js'
import {
  cbw, clc, cld, cmc, cmov, cwd, lahf, lea, loadFarPointer, movAccMoffs, movExtend, movReg8Imm, movRegImm, movRegRm,
  movRmImm, movRmReg, movRmSreg, movSregRm, nop, sahf, stc, std, xchgAccReg, xchgRmReg, xlat,
} from '../execute/data.js'
import {inPort, outPort, stringIo} from '../execute/io.js'
import {div, idiv, imul1, imul2, imul3, mul} from '../execute/muldiv.js'
import {doubleShift, shiftRm} from '../execute/shift.js'
import {
  enter, leave, popa, popf, popReg, popRm, popSeg, pusha, pushf, pushImm, pushReg, pushRm, pushSeg,
} from '../execute/stack.js'
import {stringOp} from '../execute/string.js'
import {
  arpl, cli, clts, cpuid, fpuEscape, fwait, hlt, invd, invlpg, lar, lldt, lmsw, loadTableRegister, lsl, ltr, movCr, movDr,
  rdmsr, rdtsc, smsw, sti, storeSystemSelector, storeTableRegister, undefinedOpcode, verify, wbinvd, wrmsr,
} from '../execute/system.js'
import {resolveX87} from '../fpu/opcode-map.js'
import type {Handler, Instr} from './instr.js'

/** How an immediate or displacement following the opcode is encoded. */
export enum Imm { U8, S8, U16, OpSize, RelOpSize, FarPointer, MemOffset }

export interface OpcodeEntry {
  mnemonic: string
  /** Operands in SDM notation, comma separated. */
  operands: string
  /** Arithmetic flags written (O S Z A P C), and the subset left undefined. */
  flags: string
  undefinedFlags: string
  exec: Handler
  /** Sub-entries by ModRM.reg for group opcodes. */
  group: OpcodeEntry[] | null
  /** Derived from the operands. */
  hasModrm: boolean
  /** ModRM always names a register (MOV CR/DR), whatever mod says. */
  registerOnly: boolean
  immediates: Imm[]
  /** LOCK is allowed (with a memory destination). */
  lockable: boolean
  /** The entry is a prefix byte, consumed by the decoder. */
  prefix: boolean
  /** Picks the handler from the decoded ModRM (the x87 escapes, whose map is in fpu/opcode-map.ts). */
  resolve: ((i: Instr) => Handler) | null
}

const IMMEDIATE_KINDS: Record<string, Imm> = {
  Ib: Imm.U8, Ibs: Imm.S8, Iw: Imm.U16, Iz: Imm.OpSize, Iv: Imm.OpSize, Jb: Imm.S8, Jz: Imm.RelOpSize,
  Ap: Imm.FarPointer, Ob: Imm.MemOffset, Ov: Imm.MemOffset,
}

function entry(mnemonic: string, operands: string, exec: Handler, flags = '', undefinedFlags = '', lockable = false): OpcodeEntry {
  const tokens = operands === '' ? [] : operands.split(',')
  return {
    mnemonic, operands, flags, undefinedFlags, exec, group: null,
    hasModrm: tokens.some((t) => /^[EGMSCDR][a-z]/.test(t)),
    registerOnly: tokens.some((t) => /^R[a-z]/.test(t)),
    immediates: tokens.filter((t) => t in IMMEDIATE_KINDS).map((t) => IMMEDIATE_KINDS[t]!),
    lockable, prefix: false, resolve: null,
  }
}

function group(mnemonic: string, members: OpcodeEntry[]): OpcodeEntry {
  const e = entry(mnemonic, 'Ev', undefinedOpcode)
  e.group = members
  return e
}

const UNDEFINED = entry('(bad)', '', undefinedOpcode)
function prefix(mnemonic: string): OpcodeEntry {
  const e = entry(mnemonic, '', undefinedOpcode)
  e.prefix = true
  return e
}

export const TABLE: OpcodeEntry[] = new Array<OpcodeEntry>(512).fill(UNDEFINED)

function set(opcode: number, e: OpcodeEntry): void {
  TABLE[opcode] = e
}

// ---------------------------------------------------------------------------
// One-byte opcodes
// ---------------------------------------------------------------------------

const ALU_NAMES = ['ADD', 'OR', 'ADC', 'SBB', 'AND', 'SUB', 'XOR', 'CMP']
for (let op = 0; op < 8; op++) {
  const name = ALU_NAMES[op]!
  const flags = 'OSZAPC'
  const undef = op === 1 || op === 4 || op === 6 ? 'A' : ''
  const lockable = op !== 7
  set(op * 8 + 0, entry(name, 'Eb,Gb', aluRmReg, flags, undef, lockable))
  set(op * 8 + 1, entry(name, 'Ev,Gv', aluRmReg, flags, undef, lockable))
  set(op * 8 + 2, entry(name, 'Gb,Eb', aluRegRm, flags, undef))
  set(op * 8 + 3, entry(name, 'Gv,Ev', aluRegRm, flags, undef))
  set(op * 8 + 4, entry(name, 'AL,Ib', aluAccImm, flags, undef))
  set(op * 8 + 5, entry(name, 'eAX,Iz', aluAccImm, flags, undef))
}
set(0x06, entry('PUSH', 'ES', pushSeg))
set(0x07, entry('POP', 'ES', popSeg))
set(0x0e, entry('PUSH', 'CS', pushSeg))
set(0x16, entry('PUSH', 'SS', pushSeg))
set(0x17, entry('POP', 'SS', popSeg))
set(0x1e, entry('PUSH', 'DS', pushSeg))
set(0x1f, entry('POP', 'DS', popSeg))
set(0x26, prefix('ES:'))
set(0x27, entry('DAA', '', daa, 'OSZAPC', 'O'))
set(0x2e, prefix('CS:'))
set(0x2f, entry('DAS', '', das, 'OSZAPC', 'O'))
set(0x36, prefix('SS:'))
set(0x37, entry('AAA', '', aaa, 'OSZAPC', 'OSZP'))
set(0x3e, prefix('DS:'))
set(0x3f, entry('AAS', '', aas, 'OSZAPC', 'OSZP'))
for (let r = 0; r < 8; r++) {
  set(0x40 + r, entry('INC', 'Zv', incDecReg, 'OSZAP'))
  set(0x48 + r, entry('DEC', 'Zv', incDecReg, 'OSZAP'))
  set(0x50 + r, entry('PUSH', 'Zv', pushReg))
  set(0x58 + r, entry('POP', 'Zv', popReg))
}
set(0x60, entry('PUSHA', '', pusha))
set(0x61, entry('POPA', '', popa))
set(0x62, entry('BOUND', 'Gv,Ma', bound))
set(0x63, entry('ARPL', 'Ew,Gw', arpl, 'Z'))
set(0x64, prefix('FS:'))
set(0x65, prefix('GS:'))
set(0x66, prefix('OPSIZE'))
set(0x67, prefix('ADSIZE'))
set(0x68, entry('PUSH', 'Iz', pushImm))
set(0x69, entry('IMUL', 'Gv,Ev,Iz', imul3, 'OSZAPC', 'SZAP'))
set(0x6a, entry('PUSH', 'Ibs', pushImm))
set(0x6b, entry('IMUL', 'Gv,Ev,Ibs', imul3, 'OSZAPC', 'SZAP'))
set(0x6c, entry('INSB', 'Yb,DX', stringIo))
set(0x6d, entry('INS', 'Yz,DX', stringIo))
set(0x6e, entry('OUTSB', 'DX,Xb', stringIo))
set(0x6f, entry('OUTS', 'DX,Xz', stringIo))
const CONDITIONS = ['O', 'NO', 'B', 'AE', 'E', 'NE', 'BE', 'A', 'S', 'NS', 'P', 'NP', 'L', 'GE', 'LE', 'G']
for (let cc = 0; cc < 16; cc++) {
  set(0x70 + cc, entry('J' + CONDITIONS[cc], 'Jb', jcc))
  set(0x180 + cc, entry('J' + CONDITIONS[cc], 'Jz', jcc))
  set(0x190 + cc, entry('SET' + CONDITIONS[cc], 'Eb', setcc))
  set(0x140 + cc, entry('CMOV' + CONDITIONS[cc], 'Gv,Ev', cmov))
}
const aluGroup = (operands: string): OpcodeEntry[] =>
  ALU_NAMES.map((name, op) => entry(name, operands, aluRmImm, 'OSZAPC', op === 1 || op === 4 || op === 6 ? 'A' : '', op !== 7))
set(0x80, group('GRP1', aluGroup('Eb,Ib')))
set(0x81, group('GRP1', aluGroup('Ev,Iz')))
set(0x82, group('GRP1', aluGroup('Eb,Ib')))
set(0x83, group('GRP1', aluGroup('Ev,Ibs')))
set(0x84, entry('TEST', 'Eb,Gb', testRmReg, 'OSZAPC', 'A'))
set(0x85, entry('TEST', 'Ev,Gv', testRmReg, 'OSZAPC', 'A'))
set(0x86, entry('XCHG', 'Eb,Gb', xchgRmReg, '', '', true))
set(0x87, entry('XCHG', 'Ev,Gv', xchgRmReg, '', '', true))
set(0x88, entry('MOV', 'Eb,Gb', movRmReg))
set(0x89, entry('MOV', 'Ev,Gv', movRmReg))
set(0x8a, entry('MOV', 'Gb,Eb', movRegRm))
set(0x8b, entry('MOV', 'Gv,Ev', movRegRm))
set(0x8c, entry('MOV', 'Ev,Sw', movRmSreg))
set(0x8d, entry('LEA', 'Gv,M', lea))
set(0x8e, entry('MOV', 'Sw,Ew', movSregRm))
set(0x8f, group('GRP1A', [entry('POP', 'Ev', popRm), UNDEFINED, UNDEFINED, UNDEFINED, UNDEFINED, UNDEFINED, UNDEFINED, UNDEFINED]))
set(0x90, entry('NOP', '', nop))
for (let r = 1; r < 8; r++) set(0x90 + r, entry('XCHG', 'Zv,eAX', xchgAccReg))
set(0x98, entry('CBW', '', cbw))
set(0x99, entry('CWD', '', cwd))
set(0x9a, entry('CALLF', 'Ap', farDirect))
set(0x9b, entry('WAIT', '', fwait))
set(0x9c, entry('PUSHF', '', pushf))
set(0x9d, entry('POPF', '', popf, 'OSZAPC'))
set(0x9e, entry('SAHF', '', sahf, 'SZAPC'))
set(0x9f, entry('LAHF', '', lahf))
set(0xa0, entry('MOV', 'AL,Ob', movAccMoffs))
set(0xa1, entry('MOV', 'eAX,Ov', movAccMoffs))
set(0xa2, entry('MOV', 'Ob,AL', movAccMoffs))
set(0xa3, entry('MOV', 'Ov,eAX', movAccMoffs))
set(0xa4, entry('MOVSB', 'Yb,Xb', stringOp))
set(0xa5, entry('MOVS', 'Yv,Xv', stringOp))
set(0xa6, entry('CMPSB', 'Xb,Yb', stringOp, 'OSZAPC'))
set(0xa7, entry('CMPS', 'Xv,Yv', stringOp, 'OSZAPC'))
set(0xa8, entry('TEST', 'AL,Ib', testAccImm, 'OSZAPC', 'A'))
set(0xa9, entry('TEST', 'eAX,Iz', testAccImm, 'OSZAPC', 'A'))
set(0xaa, entry('STOSB', 'Yb,AL', stringOp))
set(0xab, entry('STOS', 'Yv,eAX', stringOp))
set(0xac, entry('LODSB', 'AL,Xb', stringOp))
set(0xad, entry('LODS', 'eAX,Xv', stringOp))
set(0xae, entry('SCASB', 'AL,Yb', stringOp, 'OSZAPC'))
set(0xaf, entry('SCAS', 'eAX,Yv', stringOp, 'OSZAPC'))
for (let r = 0; r < 8; r++) {
  set(0xb0 + r, entry('MOV', 'Zb,Ib', movReg8Imm))
  set(0xb8 + r, entry('MOV', 'Zv,Iv', movRegImm))
}
const SHIFT_NAMES = ['ROL', 'ROR', 'RCL', 'RCR', 'SHL', 'SHR', 'SAL', 'SAR']
const shiftGroup = (operands: string): OpcodeEntry[] =>
  SHIFT_NAMES.map((name, op) => entry(name, operands, shiftRm, op < 4 ? 'OC' : 'OSZAPC', op < 4 ? 'O' : 'OA'))
set(0xc0, group('GRP2', shiftGroup('Eb,Ib')))
set(0xc1, group('GRP2', shiftGroup('Ev,Ib')))
set(0xc2, entry('RET', 'Iw', retNear))
set(0xc3, entry('RET', '', retNear))
set(0xc4, entry('LES', 'Gz,Mp', loadFarPointer))
set(0xc5, entry('LDS', 'Gz,Mp', loadFarPointer))
set(0xc6, group('GRP11', [entry('MOV', 'Eb,Ib', movRmImm), UNDEFINED, UNDEFINED, UNDEFINED, UNDEFINED, UNDEFINED, UNDEFINED, UNDEFINED]))
set(0xc7, group('GRP11', [entry('MOV', 'Ev,Iz', movRmImm), UNDEFINED, UNDEFINED, UNDEFINED, UNDEFINED, UNDEFINED, UNDEFINED, UNDEFINED]))
set(0xc8, entry('ENTER', 'Iw,Ib', enter))
set(0xc9, entry('LEAVE', '', leave))
set(0xca, entry('RETF', 'Iw', retFar))
set(0xcb, entry('RETF', '', retFar))
set(0xcc, entry('INT3', '', int3))
set(0xcd, entry('INT', 'Ib', intImm))
set(0xce, entry('INTO', '', into))
set(0xcf, entry('IRET', '', iret, 'OSZAPC'))
set(0xd0, group('GRP2', shiftGroup('Eb,1')))
set(0xd1, group('GRP2', shiftGroup('Ev,1')))
set(0xd2, group('GRP2', shiftGroup('Eb,CL')))
set(0xd3, group('GRP2', shiftGroup('Ev,CL')))
set(0xd4, entry('AAM', 'Ib', aam, 'OSZAPC', 'OAC'))
set(0xd5, entry('AAD', 'Ib', aad, 'OSZAPC', 'OAC'))
set(0xd6, entry('SALC', '', salc))
set(0xd7, entry('XLAT', '', xlat))
for (let n = 0; n < 8; n++) set(0xd8 + n, {...entry('ESC', 'Ev', fpuEscape), resolve: resolveX87})
set(0xe0, entry('LOOPNE', 'Jb', loop))
set(0xe1, entry('LOOPE', 'Jb', loop))
set(0xe2, entry('LOOP', 'Jb', loop))
set(0xe3, entry('JCXZ', 'Jb', loop))
set(0xe4, entry('IN', 'AL,Ib', inPort))
set(0xe5, entry('IN', 'eAX,Ib', inPort))
set(0xe6, entry('OUT', 'Ib,AL', outPort))
set(0xe7, entry('OUT', 'Ib,eAX', outPort))
set(0xe8, entry('CALL', 'Jz', callRel))
set(0xe9, entry('JMP', 'Jz', jmpRel))
set(0xea, entry('JMPF', 'Ap', farDirect))
set(0xeb, entry('JMP', 'Jb', jmpRel))
set(0xec, entry('IN', 'AL,DX', inPort))
set(0xed, entry('IN', 'eAX,DX', inPort))
set(0xee, entry('OUT', 'DX,AL', outPort))
set(0xef, entry('OUT', 'DX,eAX', outPort))
set(0xf0, prefix('LOCK'))
set(0xf1, entry('INT1', '', int1))
set(0xf2, prefix('REPNE'))
set(0xf3, prefix('REP'))
set(0xf4, entry('HLT', '', hlt))
set(0xf5, entry('CMC', '', cmc, 'C'))
const grp3 = (b: string): OpcodeEntry[] => [
  entry('TEST', `E${b},I${b === 'b' ? 'b' : 'z'}`, testRmImm, 'OSZAPC', 'A'),
  entry('TEST', `E${b},I${b === 'b' ? 'b' : 'z'}`, testRmImm, 'OSZAPC', 'A'),
  entry('NOT', `E${b}`, notRm, '', '', true),
  entry('NEG', `E${b}`, negRm, 'OSZAPC', '', true),
  entry('MUL', `E${b}`, mul, 'OSZAPC', 'SZAP'),
  entry('IMUL', `E${b}`, imul1, 'OSZAPC', 'SZAP'),
  entry('DIV', `E${b}`, div, 'OSZAPC', 'OSZAPC'),
  entry('IDIV', `E${b}`, idiv, 'OSZAPC', 'OSZAPC'),
]
set(0xf6, group('GRP3', grp3('b')))
set(0xf7, group('GRP3', grp3('v')))
set(0xf8, entry('CLC', '', clc, 'C'))
set(0xf9, entry('STC', '', stc, 'C'))
set(0xfa, entry('CLI', '', cli))
set(0xfb, entry('STI', '', sti))
set(0xfc, entry('CLD', '', cld))
set(0xfd, entry('STD', '', std))
set(0xfe, group('GRP4', [
  entry('INC', 'Eb', incDecRm, 'OSZAP', '', true), entry('DEC', 'Eb', incDecRm, 'OSZAP', '', true),
  UNDEFINED, UNDEFINED, UNDEFINED, UNDEFINED, UNDEFINED, UNDEFINED,
]))
set(0xff, group('GRP5', [
  entry('INC', 'Ev', incDecRm, 'OSZAP', '', true), entry('DEC', 'Ev', incDecRm, 'OSZAP', '', true),
  entry('CALL', 'Ev', callRm), entry('CALLF', 'Mp', farIndirect),
  entry('JMP', 'Ev', jmpRm), entry('JMPF', 'Mp', farIndirect),
  entry('PUSH', 'Ev', pushRm), UNDEFINED,
]))

// ---------------------------------------------------------------------------
// Two-byte opcodes (0F xx)
// ---------------------------------------------------------------------------

set(0x100, group('GRP6', [
  entry('SLDT', 'Ew', storeSystemSelector), entry('STR', 'Ew', storeSystemSelector),
  entry('LLDT', 'Ew', lldt), entry('LTR', 'Ew', ltr),
  entry('VERR', 'Ew', verify, 'Z'), entry('VERW', 'Ew', verify, 'Z'),
  UNDEFINED, UNDEFINED,
]))
set(0x101, group('GRP7', [
  entry('SGDT', 'Ms', storeTableRegister), entry('SIDT', 'Ms', storeTableRegister),
  entry('LGDT', 'Ms', loadTableRegister), entry('LIDT', 'Ms', loadTableRegister),
  entry('SMSW', 'Ew', smsw), UNDEFINED,
  entry('LMSW', 'Ew', lmsw), entry('INVLPG', 'Mb', invlpg),
]))
set(0x102, entry('LAR', 'Gv,Ew', lar, 'Z'))
set(0x103, entry('LSL', 'Gv,Ew', lsl, 'Z'))
set(0x106, entry('CLTS', '', clts))
set(0x108, entry('INVD', '', invd))
set(0x109, entry('WBINVD', '', wbinvd))
set(0x10b, entry('UD2', '', undefinedOpcode))
// 0F 18 (PREFETCHh) and the hint NOPs 0F 19-1F take a ModRM operand and do nothing on a
// P6-class processor: compilers emit them (ENDBR32 is F3 0F 1E FB, NOP DWORD [EAX] is 0F 1F 00).
for (let op = 0x118; op <= 0x11f; op++) set(op, entry('NOP', 'Ev', nop))
set(0x120, entry('MOV', 'Rd,Cd', movCr))
set(0x121, entry('MOV', 'Rd,Dd', movDr))
set(0x122, entry('MOV', 'Cd,Rd', movCr))
set(0x123, entry('MOV', 'Dd,Rd', movDr))
set(0x130, entry('WRMSR', '', wrmsr))
set(0x131, entry('RDTSC', '', rdtsc))
set(0x132, entry('RDMSR', '', rdmsr))
set(0x1a0, entry('PUSH', 'FS', pushSeg))
set(0x1a1, entry('POP', 'FS', popSeg))
set(0x1a2, entry('CPUID', '', cpuid))
set(0x1a3, entry('BT', 'Ev,Gv', bitTestReg, 'OSAPC', 'OSAP'))
set(0x1a4, entry('SHLD', 'Ev,Gv,Ib', doubleShift, 'OSZAPC', 'OA'))
set(0x1a5, entry('SHLD', 'Ev,Gv,CL', doubleShift, 'OSZAPC', 'OA'))
set(0x1a8, entry('PUSH', 'GS', pushSeg))
set(0x1a9, entry('POP', 'GS', popSeg))
set(0x1ab, entry('BTS', 'Ev,Gv', bitTestReg, 'OSAPC', 'OSAP', true))
set(0x1ac, entry('SHRD', 'Ev,Gv,Ib', doubleShift, 'OSZAPC', 'OA'))
set(0x1ad, entry('SHRD', 'Ev,Gv,CL', doubleShift, 'OSZAPC', 'OA'))
set(0x1af, entry('IMUL', 'Gv,Ev', imul2, 'OSZAPC', 'SZAP'))
set(0x1b0, entry('CMPXCHG', 'Eb,Gb', cmpxchg, 'OSZAPC', '', true))
set(0x1b1, entry('CMPXCHG', 'Ev,Gv', cmpxchg, 'OSZAPC', '', true))
set(0x1b2, entry('LSS', 'Gz,Mp', loadFarPointer))
set(0x1b3, entry('BTR', 'Ev,Gv', bitTestReg, 'OSAPC', 'OSAP', true))
set(0x1b4, entry('LFS', 'Gz,Mp', loadFarPointer))
set(0x1b5, entry('LGS', 'Gz,Mp', loadFarPointer))
set(0x1b6, entry('MOVZX', 'Gv,Eb', movExtend))
set(0x1b7, entry('MOVZX', 'Gv,Ew', movExtend))
set(0x1ba, group('GRP8', [
  UNDEFINED, UNDEFINED, UNDEFINED, UNDEFINED,
  entry('BT', 'Ev,Ib', bitTestImm, 'OSAPC', 'OSAP'), entry('BTS', 'Ev,Ib', bitTestImm, 'OSAPC', 'OSAP', true),
  entry('BTR', 'Ev,Ib', bitTestImm, 'OSAPC', 'OSAP', true), entry('BTC', 'Ev,Ib', bitTestImm, 'OSAPC', 'OSAP', true),
]))
set(0x1bb, entry('BTC', 'Ev,Gv', bitTestReg, 'OSAPC', 'OSAP', true))
set(0x1bc, entry('BSF', 'Gv,Ev', bitScan, 'OSZAPC', 'OSAPC'))
set(0x1bd, entry('BSR', 'Gv,Ev', bitScan, 'OSZAPC', 'OSAPC'))
set(0x1be, entry('MOVSX', 'Gv,Eb', movExtend))
set(0x1bf, entry('MOVSX', 'Gv,Ew', movExtend))
set(0x1c0, entry('XADD', 'Eb,Gb', xadd, 'OSZAPC', '', true))
set(0x1c1, entry('XADD', 'Ev,Gv', xadd, 'OSZAPC', '', true))
set(0x1c7, group('GRP9', [
  UNDEFINED, entry('CMPXCHG8B', 'Mq', cmpxchg8b, 'Z', '', true), UNDEFINED, UNDEFINED,
  UNDEFINED, UNDEFINED, UNDEFINED, UNDEFINED,
]))
for (let r = 0; r < 8; r++) set(0x1c8 + r, entry('BSWAP', 'Zv', bswap))

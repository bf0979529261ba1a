/**
 * The x87 opcode map (SDM Vol. 2 Appendix A.5): for each escape opcode D8-DF,
 * eight memory forms by ModRM.reg, and register forms by ModRM.reg (and, for
 * some, by ModRM.rm). The decoder asks `resolveX87` for the handler of a
 * decoded ESC instruction once, so executing it again costs no lookup.
 *
 * The undocumented aliases that Intel processors execute (FSTP1, FCOM2,
 * FCOMP3, FXCH4, FCOMP5, FXCH7, FSTP8, FSTP9, FFREEP) are included; FISTTP
 * (SSE3) is not, as CPUID does not advertise it, and raises #UD like every
 * other unused encoding (or #NM, as every ESC does, under CR0.EM or TS).
 */
import type {Handler, Instr} from '../decoder/instr.js'
import {fpuEscape} from '../execute/system.js'
import {arithmeticMemory, arithmeticRegister} from './execute/arith.js'
import {compareMemory, compareRegister, compareToEflags, test} from './execute/compare.js'
import {
  clearExceptions, freeRegister, initialize, loadControlWord, loadEnvironment, moveStackTop, noOperation, restoreState,
  saveState, storeControlWord, storeEnvironment, storeStatusWord, storeStatusWordAx,
} from './execute/control.js'
import {
  loadBcd, loadConstantInstruction, loadInteger, loadReal, loadRegister, storeBcd, storeInteger, storeReal, storeRegister,
} from './execute/load-store.js'
import {
  arctangentInstruction, extractInstruction, remainderInstruction, roundInstruction, scaleInstruction,
  squareRootInstruction, trigonometricInstruction, twoToXMinusOneInstruction, yLog2XInstruction,
  yLog2XPlusOneInstruction,
} from './execute/math.js'
import {changeSign, conditionalMove, examine, exchange} from './execute/register-ops.js'

export interface X87Form {
  mnemonic: string
  exec: Handler
}

/** An unused encoding: #NM under CR0.EM/TS like every ESC (the OS's emulator decides), else #UD. */
const BAD: X87Form = {mnemonic: '(bad)', exec: fpuEscape}
const form = (mnemonic: string, exec: Handler): X87Form => ({mnemonic, exec})

const ARITH = ['FADD', 'FMUL', 'FCOM', 'FCOMP', 'FSUB', 'FSUBR', 'FDIV', 'FDIVR']
/** Memory forms: MEMORY[opcode - 0xD8][reg]. */
export const MEMORY: X87Form[][] = [
  ARITH.map((name, reg) => form(`${name} m32fp`, reg === 2 || reg === 3 ? compareMemory : arithmeticMemory)),
  [form('FLD m32fp', loadReal), BAD, form('FST m32fp', storeReal), form('FSTP m32fp', storeReal),
    form('FLDENV m14/28byte', loadEnvironment), form('FLDCW m2byte', loadControlWord),
    form('FNSTENV m14/28byte', storeEnvironment), form('FNSTCW m2byte', storeControlWord)],
  ARITH.map((name, reg) => form(`FI${name.slice(1)} m32int`, reg === 2 || reg === 3 ? compareMemory : arithmeticMemory)),
  [form('FILD m32int', loadInteger), BAD, form('FIST m32int', storeInteger), form('FISTP m32int', storeInteger),
    BAD, form('FLD m80fp', loadReal), BAD, form('FSTP m80fp', storeReal)],
  ARITH.map((name, reg) => form(`${name} m64fp`, reg === 2 || reg === 3 ? compareMemory : arithmeticMemory)),
  [form('FLD m64fp', loadReal), BAD, form('FST m64fp', storeReal), form('FSTP m64fp', storeReal),
    form('FRSTOR m94/108byte', restoreState), BAD, form('FNSAVE m94/108byte', saveState),
    form('FNSTSW m2byte', storeStatusWord)],
  ARITH.map((name, reg) => form(`FI${name.slice(1)} m16int`, reg === 2 || reg === 3 ? compareMemory : arithmeticMemory)),
  [form('FILD m16int', loadInteger), BAD, form('FIST m16int', storeInteger), form('FISTP m16int', storeInteger),
    form('FBLD m80bcd', loadBcd), form('FILD m64int', loadInteger), form('FBSTP m80bcd', storeBcd),
    form('FISTP m64int', storeInteger)],
]

/** A register form for every ModRM.rm, or one form for all eight. */
type RegisterForms = X87Form | X87Form[]

const byRm = (...forms: X87Form[]): X87Form[] => [...forms, ...new Array<X87Form>(8 - forms.length).fill(BAD)]

/** Register forms: REGISTER[opcode - 0xD8][reg]. */
export const REGISTER: RegisterForms[][] = [
  // D8
  ARITH.map((name, reg) => form(reg === 2 || reg === 3 ? `${name} ST(i)` : `${name} ST(0),ST(i)`, reg === 2 || reg === 3 ? compareRegister : arithmeticRegister)),
  // D9
  [form('FLD ST(i)', loadRegister), form('FXCH ST(i)', exchange), byRm(form('FNOP', noOperation)), form('FSTP1 ST(i)', storeRegister),
    byRm(form('FCHS', changeSign), form('FABS', changeSign), BAD, BAD, form('FTST', test), form('FXAM', examine)),
    byRm(...['FLD1', 'FLDL2T', 'FLDL2E', 'FLDPI', 'FLDLG2', 'FLDLN2', 'FLDZ'].map((n) => form(n, loadConstantInstruction))),
    [form('F2XM1', twoToXMinusOneInstruction), form('FYL2X', yLog2XInstruction), form('FPTAN', trigonometricInstruction),
      form('FPATAN', arctangentInstruction), form('FXTRACT', extractInstruction), form('FPREM1', remainderInstruction),
      form('FDECSTP', moveStackTop), form('FINCSTP', moveStackTop)],
    [form('FPREM', remainderInstruction), form('FYL2XP1', yLog2XPlusOneInstruction), form('FSQRT', squareRootInstruction),
      form('FSINCOS', trigonometricInstruction), form('FRNDINT', roundInstruction), form('FSCALE', scaleInstruction),
      form('FSIN', trigonometricInstruction), form('FCOS', trigonometricInstruction)]],
  // DA
  [form('FCMOVB ST(0),ST(i)', conditionalMove), form('FCMOVE ST(0),ST(i)', conditionalMove),
    form('FCMOVBE ST(0),ST(i)', conditionalMove), form('FCMOVU ST(0),ST(i)', conditionalMove),
    BAD, byRm(BAD, form('FUCOMPP', compareRegister)), BAD, BAD],
  // DB
  [form('FCMOVNB ST(0),ST(i)', conditionalMove), form('FCMOVNE ST(0),ST(i)', conditionalMove),
    form('FCMOVNBE ST(0),ST(i)', conditionalMove), form('FCMOVNU ST(0),ST(i)', conditionalMove),
    byRm(form('FENI', noOperation), form('FDISI', noOperation), form('FNCLEX', clearExceptions), form('FNINIT', initialize),
      form('FSETPM', noOperation)),
    form('FUCOMI ST(0),ST(i)', compareToEflags), form('FCOMI ST(0),ST(i)', compareToEflags), BAD],
  // DC
  [form('FADD ST(i),ST(0)', arithmeticRegister), form('FMUL ST(i),ST(0)', arithmeticRegister),
    form('FCOM2 ST(i)', compareRegister), form('FCOMP3 ST(i)', compareRegister),
    form('FSUBR ST(i),ST(0)', arithmeticRegister), form('FSUB ST(i),ST(0)', arithmeticRegister),
    form('FDIVR ST(i),ST(0)', arithmeticRegister), form('FDIV ST(i),ST(0)', arithmeticRegister)],
  // DD
  [form('FFREE ST(i)', freeRegister), form('FXCH4 ST(i)', exchange), form('FST ST(i)', storeRegister),
    form('FSTP ST(i)', storeRegister), form('FUCOM ST(i)', compareRegister), form('FUCOMP ST(i)', compareRegister), BAD, BAD],
  // DE
  [form('FADDP ST(i),ST(0)', arithmeticRegister), form('FMULP ST(i),ST(0)', arithmeticRegister),
    form('FCOMP5 ST(i)', compareRegister), byRm(BAD, form('FCOMPP', compareRegister)),
    form('FSUBRP ST(i),ST(0)', arithmeticRegister), form('FSUBP ST(i),ST(0)', arithmeticRegister),
    form('FDIVRP ST(i),ST(0)', arithmeticRegister), form('FDIVP ST(i),ST(0)', arithmeticRegister)],
  // DF
  [form('FFREEP ST(i)', freeRegister), form('FXCH7 ST(i)', exchange), form('FSTP8 ST(i)', storeRegister),
    form('FSTP9 ST(i)', storeRegister), byRm(form('FNSTSW AX', storeStatusWordAx)),
    form('FUCOMIP ST(0),ST(i)', compareToEflags), form('FCOMIP ST(0),ST(i)', compareToEflags), BAD],
]

/** The form of a decoded ESC instruction (opcode D8-DF, ModRM decoded). */
export function x87Form(i: Instr): X87Form {
  const row = i.opcode - 0xd8
  if (i.isMem) return MEMORY[row]![i.reg]!
  const forms = REGISTER[row]![i.reg]!
  return Array.isArray(forms) ? forms[i.rm]! : forms
}

/** The handler the decoder installs for an ESC instruction. */
export function resolveX87(i: Instr): Handler {
  return x87Form(i).exec
}

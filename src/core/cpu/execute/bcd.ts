/**
 * Decimal arithmetic adjustments: DAA, DAS, AAA, AAS, AAM, AAD (SDM Vol. 2
 * pseudo-code), and the undocumented SALC. Flags the SDM leaves undefined are
 * given the values of a result-based computation with OF cleared.
 */
import {AF, CF, DE} from '../constants.js'
import type {Instr} from '../decoder/instr.js'
import {getAF, getCF, setLazyResult} from '../flags.js'
import {raise} from '../signals.js'
import type {CpuCore} from '../state.js'

/** DAA (27) */
export function daa(cpu: CpuCore): void {
  const oldAl = cpu.regs[0]! & 0xff
  const oldCf = getCF(cpu)
  let al = oldAl
  let cf = false
  let af = false
  if ((al & 0xf) > 9 || getAF(cpu)) {
    cf = oldCf || al + 6 > 0xff
    al = (al + 6) & 0xff
    af = true
  }
  if (oldAl > 0x99 || oldCf) {
    al = (al + 0x60) & 0xff
    cf = true
  }
  cpu.setReg8(0, al)
  setLazyResult(cpu, al, 1, (cf ? CF : 0) | (af ? AF : 0))
}

/** DAS (2F) */
export function das(cpu: CpuCore): void {
  const oldAl = cpu.regs[0]! & 0xff
  const oldCf = getCF(cpu)
  let al = oldAl
  let cf = false
  let af = false
  if ((al & 0xf) > 9 || getAF(cpu)) {
    cf = oldCf || al < 6
    al = (al - 6) & 0xff
    af = true
  }
  if (oldAl > 0x99 || oldCf) {
    al = (al - 0x60) & 0xff
    cf = true
  }
  cpu.setReg8(0, al)
  setLazyResult(cpu, al, 1, (cf ? CF : 0) | (af ? AF : 0))
}

/** AAA (37) */
export function aaa(cpu: CpuCore): void {
  let ax = cpu.regs[0]! & 0xffff
  const adjust = (ax & 0xf) > 9 || getAF(cpu)
  if (adjust) ax = (ax + 0x106) & 0xffff
  ax &= 0xff0f
  cpu.setReg16(0, ax)
  setLazyResult(cpu, ax & 0xff, 1, adjust ? AF | CF : 0)
}

/** AAS (3F) */
export function aas(cpu: CpuCore): void {
  let ax = cpu.regs[0]! & 0xffff
  const adjust = (ax & 0xf) > 9 || getAF(cpu)
  if (adjust) {
    // AX - 6 borrows from AH when AL < 6, then AH - 1 (as current processors do).
    ax = (ax - 6) & 0xffff
    ax = (ax - 0x100) & 0xffff
  }
  ax &= 0xff0f
  cpu.setReg16(0, ax)
  setLazyResult(cpu, ax & 0xff, 1, adjust ? AF | CF : 0)
}

/** AAM imm8 (D4): #DE when the base is 0. */
export function aam(cpu: CpuCore, i: Instr): void {
  const base = i.imm & 0xff
  if (base === 0) raise(cpu, DE)
  const al = cpu.regs[0]! & 0xff
  const result = ((Math.floor(al / base) & 0xff) << 8) | (al % base)
  cpu.setReg16(0, result)
  setLazyResult(cpu, result & 0xff, 1, 0)
}

/** AAD imm8 (D5): AL = AL + AH * base, AH = 0. */
export function aad(cpu: CpuCore, i: Instr): void {
  const ax = cpu.regs[0]! & 0xffff
  const al = ((ax & 0xff) + (ax >> 8) * (i.imm & 0xff)) & 0xff
  cpu.setReg16(0, al)
  setLazyResult(cpu, al, 1, 0)
}

/** SALC (D6): AL = CF ? FF : 00. Undocumented but present on every IA-32 processor. */
export function salc(cpu: CpuCore): void {
  cpu.setReg8(0, getCF(cpu) ? 0xff : 0)
}

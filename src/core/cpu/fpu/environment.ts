/**
 * The x87 environment image (FNSTENV/FLDENV: control, status and tag words and
 * the last instruction and operand pointers) and the state image (FNSAVE/FRSTOR:
 * the environment followed by ST(0)-ST(7)), in their four layouts: 32-bit
 * operand size (28-byte environment) or 16-bit (14 bytes), each in a protected-
 * mode form (selector and offset) and a real-mode form (20/32-bit linear
 * pointers split around the opcode), SDM Vol. 1 Figures 8-9 to 8-12.
 * Virtual-8086 mode uses the real-mode forms.
 */
import type {Instr} from '../decoder/instr.js'
import {read16, read32, write16, write32} from '../mmu.js'
import {probeWrite} from '../mmu.js'
import type {CpuCore} from '../state.js'
import {fromWords, signExponent, significandHigh, significandLow} from './ext80.js'
import {offsetLinear} from './operand-memory.js'

export interface EnvironmentImage {
  controlWord: number
  statusWord: number
  tagWord: number
  /** Protected mode: offsets and selectors; real mode: linear addresses in the offsets, selectors 0. */
  fip: number
  fcs: number
  fop: number
  fdp: number
  fds: number
}

export function environmentSize(opSize32: boolean): number {
  return opSize32 ? 28 : 14
}

function realLayout(cpu: CpuCore): boolean {
  return !cpu.protectedMode || cpu.v86
}

/** The pointers as a real-mode image holds them: linear addresses. */
function linearPointer(offset: number, selector: number): number {
  return (offset + (selector << 4)) >>> 0
}

/** The environment as a list of [offset, size, value] fields for the current mode and operand size. */
function fields(cpu: CpuCore, env: EnvironmentImage, opSize32: boolean): Array<[number, number, number]> {
  const real = realLayout(cpu)
  if (opSize32) {
    if (!real) {
      return [[0, 4, env.controlWord | 0xffff0000], [4, 4, env.statusWord | 0xffff0000], [8, 4, env.tagWord | 0xffff0000],
        [12, 4, env.fip], [16, 4, (env.fcs & 0xffff) | ((env.fop & 0x7ff) << 16)], [20, 4, env.fdp], [24, 4, (env.fds & 0xffff) | 0xffff0000]]
    }
    const ip = linearPointer(env.fip, env.fcs)
    const dp = linearPointer(env.fdp, env.fds)
    return [[0, 4, env.controlWord | 0xffff0000], [4, 4, env.statusWord | 0xffff0000], [8, 4, env.tagWord | 0xffff0000],
      [12, 4, (ip & 0xffff) | 0xffff0000], [16, 4, ((ip >>> 16) << 12) | (env.fop & 0x7ff)],
      [20, 4, (dp & 0xffff) | 0xffff0000], [24, 4, (dp >>> 16) << 12]]
  }
  if (!real) {
    return [[0, 2, env.controlWord], [2, 2, env.statusWord], [4, 2, env.tagWord], [6, 2, env.fip], [8, 2, env.fcs],
      [10, 2, env.fdp], [12, 2, env.fds]]
  }
  const ip = linearPointer(env.fip, env.fcs)
  const dp = linearPointer(env.fdp, env.fds)
  return [[0, 2, env.controlWord], [2, 2, env.statusWord], [4, 2, env.tagWord], [6, 2, ip & 0xffff],
    [8, 2, (((ip >>> 16) & 0xf) << 12) | (env.fop & 0x7ff)], [10, 2, dp & 0xffff], [12, 2, ((dp >>> 16) & 0xf) << 12]]
}

/** The current environment. */
export function currentEnvironment(cpu: CpuCore): EnvironmentImage {
  const fpu = cpu.fpu
  return {
    controlWord: fpu.controlWord, statusWord: fpu.statusWord, tagWord: fpu.tagWord,
    fip: fpu.fip, fcs: fpu.fcs, fop: fpu.fop, fdp: fpu.fdp, fds: fpu.fds,
  }
}

/** Store the environment (and, with `withRegisters`, ST(0)-ST(7)) at the operand; the whole image is checked first. */
export function storeImage(cpu: CpuCore, i: Instr, withRegisters: boolean): void {
  const opSize32 = i.opSize === 4
  const size = environmentSize(opSize32)
  const total = size + (withRegisters ? 80 : 0)
  const start = offsetLinear(cpu, i, 0, total, true)
  probeWrite(cpu, start, total)
  for (const [offset, width, value] of fields(cpu, currentEnvironment(cpu), opSize32)) {
    const linear = offsetLinear(cpu, i, offset, width, true)
    if (width === 4) write32(cpu, linear, value | 0)
    else write16(cpu, linear, value)
  }
  if (!withRegisters) return
  const fpu = cpu.fpu
  for (let n = 0; n < 8; n++) {
    const v = fpu.st(n)
    const at = size + n * 10
    write32(cpu, offsetLinear(cpu, i, at, 4, true), significandLow(v))
    write32(cpu, offsetLinear(cpu, i, at + 4, 4, true), significandHigh(v))
    write16(cpu, offsetLinear(cpu, i, at + 8, 2, true), signExponent(v))
  }
}

/** Read the environment (and the registers) from the operand, then load it: nothing changes if a read faults. */
export function loadImage(cpu: CpuCore, i: Instr, withRegisters: boolean): void {
  const opSize32 = i.opSize === 4
  const size = environmentSize(opSize32)
  const real = realLayout(cpu)
  const read = (offset: number, width: number): number => {
    const linear = offsetLinear(cpu, i, offset, width, false)
    return width === 4 ? read32(cpu, linear) >>> 0 : read16(cpu, linear)
  }
  const step = opSize32 ? 4 : 2
  const controlWord = read(0, 2)
  const statusWord = read(step, 2)
  const tagWord = read(2 * step, 2)
  let fip: number, fcs: number, fop: number, fdp: number, fds: number
  if (opSize32 && !real) {
    fip = read(12, 4)
    const w = read(16, 4)
    fcs = w & 0xffff
    fop = (w >>> 16) & 0x7ff
    fdp = read(20, 4)
    fds = read(24, 2)
  } else if (opSize32) {
    const w = read(16, 4)
    fip = (read(12, 2) | ((w >>> 12) << 16)) >>> 0
    fop = w & 0x7ff
    fdp = (read(20, 2) | ((read(24, 4) >>> 12) << 16)) >>> 0
    fcs = fds = 0
  } else if (!real) {
    fip = read(6, 2)
    fcs = read(8, 2)
    fdp = read(10, 2)
    fds = read(12, 2)
    fop = 0
  } else {
    const w = read(8, 2)
    fip = read(6, 2) | ((w >> 12) << 16)
    fop = w & 0x7ff
    fdp = read(10, 2) | ((read(12, 2) >> 12) << 16)
    fcs = fds = 0
  }
  const registers = []
  if (withRegisters) {
    for (let n = 0; n < 8; n++) {
      const at = size + n * 10
      registers.push(fromWords(read(at, 4), read(at + 4, 4), read(at + 8, 2)))
    }
  }
  const fpu = cpu.fpu
  fpu.controlWord = controlWord
  fpu.statusWord = statusWord
  fpu.tagWord = tagWord
  fpu.fip = fip
  fpu.fcs = fcs
  fpu.fop = fop
  fpu.fdp = fdp
  fpu.fds = fds
  // The registers are stored in stack order from ST(0), with the TOP just loaded.
  registers.forEach((v, n) => { fpu.regs[fpu.physical(n)] = v })
  fpu.updateErrorSummary()
}

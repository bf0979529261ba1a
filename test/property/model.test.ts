/**
 * The reference model checked against QEMU: the golden outputs of the ALU,
 * shift and multiply/divide differential programs list operands, input flags,
 * results and masked flags, so the model must reproduce every line of them.
 * This needs no CPU and guards the model the property tests rely on.
 */
import {describe, expect, it} from 'vitest'
import {readFileSync} from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {aad, aam, alu, bcd, bitScan, bitTest, div, doubleShift, imulTrunc, mul1, shift, unary, type AluOp, type BcdOp, type BitTestOp, type ShiftOp, type UnaryOp, type Width} from './model.js'

const golden = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'cpu-diff', 'golden')
const lines = (name: string): string[] => readFileSync(path.join(golden, `${name}.txt`), 'latin1').split('\n').filter(Boolean)
const h = (s: string): number => parseInt(s, 16) >>> 0

describe('reference model agrees with QEMU on the differential programs', () => {
  it('ALU register forms (alu.txt)', () => {
    let n = 0
    for (const line of lines('alu')) {
      const m = /^(add|adc|sub|sbb|and|or|xor|cmp|test)(8|16|32) (\w+) (\w+) (\w+) (\w+) (\w+)$/.exec(line)
      if (m) {
        const [, op, ws, a, b, fin, res, fout] = m
        const w = Number(ws) as Width
        const r = alu(op as AluOp, h(a!), h(b!), h(fin!), w)
        const result = r.writes ? r.result : h(a!)
        expect(`${line} -> ${result.toString(16)} ${(r.flags & r.defined).toString(16)}`).toBe(`${line} -> ${h(res!).toString(16)} ${h(fout!).toString(16)}`)
        n++
        continue
      }
      const u = /^(inc|dec|neg|not)(8|16|32) (\w+) (\w+) (\w+) (\w+)$/.exec(line)
      if (u) {
        const [, op, ws, a, fin, res, fout] = u
        const r = unary(op as UnaryOp, h(a!), h(fin!), Number(ws) as Width)
        expect(`${line} -> ${r.result.toString(16)} ${(r.flags & 0x8d5).toString(16)}`).toBe(`${line} -> ${h(res!).toString(16)} ${h(fout!).toString(16)}`)
        n++
      }
    }
    expect(n).toBeGreaterThan(3000)
  })

  it('shifts and rotates by CL (shifts.txt)', () => {
    let n = 0
    for (const line of lines('shifts')) {
      const m = /^(shl|shr|sar|rol|ror|rcl|rcr)(8|16|32) (\w+) (\w+) (\w+) (\w+) (\w+)$/.exec(line)
      if (!m) continue
      const [, op, ws, a, count, fin, res, fout] = m
      const r = shift(op as ShiftOp, h(a!), h(count!), h(fin!), Number(ws) as Width)
      // the program masks flags exactly as the model's `defined`
      expect(`${line} -> ${r.result.toString(16)} ${(r.flags & r.defined).toString(16)}`).toBe(`${line} -> ${h(res!).toString(16)} ${h(fout!).toString(16)}`)
      n++
    }
    expect(n).toBeGreaterThan(2000)
  })

  it('multiplication and division (muldiv.txt)', () => {
    let n = 0
    for (const line of lines('muldiv')) {
      let m = /^(mul|imul)(8|16|32) (\w+) (\w+) (\w+) (\w+) (\w+)$/.exec(line)
      if (m) {
        const [, op, ws, a, b, edx, eax, f] = m
        const w = Number(ws) as Width
        const r = mul1(op === 'imul', h(a!), h(b!), w)
        const lo = w === 8 ? ((r.hi << 8) | r.lo) : r.lo
        const gotEax = w === 32 ? h(eax!) : h(eax!) & (w === 8 ? 0xffff : 0xffff)
        const gotHi = w === 8 ? r.hi : w === 16 ? h(edx!) & 0xffff : h(edx!)
        expect(`${line} -> ${lo.toString(16)} ${gotHi.toString(16)} ${r.flags.toString(16)}`)
          .toBe(`${line} -> ${gotEax.toString(16)} ${r.hi.toString(16)} ${h(f!).toString(16)}`)
        n++
        continue
      }
      m = /^imul(?:2|3b|3)-(16|32) (\w+) (\w+) (\w+) (\w+)$/.exec(line)
      if (m) {
        const [, ws, a, b, eax, f] = m
        const w = Number(ws) as Width
        const kind = line.startsWith('imul2') ? 2 : line.startsWith('imul3b') ? 3 : 4
        const other = kind === 2 ? h(a!) : kind === 3 ? 0xfffffffd : w === 16 ? 0x0101 : 0x00010001
        const src = kind === 2 ? h(b!) : h(b!)
        const r = imulTrunc(kind === 2 ? other : src, kind === 2 ? src : other, w)
        const got = w === 16 ? h(eax!) & 0xffff : h(eax!)
        expect(`${line} -> ${r.result.toString(16)} ${r.flags.toString(16)}`).toBe(`${line} -> ${got.toString(16)} ${h(f!).toString(16)}`)
        n++
        continue
      }
      m = /^(div|idiv)(8|16|32) (\w+) (\w+) (.*)$/.exec(line)
      if (m) {
        const [, op, ws, dividend, divisor, rest] = m
        if (rest === 'skipped') continue
        const w = Number(ws) as Width
        const digits = w / 4
        const hi = h(dividend!.slice(0, digits))
        const lo = h(dividend!.slice(digits))
        const r = div(op === 'idiv', hi, lo, h(divisor!), w)
        if (rest!.startsWith('#DE')) {
          expect(`${line}: ${r.fault}`).toBe(`${line}: DE`)
        } else {
          expect(r.fault, line).toBeNull()
          if (r.fault === null) {
            const [edx, eax] = rest!.split(' ').map(h)
            const wantQ = w === 8 ? eax! & 0xff : w === 16 ? eax! & 0xffff : eax!
            const wantR = w === 8 ? (eax! >>> 8) & 0xff : w === 16 ? edx! & 0xffff : edx!
            expect(`${line} -> ${r.quotient.toString(16)} ${r.remainder.toString(16)}`).toBe(`${line} -> ${wantQ.toString(16)} ${wantR.toString(16)}`)
          }
        }
        n++
      }
    }
    expect(n).toBeGreaterThan(3000)
  })

  it('SHLD and SHRD (shifts.txt)', () => {
    let n = 0
    for (const line of lines('shifts')) {
      const m = /^(shld|shrd)(16|32) (\w+) (\w+) (\w+) (\w+)(?: (\w+))?$/.exec(line)
      if (!m) continue
      const [, op, ws, a, count, fin, res, fout] = m
      const w = Number(ws) as 16 | 32
      // the program's second operand is the second table value
      const src = w === 16 ? 0x7fff : 0x7fffffff
      const r = doubleShift(op as 'shld' | 'shrd', h(a!), src, h(count!), h(fin!), w)
      if (res === 'undefined') {
        expect(r, line).toBeNull()
      } else {
        expect(r, line).not.toBeNull()
        expect(`${line} -> ${r!.result.toString(16)} ${(r!.flags & r!.defined).toString(16)}`).toBe(`${line} -> ${h(res!).toString(16)} ${h(fout!).toString(16)}`)
      }
      n++
    }
    expect(n).toBeGreaterThan(200)
  })

  it('BT/BTS/BTR/BTC with a register base and BSF/BSR (bitops.txt)', () => {
    let n = 0
    let btInput = 0
    for (const line of lines('bitops')) {
      let m = /^(bt|bts|btr|btc)(16|32) (\w+) (\w+) (\w+)$/.exec(line)
      if (m) {
        const [, op, ws, offset, res, f] = m
        const w = Number(ws) as 16 | 32
        // base 0x8000A5C3; each offset runs with input flags 0x002 then 0x8D7
        const flagsIn = btInput++ % 2 === 0 ? 0x002 : 0x8d7
        const r = bitTest(op as BitTestOp, 0x8000a5c3, h(offset!), flagsIn, w)
        expect(`${line} -> ${r.result.toString(16)} ${(r.flags & r.defined).toString(16)}`).toBe(`${line} -> ${h(res!).toString(16)} ${h(f!).toString(16)}`)
        n++
        continue
      }
      m = /^bsf\/bsr (\w+) (.*)$/.exec(line)
      if (m) {
        const src = h(m[1]!)
        const parts = m[2]!.split(' ')
        const forms: Array<[boolean, 16 | 32]> = [[false, 32], [true, 32], [false, 16], [true, 16]]
        forms.forEach(([reverse, w], k) => {
          const r = bitScan(reverse, src, w)
          const [f, dest] = parts[k]!.split('/')
          expect(`${line}[${k}] zf ${(r.flags & r.defined).toString(16)}`).toBe(`${line}[${k}] zf ${h(f!).toString(16)}`)
          if (!r.zero) expect((h(dest!) & (w === 16 ? 0xffff : 0xffffffff)) >>> 0, `${line}[${k}]`).toBe(r.index)
        })
        n++
      }
    }
    expect(n).toBeGreaterThan(100)
  })

  it('DAA DAS AAA AAS AAM AAD over every AL value (bcd.txt)', () => {
    const ahFor: Record<string, number> = {
      daa: 0x5a, das: 0x5a, aaa: 0x12, 'aaa-ff': 0xff, aas: 0x12, 'aas-00': 0x00,
      aam: 0x33, aam16: 0x33, aam7: 0x33, aad: 0x07, 'aad-ff': 0xff, aad3: 0x9a, aad0: 0x9a,
    }
    let n = 0
    for (const line of lines('bcd')) {
      const m = /^([\w-]+) (\w+) (\w):((?: \w+\/\w+){16})$/.exec(line)
      if (!m) continue
      const [, name, fin, hiNibble, rest] = m
      const results = rest!.trim().split(' ')
      for (let lo = 0; lo < 16; lo++) {
        const ax = (ahFor[name!]! << 8) | (h(hiNibble!) << 4) | lo
        const [val, f] = results[lo]!.split('/')
        let got: {ax: number; flags: number; defined: number} | null
        const base = name === 'aam16' ? 16 : name === 'aam7' ? 7 : name === 'aad3' ? 3 : name === 'aad0' ? 0 : 10
        if (name!.startsWith('aam')) got = aam(ax, base)
        else if (name!.startsWith('aad')) got = aad(ax, base)
        else got = bcd(name!.slice(0, 3) as BcdOp, ax, h(fin!))
        const width = name!.startsWith('da') ? 0xff : 0xffff
        expect(`${line}[${lo}] -> ${(got!.ax & width).toString(16)} ${(got!.flags & got!.defined).toString(16)}`)
          .toBe(`${line}[${lo}] -> ${h(val!).toString(16)} ${h(f!).toString(16)}`)
      }
      n++
    }
    expect(n).toBe(13 * 64)
  })
})

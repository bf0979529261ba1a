/**
 * Processor throughput on a compute-bound guest loop in flat 32-bit protected
 * mode: integer arithmetic, shifts, a load and a store, conditional branches.
 *
 *   npx tsx bench/cpu.ts
 *
 * Prints guest MIPS in the normal configuration (decoded-instruction cache and
 * compiled blocks), with the cache but without compiled blocks, and with the
 * cache disabled (every instruction decoded each time it runs: the baseline),
 * and the ratio of the first to the last.
 */
import {Cpu} from '../src/core/cpu/index.js'
import {ExitReason, type GuestPhysicalMemory} from '../src/core/cpu/api.js'

const CODE = 0x10000
const DATA = 0x20000
const ITERATIONS = 2_000_000

/** The guest loop, assembled by hand. 13 instructions per iteration when the branch is not taken. */
const PROGRAM = [
  0xb9, ...le32(ITERATIONS), //       mov ecx, ITERATIONS
  0x31, 0xc0, //                      xor eax, eax
  0xbb, ...le32(0x12345), //          mov ebx, 0x12345
  0xbe, ...le32(DATA), //             mov esi, DATA
  // loop:
  0x01, 0xd8, //                      add eax, ebx
  0x89, 0xc2, //                      mov edx, eax
  0xc1, 0xe2, 0x03, //                shl edx, 3
  0x31, 0xd0, //                      xor eax, edx
  0x89, 0x06, //                      mov [esi], eax
  0x03, 0x1e, //                      add ebx, [esi]
  0xc1, 0xcb, 0x05, //                ror ebx, 5
  0x29, 0xcb, //                      sub ebx, ecx
  0xa9, ...le32(1), //                test eax, 1
  0x74, 0x01, //                      jz skip
  0x42, //                            inc edx
  // skip:
  0x8d, 0x7c, 0x16, 0x04, //          lea edi, [esi + edx + 4]
  0x49, //                            dec ecx
  0x75, 0x100 - 33, //                jnz loop
  0xf4, //                            hlt
]

function le32(v: number): number[] {
  return [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff]
}

function memory(): GuestPhysicalMemory {
  const pages = 256
  const pageOffset = new Float64Array(1 << 20).fill(-1)
  for (let i = 0; i < pages; i++) pageOffset[i] = i * 4096
  return {ram: new Uint8Array(pages * 4096), pageOffset, pageReadOnly: new Uint8Array(1 << 20)}
}

/** Run the guest loop once; returns millions of guest instructions per second. */
function guestMips(cacheEnabled: boolean, compile = true): number {
  const mem = memory()
  mem.ram.set(PROGRAM, CODE)
  const cpu = new Cpu(mem)
  cpu.enterMultibootState(CODE, 0, 0)
  cpu.codeCache.enabled = cacheEnabled
  cpu.codeCache.compile = compile
  const start = process.hrtime.bigint()
  const exit = cpu.run(Number.MAX_SAFE_INTEGER)
  const seconds = Number(process.hrtime.bigint() - start) / 1e9
  if (exit.reason !== ExitReason.Hlt) throw new Error(`guest stopped with exit reason ${exit.reason}`)
  return cpu.instructionCount / seconds / 1e6
}

function best(runs: number, f: () => number): number {
  let top = 0
  for (let n = 0; n < runs; n++) top = Math.max(top, f())
  return top
}

const compiled = best(5, () => guestMips(true))
const interpreted = best(3, () => guestMips(true, false))
const uncached = best(3, () => guestMips(false))
console.log(`guest loop, compiled blocks (normal mode)      : ${compiled.toFixed(1)} MIPS`)
console.log(`same guest, decoded instructions, no blocks    : ${interpreted.toFixed(1)} MIPS`)
console.log(`baseline: same guest, code cache disabled      : ${uncached.toFixed(1)} MIPS`)
console.log(`ratio compiled / baseline                      : ${(compiled / uncached).toFixed(2)}x`)

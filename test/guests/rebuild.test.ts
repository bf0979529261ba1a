/**
 * The committed images match their sources: rebuilding them into a temporary
 * directory gives the same bytes. tinyos needs gcc -m32, nasm and GNU ld and
 * objcopy; its byte comparison runs when the local toolchain reports the
 * versions recorded in guests/images/tinyos.toolchain (another compiler
 * version generates other, equally valid code). tinyos-hv (two flavours of
 * one source tree, guests/tinyos-hv plus the files it shares with
 * guests/tinyos) is checked the same way against tinyos-hv.toolchain and
 * tinyos-hv-win.toolchain. floatdemo likewise against floatdemo.toolchain,
 * and its disassembly must show the x87 and i686 instructions its flags are
 * there for. The example programs need only nasm.
 */
import {afterAll, describe, expect, it} from 'vitest'
import {spawnSync} from 'node:child_process'
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {hasTool} from '../helpers/tools.js'

const guestsDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../guests')
const imagesDir = path.join(guestsDir, 'images')

const works = hasTool

const tmp = mkdtempSync(path.join(tmpdir(), 'hv-guests-'))
afterAll(() => rmSync(tmp, {recursive: true, force: true}))

/** gcc can build 32-bit freestanding objects (needs the multilib support). */
function haveGcc32(): boolean {
  const src = path.join(tmp, 'probe.c')
  writeFileSync(src, 'int probe(void) { return 1; }\n')
  return works('gcc', ['-m32', '-ffreestanding', '-c', '-o', path.join(tmp, 'probe.o'), src])
}

const haveMake = works('make', ['--version'])
const haveNasm = works('nasm', ['-v'])
const haveBinutils = works('ld', ['-v']) && works('objcopy', ['--version']) && works('nm', ['--version'])
const haveTinyosTools = haveMake && haveNasm && haveBinutils && haveGcc32()

function make(target: string, out: string): void {
  const r = spawnSync(
    'make',
    ['-s', '-C', guestsDir, target, `IMAGES=${out}`, `BUILD=${path.join(out, 'build')}`],
    {encoding: 'utf8'},
  )
  if (r.status !== 0) throw new Error(`make ${target} failed (${r.status}):\n${r.stdout}\n${r.stderr}`)
}

function sameBytes(name: string, out: string): void {
  const built = readFileSync(path.join(out, name))
  const shipped = readFileSync(path.join(imagesDir, name))
  expect(built.length, `${name}: size`).toBe(shipped.length)
  const at = built.findIndex((b, i) => b !== shipped[i])
  expect(at, `${name}: first differing byte offset`).toBe(-1)
}

describe.skipIf(!haveMake || !haveNasm)(
  `example programs rebuild${haveMake && haveNasm ? '' : ' (skipped: needs make and nasm)'}`,
  () => {
    it('every program in guests/examples reassembles byte for byte into its committed image', () => {
      const out = path.join(tmp, 'examples')
      make('examples', out)
      for (const program of ['exit42', 'counter', 'fpu-error', 'fpu-series', 'ide-pio', 'plugin-timer']) sameBytes(`${program}.bin`, out)
    })
  },
)

describe.skipIf(!haveTinyosTools)(
  `tinyos rebuild${haveTinyosTools ? '' : ' (skipped: needs make, gcc -m32, nasm, ld and objcopy)'}`,
  () => {
    const out = path.join(tmp, 'tinyos')

    it('builds from guests/tinyos into a temporary directory', () => {
      make('tinyos', out)
      expect(readFileSync(path.join(out, 'tinyos.bin')).length).toBeGreaterThan(4096)
    })

    it('reproduces the shipped tinyos.bin byte for byte', (ctx) => {
      const local = readFileSync(path.join(out, 'tinyos.toolchain'), 'utf8')
      const recorded = readFileSync(path.join(imagesDir, 'tinyos.toolchain'), 'utf8')
      if (local !== recorded) {
        ctx.skip(`the local toolchain differs from the one recorded in guests/images/tinyos.toolchain:\n${local}`)
      }
      sameBytes('tinyos.bin', out)
    })

    it('builds the same bytes twice (nothing from the clock or the build path)', () => {
      const again = path.join(tmp, 'tinyos-again', 'deeper')
      const r = spawnSync(
        'make',
        ['-s', '-C', guestsDir, 'tinyos', `IMAGES=${again}`, `BUILD=${path.join(again, 'build')}`],
        {encoding: 'utf8', env: {...process.env, SOURCE_DATE_EPOCH: '86400'}},
      )
      expect(r.status, r.stderr).toBe(0)
      expect(readFileSync(path.join(again, 'tinyos.bin')).equals(readFileSync(path.join(out, 'tinyos.bin')))).toBe(true)
    })
  },
)

describe.skipIf(!haveTinyosTools)(
  `tinyos-hv rebuild${haveTinyosTools ? '' : ' (skipped: needs make, gcc -m32, nasm, ld and objcopy)'}`,
  () => {
    const out = path.join(tmp, 'tinyos-hv')
    const images = ['tinyos-hv', 'tinyos-hv-win']

    it('builds both flavours from guests/tinyos-hv into a temporary directory', () => {
      make('tinyos-hv', out)
      for (const name of images) expect(readFileSync(path.join(out, `${name}.bin`)).length).toBeGreaterThan(4096)
      // One -D apart: the flavours differ.
      expect(readFileSync(path.join(out, 'tinyos-hv.bin')).equals(readFileSync(path.join(out, 'tinyos-hv-win.bin')))).toBe(false)
    })

    for (const name of images) it(`reproduces the shipped ${name}.bin byte for byte`, (ctx) => {
      const local = readFileSync(path.join(out, `${name}.toolchain`), 'utf8')
      const recorded = readFileSync(path.join(imagesDir, `${name}.toolchain`), 'utf8')
      if (local !== recorded) {
        ctx.skip(`the local toolchain differs from the one recorded in guests/images/${name}.toolchain:\n${local}`)
      }
      // tinyos-hv compiles some of guests/tinyos's files too: after changing
      // them, refresh the images with `make -C guests tinyos-hv`.
      sameBytes(`${name}.bin`, out)
    })

    it('builds the same bytes twice (nothing from the clock or the build path)', () => {
      const again = path.join(tmp, 'tinyos-hv-again', 'deeper')
      const r = spawnSync(
        'make',
        ['-s', '-C', guestsDir, 'tinyos-hv', `IMAGES=${again}`, `BUILD=${path.join(again, 'build')}`],
        {encoding: 'utf8', env: {...process.env, SOURCE_DATE_EPOCH: '86400'}},
      )
      expect(r.status, r.stderr).toBe(0)
      for (const name of images) {
        expect(readFileSync(path.join(again, `${name}.bin`)).equals(readFileSync(path.join(out, `${name}.bin`)))).toBe(true)
      }
    })
  },
)

describe.skipIf(!haveTinyosTools)(
  `floatdemo rebuild${haveTinyosTools ? '' : ' (skipped: needs make, gcc -m32, nasm, ld and objcopy)'}`,
  () => {
    const out = path.join(tmp, 'floatdemo')

    it('builds from guests/floatdemo into a temporary directory', () => {
      make('floatdemo', out)
      expect(readFileSync(path.join(out, 'floatdemo.bin')).length).toBeGreaterThan(4096)
    })

    it('reproduces the shipped floatdemo.bin byte for byte', (ctx) => {
      const local = readFileSync(path.join(out, 'floatdemo.toolchain'), 'utf8')
      const recorded = readFileSync(path.join(imagesDir, 'floatdemo.toolchain'), 'utf8')
      if (local !== recorded) {
        ctx.skip(`the local toolchain differs from the one recorded in guests/images/floatdemo.toolchain:\n${local}`)
      }
      sameBytes('floatdemo.bin', out)
    })

    it('is compiled to FCOMI/FUCOMI, FCMOVcc, CMOVcc and FSQRT (-march=i686, -fno-math-errno)', (ctx) => {
      if (!works('objdump', ['--version'])) ctx.skip('objdump is not installed')
      const r = spawnSync('objdump', ['-d', path.join(out, 'build', 'floatdemo', 'floatdemo.elf')], {encoding: 'utf8', maxBuffer: 64 << 20})
      expect(r.status, r.stderr).toBe(0)
      const mnemonics = new Set(r.stdout.split('\n').map((l) => l.split('\t')[2]?.split(' ')[0]).filter(Boolean))
      for (const wanted of ['fcomi', 'fcomip', 'fucomi', 'fucomip', 'fsqrt', 'frndint', 'fprem', 'fistpll']) {
        expect(mnemonics.has(wanted), wanted).toBe(true)
      }
      expect([...mnemonics].some((m) => m.startsWith('fcmov')), 'an FCMOVcc').toBe(true)
      expect([...mnemonics].some((m) => m.startsWith('cmov')), 'a CMOVcc').toBe(true)
      // Nothing is left for a library that is not there.
      expect(r.stdout).not.toMatch(/call\s+\S+\s+<(sqrt|fmod|__\w+di\d|__fix\w+)>/)
    })
  },
)

describe.skipIf(!haveGcc32() || !haveBinutils)(
  `the Linux guest's diskbench rebuild${haveBinutils ? '' : ' (skipped: needs gcc -m32 and GNU ld)'}`,
  () => {
    it('guests/linux/tools/build.sh reproduces images/linux/diskbench byte for byte with the recorded toolchain', (ctx) => {
      const out = path.join(tmp, 'diskbench')
      const r = spawnSync('sh', [path.join(guestsDir, 'linux/tools/build.sh')], {encoding: 'utf8', env: {...process.env, OUT: out}})
      expect(r.status, r.stderr).toBe(0)
      const local = readFileSync(path.join(out, 'diskbench.toolchain'), 'utf8')
      const recorded = readFileSync(path.join(imagesDir, 'linux/diskbench.toolchain'), 'utf8')
      if (local !== recorded) ctx.skip(`the local toolchain differs from the one recorded in guests/images/linux/diskbench.toolchain:\n${local}`)
      expect(readFileSync(path.join(out, 'diskbench')).equals(readFileSync(path.join(imagesDir, 'linux/diskbench')))).toBe(true)
    })
  },
)

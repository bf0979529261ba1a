// Builds the command line: one CommonJS bundle (dist/hv.cjs) holding oclif, the
// commands and the core, and one for the VM worker (dist/worker.cjs); then the
// oclif manifest, then a V8 code cache made by running one command, so that start-up neither resolves hundreds of modules
// nor compiles them again. Modules loaded only on demand (tables, colour,
// prompts) stay outside the bundle.
import {execFileSync} from 'node:child_process'
import {existsSync, mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

import {build} from 'esbuild'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const bundle = join(root, 'dist', 'hv.cjs')

const common = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  minifySyntax: true,
  minifyWhitespace: true,
  sourcemap: 'linked',
  logLevel: 'warning',
  // Both bundles are CommonJS: `import.meta.url` is only read where `__dirname` is absent.
  define: {'import.meta.url': 'undefined'},
  // A bundle runs from a V8 code cache, where import() is unavailable: lazy
  // imports of built-in modules become lazy require() calls instead.
  supported: {'dynamic-import': false},
}

/**
 * Two of oclif's imports resolve to stand-ins that load the real package only
 * when it is used: `debug` (only with DEBUG set) and `supports-color` (only
 * when oclif asks whether to colour). Loaded up front, they cost every run.
 */
const lazyOclifDependencies = {
  name: 'lazy-oclif-dependencies',
  setup(build) {
    for (const [name, file] of [['debug', 'oclif-debug.cjs'], ['supports-color', 'oclif-supports-color.cjs']]) {
      const standIn = join(root, 'src', 'cli', file)
      // The stand-in's own require of the package resolves to the package.
      build.onResolve({filter: new RegExp(`^${name}$`)}, (args) => (args.importer === standIn ? undefined : {path: standIn}))
    }
  },
}

/**
 * oclif sorts the command list with String#localeCompare, whose first call
 * builds an ICU collator: about 6 ms of every run, for ids that are ASCII
 * kebab-case. The bundle sorts them by code unit instead (the same order for
 * such ids); nothing else changes in oclif's code.
 */
const ordinalCommandSort = {
  name: 'ordinal-command-sort',
  setup(build) {
    build.onLoad({filter: /@oclif[\\/]core[\\/]lib[\\/]config[\\/]plugin\.js$/}, async (args) => {
      const {readFile} = await import('node:fs/promises')
      const source = await readFile(args.path, 'utf8')
      const sorted = '.sort((a, b) => a.id.localeCompare(b.id))'
      if (!source.includes(sorted)) throw new Error(`${args.path}: oclif's command sort changed; review ordinalCommandSort`)
      return {contents: source.replace(sorted, '.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))'), loader: 'js'}
    })
  },
}

rmSync(join(root, 'dist'), {recursive: true, force: true})
await build({
  ...common,
  plugins: [lazyOclifDependencies, ordinalCommandSort],
  entryPoints: [join(root, 'src', 'cli', 'entry.ts')],
  outfile: bundle,
  external: ['cli-table3', 'chalk', '@inquirer/prompts', 'typescript', 'ts-node'],
})
// The VM worker process (vmwp): the hypervisor, the processor and the devices.
await build({
  ...common,
  entryPoints: [join(root, 'src', 'core', 'worker', 'worker-main.ts')],
  outfile: join(root, 'dist', 'worker.cjs'),
})

execFileSync(process.execPath, [join(root, 'scripts', 'manifest.js')], {stdio: 'inherit'})

// Warm both code caches in a throwaway HV_HOME: the command line's with
// `get-vm`, the worker's by running a VM that exits at once.
const home = mkdtempSync(join(tmpdir(), 'hv-build-'))
const hv = (args, extra = {}) =>
  execFileSync(process.execPath, [join(root, 'bin', 'run.js'), ...args], {
    env: {...process.env, HV_HOME: home, ...extra},
    stdio: 'ignore',
  })
try {
  hv(['get-vm'], {HV_WRITE_CODE_CACHE: '1'})
  hv(['new-vm', 'warm', '--boot-kernel', join(root, 'guests', 'images', 'exit42.bin'), '-MemoryStartupBytes', '32MB'])
  try {
    hv(['start-vm', 'warm', '--wait'])
  } catch {} // it exits with status 42
  // The worker writes its cache as it exits, just after the command returns.
  const deadline = Date.now() + 5000
  while (!existsSync(join(root, 'dist', 'worker.cjs.cache')) && Date.now() < deadline) execFileSync('sleep', ['0.05'])
} finally {
  rmSync(home, {recursive: true, force: true})
}

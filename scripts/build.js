// Builds the command line: one CommonJS bundle (dist/hv.cjs) holding oclif, the
// commands and the core, and one for the VM worker (dist/worker.cjs); then the
// oclif manifest, then a V8 code cache made by running one command, so that start-up neither resolves hundreds of modules
// nor compiles them again. Modules loaded only on demand (tables, colour,
// prompts) stay outside the bundle.
import {execFileSync} from 'node:child_process'
import {mkdtempSync, rmSync} from 'node:fs'
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
  keepNames: true,
  sourcemap: 'linked',
  logLevel: 'warning',
  // Both bundles are CommonJS: `import.meta.url` is only read where `__dirname` is absent.
  define: {'import.meta.url': 'undefined'},
}

rmSync(join(root, 'dist'), {recursive: true, force: true})
await build({
  ...common,
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

// Warm the code cache with a representative command in a throwaway HV_HOME.
const home = mkdtempSync(join(tmpdir(), 'hv-build-'))
try {
  execFileSync(process.execPath, [join(root, 'bin', 'run.js'), 'get-vm'], {
    env: {...process.env, HV_HOME: home, HV_WRITE_CODE_CACHE: '1'},
    stdio: 'ignore',
  })
} finally {
  rmSync(home, {recursive: true, force: true})
}

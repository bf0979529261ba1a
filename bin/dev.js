#!/usr/bin/env node
// Runs hv from the TypeScript sources: rebuilds the bundle (esbuild, well under
// a second) and runs it.
import {execFileSync} from 'node:child_process'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
execFileSync(process.execPath, [join(root, 'scripts', 'build.js')], {stdio: 'inherit'})
await import('./run.js')

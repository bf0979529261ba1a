#!/usr/bin/env node
// The hv binary. Loads the command-line bundle through a V8 code cache (made by
// the build) so that start-up skips compiling it, then hands over to oclif.
import {readFileSync, writeFileSync} from 'node:fs'
import Module, {createRequire} from 'node:module'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {Script} from 'node:vm'

const bundlePath = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'hv.cjs')
const cachePath = `${bundlePath}.cache`

function loadBundle() {
  let cachedData
  try {
    cachedData = readFileSync(cachePath)
  } catch {}
  const script = new Script(Module.wrap(readFileSync(bundlePath, 'utf8')), {
    filename: bundlePath,
    cachedData,
  })
  // Register it as the CommonJS module it is, so oclif's lookup of the command
  // registry (package.json "oclif.commands") finds this instance.
  const mod = new Module(bundlePath)
  mod.filename = bundlePath
  mod.paths = Module._nodeModulePaths(dirname(bundlePath))
  Module._cache[bundlePath] = mod
  script.runInThisContext().call(mod.exports, mod.exports, createRequire(bundlePath), mod, bundlePath, dirname(bundlePath))
  mod.loaded = true
  if (process.env.HV_WRITE_CODE_CACHE || cachedData === undefined || script.cachedDataRejected) {
    process.once('beforeExit', () => {
      try {
        writeFileSync(cachePath, script.createCachedData())
      } catch {} // a read-only install just starts a little slower
    })
  }
  return mod.exports
}

// hv checks its own engine range through npm; oclif's check would cost a semver parse per run.
process.env.OCLIF_DISABLE_ENGINE_WARNING ??= '1'
const {execute, setImporter} = loadBundle()
setImporter((specifier) => import(specifier))
await execute({dir: import.meta.url})

// Loads one of hv's CommonJS bundles (dist/NAME.cjs) through a V8 code cache
// (dist/NAME.cjs.cache), so that start-up neither resolves hundreds of modules
// nor compiles them again. The cache is made by the build and remade whenever
// V8 rejects it (another Node version); a read-only install just starts slower.
'use strict'
const {readFileSync, renameSync, writeFileSync} = require('node:fs')
const Module = require('node:module')
const {dirname, join} = require('node:path')
const {Script} = require('node:vm')

function loadBundle(name) {
  const bundlePath = join(__dirname, '..', 'dist', `${name}.cjs`)
  const cachePath = `${bundlePath}.cache`
  let cachedData
  try {
    cachedData = readFileSync(cachePath)
  } catch {}
  const script = new Script(Module.wrap(readFileSync(bundlePath, 'utf8')), {filename: bundlePath, cachedData})
  // Register it as the CommonJS module it is, so that lookups of this file
  // (oclif's command registry in package.json) find this instance.
  const mod = new Module(bundlePath)
  mod.filename = bundlePath
  mod.paths = Module._nodeModulePaths(dirname(bundlePath))
  Module._cache[bundlePath] = mod
  if (process.env.HV_WRITE_CODE_CACHE || cachedData === undefined || script.cachedDataRejected) {
    // On exit, so that the functions the run compiled are in the cache too.
    process.once('exit', () => {
      try {
        const temp = `${cachePath}.${process.pid}.tmp`
        writeFileSync(temp, script.createCachedData())
        renameSync(temp, cachePath)
      } catch {}
    })
  }
  script.runInThisContext().call(mod.exports, mod.exports, Module.createRequire(bundlePath), mod, bundlePath, dirname(bundlePath))
  mod.loaded = true
  return mod.exports
}

module.exports = {loadBundle}

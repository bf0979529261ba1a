#!/usr/bin/env node
// The hv binary. It is CommonJS (bin/package.json) because an ES module entry
// costs the ESM loader on every run. It evaluates the command-line bundle
// through a V8 code cache made by the build, so start-up neither resolves
// hundreds of modules nor compiles them again, then hands over to oclif.
'use strict'
const {readFileSync, writeFileSync} = require('node:fs')
const Module = require('node:module')
const {dirname, join} = require('node:path')
const {Script} = require('node:vm')

const root = join(__dirname, '..')
const bundlePath = join(root, 'dist', 'hv.cjs')
const cachePath = `${bundlePath}.cache`

function loadBundle() {
  let cachedData
  try {
    cachedData = readFileSync(cachePath)
  } catch {}
  const script = new Script(Module.wrap(readFileSync(bundlePath, 'utf8')), {filename: bundlePath, cachedData})
  // Register it as the CommonJS module it is, so that oclif's lookup of the
  // command registry (package.json "oclif.commands") finds this instance.
  const mod = new Module(bundlePath)
  mod.filename = bundlePath
  mod.paths = Module._nodeModulePaths(dirname(bundlePath))
  Module._cache[bundlePath] = mod
  script.runInThisContext().call(mod.exports, mod.exports, Module.createRequire(bundlePath), mod, bundlePath, dirname(bundlePath))
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

// hv's engine range is checked by npm; oclif's own check would cost a semver parse per run.
process.env.OCLIF_DISABLE_ENGINE_WARNING ??= '1'
const {execute, setImporter} = loadBundle()
// Code evaluated from a code cache cannot call import() itself: lend it ours.
setImporter((specifier) => import(specifier))
execute({loadOptions: {root}})

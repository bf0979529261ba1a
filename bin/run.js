#!/usr/bin/env node
// The hv binary. CommonJS (bin/package.json), because an ES module entry costs
// the ESM loader on every run; the command line itself is one bundle loaded
// through a code cache, then oclif takes over.
'use strict'
const {join} = require('node:path')

const {loadBundle} = require('./load-bundle.js')

// hv's engine range is checked by npm; oclif's own check would cost a semver parse per run.
process.env.OCLIF_DISABLE_ENGINE_WARNING ??= '1'
const {execute, setImporter} = loadBundle('hv')
// Code evaluated from a code cache cannot call import() itself: lend it ours.
setImporter((specifier) => import(specifier))
execute({loadOptions: {root: join(__dirname, '..')}})

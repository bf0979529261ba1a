#!/usr/bin/env node
// Runs hv from the TypeScript sources: rebuilds the bundle (esbuild, well under
// a second) and runs it.
'use strict'
const {execFileSync} = require('node:child_process')
const {join} = require('node:path')

execFileSync(process.execPath, [join(__dirname, '..', 'scripts', 'build.js')], {stdio: 'inherit'})
require('./run.js')

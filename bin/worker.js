#!/usr/bin/env node
// A VM worker process (vmwp), started by the VMMS: `node bin/worker.js VMID`.
'use strict'
require('./load-bundle.js').loadBundle('worker')

// oclif asks `supports-color` whether its help may use colour, and that
// package probes the terminal (loading tty and net) as soon as it is loaded.
// This stand-in probes only when oclif asks, which most runs never do.
'use strict'
let real
const probe = () => (real ??= require('supports-color'))
module.exports = {
  get stdout() {
    return probe().stdout
  },
  get stderr() {
    return probe().stderr
  },
}

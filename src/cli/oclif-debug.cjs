// oclif's logger calls the `debug` package for DEBUG=oclif* tracing. Loading
// it (and the tty and net modules it pulls in) costs every run start-up time,
// so the bundle gives oclif this stand-in: loggers that do nothing unless
// DEBUG is set, in which case the real package is loaded on first use.
'use strict'
function lazyDebug(namespace) {
  if (!process.env.DEBUG) return Object.assign(() => {}, {enabled: false, namespace})
  return require('debug')(namespace)
}
module.exports = lazyDebug
module.exports.default = lazyDebug

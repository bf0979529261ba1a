export * from './vstor-protocol.js'
export * from './storvsp.js'

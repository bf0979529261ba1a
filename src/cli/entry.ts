/**
 * The command line's bundle entry: oclif itself and the command registry, so
 * that bin/run.js loads one file (with a V8 code cache) instead of hundreds.
 */
export {execute} from '@oclif/core'
export {COMMANDS} from '../commands/index.js'
export {setImporter} from './lazy-import.js'
export {commandNotFound} from './command-not-found.js'

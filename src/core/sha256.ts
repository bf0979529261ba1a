import type {Hash} from 'node:crypto'

/**
 * A SHA-256 hash, with node:crypto loaded on first use: the command line
 * hashes only when it exports, imports or checkpoints, and loading the module
 * up front costs every other command start-up time.
 */
export function createSha256(): Hash {
  return process.getBuiltinModule('node:crypto').createHash('sha256')
}

import {realpathSync} from 'node:fs'
import {resolve} from 'node:path'

/**
 * The path an image is known by: links resolved, so that one file reached two
 * ways is recognised as one (a chain's parent, a mounted image, a drive); a
 * path that does not exist (yet) is only made absolute.
 */
export function realPath(path: string): string {
  try {
    return realpathSync(path)
  } catch {
    return resolve(path)
  }
}

import {homedir} from 'node:os'
import {join} from 'node:path'

/**
 * Where hv keeps its store: $HV_HOME when set, else the platform's user data
 * directory (XDG on Linux, Application Support on macOS, LOCALAPPDATA on Windows).
 */
export function resolveHvHome(env: NodeJS.ProcessEnv = process.env): string {
  if (env.HV_HOME) return env.HV_HOME
  switch (process.platform) {
    case 'win32':
      return join(env.LOCALAPPDATA ?? join(homedir(), 'AppData', 'Local'), 'hv')
    case 'darwin':
      return join(homedir(), 'Library', 'Application Support', 'hv')
    default:
      return join(env.XDG_DATA_HOME ?? join(homedir(), '.local', 'share'), 'hv')
  }
}

export const STORE_FILE = 'store.json'
export const LAST_GOOD_FILE = 'store.last-good.json'
export const LOCK_FILE = 'store.lock'

import {existsSync, statSync} from 'node:fs'
import {createRequire} from 'node:module'
import {isAbsolute} from 'node:path'

import {InvalidArgumentError, NotFoundError} from '../../errors.js'
import {DEVICE_KIND_ID, type DeviceKind} from '../device-kind.js'

/**
 * Loads a plug-in VDev: the ES module at an absolute path, whose default
 * export must be a DeviceKind. Every refusal is one line naming the file.
 *
 * The module is loaded synchronously with require(), which takes ES modules
 * from Node 20.19 on (hv's minimum). That is deliberate: the command line and
 * the worker run as CommonJS bundles evaluated from a V8 code cache, where
 * import() is unavailable, and the worker builds its motherboard
 * synchronously. The price is that a plug-in cannot use top-level await.
 * Node caches the module for the life of the process, as import() would.
 */
export function loadDeviceKind(path: string): DeviceKind {
  if (!isAbsolute(path)) throw new InvalidArgumentError(`The plug-in module path '${path}' is not absolute.`)
  if (!existsSync(path) || !statSync(path).isFile()) throw new NotFoundError(`The plug-in module '${path}' does not exist.`)
  let namespace: unknown
  try {
    namespace = createRequire(path)(path)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    const reason = code === 'ERR_REQUIRE_ASYNC_MODULE' ? 'it uses top-level await, which plug-in modules cannot' : firstLine(error)
    throw new InvalidArgumentError(`The plug-in module '${path}' cannot be loaded: ${reason}`)
  }
  const kind = (namespace as {default?: unknown} | null)?.default
  const problem = kindProblem(kind)
  if (problem) throw new InvalidArgumentError(`'${path}' is not a device kind: ${problem}.`)
  return kind as DeviceKind
}

/** What keeps `value` from being a DeviceKind, or null. */
function kindProblem(value: unknown): string | null {
  if (value === undefined) return 'it has no default export'
  if (typeof value !== 'object' || value === null) return 'its default export is not an object'
  const kind = value as Record<string, unknown>
  if (typeof kind.id !== 'string' || !DEVICE_KIND_ID.test(kind.id)) return 'its default export has no "id" of the form vendor.name'
  if (typeof kind.description !== 'string' || !kind.description.trim()) return `"${kind.id}" has no "description"`
  for (const method of ['parseConfig', 'create']) {
    if (typeof kind[method] !== 'function') return `"${kind.id}" has no ${method}() function`
  }
  return null
}

/** An error's message, first line only: errors here are reported on one line. */
export function firstLine(error: unknown): string {
  const message = error instanceof Error ? `${error.name === 'Error' ? '' : `${error.name}: `}${error.message}` : String(error)
  return message.split('\n')[0]!.trim()
}

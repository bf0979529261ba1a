/**
 * Finding and checking the parent of a differencing image. The paths of its
 * parent locator are tried in the format's order: relative_path (relative to
 * the child's directory), then absolute_win32_path. volume_path names a
 * Windows volume by GUID and cannot be followed here. Paths are written with
 * "\" as Windows does; hv turns them into this host's paths.
 *
 * The parent must still be the disk the child was made from: its header's
 * DataWriteGuid (which changes whenever its contents do) must equal the
 * child's parent_linkage (or parent_linkage2).
 */
import {existsSync, statSync} from 'node:fs'
import {dirname, isAbsolute, relative, resolve, sep} from 'node:path'

import {formatGuid, guidsEqual, parseGuid} from './guid.js'
import {ABSOLUTE_WIN32_PATH, PARENT_LINKAGE, PARENT_LINKAGE2, RELATIVE_PATH} from './parent-locator.js'
import type {VhdxImage} from './vhdx-image.js'
import {DiskFormatError, type SectorSize} from '../virtual-disk.js'

/** A Win32 extended-length prefix, "\\?\". */
const EXTENDED_PREFIX = '\\\\?\\'

/** A path from the locator, as this host spells it. */
function hostPath(windowsPath: string): string {
  const withoutPrefix = windowsPath.startsWith(EXTENDED_PREFIX) ? windowsPath.slice(EXTENDED_PREFIX.length) : windowsPath
  return withoutPrefix.replaceAll('\\', '/')
}

/** Where the parent may be, in the order to try; `unusable` lists locator paths this host cannot follow. */
export function parentCandidates(childPath: string, locator: Map<string, string>): {candidates: string[]; unusable: string[]} {
  const candidates: string[] = []
  const unusable: string[] = []
  const relative = locator.get(RELATIVE_PATH)
  if (relative !== undefined) candidates.push(resolve(dirname(resolve(childPath)), hostPath(relative)))
  const absolute = locator.get(ABSOLUTE_WIN32_PATH)
  if (absolute !== undefined) {
    const path = hostPath(absolute)
    if (isAbsolute(path)) candidates.push(path)
    else unusable.push(absolute)
  }
  return {candidates, unusable}
}

/** The relative_path value hv records: Windows separators, relative to the child's directory. */
export function relativeLocatorPath(childPath: string, parentPath: string): string {
  return relative(dirname(resolve(childPath)), resolve(parentPath)).split(sep).join('\\')
}

/**
 * Open the parent the locator points at (through `open`, read-only) and check
 * that it is the child's parent. Errors name the child and what was looked for.
 */
export function openParent(childPath: string, locator: Map<string, string>, logicalSectorSize: SectorSize, open: (path: string) => VhdxImage): {parent: VhdxImage; path: string} {
  const fail = (problem: string) => new DiskFormatError(childPath, problem)
  const linkageText = locator.get(PARENT_LINKAGE)
  if (linkageText === undefined) throw fail('the parent locator has no parent_linkage')
  const linkage = parseGuid(linkageText)
  if (!linkage) throw fail(`the parent locator's parent_linkage "${linkageText}" is not a GUID`)
  const linkage2Text = locator.get(PARENT_LINKAGE2)
  const linkage2 = linkage2Text === undefined ? null : parseGuid(linkage2Text)

  const {candidates, unusable} = parentCandidates(childPath, locator)
  const found = candidates.find((path) => existsSync(path) && statSync(path).isFile())
  if (found === undefined) {
    const looked = candidates.length > 0 ? `looked for ${candidates.join(' and ')}` : 'the parent locator has no relative_path or absolute_win32_path'
    const skipped = unusable.length > 0 ? ` (${unusable.join(', ')} is a Windows path)` : ''
    throw fail(`parent disk not found: ${looked}${skipped}`)
  }

  const parent = open(found)
  try {
    if (!guidsEqual(parent.dataWriteGuid, linkage) && !(linkage2 && guidsEqual(parent.dataWriteGuid, linkage2))) {
      throw fail(`parent ${found} has changed since this differencing disk was made: its DataWriteGuid is {${formatGuid(parent.dataWriteGuid)}}, this disk's parent_linkage is {${formatGuid(linkage)}}`)
    }
    if (parent.logicalSectorSize !== logicalSectorSize) throw fail(`parent ${found} has ${parent.logicalSectorSize}-byte logical sectors, this disk ${logicalSectorSize}-byte ones`)
  } catch (error) {
    parent.close()
    throw error
  }
  return {parent, path: found}
}

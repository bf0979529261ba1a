/**
 * Recognising a VHD by its contents: the "conectix" cookie that starts the
 * footer, in the last 512 bytes of the file (the last 511 in images older
 * than Virtual PC 2004), or in the first 512, where dynamic and differencing
 * images keep a copy and some old tools put the only one.
 */
import {closeSync, fstatSync, openSync, readSync} from 'node:fs'

import {FOOTER_SIZE, LEGACY_FOOTER_SIZE} from './constants.js'
import {FOOTER_COOKIE} from './footer.js'

/** Whether the file at `path` carries a VHD footer cookie; false for anything unreadable. */
export function isVhd(path: string): boolean {
  let fd: number
  try {
    fd = openSync(path, 'r')
  } catch {
    return false
  }
  try {
    const size = fstatSync(fd).size
    if (size < LEGACY_FOOTER_SIZE) return false
    const places = [size - FOOTER_SIZE, size - LEGACY_FOOTER_SIZE, 0].filter((position) => position >= 0)
    return places.some((position) => cookieAt(fd, position))
  } catch {
    return false
  } finally {
    closeSync(fd)
  }
}

function cookieAt(fd: number, position: number): boolean {
  const bytes = Buffer.alloc(FOOTER_COOKIE.length)
  const got = readSync(fd, bytes, 0, bytes.length, position)
  return got === bytes.length && bytes.toString('latin1') === FOOTER_COOKIE
}

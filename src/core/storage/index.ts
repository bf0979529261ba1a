/**
 * Virtual disk images: VHD and VHDX files, opened and created by format. The
 * format of a new image follows its file name, as New-VHD's does (.vhd, .avhd:
 * VHD; .vhdx, .avhdx: VHDX); an existing image is recognised by its contents.
 */
import {extname} from 'node:path'

import {InvalidArgumentError} from '../errors.js'
import {createVhd, isVhd, openVhd} from './vhd/index.js'
import {createVhdx, isVhdx, openVhdx} from './vhdx/index.js'
import {type CreateDiskOptions, DiskFormatError, type OpenDiskOptions, type VhdFormat, type VirtualDisk} from './virtual-disk.js'

export type {CreateDiskOptions, OpenDiskOptions, SectorSize, VhdFormat, VhdType, VirtualDisk} from './virtual-disk.js'
export {DiskFormatError} from './virtual-disk.js'

const FORMAT_BY_EXTENSION: Record<string, VhdFormat> = {'.vhd': 'VHD', '.avhd': 'VHD', '.vhdx': 'VHDX', '.avhdx': 'VHDX'}

/** The format a new image at `path` takes from its extension; anything else is refused in New-VHD's words. */
export function formatForPath(path: string): VhdFormat {
  const format = FORMAT_BY_EXTENSION[extname(path).toLowerCase()]
  if (!format) {
    throw new InvalidArgumentError(`The format of the virtual hard disk '${path}' cannot be determined from its file name extension: use .vhd or .vhdx.`)
  }
  return format
}

/** Opens the image at `path`, whichever format its contents say it is. */
export function openDisk(path: string, options: OpenDiskOptions = {}): VirtualDisk {
  if (isVhdx(path)) return openVhdx(path, options)
  if (isVhd(path)) return openVhd(path, options)
  throw new DiskFormatError(path, 'not a VHD or VHDX image (neither a "vhdxfile" signature nor a "conectix" footer)')
}

/** Creates an image at `path` in `format` (by default the one its extension names). */
export function createDisk(options: CreateDiskOptions & {format?: VhdFormat}): VirtualDisk {
  const format = options.format ?? formatForPath(options.path)
  return format === 'VHDX' ? createVhdx(options) : createVhd(options)
}

/** Runs `use` on the image at `path`, closing it afterwards whatever happens. */
export function withDisk<T>(path: string, options: OpenDiskOptions, use: (disk: VirtualDisk) => T): T {
  const disk = openDisk(path, options)
  try {
    return use(disk)
  } finally {
    disk.close()
  }
}

/** The image at `path` and its parents, child first; just the image when its chain does not open. */
export function chainPaths(path: string): string[] {
  try {
    return withDisk(path, {readOnly: true}, (disk) => {
      const paths: string[] = []
      for (let level: VirtualDisk | null = disk; level !== null; level = level.parent) paths.push(level.path)
      return paths
    })
  } catch {
    return [path]
  }
}

/**
 * VHD images (Microsoft's Virtual Hard Disk Image Format Specification 1.0):
 * fixed, dynamic and differencing, read and written synchronously through
 * the VirtualDisk interface.
 */
import type {CreateDiskOptions, OpenDiskOptions, VirtualDisk} from '../virtual-disk.js'
import {createVhdImage} from './create.js'
import {openVhdImage} from './open.js'

export {isVhd} from './detect.js'

/**
 * Create the image `options` describe and return it open read-write. An
 * existing file is refused (ConflictError); bad options are an
 * InvalidArgumentError; a differencing image takes its parent's size.
 */
export function createVhd(options: CreateDiskOptions): VirtualDisk {
  return createVhdImage(options)
}

/**
 * Open the VHD at `path`. A differencing image opens its parent chain
 * read-only, each parent found through its child's relative locator, else
 * its absolute one. A damaged image, or a missing or mismatched parent, is a
 * DiskFormatError; a missing file a NotFoundError.
 */
export function openVhd(path: string, options: OpenDiskOptions = {}): VirtualDisk {
  return openVhdImage(path, {readOnly: options.readOnly, skipParent: options.skipParent})
}
